#include "core/pipeline/ProofOfPossession.h"

#include <QRandomGenerator>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>

namespace imprint::pipeline {

namespace {
struct X509Free
{
    void operator()(X509* certificate) const noexcept { X509_free(certificate); }
};
struct MdCtxFree
{
    void operator()(EVP_MD_CTX* context) const noexcept { EVP_MD_CTX_free(context); }
};
}  // namespace

QByteArray makeNonce()
{
    QByteArray nonce(32, Qt::Uninitialized);
    QRandomGenerator::system()->generate(nonce.begin(), nonce.end());
    return nonce;
}

Status verifyPossession(const QByteArray& certificateDer, const QByteArray& nonce, const QByteArray& signature)
{
    const auto* cursor = reinterpret_cast<const unsigned char*>(certificateDer.constData());
    std::unique_ptr<X509, X509Free> certificate(d2i_X509(nullptr, &cursor, certificateDer.size()));
    if (!certificate)
        return Error(ErrorCode::Internal, QStringLiteral("proof of possession: the issued certificate does not parse"));
    EVP_PKEY* publicKey = X509_get0_pubkey(certificate.get());
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> context(EVP_MD_CTX_new());
    if (publicKey == nullptr || !context
        || EVP_DigestVerifyInit(context.get(), nullptr, EVP_sha256(), nullptr, publicKey) != 1)
        return Error(ErrorCode::Crypto, QStringLiteral("proof of possession: cannot set up the verification"));
    const int verdict = EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char*>(signature.constData()),
                                         static_cast<size_t>(signature.size()),
                                         reinterpret_cast<const unsigned char*>(nonce.constData()),
                                         static_cast<size_t>(nonce.size()));
    if (verdict != 1)
        return Error(ErrorCode::DeviceRefused,
                     QStringLiteral("proof of possession failed: the device's signature does not match the "
                                    "key in its certificate (the device does not hold that key)"));
    return {};
}

}  // namespace imprint::pipeline
