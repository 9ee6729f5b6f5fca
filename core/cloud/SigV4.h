#pragma once

// AWS Signature Version 4 (header-signed requests): the station signs what it sends to AWS IoT,
// and imprint-iot-emulator verifies what it receives with the same code.
// Passes the aws-c-auth test suite (../shared/vectors/sigv4-aws-c-auth, tests/cloud).

#include "core/Result.h"
#include "core/SecureBytes.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>

#include <functional>
#include <optional>

namespace imprint::cloud {

struct HttpHeader
{
    QByteArray name;
    QByteArray value;
};

// A raw HTTP/1.1 request as it goes on the wire: the target (path and query) exactly as on
// the request line, headers in order with duplicates kept.
struct HttpRequest
{
    QByteArray method;
    QByteArray target;
    QList<HttpHeader> headers;
    QByteArray body;

    // Parses the suite's request.txt format (request line, headers incl. folded continuation
    // lines, blank line, body). Errors name the line.
    [[nodiscard]] static Result<HttpRequest> parse(const QByteArray& raw);
    [[nodiscard]] QByteArray serialize() const;
    // The first header of that name (case-insensitive), if any.
    [[nodiscard]] std::optional<QByteArray> header(const QByteArray& name) const;
};

// Move-only: the secret key is wiped when the credentials go.
struct AwsCredentials
{
    QString accessKeyId;
    SecureBytes secretAccessKey;
    QString sessionToken;  // empty without STS
};

struct SigningOptions
{
    QString region;
    QString service;                           // "iot" (the model's signing name), "execute-api", "s3"…
    QDateTime time;                            // UTC
    bool normalizePath = true;                 // false for S3
    bool signBody = false;                     // adds x-amz-content-sha256
    bool omitSessionTokenFromSignature = false;  // add X-Amz-Security-Token after signing
    bool uriEncodePath = true;                 // false for S3: its wire path is already the canonical one
};

struct SigningResult
{
    QByteArray canonicalRequest;
    QByteArray stringToSign;
    QByteArray signatureHex;
};

// Adds X-Amz-Date (and X-Amz-Security-Token, x-amz-content-sha256 when asked) and the
// Authorization header to `request`, and returns the intermediate texts for inspection.
[[nodiscard]] Result<SigningResult> signRequest(HttpRequest& request, const AwsCredentials& credentials,
                                                const SigningOptions& options);

// Server side, for the emulator.
enum class SignatureFailure {
    Missing,     // no Authorization header: AWS answers 403 MissingAuthenticationTokenException
    Malformed,   // unparsable Authorization / X-Amz-Date: 400 IncompleteSignatureException
    UnknownKey,  // access key not configured: 403 UnrecognizedClientException
    Expired,     // X-Amz-Date outside the allowed skew: 403 InvalidSignatureException (Signature expired)
    Mismatch,    // signature differs: 403 InvalidSignatureException
};

struct VerifiedRequest
{
    QString accessKeyId;
    QString region;
    QString service;
    QDateTime time;
};

struct SignatureCheck
{
    std::optional<VerifiedRequest> verified;  // set when the signature is good
    SignatureFailure failure = SignatureFailure::Missing;
    QString message;                          // plain words, as AWS would say it
};

using SecretLookup = std::function<std::optional<SecureBytes>(const QString& accessKeyId)>;

// Recomputes the signature of a received request from the headers it names as signed.
[[nodiscard]] SignatureCheck verifyRequest(const HttpRequest& request, const SecretLookup& lookupSecret,
                                           const QDateTime& now, qint64 maxSkewSeconds = 900);

// Helpers shared by the signer, the S3 upload and the emulator.
[[nodiscard]] QByteArray sha256Hex(const QByteArray& data);
// RFC 3986 percent-encoding of everything but the unreserved characters (A-Z a-z 0-9 - . _ ~);
// '/' is kept when keepSlash (paths).
[[nodiscard]] QByteArray uriEncode(const QByteArray& raw, bool keepSlash = false);
// "20150830T123600Z" <-> UTC time; an invalid QDateTime when the text is not that format.
[[nodiscard]] QByteArray formatAmzDate(const QDateTime& time);
[[nodiscard]] QDateTime parseAmzDate(const QByteArray& text);

}  // namespace imprint::cloud
