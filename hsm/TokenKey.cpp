#include "hsm/TokenKey.h"

#include "hsm/OpenSslError.h"

#include <openssl/core_names.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/rand.h>

#include <array>
#include <vector>

namespace imprint::hsm {

namespace {

struct KeyTypeName
{
    TokenKeyType type;
    const char* name;
};
constexpr KeyTypeName kKeyTypeNames[] = {{TokenKeyType::EcP256, "ec-p256"},
                                         {TokenKeyType::EcP384, "ec-p384"},
                                         {TokenKeyType::Rsa2048, "rsa-2048"},
                                         {TokenKeyType::Rsa3072, "rsa-3072"}};

// DER of the named-curve OIDs (CKA_EC_PARAMS).
constexpr std::array<unsigned char, 10> kP256Oid = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
constexpr std::array<unsigned char, 7> kP384Oid = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};

CK_ATTRIBUTE attribute(CK_ATTRIBUTE_TYPE type, const void* value, std::size_t size)
{
    return {type, const_cast<void*>(value), static_cast<CK_ULONG>(size)};
}

// Reads one variable-length attribute (two calls: size, then value).
Result<QByteArray> readAttribute(const Token& token, CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object,
                                 CK_ATTRIBUTE_TYPE type)
{
    CK_ATTRIBUTE query{type, nullptr, 0};
    CK_RV rv = token.functions()->C_GetAttributeValue(session, object, &query, 1);
    if (rv != CKR_OK)
        return token.failure("C_GetAttributeValue", rv);
    QByteArray value(static_cast<qsizetype>(query.ulValueLen), '\0');
    query.pValue = value.data();
    rv = token.functions()->C_GetAttributeValue(session, object, &query, 1);
    if (rv != CKR_OK)
        return token.failure("C_GetAttributeValue", rv);
    return value;
}

Result<std::vector<CK_OBJECT_HANDLE>> findObjects(const Token& token, CK_SESSION_HANDLE session,
                                                  CK_OBJECT_CLASS objectClass, const QString& label,
                                                  const QByteArray& id)
{
    const QByteArray labelUtf8 = label.toUtf8();
    std::vector<CK_ATTRIBUTE> query{attribute(CKA_CLASS, &objectClass, sizeof objectClass)};
    if (!label.isEmpty())
        query.push_back(attribute(CKA_LABEL, labelUtf8.constData(), static_cast<std::size_t>(labelUtf8.size())));
    if (!id.isEmpty())
        query.push_back(attribute(CKA_ID, id.constData(), static_cast<std::size_t>(id.size())));
    CK_FUNCTION_LIST* p11 = token.functions();
    CK_RV rv = p11->C_FindObjectsInit(session, query.data(), static_cast<CK_ULONG>(query.size()));
    if (rv != CKR_OK)
        return token.failure("C_FindObjectsInit", rv);
    std::array<CK_OBJECT_HANDLE, 8> found{};
    CK_ULONG count = 0;
    rv = p11->C_FindObjects(session, found.data(), found.size(), &count);
    p11->C_FindObjectsFinal(session);
    if (rv != CKR_OK)
        return token.failure("C_FindObjects", rv);
    return std::vector<CK_OBJECT_HANDLE>(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(count));
}

// The public key of type `name` ("EC", "RSA") from the parameters in `builder`.
Result<EvpPkeyPtr> publicKeyFromParams(const char* name, OSSL_PARAM_BLD* builder)
{
    OsslParamPtr paramList(OSSL_PARAM_BLD_to_param(builder));
    EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_name(nullptr, name, nullptr));
    EVP_PKEY* key = nullptr;
    if (!paramList || !context || EVP_PKEY_fromdata_init(context.get()) != 1
        || EVP_PKEY_fromdata(context.get(), &key, EVP_PKEY_PUBLIC_KEY, paramList.get()) != 1)
        return openSslFailure("EVP_PKEY_fromdata").withContext(QStringLiteral("%1 public key from the token").arg(QString::fromLatin1(name)));
    return EvpPkeyPtr(key);
}

Result<EvpPkeyPtr> ecPublicKey(const QByteArray& params, const QByteArray& point)
{
    const auto* cursor = reinterpret_cast<const unsigned char*>(params.constData());
    Asn1ObjectPtr curve(d2i_ASN1_OBJECT(nullptr, &cursor, params.size()));
    if (!curve)
        return openSslFailure("d2i_ASN1_OBJECT (CKA_EC_PARAMS)");
    // CKA_EC_POINT is a DER OCTET STRING around the point (PKCS#11 2.40); some modules
    // return the bare point.
    QByteArray rawPoint = point;
    cursor = reinterpret_cast<const unsigned char*>(point.constData());
    if (Asn1OctetStringPtr wrapped(d2i_ASN1_OCTET_STRING(nullptr, &cursor, point.size())); wrapped)
        rawPoint = QByteArray(reinterpret_cast<const char*>(ASN1_STRING_get0_data(wrapped.get())),
                              ASN1_STRING_length(wrapped.get()));
    static_cast<void>(takeOpenSslErrors());  // a bare point is fine: drop the parse error
    const char* group = OBJ_nid2sn(OBJ_obj2nid(curve.get()));
    OsslParamBldPtr builder(OSSL_PARAM_BLD_new());
    if (!builder || OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1
        || OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, rawPoint.constData(),
                                            static_cast<std::size_t>(rawPoint.size())) != 1)
        return openSslFailure("OSSL_PARAM_BLD_push (EC public key)");
    return publicKeyFromParams("EC", builder.get());
}

Result<EvpPkeyPtr> rsaPublicKey(const QByteArray& modulus, const QByteArray& exponent)
{
    BigNumPtr n(BN_bin2bn(reinterpret_cast<const unsigned char*>(modulus.constData()), static_cast<int>(modulus.size()), nullptr));
    BigNumPtr e(BN_bin2bn(reinterpret_cast<const unsigned char*>(exponent.constData()), static_cast<int>(exponent.size()), nullptr));
    OsslParamBldPtr builder(OSSL_PARAM_BLD_new());
    if (!n || !e || !builder || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1
        || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1)
        return openSslFailure("OSSL_PARAM_BLD_push (RSA public key)");
    return publicKeyFromParams("RSA", builder.get());
}

Result<EvpPkeyPtr> readPublicKey(const Token& token, CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object,
                                 CK_KEY_TYPE type)
{
    if (type == CKK_EC) {
        auto params = readAttribute(token, session, object, CKA_EC_PARAMS);
        auto point = readAttribute(token, session, object, CKA_EC_POINT);
        if (!params)
            return params.error();
        if (!point)
            return point.error();
        return ecPublicKey(params.value(), point.value());
    }
    auto modulus = readAttribute(token, session, object, CKA_MODULUS);
    auto exponent = readAttribute(token, session, object, CKA_PUBLIC_EXPONENT);
    if (!modulus)
        return modulus.error();
    if (!exponent)
        return exponent.error();
    return rsaPublicKey(modulus.value(), exponent.value());
}

// DigestInfo prefixes (RFC 8017 §9.2 note 1) for CKM_RSA_PKCS over a digest we computed.
constexpr std::array<unsigned char, 19> kSha256DigestInfo = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                                             0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};

}  // namespace

Result<TokenKeyType> parseTokenKeyType(const QString& name)
{
    for (const auto& entry : kKeyTypeNames) {
        if (name == QLatin1String(entry.name))
            return entry.type;
    }
    return Error(ErrorCode::InvalidInput,
                 QStringLiteral("unknown key type '%1' (use ec-p256, ec-p384, rsa-2048 or rsa-3072)").arg(name));
}

QString tokenKeyTypeName(TokenKeyType type)
{
    for (const auto& entry : kKeyTypeNames) {
        if (entry.type == type)
            return QString::fromLatin1(entry.name);
    }
    return {};
}

TokenKey::TokenKey(Token& token, CK_OBJECT_HANDLE privateKey, CK_KEY_TYPE type, EvpPkeyPtr publicKey,
                   QString label, QByteArray id)
    : m_token(&token), m_privateKey(privateKey), m_keyType(type), m_publicKey(std::move(publicKey)),
      m_label(std::move(label)), m_id(std::move(id))
{
}

QString TokenKey::describe() const
{
    return QStringLiteral("key '%1' (id %2) on token '%3'")
        .arg(m_label, QString::fromLatin1(m_id.toHex()), m_token->label());
}

Result<TokenKey> TokenKey::generate(Token& token, TokenKeyType type, const QString& label, const QByteArray& requestedId)
{
    auto session = token.session();
    if (!session)
        return session.error();
    auto existing = findObjects(token, session->handle(), CKO_PRIVATE_KEY, label, {});
    if (!existing)
        return existing.error();
    if (!existing->empty())
        return Error(ErrorCode::AlreadyExists,
                     QStringLiteral("a private key labelled '%1' already exists on token '%2'; "
                                    "choose another label or use the existing key")
                         .arg(label, token.label()));
    QByteArray id = requestedId;
    if (id.isEmpty()) {
        id.resize(8);
        if (RAND_bytes(reinterpret_cast<unsigned char*>(id.data()), static_cast<int>(id.size())) != 1)
            return openSslFailure("RAND_bytes (key id)");
    }
    const QByteArray labelUtf8 = label.toUtf8();
    CK_BBOOL yes = CK_TRUE;
    CK_BBOOL no = CK_FALSE;
    const bool ec = type == TokenKeyType::EcP256 || type == TokenKeyType::EcP384;
    CK_ULONG modulusBits = type == TokenKeyType::Rsa3072 ? 3072 : 2048;
    const std::array<unsigned char, 3> exponent = {0x01, 0x00, 0x01};
    std::vector<CK_ATTRIBUTE> publicTemplate{
        attribute(CKA_TOKEN, &yes, sizeof yes), attribute(CKA_PRIVATE, &no, sizeof no),
        attribute(CKA_VERIFY, &yes, sizeof yes),
        attribute(CKA_LABEL, labelUtf8.constData(), static_cast<std::size_t>(labelUtf8.size())),
        attribute(CKA_ID, id.constData(), static_cast<std::size_t>(id.size()))};
    if (type == TokenKeyType::EcP256)
        publicTemplate.push_back(attribute(CKA_EC_PARAMS, kP256Oid.data(), kP256Oid.size()));
    else if (type == TokenKeyType::EcP384)
        publicTemplate.push_back(attribute(CKA_EC_PARAMS, kP384Oid.data(), kP384Oid.size()));
    else {
        publicTemplate.push_back(attribute(CKA_MODULUS_BITS, &modulusBits, sizeof modulusBits));
        publicTemplate.push_back(attribute(CKA_PUBLIC_EXPONENT, exponent.data(), exponent.size()));
    }
    std::vector<CK_ATTRIBUTE> privateTemplate{
        attribute(CKA_TOKEN, &yes, sizeof yes), attribute(CKA_PRIVATE, &yes, sizeof yes),
        attribute(CKA_SENSITIVE, &yes, sizeof yes), attribute(CKA_EXTRACTABLE, &no, sizeof no),
        attribute(CKA_SIGN, &yes, sizeof yes),
        attribute(CKA_LABEL, labelUtf8.constData(), static_cast<std::size_t>(labelUtf8.size())),
        attribute(CKA_ID, id.constData(), static_cast<std::size_t>(id.size()))};
    CK_MECHANISM mechanism{ec ? CKM_EC_KEY_PAIR_GEN : CKM_RSA_PKCS_KEY_PAIR_GEN, nullptr, 0};
    CK_OBJECT_HANDLE publicKey = CK_INVALID_HANDLE;
    CK_OBJECT_HANDLE privateKey = CK_INVALID_HANDLE;
    const CK_RV rv = token.functions()->C_GenerateKeyPair(
        session->handle(), &mechanism, publicTemplate.data(), static_cast<CK_ULONG>(publicTemplate.size()),
        privateTemplate.data(), static_cast<CK_ULONG>(privateTemplate.size()), &publicKey, &privateKey);
    if (rv != CKR_OK)
        return token.failure("C_GenerateKeyPair", rv);
    auto publicPkey = readPublicKey(token, session->handle(), publicKey, ec ? CKK_EC : CKK_RSA);
    if (!publicPkey)
        return publicPkey.error();
    return TokenKey(token, privateKey, ec ? CKK_EC : CKK_RSA, std::move(publicPkey.value()), label, id);
}

Result<TokenKey> TokenKey::find(Token& token, const QString& label, const QByteArray& id)
{
    const QString what = QStringLiteral("%1%2 on token '%3'")
                             .arg(label.isEmpty() ? QStringLiteral("key") : QStringLiteral("key '%1'").arg(label),
                                  id.isEmpty() ? QString() : QStringLiteral(" (id %1)").arg(QString::fromLatin1(id.toHex())),
                                  token.label());
    if (label.isEmpty() && id.isEmpty())
        return Error(ErrorCode::InvalidInput, QStringLiteral("no key named: give object=<label> or id=<hex> in the PKCS#11 URI"));
    auto session = token.session();
    if (!session)
        return session.error();
    auto privateKeys = findObjects(token, session->handle(), CKO_PRIVATE_KEY, label, id);
    if (!privateKeys)
        return privateKeys.error();
    if (privateKeys->empty())
        return Error(ErrorCode::KeyNotFound, QStringLiteral("private %1 not found (is the token logged in and the label right?)").arg(what));
    if (privateKeys->size() > 1)
        return Error(ErrorCode::KeyNotFound, QStringLiteral("%1 is ambiguous: %2 private keys match; add id=<hex>")
                                                 .arg(what).arg(privateKeys->size()));
    const CK_OBJECT_HANDLE privateKey = privateKeys->front();
    CK_KEY_TYPE keyType = 0;
    CK_ATTRIBUTE typeQuery = attribute(CKA_KEY_TYPE, &keyType, sizeof keyType);
    if (const CK_RV rv = token.functions()->C_GetAttributeValue(session->handle(), privateKey, &typeQuery, 1); rv != CKR_OK)
        return token.failure("C_GetAttributeValue(CKA_KEY_TYPE)", rv);
    if (keyType != CKK_EC && keyType != CKK_RSA)
        return Error(ErrorCode::Unsupported, QStringLiteral("%1 is neither EC nor RSA").arg(what));
    auto keyId = readAttribute(token, session->handle(), privateKey, CKA_ID);
    auto keyLabel = readAttribute(token, session->handle(), privateKey, CKA_LABEL);
    if (!keyId)
        return keyId.error();
    if (!keyLabel)
        return keyLabel.error();
    auto publicKeys = findObjects(token, session->handle(), CKO_PUBLIC_KEY, {}, keyId.value());
    if (!publicKeys)
        return publicKeys.error();
    if (publicKeys->empty())
        return Error(ErrorCode::KeyNotFound, QStringLiteral("public half of %1 not found on the token").arg(what));
    auto publicPkey = readPublicKey(token, session->handle(), publicKeys->front(), keyType);
    if (!publicPkey)
        return publicPkey.error();
    return TokenKey(token, privateKey, keyType, std::move(publicPkey.value()), QString::fromUtf8(keyLabel.value()),
                    keyId.value());
}

const EVP_MD* TokenKey::digest() const
{
    return isEc() && EVP_PKEY_get_bits(m_publicKey.get()) > 256 ? EVP_sha384() : EVP_sha256();
}

Result<X509AlgorPtr> TokenKey::signatureAlgorithm() const
{
    X509AlgorPtr algorithm(X509_ALGOR_new());
    if (!algorithm)
        return openSslFailure("X509_ALGOR_new");
    int nid = NID_sha256WithRSAEncryption;
    if (isEc())
        nid = digest() == EVP_sha384() ? NID_ecdsa_with_SHA384 : NID_ecdsa_with_SHA256;
    // RSA carries an explicit NULL parameter, ECDSA none (RFC 3279, RFC 5758).
    if (X509_ALGOR_set0(algorithm.get(), OBJ_nid2obj(nid), isEc() ? V_ASN1_UNDEF : V_ASN1_NULL, nullptr) != 1)
        return openSslFailure("X509_ALGOR_set0");
    return algorithm;
}

Result<QByteArray> TokenKey::sign(const QByteArray& message) const
{
    std::array<unsigned char, EVP_MAX_MD_SIZE> hash{};
    unsigned int hashSize = 0;
    if (EVP_Digest(message.constData(), static_cast<std::size_t>(message.size()), hash.data(), &hashSize,
                   digest(), nullptr) != 1)
        return openSslFailure("EVP_Digest");
    return signDigest(hash.data(), hashSize);
}

Result<QByteArray> TokenKey::signDigest(const unsigned char* hash, unsigned int hashSize) const
{
    std::array<unsigned char, 64> input{};
    CK_ULONG inputSize = hashSize;
    if (isEc()) {
        std::copy(hash, hash + hashSize, input.begin());
    } else {
        std::copy(kSha256DigestInfo.begin(), kSha256DigestInfo.end(), input.begin());
        std::copy(hash, hash + hashSize, input.begin() + kSha256DigestInfo.size());
        inputSize += kSha256DigestInfo.size();
    }
    auto session = m_token->session();
    if (!session)
        return session.error();
    CK_MECHANISM mechanism{isEc() ? CKM_ECDSA : CKM_RSA_PKCS, nullptr, 0};
    CK_FUNCTION_LIST* p11 = m_token->functions();
    std::array<unsigned char, 512> signature{};
    CK_ULONG signatureSize = signature.size();
    const char* call = "C_SignInit";
    CK_RV rv = p11->C_SignInit(session->handle(), &mechanism, m_privateKey);
    if (rv == CKR_OK) {
        call = "C_Sign";
        rv = p11->C_Sign(session->handle(), input.data(), inputSize, signature.data(), &signatureSize);
    }
    if (rv != CKR_OK) {
        if (meansTokenGone(rv))
            session->discard();
        return m_token->failure(call, rv);
    }
    if (!isEc())
        return QByteArray(reinterpret_cast<const char*>(signature.data()), static_cast<qsizetype>(signatureSize));
    // PKCS#11 returns r || s; X.509 wants DER SEQUENCE { r INTEGER, s INTEGER }.
    const int half = static_cast<int>(signatureSize / 2);
    EcdsaSigPtr ecdsa(ECDSA_SIG_new());
    BIGNUM* r = BN_bin2bn(signature.data(), half, nullptr);
    BIGNUM* s = BN_bin2bn(signature.data() + half, half, nullptr);
    if (!ecdsa || r == nullptr || s == nullptr || ECDSA_SIG_set0(ecdsa.get(), r, s) != 1) {
        BN_free(r);
        BN_free(s);
        return openSslFailure("ECDSA_SIG_set0");
    }
    unsigned char* der = nullptr;
    const int derSize = i2d_ECDSA_SIG(ecdsa.get(), &der);
    if (derSize <= 0)
        return openSslFailure("i2d_ECDSA_SIG");
    QByteArray result(reinterpret_cast<const char*>(der), derSize);
    OPENSSL_free(der);
    return result;
}

}  // namespace imprint::hsm
