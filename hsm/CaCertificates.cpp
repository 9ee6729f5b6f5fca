#include "hsm/CaCertificates.h"

#include "hsm/OpenSslError.h"
#include "hsm/X509Signing.h"

#include <openssl/rand.h>

#include <array>

namespace imprint::hsm {

namespace {

Status addCaExtensions(X509* certificate, X509* issuer, int pathLength)
{
    const QByteArray basic = QByteArrayLiteral("critical,CA:TRUE,pathlen:") + QByteArray::number(pathLength);
    for (auto added : {addExtension(certificate, issuer, NID_basic_constraints, basic.constData()),
                       addExtension(certificate, issuer, NID_key_usage, "critical,keyCertSign,cRLSign"),
                       addExtension(certificate, issuer, NID_subject_key_identifier, "hash")}) {
        if (!added)
            return added;
    }
    return {};
}

}  // namespace

Status setValidity(X509* certificate, const QDateTime& notBefore, const QDateTime& notAfter)
{
    Asn1TimePtr from(ASN1_TIME_set(nullptr, static_cast<time_t>(notBefore.toSecsSinceEpoch())));
    Asn1TimePtr until(ASN1_TIME_set(nullptr, static_cast<time_t>(notAfter.toSecsSinceEpoch())));
    if (!from || !until || X509_set1_notBefore(certificate, from.get()) != 1
        || X509_set1_notAfter(certificate, until.get()) != 1)
        return openSslFailure("ASN1_TIME_set/X509_set1_notBefore/notAfter");
    return {};
}

Result<X509Ptr> makeSelfSignedRoot(const TokenKey& key, const CaCertificateSpec& spec, const QDateTime& now)
{
    auto subject = parseDistinguishedName(spec.subject);
    if (!subject)
        return subject.error();
    auto serial = randomSerial();
    if (!serial)
        return serial.error();
    X509Ptr certificate(X509_new());
    if (!certificate || X509_set_version(certificate.get(), X509_VERSION_3) != 1
        || X509_set_serialNumber(certificate.get(), serial->get()) != 1
        || X509_set_subject_name(certificate.get(), subject->get()) != 1
        || X509_set_issuer_name(certificate.get(), subject->get()) != 1
        || X509_set_pubkey(certificate.get(), key.publicKey()) != 1)
        return openSslFailure("X509_new/X509_set_* (root certificate)");
    if (auto valid = setValidity(certificate.get(), now, now.addDays(spec.validityDays)); !valid)
        return valid.error();
    if (auto extended = addCaExtensions(certificate.get(), certificate.get(), spec.pathLength); !extended)
        return extended.error();
    if (auto added = addExtension(certificate.get(), certificate.get(), NID_authority_key_identifier, "keyid:always"); !added)
        return added.error();
    return signCertificate(certificate.get(), key);
}

Result<X509ReqPtr> makeCaRequest(const TokenKey& key, const CaCertificateSpec& spec)
{
    auto subject = parseDistinguishedName(spec.subject);
    if (!subject)
        return subject.error();
    X509ReqPtr request(X509_REQ_new());
    if (!request || X509_REQ_set_version(request.get(), X509_REQ_VERSION_1) != 1
        || X509_REQ_set_subject_name(request.get(), subject->get()) != 1
        || X509_REQ_set_pubkey(request.get(), key.publicKey()) != 1)
        return openSslFailure("X509_REQ_new/X509_REQ_set_* (CA request)");
    X509ExtensionStackPtr extensions(sk_X509_EXTENSION_new_null());
    const QByteArray basic = QByteArrayLiteral("critical,CA:TRUE,pathlen:") + QByteArray::number(spec.pathLength);
    for (const auto& [nid, value] : {std::pair{NID_basic_constraints, basic.constData()},
                                     std::pair{NID_key_usage, "critical,keyCertSign,cRLSign"}}) {
        X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, nullptr, nid, value);
        if (extension == nullptr || sk_X509_EXTENSION_push(extensions.get(), extension) <= 0) {
            X509_EXTENSION_free(extension);
            return openSslFailure("X509V3_EXT_conf_nid (CA request)");
        }
    }
    if (X509_REQ_add_extensions(request.get(), extensions.get()) != 1)
        return openSslFailure("X509_REQ_add_extensions");
    return signRequest(request.get(), key);
}

Status checkCaCertificate(const X509* certificate, const TokenKey& key, const QDateTime& now)
{
    const QString subject = nameToString(X509_get_subject_name(certificate));
    EVP_PKEY* certificateKey = X509_get0_pubkey(certificate);
    if (certificateKey == nullptr || EVP_PKEY_eq(certificateKey, key.publicKey()) != 1)
        return Error(ErrorCode::CaInvalid, QStringLiteral("CA certificate '%1' does not match %2 (different public key)")
                                               .arg(subject, key.describe()));
    // Equal public keys could still sit next to a different private key: sign on the token.
    std::array<unsigned char, 32> challenge{};
    if (RAND_bytes(challenge.data(), static_cast<int>(challenge.size())) != 1)
        return openSslFailure("RAND_bytes (challenge)");
    const QByteArray message(reinterpret_cast<const char*>(challenge.data()), static_cast<qsizetype>(challenge.size()));
    auto signature = key.sign(message);
    if (!signature)
        return signature.error();
    EvpMdCtxPtr verifier(EVP_MD_CTX_new());
    if (!verifier || EVP_DigestVerifyInit(verifier.get(), nullptr, key.digest(), nullptr, certificateKey) != 1
        || EVP_DigestVerify(verifier.get(), reinterpret_cast<const unsigned char*>(signature->constData()),
                            static_cast<std::size_t>(signature->size()), challenge.data(), challenge.size()) != 1) {
        static_cast<void>(takeOpenSslErrors());
        return Error(ErrorCode::CaInvalid, QStringLiteral("a signature by %1 does not verify with CA certificate '%2'")
                                               .arg(key.describe(), subject));
    }
    if (X509_check_ca(const_cast<X509*>(certificate)) != 1
        || (X509_get_key_usage(const_cast<X509*>(certificate)) & KU_KEY_CERT_SIGN) == 0)
        return Error(ErrorCode::CaInvalid,
                     QStringLiteral("certificate '%1' is not a CA certificate (needs basicConstraints CA:TRUE "
                                    "and keyUsage keyCertSign)").arg(subject));
    const QDateTime notBefore = asn1TimeToDateTime(X509_get0_notBefore(certificate));
    const QDateTime notAfter = asn1TimeToDateTime(X509_get0_notAfter(certificate));
    if (now < notBefore)
        return Error(ErrorCode::CaInvalid, QStringLiteral("CA certificate '%1' is not yet valid (from %2, now %3)")
                                               .arg(subject, notBefore.toString(Qt::ISODate), now.toString(Qt::ISODate)));
    if (now > notAfter)
        return Error(ErrorCode::CaInvalid, QStringLiteral("CA certificate '%1' expired on %2")
                                               .arg(subject, notAfter.toString(Qt::ISODate)));
    return {};
}

Result<X509Ptr> makeVerificationCertificate(const X509* caCertificate, const TokenKey& key,
                                            const QString& registrationCode, const QDateTime& now)
{
    if (registrationCode.trimmed().isEmpty())
        return Error(ErrorCode::InvalidInput, QStringLiteral("the registration code is empty"));
    EvpPkeyPtr throwaway(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    X509NamePtr subject(X509_NAME_new());
    const QByteArray code = registrationCode.trimmed().toUtf8();
    auto serial = randomSerial();
    if (!serial)
        return serial.error();
    X509Ptr certificate(X509_new());
    if (!throwaway || !subject || !certificate
        || X509_NAME_add_entry_by_txt(subject.get(), "CN", MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char*>(code.constData()),
                                      static_cast<int>(code.size()), -1, 0) != 1
        || X509_set_version(certificate.get(), X509_VERSION_3) != 1
        || X509_set_serialNumber(certificate.get(), serial->get()) != 1
        || X509_set_subject_name(certificate.get(), subject.get()) != 1
        || X509_set_issuer_name(certificate.get(), X509_get_subject_name(caCertificate)) != 1
        || X509_set_pubkey(certificate.get(), throwaway.get()) != 1)
        return openSslFailure("X509_set_* (verification certificate)");
    if (auto valid = setValidity(certificate.get(), now, now.addDays(30)); !valid)
        return valid.error();
    auto* issuer = const_cast<X509*>(caCertificate);
    for (auto added : {addExtension(certificate.get(), issuer, NID_basic_constraints, "critical,CA:FALSE"),
                       addExtension(certificate.get(), issuer, NID_subject_key_identifier, "hash"),
                       addExtension(certificate.get(), issuer, NID_authority_key_identifier, "keyid:always")}) {
        if (!added)
            return added.error();
    }
    return signCertificate(certificate.get(), key);
}

}  // namespace imprint::hsm
