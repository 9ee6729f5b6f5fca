#include "SerialTestSupport.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <QDeadlineTimer>

#include <atomic>

namespace imprint::test {

QString devsimPath() { return QStringLiteral(IMPRINT_DEVSIM_PATH); }

Result<std::unique_ptr<Devsim>> Devsim::start(const QStringList& arguments, QString directory)
{
    std::unique_ptr<Devsim> devsim(new Devsim);
    devsim->m_directory = directory.isEmpty() ? devsim->m_ownDirectory.path() : std::move(directory);
    devsim->m_process.setProgram(devsimPath());
    devsim->m_process.setArguments(arguments + QStringList{QStringLiteral("--dir"), devsim->m_directory});
    devsim->m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    devsim->m_process.start();
    if (!devsim->m_process.waitForStarted(5000))
        return Error(ErrorCode::Internal, QStringLiteral("cannot start %1").arg(devsimPath()));
    QByteArray output;
    QDeadlineTimer deadline(10000);
    while (!output.contains("devsim: ready")) {
        if (deadline.hasExpired() || !devsim->m_process.waitForReadyRead(static_cast<int>(deadline.remainingTime())))
            return Error(ErrorCode::Timeout, QStringLiteral("imprint-devsim did not get ready: %1").arg(QString::fromUtf8(output)));
        output += devsim->m_process.readAllStandardOutput();
    }
    return devsim;
}

Devsim::~Devsim() { stop(); }

bool Devsim::stop()
{
    if (m_process.state() == QProcess::NotRunning)
        return m_process.exitStatus() == QProcess::NormalExit && m_process.exitCode() == 0;
    m_process.terminate();
    if (!m_process.waitForFinished(5000)) {
        m_process.kill();
        m_process.waitForFinished(1000);
        return false;
    }
    return m_process.exitStatus() == QProcess::NormalExit && m_process.exitCode() == 0;
}

QString Devsim::slot(int index) const { return m_directory + QStringLiteral("/slot") + QString::number(index); }

struct TestCa::Impl
{
    EVP_PKEY* key = nullptr;
    X509* certificate = nullptr;
    ~Impl()
    {
        X509_free(certificate);
        EVP_PKEY_free(key);
    }
};

namespace {

QByteArray certificatePem(X509* certificate)
{
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, certificate);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    QByteArray pem(data, static_cast<qsizetype>(size));
    BIO_free(bio);
    return pem;
}

// Serial, validity, issuer and signature; subject and key are set by the caller.
bool finishCertificate(X509* certificate, X509_NAME* issuer, EVP_PKEY* signer, long serial)
{
    return X509_set_version(certificate, 2) == 1 && ASN1_INTEGER_set(X509_get_serialNumber(certificate), serial) == 1
           && X509_gmtime_adj(X509_getm_notBefore(certificate), 0) != nullptr
           && X509_gmtime_adj(X509_getm_notAfter(certificate), 86400L * 365) != nullptr
           && X509_set_issuer_name(certificate, issuer) == 1 && X509_sign(certificate, signer, EVP_sha256()) > 0;
}

}  // namespace

Result<std::unique_ptr<TestCa>> TestCa::create()
{
    std::unique_ptr<TestCa> ca(new TestCa);
    ca->m_impl = std::make_unique<Impl>();
    ca->m_impl->key = EVP_EC_gen("P-256");
    ca->m_impl->certificate = X509_new();
    X509* certificate = ca->m_impl->certificate;
    if (ca->m_impl->key == nullptr || certificate == nullptr)
        return Error(ErrorCode::Crypto, QStringLiteral("test CA: key or certificate allocation failed"));
    X509_NAME* name = X509_get_subject_name(certificate);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("Imprint test CA"), -1, -1, 0);
    if (X509_set_pubkey(certificate, ca->m_impl->key) != 1 || !finishCertificate(certificate, name, ca->m_impl->key, 1))
        return Error(ErrorCode::Crypto, QStringLiteral("test CA: self-signing failed"));
    return ca;
}

TestCa::~TestCa() = default;

QByteArray TestCa::caPem() const { return certificatePem(m_impl->certificate); }

namespace {

// A leaf for `publicKey` and `subject`, signed by the CA; empty when OpenSSL fails.
QByteArray issueLeaf(X509* caCertificate, EVP_PKEY* caKey, const X509_NAME* subject, EVP_PKEY* publicKey)
{
    X509* leaf = X509_new();
    static std::atomic<long> serial{100};
    const bool ok = leaf != nullptr && X509_set_subject_name(leaf, subject) == 1 && X509_set_pubkey(leaf, publicKey) == 1
                    && finishCertificate(leaf, X509_get_subject_name(caCertificate), caKey, ++serial);
    QByteArray pem = ok ? certificatePem(leaf) : QByteArray();
    X509_free(leaf);
    return pem;
}

}  // namespace

Result<QByteArray> TestCa::issueChain(const QByteArray& csrDer) const
{
    const auto* cursor = reinterpret_cast<const unsigned char*>(csrDer.constData());
    X509_REQ* request = d2i_X509_REQ(nullptr, &cursor, csrDer.size());
    if (request == nullptr)
        return Error(ErrorCode::CsrRejected, QStringLiteral("test CA: the CSR does not parse"));
    const QByteArray leaf = issueLeaf(m_impl->certificate, m_impl->key, X509_REQ_get_subject_name(request),
                                      X509_REQ_get0_pubkey(request));
    X509_REQ_free(request);
    if (leaf.isEmpty())
        return Error(ErrorCode::Crypto, QStringLiteral("test CA: signing the leaf failed"));
    return QByteArray(leaf + caPem());
}

Result<QByteArray> TestCa::issueCertificate(const QByteArray& spkiDer, const QString& commonName) const
{
    const auto* cursor = reinterpret_cast<const unsigned char*>(spkiDer.constData());
    EVP_PKEY* publicKey = d2i_PUBKEY(nullptr, &cursor, spkiDer.size());
    X509_NAME* subject = X509_NAME_new();
    const QByteArray name = commonName.toUtf8();
    const bool named = subject != nullptr
                       && X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(name.constData()),
                                                     static_cast<int>(name.size()), -1, 0) == 1;
    const QByteArray leaf = publicKey != nullptr && named ? issueLeaf(m_impl->certificate, m_impl->key, subject, publicKey) : QByteArray();
    X509_NAME_free(subject);
    EVP_PKEY_free(publicKey);
    if (leaf.isEmpty())
        return Error(ErrorCode::Crypto, QStringLiteral("test CA: issuing a certificate for %1 failed").arg(commonName));
    return leaf;
}

TestKey makeTestKey()
{
    TestKey result;
    EVP_PKEY* key = EVP_EC_gen("P-256");
    unsigned char* der = nullptr;
    PKCS8_PRIV_KEY_INFO* info = EVP_PKEY2PKCS8(key);
    int length = i2d_PKCS8_PRIV_KEY_INFO(info, &der);
    result.pkcs8Der = QByteArray(reinterpret_cast<const char*>(der), length);
    OPENSSL_free(der);
    PKCS8_PRIV_KEY_INFO_free(info);
    der = nullptr;
    length = i2d_PUBKEY(key, &der);
    result.spkiDer = QByteArray(reinterpret_cast<const char*>(der), length);
    OPENSSL_free(der);
    EVP_PKEY_free(key);
    return result;
}

}  // namespace imprint::test
