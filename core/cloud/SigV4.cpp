#include "core/cloud/SigV4.h"

#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <openssl/hmac.h>

#include <QTimeZone>

#include <algorithm>
#include <array>
#include <map>
#include <set>

namespace imprint::cloud {

namespace {

constexpr auto kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::size_t kDigestSize = 32;

// Headers that proxies and HTTP stacks add or rewrite on the way: signing them would break the
// signature for no security gain (the same list as aws-c-auth's and botocore's).
bool isUnsignableHeader(const QByteArray& lowerName)
{
    return lowerName == "authorization" || lowerName == "user-agent" || lowerName == "x-amzn-trace-id"
           || lowerName == "expect" || lowerName == "connection" || lowerName == "transfer-encoding";
}

QByteArray toHex(const unsigned char* bytes, std::size_t size)
{
    return QByteArray(reinterpret_cast<const char*>(bytes), static_cast<qsizetype>(size)).toHex();
}

using Digest = std::array<unsigned char, kDigestSize>;

// Zeroes a buffer that held key material when it goes out of scope.
template <typename Buffer>
struct Wiped
{
    Buffer& buffer;
    ~Wiped() { OPENSSL_cleanse(buffer.data(), buffer.size()); }
};

bool hmacSha256(const unsigned char* key, std::size_t keySize, const QByteArray& data, Digest& out)
{
    unsigned int outSize = 0;
    return HMAC(EVP_sha256(), key, static_cast<int>(keySize), reinterpret_cast<const unsigned char*>(data.constData()),
                static_cast<std::size_t>(data.size()), out.data(), &outSize)
               != nullptr
           && outSize == kDigestSize;
}

// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"), then
// the signature = HMAC(kSigning, stringToSign). The derived keys are as secret as the key: they
// stay in buffers that are wiped on return (stack, not SecureBytes: an mlock/munlock pair per
// intermediate key made signing 100x slower than hashing).
Result<QByteArray> signatureHex(const SecureBytes& secret, const QByteArray& date, const QString& region,
                                const QString& service, const QByteArray& stringToSign)
{
    SecureBytes seed(4 + secret.size());
    std::copy_n("AWS4", 4, seed.data());
    std::copy_n(secret.data(), secret.size(), seed.data() + 4);
    Digest key{};
    Digest next{};
    const Wiped<Digest> wipeKey{key};
    const Wiped<Digest> wipeNext{next};
    bool ok = hmacSha256(reinterpret_cast<const unsigned char*>(seed.data()), seed.size(), date, key);
    for (const QByteArray& part : {region.toUtf8(), service.toUtf8(), QByteArray("aws4_request"), stringToSign}) {
        ok = ok && hmacSha256(key.data(), key.size(), part, next);
        key = next;
    }
    if (!ok)
        return Error(ErrorCode::Crypto, QStringLiteral("HMAC(SHA-256) failed in OpenSSL while signing"));
    return toHex(key.data(), key.size());
}

QByteArray lower(const QByteArray& text) { return text.toLower(); }

bool isUnreserved(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
           || c == '_' || c == '~';
}

// Drops "." and ".." segments and empty segments ("//"), keeping a trailing slash.
QByteArray normalizePath(const QByteArray& path)
{
    QList<QByteArray> kept;
    for (const QByteArray& segment : path.split('/')) {
        if (segment.isEmpty() || segment == ".")
            continue;
        if (segment == "..") {
            if (!kept.isEmpty())
                kept.removeLast();
            continue;
        }
        kept.append(segment);
    }
    QByteArray result = '/' + kept.join('/');
    if (!kept.isEmpty() && (path.endsWith('/') || path.endsWith("/.") || path.endsWith("/..")))
        result += '/';
    return result;
}

QByteArray canonicalPath(const QByteArray& path, const SigningOptions& options)
{
    QByteArray result = path.isEmpty() ? QByteArray("/") : path;
    if (options.normalizePath)
        result = normalizePath(result);
    return options.uriEncodePath ? uriEncode(result, true) : result;
}

// Each parameter decoded and re-encoded, so "%E1%88%B4" and a raw "ሴ" sign the same; sorted by
// name, then value.
QByteArray canonicalQuery(const QByteArray& query)
{
    std::vector<std::pair<QByteArray, QByteArray>> parameters;
    for (const QByteArray& pair : query.split('&')) {
        if (pair.isEmpty())
            continue;
        const qsizetype equals = pair.indexOf('=');
        const QByteArray name = equals < 0 ? pair : pair.left(equals);
        const QByteArray value = equals < 0 ? QByteArray() : pair.mid(equals + 1);
        parameters.emplace_back(uriEncode(QByteArray::fromPercentEncoding(name)),
                                uriEncode(QByteArray::fromPercentEncoding(value)));
    }
    std::sort(parameters.begin(), parameters.end());
    QList<QByteArray> parts;
    for (const auto& [name, value] : parameters)
        parts.append(name + '=' + value);
    return parts.join('&');
}

// Lower-case name -> the values in request order, trimmed, inner whitespace collapsed, joined by ','.
std::map<QByteArray, QByteArray> canonicalHeaders(const HttpRequest& request,
                                                  const std::function<bool(const QByteArray&)>& include)
{
    std::map<QByteArray, QByteArray> headers;
    for (const HttpHeader& header : request.headers) {
        const QByteArray name = lower(header.name.trimmed());
        if (!include(name))
            continue;
        auto [it, inserted] = headers.try_emplace(name, header.value.simplified());
        if (!inserted)
            it->second += ',' + header.value.simplified();
    }
    return headers;
}

struct CanonicalParts
{
    QByteArray text;
    QByteArray signedHeaders;
};

CanonicalParts canonicalRequest(const HttpRequest& request, const std::map<QByteArray, QByteArray>& headers,
                                const QByteArray& payloadHash, const SigningOptions& options)
{
    const qsizetype question = request.target.indexOf('?');
    const QByteArray path = question < 0 ? request.target : request.target.left(question);
    const QByteArray query = question < 0 ? QByteArray() : request.target.mid(question + 1);
    QByteArray text = request.method + '\n' + canonicalPath(path, options) + '\n' + canonicalQuery(query) + '\n';
    QList<QByteArray> names;
    for (const auto& [name, value] : headers) {
        text += name + ':' + value + '\n';
        names.append(name);
    }
    const QByteArray signedHeaders = names.join(';');
    text += '\n' + signedHeaders + '\n' + payloadHash;
    return {text, signedHeaders};
}

QByteArray payloadHashOf(const HttpRequest& request)
{
    // A caller (S3) may have declared the payload hash, e.g. UNSIGNED-PAYLOAD: sign what it declared.
    if (auto declared = request.header("x-amz-content-sha256"))
        return declared->trimmed();
    return sha256Hex(request.body);
}

QByteArray credentialScope(const QByteArray& date, const QString& region, const QString& service)
{
    return date + '/' + region.toUtf8() + '/' + service.toUtf8() + "/aws4_request";
}

QByteArray stringToSign(const QByteArray& amzDate, const QByteArray& scope, const QByteArray& canonical)
{
    return QByteArray(kAlgorithm) + '\n' + amzDate + '\n' + scope + '\n' + sha256Hex(canonical);
}

void removeHeaders(HttpRequest& request, const QByteArray& lowerName)
{
    request.headers.removeIf([&](const HttpHeader& header) { return lower(header.name) == lowerName; });
}

Status checkSigningInput(const HttpRequest& request, const AwsCredentials& credentials,
                         const SigningOptions& options)
{
    auto invalid = [](const QString& what) { return Error(ErrorCode::InvalidInput, what); };
    if (request.method.isEmpty() || request.target.isEmpty())
        return invalid(QStringLiteral("cannot sign a request without a method and a target"));
    if (credentials.accessKeyId.isEmpty() || credentials.secretAccessKey.isEmpty())
        return invalid(QStringLiteral("cannot sign: the AWS access key ID or secret access key is empty"));
    if (options.region.isEmpty() || options.service.isEmpty())
        return invalid(QStringLiteral("cannot sign: the region or the service name is empty"));
    if (!options.time.isValid())
        return invalid(QStringLiteral("cannot sign: no signing time given"));
    return {};
}

}  // namespace

QByteArray sha256Hex(const QByteArray& data)
{
    std::array<unsigned char, kDigestSize> digest{};
    unsigned int size = 0;
    // EVP_Digest with SHA-256 cannot fail short of memory exhaustion; an empty result would
    // then make the signature mismatch rather than pass.
    if (EVP_Digest(data.constData(), static_cast<std::size_t>(data.size()), digest.data(), &size, EVP_sha256(),
                   nullptr)
        != 1)
        return {};
    return toHex(digest.data(), size);
}

QByteArray uriEncode(const QByteArray& raw, bool keepSlash)
{
    static constexpr char kHex[] = "0123456789ABCDEF";
    QByteArray out;
    out.reserve(raw.size() * 3);
    for (const char c : raw) {
        if (isUnreserved(c) || (keepSlash && c == '/')) {
            out += c;
            continue;
        }
        const auto byte = static_cast<unsigned char>(c);
        out += '%';
        out += kHex[byte >> 4];
        out += kHex[byte & 0x0F];
    }
    return out;
}

QByteArray formatAmzDate(const QDateTime& time)
{
    // By hand: QDateTime::toString consults the system time zone (a stat of /etc/localtime) per call.
    const QDateTime utc = time.toUTC();
    const QDate date = utc.date();
    const QTime clock = utc.time();
    return QString::asprintf("%04d%02d%02dT%02d%02d%02dZ", date.year(), date.month(), date.day(), clock.hour(),
                             clock.minute(), clock.second())
        .toLatin1();
}

QDateTime parseAmzDate(const QByteArray& text)
{
    if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z')
        return {};
    for (qsizetype i = 0; i < 15; ++i)
        if (i != 8 && (text[i] < '0' || text[i] > '9'))
            return {};
    auto number = [&](qsizetype from, qsizetype length) { return text.mid(from, length).toInt(); };
    const QDate date(number(0, 4), number(4, 2), number(6, 2));
    const QTime clock(number(9, 2), number(11, 2), number(13, 2));
    if (!date.isValid() || !clock.isValid())
        return {};
    return QDateTime(date, clock, QTimeZone::utc());
}

Result<HttpRequest> HttpRequest::parse(const QByteArray& raw)
{
    // The head ends at the first empty line, "\n\n" or (CRLF text) "\n\r\n".
    const qsizetype lf = raw.indexOf("\n\n");
    const qsizetype crlf = raw.indexOf("\n\r\n");
    const qsizetype headEnd = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf : lf;
    const qsizetype bodyStart = headEnd < 0 ? -1 : headEnd + (headEnd == crlf ? 3 : 2);
    const QByteArray head = headEnd < 0 ? raw : raw.left(headEnd);
    QList<QByteArray> lines = head.split('\n');
    for (QByteArray& line : lines)
        if (line.endsWith('\r'))
            line.chop(1);
    while (!lines.isEmpty() && lines.last().isEmpty())
        lines.removeLast();
    if (lines.isEmpty())
        return Error(ErrorCode::InvalidInput, QStringLiteral("HTTP request is empty (line 1)"));

    // The target may itself hold spaces (the suite's "/example space/"): method and version are
    // the first and last words of the request line.
    const QByteArray& requestLine = lines.first();
    const qsizetype firstSpace = requestLine.indexOf(' ');
    const qsizetype lastSpace = requestLine.lastIndexOf(' ');
    if (firstSpace <= 0 || lastSpace <= firstSpace || !requestLine.mid(lastSpace + 1).startsWith("HTTP/"))
        return Error(ErrorCode::InvalidInput,
                     QStringLiteral("line 1: expected 'METHOD TARGET HTTP/1.1', got '%1'")
                         .arg(QString::fromUtf8(requestLine)));
    HttpRequest request;
    request.method = requestLine.left(firstSpace);
    request.target = requestLine.mid(firstSpace + 1, lastSpace - firstSpace - 1);

    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray& line = lines[i];
        if (line.startsWith(' ') || line.startsWith('\t')) {
            if (request.headers.isEmpty())
                return Error(ErrorCode::InvalidInput,
                             QStringLiteral("line %1: continuation line before any header").arg(i + 1));
            request.headers.last().value += '\n' + line;  // kept as sent; folded when canonicalized
            continue;
        }
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            return Error(ErrorCode::InvalidInput, QStringLiteral("line %1: expected 'Name:value', got '%2'")
                                                      .arg(i + 1)
                                                      .arg(QString::fromUtf8(line)));
        request.headers.append({line.left(colon), line.mid(colon + 1)});
    }
    if (bodyStart >= 0)
        request.body = raw.mid(bodyStart);
    return request;
}

QByteArray HttpRequest::serialize() const
{
    QByteArray out = method + ' ' + target + " HTTP/1.1\n";
    for (const HttpHeader& header : headers)
        out += header.name + ':' + header.value + '\n';
    return out + '\n' + body;
}

std::optional<QByteArray> HttpRequest::header(const QByteArray& name) const
{
    for (const HttpHeader& candidate : headers)
        if (candidate.name.compare(name, Qt::CaseInsensitive) == 0)
            return candidate.value;
    return std::nullopt;
}

Result<SigningResult> signRequest(HttpRequest& request, const AwsCredentials& credentials,
                                  const SigningOptions& options)
{
    if (auto valid = checkSigningInput(request, credentials, options); !valid)
        return valid.error();

    const QByteArray amzDate = formatAmzDate(options.time);
    const bool hasToken = !credentials.sessionToken.isEmpty();
    for (const char* name : {"authorization", "x-amz-date"})
        removeHeaders(request, name);
    if (hasToken)
        removeHeaders(request, "x-amz-security-token");
    if (options.signBody)
        removeHeaders(request, "x-amz-content-sha256");

    if (hasToken)
        request.headers.append({"X-Amz-Security-Token", credentials.sessionToken.toUtf8()});
    request.headers.append({"X-Amz-Date", amzDate});
    if (options.signBody)
        request.headers.append({"x-amz-content-sha256", sha256Hex(request.body)});

    const bool skipToken = hasToken && options.omitSessionTokenFromSignature;
    const auto headers = canonicalHeaders(request, [&](const QByteArray& name) {
        return !isUnsignableHeader(name) && !(skipToken && name == "x-amz-security-token");
    });
    const CanonicalParts canonical = canonicalRequest(request, headers, payloadHashOf(request), options);
    const QByteArray date = amzDate.left(8);
    const QByteArray scope = credentialScope(date, options.region, options.service);
    SigningResult result{canonical.text, stringToSign(amzDate, scope, canonical.text), {}};
    auto signature = signatureHex(credentials.secretAccessKey, date, options.region, options.service,
                                  result.stringToSign);
    if (!signature)
        return signature.error();
    result.signatureHex = signature.value();
    request.headers.append({"Authorization", QByteArray(kAlgorithm) + " Credential="
                                                 + credentials.accessKeyId.toUtf8() + '/' + scope
                                                 + ", SignedHeaders=" + canonical.signedHeaders
                                                 + ", Signature=" + result.signatureHex});
    return result;
}

// ---------------------------------------------------------------------------------------------
// Server side

namespace {

struct AuthorizationHeader
{
    QByteArray accessKeyId;
    QByteArray date;
    QString region;
    QString service;
    QList<QByteArray> signedHeaders;
    QByteArray signature;
};

SignatureCheck failure(SignatureFailure kind, QString message)
{
    SignatureCheck check;
    check.failure = kind;
    check.message = std::move(message);
    return check;
}

// "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/iot/aws4_request, SignedHeaders=a;b, Signature=hex"
std::variant<AuthorizationHeader, SignatureCheck> parseAuthorization(const QByteArray& value)
{
    const QByteArray trimmed = value.trimmed();
    if (!trimmed.startsWith(QByteArray(QByteArray(kAlgorithm) + ' ')))
        return failure(SignatureFailure::Malformed,
                       QStringLiteral("Authorization header requires the 'AWS4-HMAC-SHA256' algorithm."));
    std::map<QByteArray, QByteArray> fields;
    for (const QByteArray& part : trimmed.mid(qsizetype(std::char_traits<char>::length(kAlgorithm)) + 1).split(',')) {
        const qsizetype equals = part.indexOf('=');
        if (equals > 0)
            fields[part.left(equals).trimmed()] = part.mid(equals + 1).trimmed();
    }
    QStringList missing;
    for (const char* name : {"Credential", "Signature", "SignedHeaders"})
        if (fields[name].isEmpty())
            missing.append(QStringLiteral("Authorization header requires '%1' parameter.").arg(QLatin1String(name)));
    if (!missing.isEmpty())
        return failure(SignatureFailure::Malformed, missing.join(u' '));
    const QList<QByteArray> credential = fields["Credential"].split('/');
    if (credential.size() != 5 || credential[4] != "aws4_request" || credential[1].size() != 8)
        return failure(SignatureFailure::Malformed,
                       QStringLiteral("Credential should be scoped to a valid region, and to the 'aws4_request' "
                                      "terminator: '%1'.")
                           .arg(QString::fromUtf8(fields["Credential"])));
    return AuthorizationHeader{credential[0],
                               credential[1],
                               QString::fromUtf8(credential[2]),
                               QString::fromUtf8(credential[3]),
                               fields["SignedHeaders"].split(';'),
                               fields["Signature"]};
}

// Constant time, so the comparison does not tell an attacker how many leading characters match.
bool sameSignature(const QByteArray& a, const QByteArray& b)
{
    if (a.size() != b.size())
        return false;
    unsigned char difference = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        difference |= static_cast<unsigned char>(a[i] ^ b[i]);
    return difference == 0;
}

std::optional<SignatureCheck> checkTime(const QDateTime& time, const QDateTime& now, qint64 maxSkewSeconds)
{
    const QByteArray format = formatAmzDate(time);
    if (time < now.addSecs(-maxSkewSeconds))
        return failure(SignatureFailure::Expired,
                       QStringLiteral("Signature expired: %1 is now earlier than %2 (%3 - %4 min.)")
                           .arg(QString::fromLatin1(format),
                                QString::fromLatin1(formatAmzDate(now.addSecs(-maxSkewSeconds))),
                                QString::fromLatin1(formatAmzDate(now)))
                           .arg(maxSkewSeconds / 60));
    if (time > now.addSecs(maxSkewSeconds))
        return failure(SignatureFailure::Expired,
                       QStringLiteral("Signature not yet current: %1 is still later than %2 (%3 + %4 min.)")
                           .arg(QString::fromLatin1(format),
                                QString::fromLatin1(formatAmzDate(now.addSecs(maxSkewSeconds))),
                                QString::fromLatin1(formatAmzDate(now)))
                           .arg(maxSkewSeconds / 60));
    return std::nullopt;
}

}  // namespace

SignatureCheck verifyRequest(const HttpRequest& request, const SecretLookup& lookupSecret, const QDateTime& now,
                             qint64 maxSkewSeconds)
{
    const auto authorization = request.header("authorization");
    if (!authorization)
        return failure(SignatureFailure::Missing, QStringLiteral("Missing Authentication Token"));
    auto parsed = parseAuthorization(*authorization);
    if (auto* bad = std::get_if<SignatureCheck>(&parsed))
        return *bad;
    const auto& auth = std::get<AuthorizationHeader>(parsed);

    const QByteArray amzDate = request.header("x-amz-date").value_or(QByteArray()).trimmed();
    const QDateTime time = parseAmzDate(amzDate);
    if (!time.isValid())
        return failure(SignatureFailure::Malformed,
                       QStringLiteral("Authorization header requires existence of either a 'X-Amz-Date' or a "
                                      "'Date' header."));
    std::optional<SecureBytes> secret = lookupSecret(QString::fromUtf8(auth.accessKeyId));
    if (!secret)
        return failure(SignatureFailure::UnknownKey, QStringLiteral("The security token included in the request is invalid."));
    if (auto expired = checkTime(time, now, maxSkewSeconds))
        return *expired;
    if (auth.date != amzDate.left(8))
        return failure(SignatureFailure::Mismatch,
                       QStringLiteral("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
                                      "date from HTTP: '%1' != '%2', from '%3'.")
                           .arg(QString::fromLatin1(auth.date), QString::fromLatin1(amzDate.left(8)),
                                QString::fromLatin1(amzDate)));

    const std::set<QByteArray> signedNames(auth.signedHeaders.begin(), auth.signedHeaders.end());
    const auto headers = canonicalHeaders(request, [&](const QByteArray& name) { return signedNames.count(name) > 0; });
    // A declared payload hash must be the body's, or a tampered body would pass.
    QByteArray payloadHash = sha256Hex(request.body);
    if (auto declared = request.header("x-amz-content-sha256"); declared && declared->trimmed() == "UNSIGNED-PAYLOAD")
        payloadHash = "UNSIGNED-PAYLOAD";
    else if (declared && declared->trimmed() != payloadHash)
        return failure(SignatureFailure::Mismatch,
                       QStringLiteral("The provided 'x-amz-content-sha256' header does not match what was computed."));

    SigningOptions options;
    options.region = auth.region;
    options.service = auth.service;
    options.normalizePath = options.uriEncodePath = auth.service != QLatin1String("s3");
    const CanonicalParts canonical = canonicalRequest(request, headers, payloadHash, options);
    const QByteArray scope = credentialScope(auth.date, auth.region, auth.service);
    auto expected = signatureHex(*secret, auth.date, auth.region, auth.service,
                                 stringToSign(amzDate, scope, canonical.text));
    if (!expected || canonical.signedHeaders != auth.signedHeaders.join(';')
        || !sameSignature(expected.value(), auth.signature))
        return failure(SignatureFailure::Mismatch,
                       QStringLiteral("The request signature we calculated does not match the signature you "
                                      "provided. Check your AWS Secret Access Key and signing method. Consult the "
                                      "service documentation for details."));
    SignatureCheck check;
    check.verified = VerifiedRequest{QString::fromUtf8(auth.accessKeyId), auth.region, auth.service, time};
    return check;
}

}  // namespace imprint::cloud
