#pragma once

// One token, selected by label, with a pool of read-write sessions. Login happens once (it
// is per application and token in PKCS#11); every thread borrows its own session for a
// signature, so several workers sign at once without sharing a session.

#include "core/Result.h"
#include "core/SecureBytes.h"
#include "hsm/Pkcs11Library.h"

#include <QStringList>

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

namespace imprint::hsm {

class Token;

// A borrowed session; goes back to the pool when destroyed unless discarded.
class TokenSession
{
public:
    TokenSession(Token* token, CK_SESSION_HANDLE handle) : m_token(token), m_handle(handle) {}
    TokenSession(TokenSession&& other) noexcept;
    TokenSession& operator=(TokenSession&&) = delete;
    TokenSession(const TokenSession&) = delete;
    TokenSession& operator=(const TokenSession&) = delete;
    ~TokenSession();

    [[nodiscard]] CK_SESSION_HANDLE handle() const { return m_handle; }
    // The session failed (token gone): do not return it to the pool.
    void discard() { m_token = nullptr; }

private:
    Token* m_token;
    CK_SESSION_HANDLE m_handle;
};

class Token
{
public:
    // Finds the initialised token labelled `label`. TokenNotFound lists the labels present.
    [[nodiscard]] static Result<std::unique_ptr<Token>> open(std::shared_ptr<Pkcs11Library> library,
                                                             const QString& label);
    ~Token();
    Token(const Token&) = delete;
    Token& operator=(const Token&) = delete;

    // Opens the first read-write session, then C_Login as user. The PIN is wiped whatever
    // happens. One attempt only: a wrong PIN is reported, never retried.
    [[nodiscard]] Status login(SecureBytes pin);

    [[nodiscard]] Result<TokenSession> session();

    [[nodiscard]] const QString& label() const { return m_label; }
    [[nodiscard]] CK_SLOT_ID slot() const { return m_slot; }
    [[nodiscard]] CK_FUNCTION_LIST* functions() const { return m_library->functions(); }
    [[nodiscard]] const std::shared_ptr<Pkcs11Library>& library() const { return m_library; }
    [[nodiscard]] Error failure(const char* call, CK_RV rv) const { return pkcs11Failure(call, m_label, rv); }

    // The labels of the initialised tokens in the module's slots.
    [[nodiscard]] static Result<QStringList> labels(const Pkcs11Library& library);
    // The slot of the token labelled `label`, or of the first slot with an uninitialised token
    // when `label` is empty.
    [[nodiscard]] static Result<CK_SLOT_ID> findSlot(const Pkcs11Library& library, const QString& label);

private:
    friend class TokenSession;
    Token(std::shared_ptr<Pkcs11Library> library, CK_SLOT_ID slot, QString label);
    void giveBack(CK_SESSION_HANDLE handle);
    [[nodiscard]] Result<CK_SESSION_HANDLE> openSession();

    std::shared_ptr<Pkcs11Library> m_library;
    CK_SLOT_ID m_slot;
    QString m_label;
    std::mutex m_mutex;
    std::vector<CK_SESSION_HANDLE> m_idle;
    CK_SESSION_HANDLE m_loginSession = CK_INVALID_HANDLE;
};

}  // namespace imprint::hsm
