#include "hsm/CsrParser.h"

#include "hsm/OpenSslError.h"

#include <openssl/core_names.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>

#include <QScopeGuard>

#include <array>
#include <mutex>
#include <vector>

namespace imprint::hsm {

namespace {

constexpr unsigned char kSequence = 0x30;
constexpr unsigned char kBitString = 0x03;

Error malformed(const QString& why)
{
    return Error(ErrorCode::CsrRejected, QStringLiteral("CSR malformed: ") + why);
}

// One DER element: [start, end) covers tag, length and content.
struct Element
{
    const unsigned char* start = nullptr;
    const unsigned char* content = nullptr;
    const unsigned char* end = nullptr;
    unsigned char tag = 0;

    [[nodiscard]] QByteArray whole() const
    {
        return QByteArray(reinterpret_cast<const char*>(start), static_cast<qsizetype>(end - start));
    }
};

// Reads the element at `cursor` (single-byte tags, definite lengths up to 4 bytes).
bool readElement(const unsigned char*& cursor, const unsigned char* limit, Element& element)
{
    if (limit - cursor < 2)
        return false;
    element.start = cursor;
    element.tag = cursor[0];
    std::size_t length = cursor[1];
    const unsigned char* p = cursor + 2;
    if ((length & 0x80) != 0) {
        const std::size_t bytes = length & 0x7f;
        if (bytes == 0 || bytes > 4 || static_cast<std::size_t>(limit - p) < bytes)
            return false;
        length = 0;
        for (std::size_t i = 0; i < bytes; ++i)
            length = (length << 8) | *p++;
    }
    if (static_cast<std::size_t>(limit - p) < length)
        return false;
    element.content = p;
    element.end = p + length;
    cursor = element.end;
    return true;
}

Result<QByteArray> derFromPem(const QByteArray& pemOrDer)
{
    if (!pemOrDer.contains("-----BEGIN"))
        return pemOrDer;
    const qsizetype begin = pemOrDer.indexOf("REQUEST-----");
    const qsizetype end = pemOrDer.indexOf("-----END", begin);
    if (begin < 0 || end < 0)
        return malformed(QStringLiteral("PEM without a CERTIFICATE REQUEST block"));
    const auto decoded = QByteArray::fromBase64Encoding(pemOrDer.mid(begin + 12, end - begin - 12).simplified().replace(' ', QByteArray()),
                                                        QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return malformed(QStringLiteral("bad base64 in the PEM block"));
    return *decoded;
}

// Key-building contexts kept for reuse: fetching one is most of the cost of building a key.
// A process-owned pool, not thread_local: a thread-pool worker is detached and may still be
// running its thread-local destructors while the process exits, which frees them too late.
class EcContextPool
{
public:
    EvpPkeyCtxPtr take()
    {
        {
            std::lock_guard lock(m_mutex);
            if (!m_idle.empty()) {
                EvpPkeyCtxPtr context = std::move(m_idle.back());
                m_idle.pop_back();
                return context;
            }
        }
        return EvpPkeyCtxPtr(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    }

    void giveBack(EvpPkeyCtxPtr context)
    {
        if (!context)
            return;
        std::lock_guard lock(m_mutex);
        m_idle.push_back(std::move(context));
    }

private:
    std::mutex m_mutex;
    std::vector<EvpPkeyCtxPtr> m_idle;
};

EcContextPool& ecContexts()
{
    static EcContextPool pool;
    return pool;
}

Result<EvpPkeyPtr> ecKey(int curveNid, const unsigned char* point, std::size_t size)
{
    EvpPkeyCtxPtr context = ecContexts().take();
    const auto giveBack = qScopeGuard([&context] { ecContexts().giveBack(std::move(context)); });
    const char* group = OBJ_nid2sn(curveNid);
    std::array<OSSL_PARAM, 3> params{
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(group), 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, const_cast<unsigned char*>(point), size),
        OSSL_PARAM_construct_end()};
    EVP_PKEY* key = nullptr;
    if (!context || EVP_PKEY_fromdata_init(context.get()) != 1
        || EVP_PKEY_fromdata(context.get(), &key, EVP_PKEY_PUBLIC_KEY, params.data()) != 1)
        return openSslFailure("EVP_PKEY_fromdata", ErrorCode::CsrRejected)
            .withContext(QStringLiteral("CSR malformed: EC public key on %1").arg(QString::fromLatin1(group)));
    return EvpPkeyPtr(key);
}

Result<EvpPkeyPtr> publicKeyFrom(const QByteArray& spki)
{
    auto parts = splitSubjectPublicKeyInfo(spki);
    if (!parts)
        return parts.error();
    X509_ALGOR* algor = parts->algorithm.get();
    const ASN1_OBJECT* object = nullptr;
    int parameterType = V_ASN1_UNDEF;
    const void* parameter = nullptr;
    X509_ALGOR_get0(&object, &parameterType, &parameter, algor);
    const int nid = OBJ_obj2nid(object);
    const auto* keyBits = reinterpret_cast<const unsigned char*>(parts->keyBits.constData());
    const auto keySize = static_cast<std::size_t>(parts->keyBits.size());
    if (nid == NID_X9_62_id_ecPublicKey) {
        if (parameterType != V_ASN1_OBJECT)
            return Error(ErrorCode::CsrRejected,
                         QStringLiteral("CSR rejected: EC key without a named curve (explicit parameters are not accepted)"));
        return ecKey(OBJ_obj2nid(static_cast<const ASN1_OBJECT*>(parameter)), keyBits, keySize);
    }
    if (nid == NID_rsaEncryption) {
        const unsigned char* rsaCursor = keyBits;
        EvpPkeyPtr key(d2i_PublicKey(EVP_PKEY_RSA, nullptr, &rsaCursor, static_cast<long>(keySize)));
        if (!key)
            return openSslFailure("d2i_PublicKey", ErrorCode::CsrRejected).withContext(QStringLiteral("CSR malformed: RSA public key"));
        return key;
    }
    std::array<char, 80> name{};
    OBJ_obj2txt(name.data(), static_cast<int>(name.size()), object, 0);
    return Error(ErrorCode::CsrRejected, QStringLiteral("CSR rejected: unsupported key type %1 (EC P-256/P-384 or RSA only)")
                                             .arg(QString::fromLatin1(name.data())));
}

const EVP_MD* digestFor(int signatureNid, bool& isEc)
{
    isEc = true;
    switch (signatureNid) {
    case NID_ecdsa_with_SHA256:
        return EVP_sha256();
    case NID_ecdsa_with_SHA384:
        return EVP_sha384();
    case NID_ecdsa_with_SHA512:
        return EVP_sha512();
    default:
        break;
    }
    isEc = false;
    switch (signatureNid) {
    case NID_sha256WithRSAEncryption:
        return EVP_sha256();
    case NID_sha384WithRSAEncryption:
        return EVP_sha384();
    case NID_sha512WithRSAEncryption:
        return EVP_sha512();
    default:
        return nullptr;
    }
}

}  // namespace

Result<SpkiParts> splitSubjectPublicKeyInfo(const QByteArray& spki)
{
    const auto* cursor = reinterpret_cast<const unsigned char*>(spki.constData());
    const unsigned char* limit = cursor + spki.size();
    Element outer;
    Element algorithm;
    Element bits;
    if (!readElement(cursor, limit, outer) || outer.tag != kSequence)
        return malformed(QStringLiteral("SubjectPublicKeyInfo is not a SEQUENCE"));
    cursor = outer.content;
    if (!readElement(cursor, outer.end, algorithm) || algorithm.tag != kSequence || !readElement(cursor, outer.end, bits)
        || bits.tag != kBitString || bits.end - bits.content < 2 || bits.content[0] != 0)
        return malformed(QStringLiteral("SubjectPublicKeyInfo fields"));
    const unsigned char* algorithmCursor = algorithm.start;
    SpkiParts parts;
    parts.algorithm.reset(d2i_X509_ALGOR(nullptr, &algorithmCursor, algorithm.end - algorithm.start));
    if (!parts.algorithm)
        return openSslFailure("d2i_X509_ALGOR", ErrorCode::CsrRejected).withContext(QStringLiteral("CSR malformed: key algorithm"));
    parts.keyBits = QByteArray(reinterpret_cast<const char*>(bits.content + 1), static_cast<qsizetype>(bits.end - bits.content - 1));
    return parts;
}

Result<ParsedCsr> parseCsr(const QByteArray& pemOrDer)
{
    auto der = derFromPem(pemOrDer);
    if (!der)
        return der.error();
    const auto* cursor = reinterpret_cast<const unsigned char*>(der->constData());
    const unsigned char* limit = cursor + der->size();
    Element outer;
    Element info;
    Element algorithm;
    Element signature;
    if (!readElement(cursor, limit, outer) || outer.tag != kSequence || outer.end != limit)
        return malformed(QStringLiteral("not a PEM or DER PKCS#10 request"));
    cursor = outer.content;
    if (!readElement(cursor, outer.end, info) || info.tag != kSequence || !readElement(cursor, outer.end, algorithm)
        || algorithm.tag != kSequence || !readElement(cursor, outer.end, signature) || signature.tag != kBitString
        || signature.end - signature.content < 2 || signature.content[0] != 0 || cursor != outer.end)
        return malformed(QStringLiteral("not a PKCS#10 request (request info, algorithm, signature)"));
    // CertificationRequestInfo: version, subject, subjectPKInfo, [0] attributes (ignored:
    // nothing a device asks for is copied).
    Element version;
    Element subject;
    Element spki;
    const unsigned char* infoCursor = info.content;
    if (!readElement(infoCursor, info.end, version) || version.tag != 0x02 || !readElement(infoCursor, info.end, subject)
        || subject.tag != kSequence || !readElement(infoCursor, info.end, spki) || spki.tag != kSequence)
        return malformed(QStringLiteral("request info (version, subject, public key)"));
    ParsedCsr parsed;
    parsed.requestInfo = info.whole();
    parsed.subjectPublicKeyInfo = spki.whole();
    const unsigned char* algorithmCursor = algorithm.start;
    parsed.signatureAlgorithm.reset(d2i_X509_ALGOR(nullptr, &algorithmCursor, algorithm.end - algorithm.start));
    if (!parsed.signatureAlgorithm)
        return openSslFailure("d2i_X509_ALGOR", ErrorCode::CsrRejected).withContext(QStringLiteral("CSR malformed: signature algorithm"));
    parsed.signature = QByteArray(reinterpret_cast<const char*>(signature.content + 1),
                                  static_cast<qsizetype>(signature.end - signature.content - 1));
    auto key = publicKeyFrom(parsed.subjectPublicKeyInfo);
    if (!key)
        return key.error();
    parsed.publicKey = std::move(key.value());
    return parsed;
}

Status verifyCsrSignature(const ParsedCsr& csr)
{
    const ASN1_OBJECT* object = nullptr;
    X509_ALGOR_get0(&object, nullptr, nullptr, csr.signatureAlgorithm.get());
    bool isEc = false;
    const EVP_MD* digest = digestFor(OBJ_obj2nid(object), isEc);
    if (digest == nullptr || isEc != (EVP_PKEY_is_a(csr.publicKey.get(), "EC") == 1))
        return Error(ErrorCode::CsrRejected, QStringLiteral("CSR rejected: unsupported signature algorithm %1 for this key")
                                                 .arg(QString::fromLatin1(OBJ_nid2sn(OBJ_obj2nid(object)))));
    std::array<unsigned char, EVP_MAX_MD_SIZE> hash{};
    unsigned int hashSize = 0;
    if (EVP_Digest(csr.requestInfo.constData(), static_cast<std::size_t>(csr.requestInfo.size()), hash.data(), &hashSize, digest,
                   nullptr) != 1)
        return openSslFailure("EVP_Digest");
    EvpPkeyCtxPtr context(EVP_PKEY_CTX_new(csr.publicKey.get(), nullptr));
    if (!context || EVP_PKEY_verify_init(context.get()) != 1 || EVP_PKEY_CTX_set_signature_md(context.get(), digest) != 1
        || (!isEc && EVP_PKEY_CTX_set_rsa_padding(context.get(), RSA_PKCS1_PADDING) != 1))
        return openSslFailure("EVP_PKEY_verify_init", ErrorCode::CsrRejected);
    if (EVP_PKEY_verify(context.get(), reinterpret_cast<const unsigned char*>(csr.signature.constData()),
                        static_cast<std::size_t>(csr.signature.size()), hash.data(), hashSize) != 1) {
        static_cast<void>(takeOpenSslErrors());
        return Error(ErrorCode::CsrRejected,
                     QStringLiteral("CSR rejected: bad signature: the CSR is not signed by its own key (no proof of possession)"));
    }
    return {};
}

}  // namespace imprint::hsm
