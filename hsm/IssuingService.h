#pragma once

// The HSM issuing service: the one object that holds the CA's token, login and key handle.
// Thread-safe; every worker thread borrows its own PKCS#11 session from the token's pool, so
// signatures run in parallel. A token that disappears fails the request in flight cleanly;
// later requests fail fast, without touching the module, until reconnect() succeeds.

#include "core/Clock.h"
#include "core/ca/CertificateIssuer.h"
#include "hsm/DeviceCertificates.h"
#include "hsm/Pkcs11Library.h"
#include "hsm/Pkcs11Uri.h"
#include "hsm/Token.h"
#include "hsm/TokenKey.h"

#include <atomic>
#include <memory>
#include <optional>
#include <shared_mutex>

namespace imprint::hsm {

class IssuingService final : public ca::CertificateIssuer
{
public:
    // Logs in to the URI's token with `pin` (wiped), finds the CA key, parses `chainPem`
    // (issuing CA first) and proves the CA certificate matches the key and is valid now.
    [[nodiscard]] static Result<std::unique_ptr<IssuingService>> open(std::shared_ptr<Pkcs11Library> library,
                                                                      const Pkcs11Uri& uri, SecureBytes pin,
                                                                      const QByteArray& chainPem, const Clock& clock);
    ~IssuingService() override;

    [[nodiscard]] Result<ca::IssuedCertificate> issueFromCsr(const ca::IssueRequest& request) override;
    [[nodiscard]] Result<ca::IssuedWithKey> issueWithStationKey(const ca::IssueRequest& request) override;
    [[nodiscard]] QByteArray caChainPem() const override { return m_chainPem; }

    // AWS IoT CA registration: CN = registration code, signed by the CA key.
    [[nodiscard]] Result<QByteArray> verificationCertificatePem(const QString& registrationCode);

    // After the token came back: C_Initialize again, log in (PIN wiped), find the key again.
    [[nodiscard]] Status reconnect(SecureBytes pin);
    [[nodiscard]] bool tokenGone() const { return m_tokenGone.load(); }

    [[nodiscard]] const TokenKey& key() const { return *m_key; }
    [[nodiscard]] const std::shared_ptr<Pkcs11Library>& library() const { return m_library; }
    [[nodiscard]] const X509* caCertificate() const { return sk_X509_value(m_chain.get(), 0); }

private:
    IssuingService(std::shared_ptr<Pkcs11Library> library, Pkcs11Uri uri, const Clock& clock);
    [[nodiscard]] Status connect(SecureBytes pin);
    [[nodiscard]] Error noteFailure(const Error& error);
    [[nodiscard]] std::optional<Error> refuseWhenGone() const;

    std::shared_ptr<Pkcs11Library> m_library;
    Pkcs11Uri m_uri;
    const Clock& m_clock;
    QByteArray m_chainPem;
    X509StackPtr m_chain;
    std::optional<DeviceCertificateBuilder> m_builder;
    // Exclusive while (re)connecting; shared while issuing.
    mutable std::shared_mutex m_connection;
    std::unique_ptr<Token> m_token;
    std::optional<TokenKey> m_key;
    std::atomic<bool> m_tokenGone{false};
};

}  // namespace imprint::hsm
