#include "SimCrypto.h"

#include "core/crypto/OpenSslError.h"

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <QStringList>

namespace imprint::devsim {

using crypto::BioPtr;
using crypto::EcdsaSigPtr;
using crypto::EvpMdCtxPtr;
using crypto::EvpPkeyCtxPtr;
using crypto::X509Ptr;
using crypto::X509ReqPtr;

namespace {

Error sslError(const char* call) { return crypto::openSslFailure(call); }

QByteArray bioContents(BIO* bio)
{
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return QByteArray(data, static_cast<qsizetype>(size));
}

Status addSubject(X509_REQ* request, const QString& subject)
{
    X509_NAME* name = X509_REQ_get_subject_name(request);
    for (const QString& part : subject.split(u',', Qt::SkipEmptyParts)) {
        const qsizetype equals = part.indexOf(u'=');
        if (equals <= 0)
            return Error(ErrorCode::InvalidInput, QStringLiteral("subject part '%1' is not KEY=value").arg(part));
        const QByteArray field = part.left(equals).trimmed().toUtf8();
        const QByteArray value = part.mid(equals + 1).trimmed().toUtf8();
        if (X509_NAME_add_entry_by_txt(name, field.constData(), MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(value.constData()),
                                       static_cast<int>(value.size()), -1, 0) != 1) {
            ERR_clear_error();
            return Error(ErrorCode::InvalidInput, QStringLiteral("subject field '%1' is unknown").arg(QString::fromUtf8(field)));
        }
    }
    return Status::success();
}

}  // namespace

Result<EvpPkeyPtr> generateP256()
{
    EvpPkeyPtr key(EVP_EC_gen("P-256"));
    if (!key)
        return sslError("EVP_EC_gen");
    return key;
}

QByteArray privateKeyPem(EVP_PKEY* key)
{
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
        return {};
    return bioContents(bio.get());
}

Result<EvpPkeyPtr> loadPrivateKey(const QByteArray& encoded)
{
    BioPtr bio(BIO_new_mem_buf(encoded.constData(), static_cast<int>(encoded.size())));
    if (!bio)
        return sslError("BIO_new_mem_buf");
    EvpPkeyPtr key(encoded.startsWith("-----") ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                                               : d2i_PrivateKey_bio(bio.get(), nullptr));
    if (!key) {
        ERR_clear_error();
        return Error(ErrorCode::InvalidInput, QStringLiteral("not a private key"));
    }
    return key;
}

QByteArray publicKeyDer(EVP_PKEY* key)
{
    unsigned char* der = nullptr;
    const int length = i2d_PUBKEY(key, &der);
    if (length <= 0)
        return {};
    QByteArray result(reinterpret_cast<const char*>(der), length);
    OPENSSL_free(der);
    return result;
}

Result<QByteArray> makeCsr(EVP_PKEY* subjectKey, EVP_PKEY* signer, const QString& subject, bool withKeyUsage)
{
    X509ReqPtr request(X509_REQ_new());
    if (!request || X509_REQ_set_version(request.get(), 0) != 1 || X509_REQ_set_pubkey(request.get(), subjectKey) != 1)
        return sslError("X509_REQ_new/set_pubkey");
    if (auto named = addSubject(request.get(), subject); !named.ok())
        return named.error();
    if (withKeyUsage) {
        crypto::X509ExtensionStackPtr extensions(sk_X509_EXTENSION_new_null());
        crypto::X509ExtensionPtr usage(X509V3_EXT_conf_nid(
            nullptr, nullptr, NID_key_usage, "digitalSignature,nonRepudiation,keyEncipherment,keyAgreement"));
        if (!extensions || !usage || sk_X509_EXTENSION_push(extensions.get(), usage.get()) == 0)
            return sslError("X509V3_EXT_conf_nid");
        (void)usage.release();  // the stack owns it now
        if (X509_REQ_add_extensions(request.get(), extensions.get()) != 1)
            return sslError("X509_REQ_add_extensions");
    }
    if (X509_REQ_sign(request.get(), signer, EVP_sha256()) <= 0)
        return sslError("X509_REQ_sign");
    unsigned char* der = nullptr;
    const int length = i2d_X509_REQ(request.get(), &der);
    if (length <= 0)
        return sslError("i2d_X509_REQ");
    QByteArray csr(reinterpret_cast<const char*>(der), length);
    OPENSSL_free(der);
    return csr;
}

Result<QByteArray> signDer(EVP_PKEY* key, const QByteArray& message)
{
    EvpMdCtxPtr context(EVP_MD_CTX_new());
    size_t length = 0;
    const auto* data = reinterpret_cast<const unsigned char*>(message.constData());
    const auto size = static_cast<size_t>(message.size());
    if (!context || EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, key) != 1
        || EVP_DigestSign(context.get(), nullptr, &length, data, size) != 1)
        return sslError("EVP_DigestSignInit");
    QByteArray signature(static_cast<qsizetype>(length), '\0');
    if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &length, data, size) != 1)
        return sslError("EVP_DigestSign");
    signature.resize(static_cast<qsizetype>(length));
    return signature;
}

Result<QByteArray> signRaw(EVP_PKEY* key, const QByteArray& message)
{
    auto der = signDer(key, message);
    if (!der.ok())
        return der;
    const auto* cursor = reinterpret_cast<const unsigned char*>(der->constData());
    EcdsaSigPtr signature(d2i_ECDSA_SIG(nullptr, &cursor, der->size()));
    if (!signature)
        return sslError("d2i_ECDSA_SIG");
    QByteArray raw(64, '\0');
    auto* out = reinterpret_cast<unsigned char*>(raw.data());
    if (BN_bn2binpad(ECDSA_SIG_get0_r(signature.get()), out, 32) != 32
        || BN_bn2binpad(ECDSA_SIG_get0_s(signature.get()), out + 32, 32) != 32)
        return sslError("BN_bn2binpad");
    return raw;
}

int countCertificates(const QByteArray& pem)
{
    BioPtr bio(BIO_new_mem_buf(pem.constData(), static_cast<int>(pem.size())));
    int count = 0;
    while (bio) {
        X509Ptr certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
        if (!certificate)
            break;
        ++count;
    }
    ERR_clear_error();
    return count;
}

}  // namespace imprint::devsim
