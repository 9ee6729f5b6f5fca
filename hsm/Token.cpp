#include "hsm/Token.h"

#include "core/Log.h"

#include <vector>

namespace imprint::hsm {

namespace {

QString labelOf(const CK_TOKEN_INFO& info)
{
    return QString::fromUtf8(reinterpret_cast<const char*>(info.label), sizeof info.label).trimmed();
}

struct SlotToken
{
    CK_SLOT_ID slot;
    CK_TOKEN_INFO info;
};

Result<std::vector<SlotToken>> slotsWithTokens(const Pkcs11Library& library)
{
    CK_FUNCTION_LIST* p11 = library.functions();
    CK_ULONG count = 0;
    CK_RV rv = p11->C_GetSlotList(CK_TRUE, nullptr, &count);
    if (rv != CKR_OK)
        return pkcs11Failure("C_GetSlotList", {}, rv).withContext(library.path());
    std::vector<CK_SLOT_ID> slots(count);
    rv = p11->C_GetSlotList(CK_TRUE, slots.data(), &count);
    if (rv != CKR_OK)
        return pkcs11Failure("C_GetSlotList", {}, rv).withContext(library.path());
    std::vector<SlotToken> found;
    for (CK_ULONG i = 0; i < count; ++i) {
        SlotToken entry{slots[i], {}};
        if (p11->C_GetTokenInfo(slots[i], &entry.info) == CKR_OK)
            found.push_back(entry);
    }
    return found;
}

}  // namespace

TokenSession::TokenSession(TokenSession&& other) noexcept
    : m_token(other.m_token), m_handle(other.m_handle)
{
    other.m_token = nullptr;
}

TokenSession::~TokenSession()
{
    if (m_token != nullptr)
        m_token->giveBack(m_handle);
}

Token::Token(std::shared_ptr<Pkcs11Library> library, CK_SLOT_ID slot, QString label)
    : m_library(std::move(library)), m_slot(slot), m_label(std::move(label))
{
}

Token::~Token()
{
    // C_CloseAllSessions also logs out; harmless when the module was finalised meanwhile.
    functions()->C_CloseAllSessions(m_slot);
}

Result<QStringList> Token::labels(const Pkcs11Library& library)
{
    auto tokens = slotsWithTokens(library);
    if (!tokens)
        return tokens.error();
    QStringList labels;
    for (const auto& entry : tokens.value()) {
        if ((entry.info.flags & CKF_TOKEN_INITIALIZED) != 0)
            labels << labelOf(entry.info);
    }
    return labels;
}

Result<CK_SLOT_ID> Token::findSlot(const Pkcs11Library& library, const QString& label)
{
    auto tokens = slotsWithTokens(library);
    if (!tokens)
        return tokens.error();
    QStringList present;
    for (const auto& entry : tokens.value()) {
        const bool initialized = (entry.info.flags & CKF_TOKEN_INITIALIZED) != 0;
        if (label.isEmpty() ? !initialized : (initialized && labelOf(entry.info) == label))
            return entry.slot;
        if (initialized)
            present << QStringLiteral("'%1'").arg(labelOf(entry.info));
    }
    if (label.isEmpty())
        return Error(ErrorCode::TokenNotFound,
                     QStringLiteral("%1 has no free slot for a new token").arg(library.path()));
    return Error(ErrorCode::TokenNotFound,
                 QStringLiteral("token '%1' not found in %2; tokens present: %3")
                     .arg(label, library.path(),
                          present.isEmpty() ? QStringLiteral("none") : present.join(QStringLiteral(", "))));
}

Result<std::unique_ptr<Token>> Token::open(std::shared_ptr<Pkcs11Library> library, const QString& label)
{
    auto slot = findSlot(*library, label);
    if (!slot)
        return slot.error();
    return std::unique_ptr<Token>(new Token(std::move(library), slot.value(), label));
}

Result<CK_SESSION_HANDLE> Token::openSession()
{
    CK_SESSION_HANDLE handle = CK_INVALID_HANDLE;
    const CK_RV rv = functions()->C_OpenSession(m_slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr,
                                                nullptr, &handle);
    if (rv != CKR_OK)
        return failure("C_OpenSession", rv);
    return handle;
}

Status Token::login(SecureBytes pin)
{
    if (m_loginSession == CK_INVALID_HANDLE) {
        auto handle = openSession();
        if (!handle)
            return handle.error();
        m_loginSession = handle.value();
    }
    CK_RV rv = functions()->C_Login(m_loginSession, CKU_USER,
                                    reinterpret_cast<CK_UTF8CHAR*>(pin.data()),
                                    static_cast<CK_ULONG>(pin.size()));
    pin.wipe();
    if (rv == CKR_USER_ALREADY_LOGGED_IN)
        rv = CKR_OK;
    if (rv != CKR_OK)
        return failure("C_Login", rv);
    qCDebug(lcHsm) << "logged in to token" << m_label;
    return {};
}

Result<TokenSession> Token::session()
{
    {
        std::lock_guard lock(m_mutex);
        if (!m_idle.empty()) {
            const CK_SESSION_HANDLE handle = m_idle.back();
            m_idle.pop_back();
            return TokenSession(this, handle);
        }
    }
    auto handle = openSession();
    if (!handle)
        return handle.error();
    return TokenSession(this, handle.value());
}

void Token::giveBack(CK_SESSION_HANDLE handle)
{
    std::lock_guard lock(m_mutex);
    m_idle.push_back(handle);
}

}  // namespace imprint::hsm
