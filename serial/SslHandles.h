#pragma once

// Owning pointers for the few OpenSSL objects the device layer touches. serial/ may not include
// hsm/ (layering), so it keeps its own aliases, built the same way as hsm/OpenSslTypes.h.

#include <openssl/bio.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <QByteArray>
#include <QString>

#include <memory>

namespace imprint::serial {

template <auto FreeFunction>
struct SslDeleter
{
    template <typename T>
    void operator()(T* object) const noexcept
    {
        FreeFunction(object);
    }
};

template <typename T, auto FreeFunction>
using SslPtr = std::unique_ptr<T, SslDeleter<FreeFunction>>;

using BioHandle = SslPtr<BIO, &BIO_free_all>;
using EcdsaSigHandle = SslPtr<ECDSA_SIG, &ECDSA_SIG_free>;
using MdCtxHandle = SslPtr<EVP_MD_CTX, &EVP_MD_CTX_free>;
using PkeyCtxHandle = SslPtr<EVP_PKEY_CTX, &EVP_PKEY_CTX_free>;
using PkeyHandle = SslPtr<EVP_PKEY, &EVP_PKEY_free>;
using X509Handle = SslPtr<X509, &X509_free>;
using X509ReqHandle = SslPtr<X509_REQ, &X509_REQ_free>;
using X509NameHandle = SslPtr<X509_NAME, &X509_NAME_free>;

// The text of OpenSSL's error queue (emptied), for error messages.
[[nodiscard]] QString takeSslErrors();

}  // namespace imprint::serial
