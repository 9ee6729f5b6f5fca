#include "hsm/IssuingService.h"

#include "core/Log.h"
#include "hsm/CaCertificates.h"
#include "hsm/OpenSslError.h"
#include "hsm/X509Signing.h"

namespace imprint::hsm {

namespace {

Result<EvpPkeyPtr> makeStationKey(ca::StationKeyType type)
{
    EVP_PKEY* key = nullptr;
    switch (type) {
    case ca::StationKeyType::EcP256:
        key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
        break;
    case ca::StationKeyType::EcP384:
        key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
        break;
    case ca::StationKeyType::Rsa2048:
        key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048});
        break;
    case ca::StationKeyType::Rsa3072:
        key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{3072});
        break;
    }
    if (key == nullptr)
        return openSslFailure("EVP_PKEY_Q_keygen (station-made device key)");
    return EvpPkeyPtr(key);
}

// PKCS#8 DER written straight into wiping memory.
Result<SecureBytes> pkcs8Der(EVP_PKEY* key)
{
    OpenSslPtr<PKCS8_PRIV_KEY_INFO, &PKCS8_PRIV_KEY_INFO_free> info(EVP_PKEY2PKCS8(key));
    if (!info)
        return openSslFailure("EVP_PKEY2PKCS8");
    const int size = i2d_PKCS8_PRIV_KEY_INFO(info.get(), nullptr);
    if (size <= 0)
        return openSslFailure("i2d_PKCS8_PRIV_KEY_INFO");
    SecureBytes der(static_cast<std::size_t>(size));
    auto* cursor = reinterpret_cast<unsigned char*>(der.data());
    if (i2d_PKCS8_PRIV_KEY_INFO(info.get(), &cursor) != size)
        return openSslFailure("i2d_PKCS8_PRIV_KEY_INFO");
    return der;
}

}  // namespace

IssuingService::IssuingService(std::shared_ptr<Pkcs11Library> library, Pkcs11Uri uri, const Clock& clock)
    : m_library(std::move(library)), m_uri(std::move(uri)), m_clock(clock)
{
}

IssuingService::~IssuingService()
{
    // Key and sessions go before the module they came from.
    m_key.reset();
    m_token.reset();
}

Result<std::unique_ptr<IssuingService>> IssuingService::open(std::shared_ptr<Pkcs11Library> library, const Pkcs11Uri& uri,
                                                             SecureBytes pin, const QByteArray& chainPem, const Clock& clock)
{
    std::unique_ptr<IssuingService> service(new IssuingService(std::move(library), uri, clock));
    auto chain = parseCertificateChain(chainPem, QStringLiteral("the CA chain"));
    if (!chain)
        return chain.error();
    service->m_chain = std::move(chain.value());
    service->m_chainPem = chainPem;
    if (auto connected = service->connect(std::move(pin)); !connected)
        return connected.error();
    if (auto matches = checkCaCertificate(service->caCertificate(), *service->m_key, clock.nowUtc()); !matches)
        return matches.error();
    auto builder = DeviceCertificateBuilder::create(service->caCertificate());
    if (!builder)
        return builder.error();
    service->m_builder.emplace(std::move(builder.value()));
    qCDebug(lcHsm) << "CA open:" << nameToString(X509_get_subject_name(service->caCertificate())) << "with"
                  << service->m_key->describe();
    return service;
}

Status IssuingService::connect(SecureBytes pin)
{
    std::unique_lock lock(m_connection);
    m_key.reset();
    m_token.reset();
    auto token = Token::open(m_library, m_uri.token);
    if (!token)
        return token.error();
    if (auto loggedIn = token.value()->login(std::move(pin)); !loggedIn)
        return loggedIn.error();
    auto key = TokenKey::find(*token.value(), m_uri.object, m_uri.id);
    if (!key)
        return key.error();
    m_token = std::move(token.value());
    m_key.emplace(std::move(key.value()));
    m_tokenGone = false;
    return {};
}

Status IssuingService::reconnect(SecureBytes pin)
{
    {
        std::unique_lock lock(m_connection);
        m_key.reset();
        m_token.reset();
        if (auto initialized = m_library->reinitialize(); !initialized)
            return initialized.error();
    }
    if (auto connected = connect(std::move(pin)); !connected)
        return connected;
    return checkCaCertificate(caCertificate(), *m_key, m_clock.nowUtc());
}

std::optional<Error> IssuingService::refuseWhenGone() const
{
    if (!m_tokenGone.load() && m_key)
        return std::nullopt;
    return Error(ErrorCode::TokenRemoved,
                 QStringLiteral("token '%1' was removed; no certificate issued until it is back and the CA is "
                                "opened again (PIN needed)").arg(m_uri.token));
}

Error IssuingService::noteFailure(const Error& error)
{
    if (error.code() == ErrorCode::TokenRemoved && !m_tokenGone.exchange(true))
        qCWarning(lcHsm) << "token" << m_uri.token << "gone:" << error.message();
    return error;
}

Result<ca::IssuedCertificate> IssuingService::issueFromCsr(const ca::IssueRequest& request)
{
    auto checked = checkCsr(request.csr, request.profile.keyPolicy);
    if (!checked)
        return checked.error();
    std::shared_lock lock(m_connection);
    if (auto refused = refuseWhenGone())
        return *refused;
    auto issued = m_builder->issue(checked->subjectPublicKeyInfo, request, *m_key, m_clock.nowUtc());
    if (!issued)
        return noteFailure(issued.error());
    return issued;
}

Result<ca::IssuedWithKey> IssuingService::issueWithStationKey(const ca::IssueRequest& request)
{
    auto key = makeStationKey(request.stationKeyType);
    if (!key)
        return key.error();
    unsigned char* spki = nullptr;
    const int spkiSize = i2d_PUBKEY(key->get(), &spki);
    if (spkiSize <= 0)
        return openSslFailure("i2d_PUBKEY");
    const QByteArray publicKey(reinterpret_cast<const char*>(spki), spkiSize);
    OPENSSL_free(spki);
    std::shared_lock lock(m_connection);
    if (auto refused = refuseWhenGone())
        return *refused;
    auto issued = m_builder->issue(publicKey, request, *m_key, m_clock.nowUtc());
    if (!issued)
        return noteFailure(issued.error());
    auto privateKey = pkcs8Der(key->get());
    if (!privateKey)
        return privateKey.error();
    return ca::IssuedWithKey{std::move(issued.value()), std::move(privateKey.value())};
}

Result<QByteArray> IssuingService::verificationCertificatePem(const QString& registrationCode)
{
    std::shared_lock lock(m_connection);
    if (auto refused = refuseWhenGone())
        return *refused;
    auto certificate = makeVerificationCertificate(caCertificate(), *m_key, registrationCode, m_clock.nowUtc());
    if (!certificate)
        return noteFailure(certificate.error());
    return derToPem(x509Der(certificate->get()), "CERTIFICATE");
}

}  // namespace imprint::hsm
