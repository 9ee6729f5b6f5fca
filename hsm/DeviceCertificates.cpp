#include "hsm/DeviceCertificates.h"

#include "hsm/CaCertificates.h"
#include "hsm/OpenSslError.h"
#include "hsm/X509Signing.h"

#include <openssl/objects.h>

#include <array>

namespace imprint::hsm {

namespace {

Error rejected(const QString& why)
{
    return Error(ErrorCode::CsrRejected, QStringLiteral("CSR rejected: ") + why);
}

Result<X509NamePtr> subjectName(const ca::SubjectPattern& subject)
{
    X509NamePtr name(X509_NAME_new());
    if (!name)
        return openSslFailure("X509_NAME_new");
    const std::pair<int, const QString*> fields[] = {
        {NID_countryName, &subject.country},           {NID_organizationName, &subject.organization},
        {NID_organizationalUnitName, &subject.organizationalUnit}, {NID_commonName, &subject.commonName},
        {NID_serialNumber, &subject.serialNumber},     {NID_dnQualifier, &subject.dnQualifier}};
    for (const auto& [nid, value] : fields) {
        if (value->isEmpty())
            continue;
        const QByteArray utf8 = value->toUtf8();
        if (X509_NAME_add_entry_by_NID(name.get(), nid, MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(utf8.constData()),
                                       static_cast<int>(utf8.size()), -1, 0) != 1)
            return openSslFailure("X509_NAME_add_entry_by_NID", ErrorCode::InvalidInput)
                .withContext(QStringLiteral("subject field %1 = '%2'").arg(QString::fromLatin1(OBJ_nid2sn(nid)), *value));
    }
    return name;
}

// The device key goes into the certificate byte for byte: algorithm, parameters, key bits.
Status copyPublicKey(X509* certificate, const SpkiParts& from)
{
    const ASN1_OBJECT* object = nullptr;
    int parameterType = V_ASN1_UNDEF;
    const void* parameter = nullptr;
    X509_ALGOR_get0(&object, &parameterType, &parameter, from.algorithm.get());
    void* parameterCopy = nullptr;
    if (parameterType == V_ASN1_OBJECT)
        parameterCopy = OBJ_dup(static_cast<const ASN1_OBJECT*>(parameter));
    else if (parameterType == V_ASN1_SEQUENCE)
        parameterCopy = ASN1_STRING_dup(static_cast<const ASN1_STRING*>(parameter));
    auto* bitsCopy = static_cast<unsigned char*>(OPENSSL_memdup(from.keyBits.constData(), static_cast<std::size_t>(from.keyBits.size())));
    ASN1_OBJECT* objectCopy = OBJ_dup(object);
    if (X509_PUBKEY_set0_param(X509_get_X509_PUBKEY(certificate), objectCopy, parameterType, parameterCopy, bitsCopy,
                               static_cast<int>(from.keyBits.size())) != 1) {
        ASN1_OBJECT_free(objectCopy);
        OPENSSL_free(bitsCopy);
        return openSslFailure("X509_PUBKEY_set0_param");
    }
    return {};
}

Result<QByteArray> sha1(const unsigned char* data, std::size_t size)
{
    std::array<unsigned char, 20> hash{};
    unsigned int hashSize = 0;
    if (EVP_Digest(data, size, hash.data(), &hashSize, EVP_sha1(), nullptr) != 1)
        return openSslFailure("EVP_Digest(SHA-1)");
    return QByteArray(reinterpret_cast<const char*>(hash.data()), static_cast<qsizetype>(hashSize));
}

Result<std::shared_ptr<X509_EXTENSION>> extensionFromConf(int nid, const char* value)
{
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, nullptr, nid, value);
    if (extension == nullptr)
        return openSslFailure("X509V3_EXT_conf_nid");
    return std::shared_ptr<X509_EXTENSION>(extension, X509_EXTENSION_free);
}

Result<std::shared_ptr<X509_EXTENSION>> authorityKeyId(const X509* caCertificate)
{
    QByteArray keyId;
    if (const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(const_cast<X509*>(caCertificate))) {
        keyId = QByteArray(reinterpret_cast<const char*>(ASN1_STRING_get0_data(ski)), ASN1_STRING_length(ski));
    } else {
        const unsigned char* bits = nullptr;
        int size = 0;
        if (X509_PUBKEY_get0_param(nullptr, &bits, &size, nullptr, X509_get_X509_PUBKEY(caCertificate)) != 1)
            return openSslFailure("X509_PUBKEY_get0_param (CA)");
        auto hash = sha1(bits, static_cast<std::size_t>(size));
        if (!hash)
            return hash.error();
        keyId = hash.value();
    }
    OpenSslPtr<AUTHORITY_KEYID, &AUTHORITY_KEYID_free> akid(AUTHORITY_KEYID_new());
    if (!akid)
        return openSslFailure("AUTHORITY_KEYID_new");
    akid->keyid = ASN1_OCTET_STRING_new();
    if (akid->keyid == nullptr
        || ASN1_OCTET_STRING_set(akid->keyid, reinterpret_cast<const unsigned char*>(keyId.constData()),
                                 static_cast<int>(keyId.size())) != 1)
        return openSslFailure("ASN1_OCTET_STRING_set (AKI)");
    X509_EXTENSION* extension = X509V3_EXT_i2d(NID_authority_key_identifier, 0, akid.get());
    if (extension == nullptr)
        return openSslFailure("X509V3_EXT_i2d (AKI)");
    return std::shared_ptr<X509_EXTENSION>(extension, X509_EXTENSION_free);
}

}  // namespace

Status checkKeyPolicy(EVP_PKEY* key, const ca::KeyPolicy& policy)
{
    const int bits = EVP_PKEY_get_bits(key);
    if (EVP_PKEY_is_a(key, "EC")) {
        std::array<char, 64> group{};
        std::size_t length = 0;
        if (EVP_PKEY_get_group_name(key, group.data(), group.size(), &length) != 1)
            return rejected(QStringLiteral("EC key without a named curve (explicit parameters are not accepted)"));
        const QString curve = QString::fromLatin1(group.data(), static_cast<qsizetype>(length));
        if (curve == u"prime256v1" && policy.allowEcP256)
            return {};
        if (curve == u"secp384r1" && policy.allowEcP384)
            return {};
        return rejected(QStringLiteral("EC curve %1 (%2 bits) is not allowed by the key policy").arg(curve).arg(bits));
    }
    if (EVP_PKEY_is_a(key, "RSA")) {
        if (!policy.allowRsa)
            return rejected(QStringLiteral("RSA keys are not allowed by the key policy"));
        if (bits < policy.minRsaBits)
            return rejected(QStringLiteral("weak key: RSA-%1 is below the minimum of %2 bits").arg(bits).arg(policy.minRsaBits));
        if (bits > policy.maxRsaBits)
            return rejected(QStringLiteral("RSA-%1 is above the maximum of %2 bits").arg(bits).arg(policy.maxRsaBits));
        return {};
    }
    return rejected(QStringLiteral("unsupported key type %1 (EC P-256/P-384 or RSA only)")
                        .arg(QString::fromLatin1(EVP_PKEY_get0_type_name(key))));
}

Result<ParsedCsr> checkCsr(const QByteArray& csr, const ca::KeyPolicy& policy)
{
    auto parsed = parseCsr(csr);
    if (!parsed)
        return parsed.error();
    if (auto allowed = checkKeyPolicy(parsed->publicKey.get(), policy); !allowed)
        return allowed.error();
    if (auto verified = verifyCsrSignature(parsed.value()); !verified)
        return verified.error();
    return parsed;
}

Result<DeviceCertificateBuilder> DeviceCertificateBuilder::create(const X509* caCertificate)
{
    DeviceCertificateBuilder builder;
    builder.m_issuer.reset(X509_NAME_dup(X509_get_subject_name(caCertificate)));
    // Encode once now: later copies on worker threads then only read the cached encoding.
    if (!builder.m_issuer || i2d_X509_NAME(builder.m_issuer.get(), nullptr) <= 0)
        return openSslFailure("X509_NAME_dup");
    builder.m_caNotBefore = asn1TimeToDateTime(X509_get0_notBefore(caCertificate));
    builder.m_caNotAfter = asn1TimeToDateTime(X509_get0_notAfter(caCertificate));
    for (auto extension : {extensionFromConf(NID_basic_constraints, "critical,CA:FALSE"),
                           extensionFromConf(NID_key_usage, "critical,digitalSignature"),
                           extensionFromConf(NID_ext_key_usage, "clientAuth"), authorityKeyId(caCertificate)}) {
        if (!extension)
            return extension.error();
        builder.m_fixedExtensions.push_back(extension.value());
    }
    return builder;
}

Status DeviceCertificateBuilder::addExtensions(X509* certificate, const QByteArray& publicKeyBits,
                                               const ca::IssueRequest& request) const
{
    for (const auto& extension : m_fixedExtensions) {
        if (X509_add_ext(certificate, extension.get(), -1) != 1)
            return openSslFailure("X509_add_ext");
    }
    // SKI method 1 of RFC 5280 §4.2.1.2: SHA-1 of the key bits.
    auto keyId = sha1(reinterpret_cast<const unsigned char*>(publicKeyBits.constData()),
                      static_cast<std::size_t>(publicKeyBits.size()));
    if (!keyId)
        return keyId.error();
    Asn1OctetStringPtr ski(ASN1_OCTET_STRING_new());
    if (!ski || ASN1_OCTET_STRING_set(ski.get(), reinterpret_cast<const unsigned char*>(keyId->constData()),
                                      static_cast<int>(keyId->size())) != 1
        || X509_add1_ext_i2d(certificate, NID_subject_key_identifier, ski.get(), 0, X509V3_ADD_DEFAULT) != 1)
        return openSslFailure("X509_add1_ext_i2d (SKI)");
    if (request.profile.dnsNames.isEmpty())
        return {};
    GeneralNamesPtr names(GENERAL_NAMES_new());
    for (const QString& pattern : request.profile.dnsNames) {
        auto dnsName = ca::expandPattern(pattern, request.device);
        if (!dnsName)
            return dnsName.error();
        const QByteArray ascii = dnsName->toUtf8();
        GENERAL_NAME* name = GENERAL_NAME_new();
        ASN1_IA5STRING* text = ASN1_IA5STRING_new();
        if (name == nullptr || text == nullptr
            || ASN1_STRING_set(text, ascii.constData(), static_cast<int>(ascii.size())) != 1) {
            GENERAL_NAME_free(name);
            ASN1_IA5STRING_free(text);
            return openSslFailure("GENERAL_NAME_new (SAN)");
        }
        GENERAL_NAME_set0_value(name, GEN_DNS, text);
        if (sk_GENERAL_NAME_push(names.get(), name) <= 0) {
            GENERAL_NAME_free(name);
            return openSslFailure("sk_GENERAL_NAME_push");
        }
    }
    if (X509_add1_ext_i2d(certificate, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1)
        return openSslFailure("X509_add1_ext_i2d (SAN)");
    return {};
}

Result<ca::IssuedCertificate> DeviceCertificateBuilder::issue(const QByteArray& subjectPublicKeyInfo,
                                                              const ca::IssueRequest& request,
                                                              const TokenKey& key, const QDateTime& now) const
{
    if (now < m_caNotBefore || now > m_caNotAfter)
        return Error(ErrorCode::CaInvalid, QStringLiteral("the CA certificate is %1 (valid %2 to %3)")
                                               .arg(now < m_caNotBefore ? QStringLiteral("not yet valid")
                                                                        : QStringLiteral("expired"),
                                                    m_caNotBefore.toString(Qt::ISODate), m_caNotAfter.toString(Qt::ISODate)));
    auto subjectFields = ca::expandSubject(request.profile.subject, request.device);
    if (!subjectFields)
        return subjectFields.error();
    auto subject = subjectName(subjectFields.value());
    if (!subject)
        return subject.error();
    auto serial = randomSerial();
    if (!serial)
        return serial.error();
    // A minute of margin for device clocks running slightly behind, never before the CA.
    const QDateTime notBefore = std::max(now.addSecs(-60), m_caNotBefore);
    QDateTime notAfter = request.profile.fixedNotAfter.value_or(now.addDays(request.profile.validityDays));
    notAfter = std::min(notAfter, m_caNotAfter);  // never outlive the issuer

    X509Ptr certificate(X509_new());
    if (!certificate || X509_set_version(certificate.get(), X509_VERSION_3) != 1
        || X509_set_serialNumber(certificate.get(), serial->get()) != 1
        || X509_set_issuer_name(certificate.get(), m_issuer.get()) != 1
        || X509_set_subject_name(certificate.get(), subject->get()) != 1)
        return openSslFailure("X509_new/X509_set_* (device certificate)");
    if (auto valid = setValidity(certificate.get(), notBefore, notAfter); !valid)
        return valid.error();
    auto spki = splitSubjectPublicKeyInfo(subjectPublicKeyInfo);
    if (!spki)
        return spki.error();
    if (auto copied = copyPublicKey(certificate.get(), spki.value()); !copied)
        return copied.error();
    if (auto extended = addExtensions(certificate.get(), spki->keyBits, request); !extended)
        return extended.error();
    auto der = signCertificateDer(certificate.get(), key);
    if (!der)
        return der.error();

    BigNumPtr serialNumber(ASN1_INTEGER_to_BN(serial->get(), nullptr));
    char* serialHex = serialNumber ? BN_bn2hex(serialNumber.get()) : nullptr;
    if (serialHex == nullptr)
        return openSslFailure("BN_bn2hex");
    ca::IssuedCertificate issued;
    issued.serialHex = QString::fromLatin1(serialHex);
    OPENSSL_free(serialHex);
    issued.der = der.value();
    issued.pem = derToPem(issued.der, "CERTIFICATE");
    issued.sha256Fingerprint = sha256Hex(issued.der);
    issued.subject = nameToString(subject->get());
    issued.notBefore = QDateTime::fromSecsSinceEpoch(notBefore.toSecsSinceEpoch(), Qt::UTC);
    issued.notAfter = QDateTime::fromSecsSinceEpoch(notAfter.toSecsSinceEpoch(), Qt::UTC);
    issued.publicKeySha256 = sha256Hex(subjectPublicKeyInfo);
    return issued;
}

}  // namespace imprint::hsm
