#include "app/iot-emulator/server/X509Tools.h"

#include "hsm/OpenSslError.h"

#include <QDir>
#include <QFile>

#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

namespace imprint::emulator {

using hsm::openSslFailure;

namespace {

Result<QByteArray> bioContents(BIO* bio)
{
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    if (size < 0 || !data)
        return openSslFailure("BIO_get_mem_data");
    return QByteArray(data, static_cast<qsizetype>(size));
}

QDateTime fromAsn1Time(const ASN1_TIME* time)
{
    struct tm parts = {};
    if (!time || ASN1_TIME_to_tm(time, &parts) != 1)
        return {};
    return QDateTime(QDate(parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday),
                     QTime(parts.tm_hour, parts.tm_min, parts.tm_sec), Qt::UTC);
}

Result<hsm::EvpPkeyPtr> newEcKey()
{
    hsm::EvpPkeyPtr key(EVP_EC_gen("P-256"));
    if (!key)
        return openSslFailure("EVP_EC_gen(P-256)");
    return key;
}

Result<QByteArray> privateKeyPem(EVP_PKEY* key)
{
    hsm::BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
        return openSslFailure("PEM_write_bio_PrivateKey");
    return bioContents(bio.get());
}

Result<QByteArray> publicKeyPem(EVP_PKEY* key)
{
    hsm::BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), key) != 1)
        return openSslFailure("PEM_write_bio_PUBKEY");
    return bioContents(bio.get());
}

Status addExtension(X509* certificate, X509* issuer, int nid, const char* value)
{
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
    hsm::X509ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value));
    if (!extension || X509_add_ext(certificate, extension.get(), -1) != 1)
        return openSslFailure("X509_add_ext");
    return {};
}

struct CertificateSpec
{
    QString commonName;
    qint64 validSeconds = 0;
    bool isCa = false;
    const char* subjectAltName = nullptr;
};

// Builds and signs a certificate for `publicKey`. A null issuer means self-signed.
Result<hsm::X509Ptr> buildCertificate(const CertificateSpec& spec, EVP_PKEY* publicKey, X509* issuer,
                                      EVP_PKEY* issuerKey)
{
    hsm::X509Ptr certificate(X509_new());
    hsm::BigNumPtr serial(BN_new());
    if (!certificate || !serial || BN_rand(serial.get(), 120, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1)
        return openSslFailure("BN_rand");
    if (X509_set_version(certificate.get(), 2) != 1
        || !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(certificate.get()))
        || !X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -3600)
        || !X509_gmtime_adj(X509_getm_notAfter(certificate.get()), static_cast<long>(spec.validSeconds))
        || X509_set_pubkey(certificate.get(), publicKey) != 1)
        return openSslFailure("X509_set_*");
    X509_NAME* subject = X509_get_subject_name(certificate.get());
    const QByteArray commonName = spec.commonName.toUtf8();
    if (X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>("imprint-iot-emulator"), -1, -1, 0) != 1
        || X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char*>(commonName.constData()), -1, -1, 0) != 1)
        return openSslFailure("X509_NAME_add_entry_by_txt");
    X509* signer = issuer ? issuer : certificate.get();
    if (X509_set_issuer_name(certificate.get(), X509_get_subject_name(signer)) != 1)
        return openSslFailure("X509_set_issuer_name");
    if (auto status = addExtension(certificate.get(), signer, NID_basic_constraints,
                                   spec.isCa ? "critical,CA:TRUE" : "critical,CA:FALSE");
        !status)
        return status.error();
    if (spec.subjectAltName) {
        if (auto status = addExtension(certificate.get(), signer, NID_subject_alt_name, spec.subjectAltName); !status)
            return status.error();
    }
    if (X509_sign(certificate.get(), issuerKey, EVP_sha256()) <= 0)
        return openSslFailure("X509_sign");
    return certificate;
}

Result<QByteArray> readFile(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error(ErrorCode::Io, QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    return file.readAll();
}

Status writeFile(const QString& path, const QByteArray& data)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(data) != data.size())
        return Error(ErrorCode::Io, QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
    return {};
}

Result<hsm::EvpPkeyPtr> parsePrivateKeyPem(const QByteArray& pem)
{
    hsm::BioPtr bio(BIO_new_mem_buf(pem.constData(), static_cast<int>(pem.size())));
    hsm::EvpPkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!key)
        return openSslFailure("PEM_read_bio_PrivateKey", ErrorCode::InvalidInput);
    return key;
}

QString commonNameOf(X509_NAME* name)
{
    const int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (index < 0)
        return {};
    unsigned char* text = nullptr;
    const int length = ASN1_STRING_to_UTF8(&text, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index)));
    if (length < 0)
        return {};
    QString result = QString::fromUtf8(reinterpret_cast<const char*>(text), length);
    OPENSSL_free(text);
    return result;
}

}  // namespace

Result<hsm::X509Ptr> parseCertificatePem(const QByteArray& pem)
{
    hsm::BioPtr bio(BIO_new_mem_buf(pem.constData(), static_cast<int>(pem.size())));
    hsm::X509Ptr certificate(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!certificate)
        return openSslFailure("PEM_read_bio_X509", ErrorCode::InvalidInput);
    return certificate;
}

bool isIssuedBy(X509* certificate, X509* ca)
{
    if (X509_NAME_cmp(X509_get_issuer_name(certificate), X509_get_subject_name(ca)) != 0)
        return false;
    EVP_PKEY* key = X509_get0_pubkey(ca);
    const bool verified = key && X509_verify(certificate, key) == 1;
    (void)hsm::takeOpenSslErrors();  // a mismatch is an answer, not an error to keep
    return verified;
}

bool isCaCertificate(X509* certificate)
{
    return X509_check_ca(certificate) != 0;
}

QString subjectCommonName(X509* certificate)
{
    return commonNameOf(X509_get_subject_name(certificate));
}

QString subjectText(X509* certificate)
{
    hsm::BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || X509_NAME_print_ex(bio.get(), X509_get_subject_name(certificate), 0, XN_FLAG_RFC2253) < 0)
        return {};
    auto text = bioContents(bio.get());
    return text ? QString::fromUtf8(text.value()) : QString();
}

QDateTime notBefore(X509* certificate)
{
    return fromAsn1Time(X509_get0_notBefore(certificate));
}

QDateTime notAfter(X509* certificate)
{
    return fromAsn1Time(X509_get0_notAfter(certificate));
}

Result<QByteArray> toPem(X509* certificate)
{
    hsm::BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), certificate) != 1)
        return openSslFailure("PEM_write_bio_X509");
    return bioContents(bio.get());
}

Result<EmulatorCa> EmulatorCa::loadOrCreate(const QString& directory)
{
    EmulatorCa ca;
    const QDir dir(directory);
    const QStringList files{QStringLiteral("ca.crt"), QStringLiteral("ca.key"), QStringLiteral("server.crt"),
                            QStringLiteral("server.key")};
    bool allThere = !directory.isEmpty();
    for (const auto& file : files)
        allThere = allThere && dir.exists(file);
    if (allThere) {
        auto caPem = readFile(dir.filePath(files[0]));
        auto caKey = caPem ? readFile(dir.filePath(files[1])) : Result<QByteArray>(caPem.error());
        auto serverPem = caKey ? readFile(dir.filePath(files[2])) : Result<QByteArray>(caKey.error());
        auto serverKey = serverPem ? readFile(dir.filePath(files[3])) : Result<QByteArray>(serverPem.error());
        if (!serverKey)
            return serverKey.error();
        auto certificate = parseCertificatePem(caPem.value());
        auto key = parsePrivateKeyPem(caKey.value());
        if (!certificate || !key)
            return Error(ErrorCode::InvalidInput, QStringLiteral("%1: ca.crt or ca.key is not PEM").arg(directory));
        ca.m_ca = std::move(certificate.value());
        ca.m_caKey = std::move(key.value());
        ca.m_caPem = caPem.value();
        ca.m_serverPem = serverPem.value();
        ca.m_serverKeyPem = serverKey.value();
        return ca;
    }
    auto caKey = newEcKey();
    if (!caKey)
        return caKey.error();
    auto caCertificate = buildCertificate({QStringLiteral("imprint-iot-emulator root CA"), 10LL * 365 * 86400, true, nullptr},
                                          caKey->get(), nullptr, caKey->get());
    if (!caCertificate)
        return caCertificate.error();
    auto serverKey = newEcKey();
    if (!serverKey)
        return serverKey.error();
    auto server = buildCertificate({QStringLiteral("localhost"), 365LL * 86400, false,
                                    "DNS:localhost,IP:127.0.0.1,IP:::1"},
                                   serverKey->get(), caCertificate->get(), caKey->get());
    if (!server)
        return server.error();
    auto caPem = toPem(caCertificate->get());
    auto serverPem = toPem(server->get());
    auto serverKeyPem = privateKeyPem(serverKey->get());
    auto caKeyPem = privateKeyPem(caKey->get());
    if (!caPem || !serverPem || !serverKeyPem || !caKeyPem)
        return Error(ErrorCode::Crypto, QStringLiteral("cannot encode the emulator's certificates as PEM"));
    ca.m_ca = std::move(caCertificate.value());
    ca.m_caKey = std::move(caKey.value());
    ca.m_caPem = caPem.value();
    ca.m_serverPem = serverPem.value();
    ca.m_serverKeyPem = serverKeyPem.value();
    if (!directory.isEmpty()) {
        if (!QDir().mkpath(directory))
            return Error(ErrorCode::Io, QStringLiteral("cannot create %1").arg(directory));
        const QByteArray contents[] = {ca.m_caPem, caKeyPem.value(), ca.m_serverPem, ca.m_serverKeyPem};
        for (qsizetype i = 0; i < files.size(); ++i) {
            if (auto status = writeFile(dir.filePath(files[i]), contents[i]); !status)
                return status.error();
        }
    }
    return ca;
}

Result<IssuedCertificate> EmulatorCa::issueWithNewKey(const QString& commonName, qint64 validSeconds) const
{
    auto key = newEcKey();
    if (!key)
        return key.error();
    auto certificate = buildCertificate({commonName, validSeconds, false, nullptr}, key->get(), m_ca.get(), m_caKey.get());
    if (!certificate)
        return certificate.error();
    auto pem = toPem(certificate->get());
    auto privatePem = privateKeyPem(key->get());
    auto publicPem = publicKeyPem(key->get());
    if (!pem || !privatePem || !publicPem)
        return Error(ErrorCode::Crypto, QStringLiteral("cannot encode the claim certificate as PEM"));
    return IssuedCertificate{pem.value(), privatePem.value(), publicPem.value()};
}

Result<IssuedCertificate> EmulatorCa::issueForCsr(const QByteArray& csrPem, qint64 validSeconds) const
{
    hsm::BioPtr bio(BIO_new_mem_buf(csrPem.constData(), static_cast<int>(csrPem.size())));
    hsm::X509ReqPtr request(bio ? PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!request)
        return openSslFailure("PEM_read_bio_X509_REQ", ErrorCode::CsrRejected);
    EVP_PKEY* publicKey = X509_REQ_get0_pubkey(request.get());
    if (!publicKey || X509_REQ_verify(request.get(), publicKey) != 1)
        return openSslFailure("X509_REQ_verify", ErrorCode::CsrRejected);
    const QString commonName = commonNameOf(X509_REQ_get_subject_name(request.get()));
    auto certificate = buildCertificate({commonName.isEmpty() ? QStringLiteral("AWS IoT Certificate") : commonName,
                                         validSeconds, false, nullptr},
                                        publicKey, m_ca.get(), m_caKey.get());
    if (!certificate)
        return certificate.error();
    auto pem = toPem(certificate->get());
    auto publicPem = publicKeyPem(publicKey);
    if (!pem || !publicPem)
        return Error(ErrorCode::Crypto, QStringLiteral("cannot encode the certificate as PEM"));
    return IssuedCertificate{pem.value(), {}, publicPem.value()};
}

}  // namespace imprint::emulator
