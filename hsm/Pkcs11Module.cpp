#include "hsm/Pkcs11Module.h"

#include "core/Log.h"
#include "hsm/OpenSslError.h"

#include <QFileInfo>

#include <libp11.h>

#include <dlfcn.h>

namespace imprint::hsm {

void Pkcs11ContextDeleter::operator()(PKCS11_ctx_st* context) const noexcept
{
    PKCS11_CTX_unload(context);
    PKCS11_CTX_free(context);
}

namespace {

// libp11 reports a module without C_GetFunctionList like any other load failure; check the
// symbol ourselves so the operator learns that the file is not a PKCS#11 module at all.
bool exportsPkcs11Entry(const QString& path)
{
    void* handle = dlopen(QFile::encodeName(path).constData(), RTLD_LAZY | RTLD_LOCAL);
    if (handle == nullptr)
        return false;
    const bool found = dlsym(handle, "C_GetFunctionList") != nullptr;
    dlclose(handle);
    return found;
}

QString fromC(const char* text)
{
    return text == nullptr ? QString() : QString::fromUtf8(text).trimmed();
}

// Frees a slot list however the enclosing function leaves.
class SlotList
{
public:
    explicit SlotList(PKCS11_CTX* context) : m_context(context) {}
    ~SlotList()
    {
        if (m_slots != nullptr)
            PKCS11_release_all_slots(m_context, m_slots, m_count);
    }
    SlotList(const SlotList&) = delete;
    SlotList& operator=(const SlotList&) = delete;

    int enumerate() { return PKCS11_enumerate_slots(m_context, &m_slots, &m_count); }
    [[nodiscard]] unsigned int count() const { return m_count; }
    [[nodiscard]] PKCS11_SLOT* at(unsigned int index) const { return m_slots + index; }

private:
    PKCS11_CTX* m_context;
    PKCS11_SLOT* m_slots = nullptr;
    unsigned int m_count = 0;
};

}  // namespace

Pkcs11Module::Pkcs11Module(QString path, Pkcs11ContextPtr context)
    : m_path(std::move(path)), m_context(std::move(context))
{
}

Result<Pkcs11Module> Pkcs11Module::load(const QString& path)
{
    const QFileInfo file(path);
    if (!file.exists())
        return Error(ErrorCode::HsmModule,
                     QStringLiteral("PKCS#11 module %1 does not exist").arg(path));
    if (!exportsPkcs11Entry(path))
        return Error(ErrorCode::HsmModule,
                     QStringLiteral("%1 is not a PKCS#11 module (no C_GetFunctionList)").arg(path));

    Pkcs11ContextPtr context(PKCS11_CTX_new());
    if (!context)
        return openSslFailure("PKCS11_CTX_new", ErrorCode::HsmModule);
    if (PKCS11_CTX_load(context.get(), QFile::encodeName(path).constData()) != 0) {
        // A failed load leaves nothing to unload; free the context alone.
        PKCS11_CTX_free(context.release());
        return Error(ErrorCode::HsmModule,
                     QStringLiteral("cannot initialise PKCS#11 module %1 (C_Initialize failed: %2); "
                                    "for SoftHSM2 check that SOFTHSM2_CONF names a readable "
                                    "configuration whose token directory exists")
                         .arg(path, takeOpenSslErrors()));
    }
    qCDebug(lcHsm) << "loaded PKCS#11 module" << path;
    return Pkcs11Module(path, std::move(context));
}

QString Pkcs11Module::description() const
{
    return QStringLiteral("%1 %2").arg(fromC(m_context->manufacturer), fromC(m_context->description))
        .trimmed();
}

Result<QList<TokenSummary>> Pkcs11Module::tokens() const
{
    SlotList slots(m_context.get());
    if (slots.enumerate() != 0)
        return Error(ErrorCode::HsmModule,
                     QStringLiteral("cannot list the slots of %1 (C_GetSlotList failed: %2)")
                         .arg(m_path, takeOpenSslErrors()));
    QList<TokenSummary> found;
    for (unsigned int i = 0; i < slots.count(); ++i) {
        const PKCS11_TOKEN* token = slots.at(i)->token;
        if (token == nullptr)
            continue;
        found.append({fromC(token->label), fromC(token->manufacturer), fromC(token->model),
                      fromC(token->serialnr), token->initialized != 0});
    }
    return found;
}

Result<QString> checkPkcs11Module(const QString& path)
{
    auto module = Pkcs11Module::load(path);
    if (!module)
        return module.error();
    const auto tokens = module->tokens();
    if (!tokens)
        return tokens.error();
    int initialized = 0;
    for (const auto& token : tokens.value())
        initialized += token.initialized ? 1 : 0;
    return QStringLiteral("%1 (%2), %3 initialised token(s)")
        .arg(path, module->description())
        .arg(initialized);
}

}  // namespace imprint::hsm
