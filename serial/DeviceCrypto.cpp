#include "serial/DeviceCrypto.h"

#include "core/crypto/OpenSslError.h"
#include "core/crypto/OpenSslTypes.h"

#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <QStringList>

namespace imprint::serial {

using namespace imprint::crypto;

QByteArray sha256(const QByteArray& data)
{
    QByteArray digest(SHA256_DIGEST_LENGTH, '\0');
    SHA256(reinterpret_cast<const unsigned char*>(data.constData()), static_cast<size_t>(data.size()),
           reinterpret_cast<unsigned char*>(digest.data()));
    return digest;
}

namespace {

Result<QByteArray> spkiOf(EVP_PKEY* key, const QString& what)
{
    unsigned char* der = nullptr;
    const int length = i2d_PUBKEY(key, &der);
    if (length <= 0)
        return Error(ErrorCode::Crypto, what + QStringLiteral(": i2d_PUBKEY failed: ") + takeOpenSslErrors());
    QByteArray spki(reinterpret_cast<const char*>(der), length);
    OPENSSL_free(der);
    return spki;
}

bool isP256(EVP_PKEY* key)
{
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC)
        return false;
    char curve[64] = {};
    size_t length = 0;
    return EVP_PKEY_get_utf8_string_param(key, "group", curve, sizeof curve, &length) == 1
           && qstrcmp(curve, "prime256v1") == 0;
}

}  // namespace

Result<QByteArray> checkCsr(const QByteArray& csrDer, const QString& where)
{
    const auto* cursor = reinterpret_cast<const unsigned char*>(csrDer.constData());
    X509ReqPtr request(d2i_X509_REQ(nullptr, &cursor, csrDer.size()));
    if (!request || cursor != reinterpret_cast<const unsigned char*>(csrDer.constData()) + csrDer.size()) {
        ERR_clear_error();
        return Error(ErrorCode::CsrRejected,
                     where + QStringLiteral(": the CSR from the device does not parse as DER PKCS#10 (%1 bytes)")
                                 .arg(csrDer.size()));
    }
    EVP_PKEY* key = X509_REQ_get0_pubkey(request.get());
    if (key == nullptr || !isP256(key)) {
        ERR_clear_error();
        return Error(ErrorCode::CsrRejected, where + QStringLiteral(": the CSR's key is not EC P-256"));
    }
    if (X509_REQ_verify(request.get(), key) != 1) {
        ERR_clear_error();
        return Error(ErrorCode::CsrRejected,
                     where + QStringLiteral(": the CSR's signature does not verify with the key it carries"));
    }
    return spkiOf(key, where);
}

Status verifySignature(const QByteArray& spkiDer, const QByteArray& message, const QByteArray& signatureDer)
{
    const auto* cursor = reinterpret_cast<const unsigned char*>(spkiDer.constData());
    EvpPkeyPtr key(d2i_PUBKEY(nullptr, &cursor, spkiDer.size()));
    if (!key)
        return Error(ErrorCode::Crypto, QStringLiteral("d2i_PUBKEY failed: ") + takeOpenSslErrors());
    EvpMdCtxPtr context(EVP_MD_CTX_new());
    if (!context || EVP_DigestVerifyInit(context.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1)
        return Error(ErrorCode::Crypto, QStringLiteral("EVP_DigestVerifyInit failed: ") + takeOpenSslErrors());
    const int verdict = EVP_DigestVerify(context.get(),
                                         reinterpret_cast<const unsigned char*>(signatureDer.constData()),
                                         static_cast<size_t>(signatureDer.size()),
                                         reinterpret_cast<const unsigned char*>(message.constData()),
                                         static_cast<size_t>(message.size()));
    ERR_clear_error();
    if (verdict != 1)
        return Error(ErrorCode::DeviceRefused, QStringLiteral("the signature does not verify with the key"));
    return Status::success();
}

Result<QByteArray> leafPublicKey(const QByteArray& chainPem)
{
    BioPtr bio(BIO_new_mem_buf(chainPem.constData(), static_cast<int>(chainPem.size())));
    if (!bio)
        return Error(ErrorCode::Crypto, QStringLiteral("BIO_new_mem_buf failed: ") + takeOpenSslErrors());
    X509Ptr certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!certificate) {
        ERR_clear_error();
        return Error(ErrorCode::InvalidInput, QStringLiteral("the certificate chain holds no PEM certificate"));
    }
    return spkiOf(X509_get0_pubkey(certificate.get()), QStringLiteral("leaf certificate"));
}

}  // namespace imprint::serial
