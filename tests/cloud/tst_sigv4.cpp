// SigV4 against every header-signed case of the aws-c-auth suite, and the server-side check
// the emulator uses.
#include "core/cloud/SigV4.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace imprint;
using namespace imprint::cloud;

namespace {

QString vectorsDirectory()
{
    // In CI the shared folder sits beside the clone: <clone>/../shared/vectors/…
    return QDir::cleanPath(QStringLiteral(IMPRINT_SOURCE_DIR) + QStringLiteral("/../shared/vectors/sigv4-aws-c-auth"));
}

QByteArray readCaseFile(const QString& caseName, const QString& file)
{
    QFile f(vectorsDirectory() + u'/' + caseName + u'/' + file);
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(f.fileName()));
    return f.readAll();
}

AwsCredentials exampleCredentials(const QString& secret = QStringLiteral("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"))
{
    return {QStringLiteral("AKIDEXAMPLE"), SecureBytes::fromString(secret.toStdString()), {}};
}

QDateTime suiteTime() { return parseAmzDate("20150830T123600Z"); }

std::optional<SecureBytes> exampleLookup(const QString& keyId)
{
    if (keyId != QLatin1String("AKIDEXAMPLE"))
        return std::nullopt;
    return SecureBytes::fromString("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
}

HttpRequest signedIotRequest(const QString& service)
{
    auto request = HttpRequest::parse("POST /things/sensor-1?x=1 HTTP/1.1\nHost:127.0.0.1:8443\n"
                                      "Content-Type:application/json\n\n{\"attributePayload\":{}}");
    SigningOptions options;
    options.region = QStringLiteral("eu-west-1");
    options.service = service;
    options.time = suiteTime();
    if (!request || !signRequest(request.value(), exampleCredentials(), options))
        qFatal("cannot sign the test request");
    return request.value();
}

void replaceHeader(HttpRequest& request, const QByteArray& name, const QByteArray& value)
{
    for (HttpHeader& header : request.headers)
        if (header.name.compare(name, Qt::CaseInsensitive) == 0)
            header.value = value;
}

}  // namespace

class TestSigV4 : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(QDir(vectorsDirectory()).exists(),
                 qPrintable(QStringLiteral("SigV4 test vectors missing at %1 (the shared folder must sit beside "
                                           "the clone)")
                                .arg(vectorsDirectory())));
    }

    void suite_data()
    {
        QTest::addColumn<QString>("caseName");
        const QStringList cases = QDir(vectorsDirectory()).entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
        QVERIFY2(cases.size() >= 38, "expected the 38 cases of the aws-c-auth v4 suite");
        for (const QString& name : cases)
            QTest::newRow(qPrintable(name)) << name;
    }

    void suite()
    {
        QFETCH(QString, caseName);
        const QJsonObject context = QJsonDocument::fromJson(readCaseFile(caseName, QStringLiteral("context.json"))).object();
        const QJsonObject credentialsJson = context.value(u"credentials").toObject();
        AwsCredentials credentials{credentialsJson.value(u"access_key_id").toString(),
                                   SecureBytes::fromString(credentialsJson.value(u"secret_access_key").toString().toStdString()),
                                   credentialsJson.value(u"token").toString()};
        SigningOptions options;
        options.region = context.value(u"region").toString();
        options.service = context.value(u"service").toString();
        options.time = QDateTime::fromString(context.value(u"timestamp").toString(), Qt::ISODate);
        options.normalizePath = context.value(u"normalize").toBool(true);
        options.signBody = context.value(u"sign_body").toBool(false);
        options.omitSessionTokenFromSignature = context.value(u"omit_session_token").toBool(false);

        auto request = HttpRequest::parse(readCaseFile(caseName, QStringLiteral("request.txt")));
        QVERIFY2(request.ok(), qPrintable(request.ok() ? QString() : request.error().message()));
        auto result = signRequest(request.value(), credentials, options);
        QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error().message()));

        QCOMPARE(result->canonicalRequest, readCaseFile(caseName, QStringLiteral("header-canonical-request.txt")));
        QCOMPARE(result->stringToSign, readCaseFile(caseName, QStringLiteral("header-string-to-sign.txt")));
        QCOMPARE(result->signatureHex, readCaseFile(caseName, QStringLiteral("header-signature.txt")).trimmed());
        QCOMPARE(request->serialize(), readCaseFile(caseName, QStringLiteral("header-signed-request.txt")));

        // The verifier recomputes the same signature from the signed request (it always normalizes
        // paths, as AWS does for every service but S3).
        if (options.normalizePath) {
            auto lookup = [&](const QString&) { return std::optional(SecureBytes::fromString(
                                                    credentialsJson.value(u"secret_access_key").toString().toStdString())); };
            const SignatureCheck check = verifyRequest(request.value(), lookup, options.time);
            QVERIFY2(check.verified.has_value(), qPrintable(check.message));
            QCOMPARE(check.verified->service, options.service);
        }
    }

    void parseRejectsBadRequestLine()
    {
        auto request = HttpRequest::parse("GARBAGE\nHost:x\n");
        QVERIFY(!request.ok());
        QCOMPARE(request.error().code(), ErrorCode::InvalidInput);
        QVERIFY(request.error().message().contains(u"line 1"));
        auto header = HttpRequest::parse("GET / HTTP/1.1\nno colon here\n");
        QVERIFY(!header.ok());
        QVERIFY(header.error().message().contains(u"line 2"));
    }

    void parseAcceptsCrlf()
    {
        auto request = HttpRequest::parse("POST /a HTTP/1.1\r\nHost:x\r\nX-Long: a\r\n  b\r\n\r\nbody\r\n");
        QVERIFY(request.ok());
        QCOMPARE(request->headers.size(), 2);
        QCOMPARE(request->headers[1].value.simplified(), QByteArray("a b"));
        QCOMPARE(request->body, QByteArray("body\r\n"));
        QCOMPARE(HttpRequest::parse("GET / HTTP/1.1\nHost:x\n\n")->body, QByteArray());
    }

    void signRejectsMissingInput()
    {
        auto request = HttpRequest::parse("GET / HTTP/1.1\nHost:x\n");
        SigningOptions options;
        options.region = QStringLiteral("us-east-1");
        options.service = QStringLiteral("iot");
        auto noTime = signRequest(request.value(), exampleCredentials(), options);
        QVERIFY(!noTime.ok());
        options.time = suiteTime();
        auto noSecret = signRequest(request.value(), AwsCredentials{QStringLiteral("AKID"), {}, {}}, options);
        QVERIFY(!noSecret.ok());
        QVERIFY(noSecret.error().message().contains(u"secret access key"));
    }

    void resigningReplacesOldSignature()
    {
        HttpRequest request = signedIotRequest(QStringLiteral("iot"));
        SigningOptions options;
        options.region = QStringLiteral("eu-west-1");
        options.service = QStringLiteral("iot");
        options.time = suiteTime().addSecs(60);
        QVERIFY(signRequest(request, exampleCredentials(), options).ok());
        int authorizations = 0;
        for (const HttpHeader& header : request.headers)
            authorizations += header.name.compare("authorization", Qt::CaseInsensitive) == 0 ? 1 : 0;
        QCOMPARE(authorizations, 1);
        QCOMPARE(request.header("x-amz-date").value(), QByteArray("20150830T123700Z"));
    }

    void verifyAcceptsBothIotSigningNames_data()
    {
        QTest::addColumn<QString>("service");
        QTest::newRow("iot") << QStringLiteral("iot");
        QTest::newRow("execute-api (AWS CLI 2.9)") << QStringLiteral("execute-api");
    }

    void verifyAcceptsBothIotSigningNames()
    {
        QFETCH(QString, service);
        const SignatureCheck check = verifyRequest(signedIotRequest(service), exampleLookup, suiteTime().addSecs(300));
        QVERIFY2(check.verified.has_value(), qPrintable(check.message));
        QCOMPARE(check.verified->service, service);
        QCOMPARE(check.verified->region, QStringLiteral("eu-west-1"));
        QCOMPARE(check.verified->accessKeyId, QStringLiteral("AKIDEXAMPLE"));
        QCOMPARE(check.verified->time, suiteTime());
    }

    void verifyRejects_data()
    {
        QTest::addColumn<int>("tamper");
        QTest::addColumn<int>("expected");
        QTest::addColumn<QString>("messagePart");
        auto row = [](const char* name, int tamper, SignatureFailure failure, const char* part) {
            QTest::newRow(name) << tamper << static_cast<int>(failure) << QString::fromLatin1(part);
        };
        row("tampered body", 0, SignatureFailure::Mismatch, "does not match the signature you provided");
        row("tampered signed header", 1, SignatureFailure::Mismatch, "does not match");
        row("tampered target", 2, SignatureFailure::Mismatch, "does not match");
        row("unknown access key", 3, SignatureFailure::UnknownKey, "security token included in the request is invalid");
        row("expired", 4, SignatureFailure::Expired, "Signature expired");
        row("from the future", 5, SignatureFailure::Expired, "Signature not yet current");
        row("no Authorization", 6, SignatureFailure::Missing, "Missing Authentication Token");
        row("no X-Amz-Date", 7, SignatureFailure::Malformed, "X-Amz-Date");
        row("no Signature field", 8, SignatureFailure::Malformed, "requires 'Signature' parameter");
        row("wrong secret", 9, SignatureFailure::Mismatch, "does not match");
        row("signed header removed", 10, SignatureFailure::Mismatch, "does not match");
    }

    void verifyRejects()
    {
        QFETCH(int, tamper);
        QFETCH(int, expected);
        QFETCH(QString, messagePart);
        HttpRequest request = signedIotRequest(QStringLiteral("iot"));
        QDateTime now = suiteTime();
        SecretLookup lookup = exampleLookup;
        switch (tamper) {
        case 0: request.body = "{\"attributePayload\":{\"a\":\"b\"}}"; break;
        case 1: replaceHeader(request, "content-type", "text/plain"); break;
        case 2: request.target = "/things/sensor-2?x=1"; break;
        case 3: replaceHeader(request, "authorization", request.header("authorization")->replace("AKIDEXAMPLE", "AKIDOTHER")); break;
        case 4: now = now.addSecs(16 * 60); break;
        case 5: now = now.addSecs(-16 * 60); break;
        case 6: request.headers.removeIf([](const HttpHeader& h) { return h.name == "Authorization"; }); break;
        case 7: request.headers.removeIf([](const HttpHeader& h) { return h.name == "X-Amz-Date"; }); break;
        case 8: {
            QByteArray value = request.header("authorization").value();
            replaceHeader(request, "authorization", value.left(value.indexOf(", Signature=")));
            break;
        }
        case 9: lookup = [](const QString&) { return std::optional(SecureBytes::fromString("not-the-secret")); }; break;
        case 10: request.headers.removeIf([](const HttpHeader& h) { return h.name == "Content-Type"; }); break;
        default: QFAIL("unknown tamper");
        }
        const SignatureCheck check = verifyRequest(request, lookup, now);
        QVERIFY(!check.verified.has_value());
        QCOMPARE(static_cast<int>(check.failure), expected);
        QVERIFY2(check.message.contains(messagePart), qPrintable(check.message));
    }

    void verifyChecksDeclaredPayloadHash()
    {
        auto request = HttpRequest::parse("PUT /bucket/key HTTP/1.1\nHost:127.0.0.1\n\nline1\n");
        SigningOptions options;
        options.region = QStringLiteral("us-east-1");
        options.service = QStringLiteral("s3");
        options.time = suiteTime();
        options.normalizePath = false;
        options.uriEncodePath = false;
        options.signBody = true;
        QVERIFY(signRequest(request.value(), exampleCredentials(), options).ok());
        QVERIFY(verifyRequest(request.value(), exampleLookup, suiteTime()).verified.has_value());
        request->body = "line2\n";
        const SignatureCheck check = verifyRequest(request.value(), exampleLookup, suiteTime());
        QVERIFY(!check.verified);
        QVERIFY2(check.message.contains(u"x-amz-content-sha256"), qPrintable(check.message));
    }

    void helpers()
    {
        QCOMPARE(uriEncode("a b/ሴ~", false), QByteArray("a%20b%2F%E1%88%B4~"));
        QCOMPARE(uriEncode("/a b/", true), QByteArray("/a%20b/"));
        QCOMPARE(formatAmzDate(suiteTime()), QByteArray("20150830T123600Z"));
        QVERIFY(!parseAmzDate("2015-08-30T12:36:00Z").isValid());
        QCOMPARE(sha256Hex(QByteArray()), QByteArray("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    }
};

QTEST_GUILESS_MAIN(TestSigV4)
#include "tst_sigv4.moc"
