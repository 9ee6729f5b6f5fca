#pragma once

// One owning smart pointer per OpenSSL type, for every layer: every object that OpenSSL hands out is
// freed exactly once, on every path, by its own *_free function.

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace imprint::crypto {

template <auto FreeFunction>
struct OpenSslDeleter
{
    template <typename T>
    void operator()(T* object) const noexcept
    {
        FreeFunction(object);
    }
};

template <typename T, auto FreeFunction>
using OpenSslPtr = std::unique_ptr<T, OpenSslDeleter<FreeFunction>>;

using Asn1ObjectPtr = OpenSslPtr<ASN1_OBJECT, &ASN1_OBJECT_free>;
using Asn1IntegerPtr = OpenSslPtr<ASN1_INTEGER, &ASN1_INTEGER_free>;
using Asn1OctetStringPtr = OpenSslPtr<ASN1_OCTET_STRING, &ASN1_OCTET_STRING_free>;
using Asn1TimePtr = OpenSslPtr<ASN1_TIME, &ASN1_TIME_free>;
using BasicConstraintsPtr = OpenSslPtr<BASIC_CONSTRAINTS, &BASIC_CONSTRAINTS_free>;
using BigNumPtr = OpenSslPtr<BIGNUM, &BN_free>;
using BioPtr = OpenSslPtr<BIO, &BIO_free_all>;
using EcdsaSigPtr = OpenSslPtr<ECDSA_SIG, &ECDSA_SIG_free>;
using EvpMdCtxPtr = OpenSslPtr<EVP_MD_CTX, &EVP_MD_CTX_free>;
using EvpPkeyCtxPtr = OpenSslPtr<EVP_PKEY_CTX, &EVP_PKEY_CTX_free>;
using EvpPkeyPtr = OpenSslPtr<EVP_PKEY, &EVP_PKEY_free>;
using GeneralNamesPtr = OpenSslPtr<GENERAL_NAMES, &GENERAL_NAMES_free>;
using OsslParamBldPtr = OpenSslPtr<OSSL_PARAM_BLD, &OSSL_PARAM_BLD_free>;
using OsslParamPtr = OpenSslPtr<OSSL_PARAM, &OSSL_PARAM_free>;
using X509AlgorPtr = OpenSslPtr<X509_ALGOR, &X509_ALGOR_free>;
using X509ExtensionPtr = OpenSslPtr<X509_EXTENSION, &X509_EXTENSION_free>;
using X509NamePtr = OpenSslPtr<X509_NAME, &X509_NAME_free>;
using X509Ptr = OpenSslPtr<X509, &X509_free>;
using X509ReqPtr = OpenSslPtr<X509_REQ, &X509_REQ_free>;
using X509StoreCtxPtr = OpenSslPtr<X509_STORE_CTX, &X509_STORE_CTX_free>;
using X509StorePtr = OpenSslPtr<X509_STORE, &X509_STORE_free>;

// STACK_OF(X509) owning its certificates.
struct X509StackDeleter
{
    void operator()(STACK_OF(X509) * stack) const noexcept { sk_X509_pop_free(stack, X509_free); }
};
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackDeleter>;

struct X509ExtensionStackDeleter
{
    void operator()(STACK_OF(X509_EXTENSION) * stack) const noexcept
    {
        sk_X509_EXTENSION_pop_free(stack, X509_EXTENSION_free);
    }
};
using X509ExtensionStackPtr = std::unique_ptr<STACK_OF(X509_EXTENSION), X509ExtensionStackDeleter>;

}  // namespace imprint::crypto
