#include "core/crypto/KeyPair.h"

#include "core/crypto/OpenSslError.h"
#include "core/crypto/OpenSslTypes.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <limits>

namespace imprint::crypto {

Status checkKeyPair(const QByteArray& certificatePem, const QByteArray& privateKey)
{
    constexpr qsizetype kLargest = std::numeric_limits<int>::max();  // what a memory BIO takes
    if (certificatePem.size() > kLargest || privateKey.size() > kLargest)
        return Error(ErrorCode::InvalidInput, QStringLiteral("the certificate or the private key is too large"));
    BioPtr certificateBio(BIO_new_mem_buf(certificatePem.constData(), static_cast<int>(certificatePem.size())));
    BioPtr keyBio(BIO_new_mem_buf(privateKey.constData(), static_cast<int>(privateKey.size())));
    if (!certificateBio || !keyBio)
        return Error(ErrorCode::Crypto, QStringLiteral("BIO_new_mem_buf failed: ") + takeOpenSslErrors());
    X509Ptr certificate(PEM_read_bio_X509(certificateBio.get(), nullptr, nullptr, nullptr));
    if (!certificate) {
        ERR_clear_error();
        return Error(ErrorCode::InvalidInput, QStringLiteral("the certificate holds no PEM certificate"));
    }
    EvpPkeyPtr key(privateKey.startsWith("-----BEGIN") ? PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr)
                                                       : d2i_PrivateKey_bio(keyBio.get(), nullptr));
    if (!key) {
        ERR_clear_error();
        return Error(ErrorCode::InvalidInput, QStringLiteral("the private key is neither PEM nor PKCS#8 DER"));
    }
    if (EVP_PKEY_eq(X509_get0_pubkey(certificate.get()), key.get()) != 1) {
        ERR_clear_error();
        return Error(ErrorCode::InvalidInput, QStringLiteral("the private key does not match the certificate's public key"));
    }
    return Status::success();
}

}  // namespace imprint::crypto
