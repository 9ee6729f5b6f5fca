#include "FakeDevice.h"

#include <QCryptographicHash>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

namespace imprint::test {

struct FakeDevice::Key
{
    EVP_PKEY* pkey = nullptr;
    ~Key() { EVP_PKEY_free(pkey); }
};

namespace {

EVP_PKEY* makeP256()
{
    return EVP_EC_gen("P-256");
}

QByteArray toDer(X509_REQ* request)
{
    unsigned char* buffer = nullptr;
    const int length = i2d_X509_REQ(request, &buffer);
    QByteArray der(reinterpret_cast<const char*>(buffer), length);
    OPENSSL_free(buffer);
    return der;
}

Result<QByteArray> signSha256(EVP_PKEY* key, const QByteArray& data)
{
    EVP_MD_CTX* context = EVP_MD_CTX_new();
    size_t length = 0;
    QByteArray signature;
    bool ok = EVP_DigestSignInit(context, nullptr, EVP_sha256(), nullptr, key) == 1
              && EVP_DigestSign(context, nullptr, &length, reinterpret_cast<const unsigned char*>(data.constData()),
                                static_cast<size_t>(data.size())) == 1;
    if (ok) {
        signature.resize(static_cast<qsizetype>(length));
        ok = EVP_DigestSign(context, reinterpret_cast<unsigned char*>(signature.data()), &length,
                            reinterpret_cast<const unsigned char*>(data.constData()),
                            static_cast<size_t>(data.size())) == 1;
        signature.resize(static_cast<qsizetype>(length));
    }
    EVP_MD_CTX_free(context);
    if (!ok)
        return Error(ErrorCode::Crypto, QStringLiteral("fake device: signing failed"));
    return signature;
}

}  // namespace

FakeDevice::FakeDevice(QString hardwareId, QString port)
    : m_hardwareId(std::move(hardwareId)), m_port(std::move(port)), m_key(std::make_unique<Key>()),
      m_otherKey(std::make_unique<Key>())
{
    m_key->pkey = makeP256();
    m_otherKey->pkey = makeP256();
}

FakeDevice::~FakeDevice() = default;

void FakeDevice::failNext(const QString& step, Error error, int times)
{
    m_failures.insert(step, {std::move(error), times});
}

std::optional<Error> FakeDevice::scripted(const QString& step)
{
    auto found = m_failures.find(step);
    if (found == m_failures.end() || found->second <= 0)
        return std::nullopt;
    --found->second;
    return found->first;
}

Result<device::DeviceIdentity> FakeDevice::identify()
{
    return device::DeviceIdentity{m_hardwareId, QStringLiteral("fake"), QStringLiteral("1.0"),
                                  QStringLiteral("fake/1"),
                                  {QStringLiteral("keygen"), QStringLiteral("inject"), QStringLiteral("pop"),
                                   QStringLiteral("lock"), QStringLiteral("config"), QStringLiteral("reset")},
                                  QString()};
}

Result<device::CsrResult> FakeDevice::generateKeyAndCsr(const QString& subject)
{
    if (auto error = scripted(QStringLiteral("keygen")))
        return *error;
    m_lastSubject = subject;
    X509_REQ* request = X509_REQ_new();
    X509_NAME* name = X509_REQ_get_subject_name(request);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(m_hardwareId.toUtf8().constData()), -1, -1, 0);
    X509_REQ_set_pubkey(request, m_key->pkey);
    X509_REQ_sign(request, m_key->pkey, EVP_sha256());
    const QByteArray der = toDer(request);
    X509_REQ_free(request);
    return device::CsrResult{der, QString()};
}

Result<QByteArray> FakeDevice::publicKey()
{
    unsigned char* buffer = nullptr;
    const int length = i2d_PUBKEY(m_key->pkey, &buffer);
    QByteArray der(reinterpret_cast<const char*>(buffer), length);
    OPENSSL_free(buffer);
    return der;
}

Status FakeDevice::writeCertificateChain(const QByteArray& pem)
{
    if (auto error = scripted(QStringLiteral("chain")))
        return *error;
    if (onWriteChain)
        onWriteChain();
    m_stored.insert(QStringLiteral("chain"), pem);
    return {};
}

Status FakeDevice::writeServerRootCa(const QByteArray& pem)
{
    if (auto error = scripted(QStringLiteral("rootca")))
        return *error;
    m_stored.insert(QStringLiteral("rootca"), pem);
    return {};
}

Status FakeDevice::writeClaim(const QByteArray& certificatePem, const SecureBytes& privateKeyPem)
{
    if (!m_holdsClaims)
        return DeviceDriver::writeClaim(certificatePem, privateKeyPem);
    if (auto error = scripted(QStringLiteral("claim")))
        return *error;
    if (onWriteClaim)
        onWriteClaim();
    m_stored.insert(QStringLiteral("claimcert"), certificatePem);
    m_stored.insert(QStringLiteral("claimkey"),
                    QByteArray(privateKeyPem.data(), static_cast<qsizetype>(privateKeyPem.size())));
    return {};
}

Status FakeDevice::writeConfiguration(const device::ConfigurationValues& values)
{
    if (auto error = scripted(QStringLiteral("config")))
        return *error;
    m_stored.insert(QStringLiteral("config"), device::configurationText(values));
    return {};
}

Status FakeDevice::writePrivateKey(const SecureBytes& pkcs8)
{
    if (auto error = scripted(QStringLiteral("key")))
        return *error;
    const auto* cursor = reinterpret_cast<const unsigned char*>(pkcs8.data());
    EVP_PKEY* key = d2i_AutoPrivateKey(nullptr, &cursor, static_cast<long>(pkcs8.size()));
    if (key == nullptr)
        return Error(ErrorCode::DeviceRefused, QStringLiteral("fake device: the injected key does not parse"));
    EVP_PKEY_free(m_key->pkey);
    m_key->pkey = key;
    m_injected = true;
    return {};
}

Result<QByteArray> FakeDevice::proveKeyPossession(const QByteArray& nonce)
{
    if (auto error = scripted(QStringLiteral("pop")))
        return *error;
    return signSha256(m_signWithOther ? m_otherKey->pkey : m_key->pkey, nonce);
}

Result<QList<device::ObjectHash>> FakeDevice::readBackHashes()
{
    if (auto error = scripted(QStringLiteral("hashes")))
        return *error;
    QList<device::ObjectHash> hashes;
    for (auto it = m_stored.cbegin(); it != m_stored.cend(); ++it) {
        QByteArray digest = QCryptographicHash::hash(it.value(), QCryptographicHash::Sha256);
        if (it.key() == m_corrupt)
            digest[0] = static_cast<char>(digest[0] ^ 0x01);
        hashes.append({it.key(), digest});
    }
    return hashes;
}

Status FakeDevice::lock()
{
    if (auto error = scripted(QStringLiteral("lock")))
        return *error;
    m_locked = true;
    return {};
}

Status FakeDevice::factoryReset()
{
    m_stored.clear();
    m_locked = false;
    return {};
}

QByteArray FakeDevice::expectedHash(const QString&, const QByteArray& written) const
{
    return QCryptographicHash::hash(written, QCryptographicHash::Sha256);
}

}  // namespace imprint::test
