#include "hsm/Pkcs11Library.h"

#include "core/Log.h"

#include <QFile>
#include <QFileInfo>

#include <dlfcn.h>

namespace imprint::hsm {

namespace {

struct CkrEntry
{
    CK_RV rv;
    const char* name;
};

constexpr CkrEntry kCkrNames[] = {
    {CKR_OK, "CKR_OK"},
    {CKR_CANCEL, "CKR_CANCEL"},
    {CKR_HOST_MEMORY, "CKR_HOST_MEMORY"},
    {CKR_SLOT_ID_INVALID, "CKR_SLOT_ID_INVALID"},
    {CKR_GENERAL_ERROR, "CKR_GENERAL_ERROR"},
    {CKR_FUNCTION_FAILED, "CKR_FUNCTION_FAILED"},
    {CKR_ARGUMENTS_BAD, "CKR_ARGUMENTS_BAD"},
    {CKR_ATTRIBUTE_READ_ONLY, "CKR_ATTRIBUTE_READ_ONLY"},
    {CKR_ATTRIBUTE_SENSITIVE, "CKR_ATTRIBUTE_SENSITIVE"},
    {CKR_ATTRIBUTE_TYPE_INVALID, "CKR_ATTRIBUTE_TYPE_INVALID"},
    {CKR_ATTRIBUTE_VALUE_INVALID, "CKR_ATTRIBUTE_VALUE_INVALID"},
    {CKR_DATA_INVALID, "CKR_DATA_INVALID"},
    {CKR_DATA_LEN_RANGE, "CKR_DATA_LEN_RANGE"},
    {CKR_DEVICE_ERROR, "CKR_DEVICE_ERROR"},
    {CKR_DEVICE_MEMORY, "CKR_DEVICE_MEMORY"},
    {CKR_DEVICE_REMOVED, "CKR_DEVICE_REMOVED"},
    {CKR_FUNCTION_NOT_SUPPORTED, "CKR_FUNCTION_NOT_SUPPORTED"},
    {CKR_KEY_HANDLE_INVALID, "CKR_KEY_HANDLE_INVALID"},
    {CKR_KEY_SIZE_RANGE, "CKR_KEY_SIZE_RANGE"},
    {CKR_KEY_TYPE_INCONSISTENT, "CKR_KEY_TYPE_INCONSISTENT"},
    {CKR_KEY_FUNCTION_NOT_PERMITTED, "CKR_KEY_FUNCTION_NOT_PERMITTED"},
    {CKR_MECHANISM_INVALID, "CKR_MECHANISM_INVALID"},
    {CKR_MECHANISM_PARAM_INVALID, "CKR_MECHANISM_PARAM_INVALID"},
    {CKR_OBJECT_HANDLE_INVALID, "CKR_OBJECT_HANDLE_INVALID"},
    {CKR_OPERATION_ACTIVE, "CKR_OPERATION_ACTIVE"},
    {CKR_OPERATION_NOT_INITIALIZED, "CKR_OPERATION_NOT_INITIALIZED"},
    {CKR_PIN_INCORRECT, "CKR_PIN_INCORRECT"},
    {CKR_PIN_INVALID, "CKR_PIN_INVALID"},
    {CKR_PIN_LEN_RANGE, "CKR_PIN_LEN_RANGE"},
    {CKR_PIN_EXPIRED, "CKR_PIN_EXPIRED"},
    {CKR_PIN_LOCKED, "CKR_PIN_LOCKED"},
    {CKR_SESSION_CLOSED, "CKR_SESSION_CLOSED"},
    {CKR_SESSION_COUNT, "CKR_SESSION_COUNT"},
    {CKR_SESSION_HANDLE_INVALID, "CKR_SESSION_HANDLE_INVALID"},
    {CKR_SESSION_READ_ONLY, "CKR_SESSION_READ_ONLY"},
    {CKR_SESSION_EXISTS, "CKR_SESSION_EXISTS"},
    {CKR_SIGNATURE_INVALID, "CKR_SIGNATURE_INVALID"},
    {CKR_TEMPLATE_INCOMPLETE, "CKR_TEMPLATE_INCOMPLETE"},
    {CKR_TEMPLATE_INCONSISTENT, "CKR_TEMPLATE_INCONSISTENT"},
    {CKR_TOKEN_NOT_PRESENT, "CKR_TOKEN_NOT_PRESENT"},
    {CKR_TOKEN_NOT_RECOGNIZED, "CKR_TOKEN_NOT_RECOGNIZED"},
    {CKR_TOKEN_WRITE_PROTECTED, "CKR_TOKEN_WRITE_PROTECTED"},
    {CKR_USER_ALREADY_LOGGED_IN, "CKR_USER_ALREADY_LOGGED_IN"},
    {CKR_USER_NOT_LOGGED_IN, "CKR_USER_NOT_LOGGED_IN"},
    {CKR_USER_PIN_NOT_INITIALIZED, "CKR_USER_PIN_NOT_INITIALIZED"},
    {CKR_USER_TYPE_INVALID, "CKR_USER_TYPE_INVALID"},
    {CKR_BUFFER_TOO_SMALL, "CKR_BUFFER_TOO_SMALL"},
    {CKR_CRYPTOKI_NOT_INITIALIZED, "CKR_CRYPTOKI_NOT_INITIALIZED"},
    {CKR_CRYPTOKI_ALREADY_INITIALIZED, "CKR_CRYPTOKI_ALREADY_INITIALIZED"},
    {CKR_CURVE_NOT_SUPPORTED, "CKR_CURVE_NOT_SUPPORTED"},
};

QString hintFor(CK_RV rv)
{
    switch (rv) {
    case CKR_PIN_INCORRECT:
        return QStringLiteral(" (wrong PIN; not retried, so the token's retry counter is not "
                              "used up)");
    case CKR_PIN_LOCKED:
        return QStringLiteral(" (the user PIN is locked; the security officer must unblock it)");
    case CKR_DEVICE_REMOVED:
    case CKR_TOKEN_NOT_PRESENT:
    case CKR_CRYPTOKI_NOT_INITIALIZED:
        return QStringLiteral(" (the token is gone; reconnect it and open the CA again)");
    default:
        return {};
    }
}

}  // namespace

QString ckrName(CK_RV rv)
{
    for (const auto& entry : kCkrNames) {
        if (entry.rv == rv)
            return QString::fromLatin1(entry.name);
    }
    return QStringLiteral("CKR_0x%1").arg(rv, 8, 16, QLatin1Char('0'));
}

bool meansTokenGone(CK_RV rv)
{
    return rv == CKR_DEVICE_REMOVED || rv == CKR_TOKEN_NOT_PRESENT || rv == CKR_SESSION_CLOSED
        || rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_CRYPTOKI_NOT_INITIALIZED
        || rv == CKR_SLOT_ID_INVALID || rv == CKR_TOKEN_NOT_RECOGNIZED;
}

ErrorCode errorCodeFor(CK_RV rv)
{
    if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_INVALID || rv == CKR_PIN_LEN_RANGE)
        return ErrorCode::PinIncorrect;
    if (rv == CKR_PIN_LOCKED)
        return ErrorCode::PinLocked;
    if (meansTokenGone(rv))
        return ErrorCode::TokenRemoved;
    if (rv == CKR_KEY_HANDLE_INVALID || rv == CKR_OBJECT_HANDLE_INVALID)
        return ErrorCode::KeyNotFound;
    return ErrorCode::HsmModule;
}

Error pkcs11Failure(const char* call, const QString& token, CK_RV rv)
{
    const QString where = token.isEmpty() ? QString() : QStringLiteral(" on token '%1'").arg(token);
    return Error(errorCodeFor(rv), QString::fromLatin1(call) + where + QStringLiteral(": ")
                                       + ckrName(rv) + hintFor(rv));
}

Pkcs11Library::Pkcs11Library(QString path, void* handle, CK_FUNCTION_LIST* functions)
    : m_path(std::move(path)), m_handle(handle), m_functions(functions)
{
}

Pkcs11Library::~Pkcs11Library()
{
    finalize();
    // The module stays mapped (dlopen counts references, so loading it again reuses it):
    // modules keep global state and some register atexit handlers, which unloading would
    // leave dangling; and what they hold stays reachable for LeakSanitizer.
}

Result<std::shared_ptr<Pkcs11Library>> Pkcs11Library::load(const QString& path)
{
    if (!QFileInfo::exists(path))
        return Error(ErrorCode::HsmModule,
                     QStringLiteral("PKCS#11 module %1 does not exist").arg(path));
    void* handle = dlopen(QFile::encodeName(path).constData(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr)
        return Error(ErrorCode::HsmModule, QStringLiteral("%1 is not a PKCS#11 module (dlopen: %2)")
                                               .arg(path, QString::fromLocal8Bit(dlerror())));
    auto* getFunctionList = reinterpret_cast<CK_C_GetFunctionList>(dlsym(handle, "C_GetFunctionList"));
    CK_FUNCTION_LIST* functions = nullptr;
    if (getFunctionList == nullptr || getFunctionList(&functions) != CKR_OK || functions == nullptr) {
        dlclose(handle);
        return Error(ErrorCode::HsmModule,
                     QStringLiteral("%1 is not a PKCS#11 module (no C_GetFunctionList)").arg(path));
    }
    std::shared_ptr<Pkcs11Library> library(new Pkcs11Library(path, handle, functions));
    if (auto initialized = library->reinitialize(); !initialized)
        return initialized.error();
    qCDebug(lcHsm) << "raw PKCS#11 access to" << path;
    return library;
}

void Pkcs11Library::finalize()
{
    if (m_initialized)
        m_functions->C_Finalize(nullptr);
    m_initialized = false;
}

Status Pkcs11Library::reinitialize()
{
    finalize();
    CK_C_INITIALIZE_ARGS args{};
    args.flags = CKF_OS_LOCKING_OK;
    const CK_RV rv = m_functions->C_Initialize(&args);
    // Another user in this process (libp11) may have initialised it already: share it, and
    // leave finalising to that user.
    if (rv == CKR_CRYPTOKI_ALREADY_INITIALIZED)
        return {};
    if (rv != CKR_OK)
        return Error(ErrorCode::HsmModule,
                     QStringLiteral("cannot initialise PKCS#11 module %1 (C_Initialize: %2); "
                                    "for SoftHSM2 check that SOFTHSM2_CONF names a readable "
                                    "configuration whose token directory exists")
                         .arg(m_path, ckrName(rv)));
    m_initialized = true;
    return {};
}

}  // namespace imprint::hsm
