#include "hsm/X509Signing.h"

#include "hsm/OpenSslError.h"

#include <openssl/pem.h>
#include <openssl/rand.h>

#include <array>

namespace imprint::hsm {

namespace {

void appendDerLength(QByteArray& out, qsizetype length)
{
    if (length < 0x80) {
        out.append(static_cast<char>(length));
        return;
    }
    QByteArray bytes;
    for (auto rest = static_cast<quint64>(length); rest != 0; rest >>= 8)
        bytes.prepend(static_cast<char>(rest & 0xff));
    out.append(static_cast<char>(0x80 | bytes.size()));
    out.append(bytes);
}

QByteArray derElement(char tag, const QByteArray& content)
{
    QByteArray out;
    out.reserve(content.size() + 6);
    out.append(tag);
    appendDerLength(out, content.size());
    out.append(content);
    return out;
}

template <typename Encode>
Result<QByteArray> encode(const char* call, Encode&& encodeInto)
{
    unsigned char* der = nullptr;
    const int size = encodeInto(&der);
    if (size <= 0)
        return openSslFailure(call);
    QByteArray result(reinterpret_cast<const char*>(der), size);
    OPENSSL_free(der);
    return result;
}

// SEQUENCE { tbs, AlgorithmIdentifier, BIT STRING (0 unused bits) signature }.
Result<QByteArray> assemble(const QByteArray& tbs, const X509_ALGOR* algorithm, const QByteArray& signature)
{
    auto algorithmDer = encode("i2d_X509_ALGOR", [&](unsigned char** out) { return i2d_X509_ALGOR(algorithm, out); });
    if (!algorithmDer)
        return algorithmDer.error();
    QByteArray bits;
    bits.reserve(signature.size() + 1);
    bits.append('\0');
    bits.append(signature);
    return derElement(0x30, tbs + algorithmDer.value() + derElement(0x03, bits));
}

// PEM when it looks like PEM, DER otherwise; null when neither parses.
template <typename T>
T* readPemOrDer(const QByteArray& pemOrDer, T* (*readPem)(BIO*, T**, pem_password_cb*, void*),
                T* (*readDer)(T**, const unsigned char**, long))
{
    if (pemOrDer.contains("-----BEGIN")) {
        BioPtr bio(BIO_new_mem_buf(pemOrDer.constData(), static_cast<int>(pemOrDer.size())));
        return bio ? readPem(bio.get(), nullptr, nullptr, nullptr) : nullptr;
    }
    const auto* cursor = reinterpret_cast<const unsigned char*>(pemOrDer.constData());
    return readDer(nullptr, &cursor, pemOrDer.size());
}

}  // namespace

Result<QByteArray> signCertificateDer(X509* certificate, const TokenKey& key)
{
    auto algorithm = key.signatureAlgorithm();
    if (!algorithm)
        return algorithm.error();
    // OpenSSL 3.0 has no setter for the TBS signature field outside X509_sign*, which would
    // need the private key as an EVP_PKEY; the field is ours to fill before encoding.
    auto* tbsAlgorithm = const_cast<X509_ALGOR*>(X509_get0_tbs_sigalg(certificate));
    if (X509_ALGOR_copy(tbsAlgorithm, algorithm->get()) != 1)
        return openSslFailure("X509_ALGOR_copy");
    auto tbs = encode("i2d_re_X509_tbs", [&](unsigned char** out) { return i2d_re_X509_tbs(certificate, out); });
    if (!tbs)
        return tbs.error();
    auto signature = key.sign(tbs.value());
    if (!signature)
        return signature.error();
    return assemble(tbs.value(), algorithm->get(), signature.value());
}

Result<X509Ptr> signCertificate(X509* certificate, const TokenKey& key)
{
    auto der = signCertificateDer(certificate, key);
    if (!der)
        return der.error();
    return parseCertificate(der.value(), QStringLiteral("the certificate just signed"));
}

Result<X509ReqPtr> signRequest(X509_REQ* request, const TokenKey& key)
{
    auto algorithm = key.signatureAlgorithm();
    if (!algorithm)
        return algorithm.error();
    auto tbs = encode("i2d_re_X509_REQ_tbs", [&](unsigned char** out) { return i2d_re_X509_REQ_tbs(request, out); });
    if (!tbs)
        return tbs.error();
    auto signature = key.sign(tbs.value());
    if (!signature)
        return signature.error();
    auto der = assemble(tbs.value(), algorithm->get(), signature.value());
    if (!der)
        return der.error();
    return parseRequest(der.value(), ErrorCode::Crypto);
}

Result<Asn1IntegerPtr> randomSerial()
{
    std::array<unsigned char, 20> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
        return openSslFailure("RAND_bytes (serial)");
    bytes[0] = static_cast<unsigned char>((bytes[0] & 0x7f) | 0x40);
    BigNumPtr number(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
    Asn1IntegerPtr serial(number ? BN_to_ASN1_INTEGER(number.get(), nullptr) : nullptr);
    if (!serial)
        return openSslFailure("BN_to_ASN1_INTEGER (serial)");
    return serial;
}

Result<X509NamePtr> parseDistinguishedName(const QString& text)
{
    X509NamePtr name(X509_NAME_new());
    if (!name)
        return openSslFailure("X509_NAME_new");
    const bool slashes = text.startsWith(u'/');
    const QStringList parts = slashes ? text.mid(1).split(u'/') : text.split(u',');
    for (const QString& part : parts) {
        const qsizetype equals = part.indexOf(u'=');
        if (equals <= 0)
            return Error(ErrorCode::InvalidInput,
                         QStringLiteral("subject '%1': '%2' is not FIELD=value").arg(text, part));
        const QByteArray field = part.left(equals).trimmed().toLatin1();
        const QByteArray value = part.mid(equals + 1).trimmed().toUtf8();
        if (X509_NAME_add_entry_by_txt(name.get(), field.constData(), MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(value.constData()),
                                       static_cast<int>(value.size()), -1, 0) != 1)
            return openSslFailure("X509_NAME_add_entry_by_txt", ErrorCode::InvalidInput)
                .withContext(QStringLiteral("subject '%1', field %2").arg(text, QString::fromLatin1(field)));
    }
    return name;
}

QString nameToString(const X509_NAME* name)
{
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0)
        return {};
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return QString::fromUtf8(data, static_cast<qsizetype>(size));
}

QByteArray derToPem(const QByteArray& der, const char* label)
{
    const QByteArray base64 = der.toBase64();
    QByteArray pem = QByteArray("-----BEGIN ") + label + "-----\n";
    pem.reserve(base64.size() + base64.size() / 64 + 64);
    for (qsizetype i = 0; i < base64.size(); i += 64) {
        pem.append(base64.mid(i, 64));
        pem.append('\n');
    }
    return pem + "-----END " + label + "-----\n";
}

QByteArray x509Der(const X509* certificate)
{
    unsigned char* der = nullptr;
    const int size = i2d_X509(certificate, &der);
    if (size <= 0)
        return {};
    QByteArray result(reinterpret_cast<const char*>(der), size);
    OPENSSL_free(der);
    return result;
}

QString sha256Hex(const QByteArray& data)
{
    std::array<unsigned char, 32> hash{};
    unsigned int size = 0;
    if (EVP_Digest(data.constData(), static_cast<std::size_t>(data.size()), hash.data(), &size, EVP_sha256(), nullptr) != 1)
        return {};
    return QString::fromLatin1(QByteArray(reinterpret_cast<const char*>(hash.data()), static_cast<qsizetype>(size)).toHex());
}

QDateTime asn1TimeToDateTime(const ASN1_TIME* time)
{
    struct tm parts{};
    if (ASN1_TIME_to_tm(time, &parts) != 1)
        return {};
    return QDateTime(QDate(parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday),
                     QTime(parts.tm_hour, parts.tm_min, parts.tm_sec), Qt::UTC);
}

Result<X509Ptr> parseCertificate(const QByteArray& pemOrDer, const QString& what)
{
    X509Ptr certificate(readPemOrDer<X509>(pemOrDer, &PEM_read_bio_X509, &d2i_X509));
    if (!certificate)
        return openSslFailure("PEM_read_bio_X509/d2i_X509", ErrorCode::InvalidInput)
            .withContext(QStringLiteral("%1 is not an X.509 certificate").arg(what));
    return certificate;
}

Result<X509StackPtr> parseCertificateChain(const QByteArray& pem, const QString& what)
{
    X509StackPtr chain(sk_X509_new_null());
    BioPtr bio(BIO_new_mem_buf(pem.constData(), static_cast<int>(pem.size())));
    if (!chain || !bio)
        return openSslFailure("sk_X509_new_null/BIO_new_mem_buf");
    while (X509* certificate = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
        if (sk_X509_push(chain.get(), certificate) <= 0) {
            X509_free(certificate);
            return openSslFailure("sk_X509_push");
        }
    }
    static_cast<void>(takeOpenSslErrors());  // the end of the bundle reads as "no start line"
    if (sk_X509_num(chain.get()) == 0)
        return Error(ErrorCode::InvalidInput, QStringLiteral("%1 holds no PEM certificate").arg(what));
    return chain;
}

Result<X509ReqPtr> parseRequest(const QByteArray& pemOrDer, ErrorCode code)
{
    X509ReqPtr request(readPemOrDer<X509_REQ>(pemOrDer, &PEM_read_bio_X509_REQ, &d2i_X509_REQ));
    if (!request)
        return openSslFailure("PEM_read_bio_X509_REQ/d2i_X509_REQ", code)
            .withContext(QStringLiteral("CSR malformed: not a PEM or DER PKCS#10 request"));
    return request;
}

Status addExtension(X509* certificate, X509* issuer, int nid, const char* value)
{
    X509V3_CTX context;
    X509V3_set_ctx(&context, issuer != nullptr ? issuer : certificate, certificate, nullptr, nullptr, 0);
    X509ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value));
    if (!extension || X509_add_ext(certificate, extension.get(), -1) != 1)
        return openSslFailure("X509V3_EXT_conf_nid/X509_add_ext")
            .withContext(QStringLiteral("extension %1 = %2").arg(QString::fromLatin1(OBJ_nid2sn(nid)), QString::fromLatin1(value)));
    return {};
}

}  // namespace imprint::hsm
