// imprint-iot-emulator's control plane driven by the real AWS CLI (/usr/bin/aws): signatures,
// things, thing types, policies, certificates, attachments and CA registration, with AWS's
// error types for bad requests.
#include "AwsTestSupport.h"
#include "TestPki.h"
#include "core/cloud/SigV4.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>

using namespace imprint::test;

namespace {

struct SignedReply
{
    int status = 0;
    QByteArray errorType;
    QByteArray body;
};

// A GET signed by the station's own SigV4 code (core/cloud/SigV4) with signing name `service`.
SignedReply signedGet(const EmulatorProcess& emulator, const QString& service, const QByteArray& path)
{
    imprint::cloud::HttpRequest wire{"GET", path, {{"Host", QStringLiteral("127.0.0.1:%1").arg(emulator.httpPort()).toUtf8()}}, {}};
    const imprint::cloud::AwsCredentials credentials{QString::fromLatin1(kAccessKeyId),
                                                     imprint::SecureBytes::fromString(kSecretAccessKey), {}};
    imprint::cloud::SigningOptions options;
    options.region = QStringLiteral("us-east-1");
    options.service = service;
    options.time = QDateTime::currentDateTimeUtc();
    if (!imprint::cloud::signRequest(wire, credentials, options).ok())
        return {};
    QNetworkRequest request(QUrl(emulator.endpoint() + QString::fromLatin1(path)));
    for (const auto& header : wire.headers)
        request.setRawHeader(header.name, header.value);
    QNetworkAccessManager network;
    std::unique_ptr<QNetworkReply> reply(network.get(request));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    if (!finished.wait(10000))
        return {};
    return {reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), reply->rawHeader("x-amzn-ErrorType"), reply->readAll()};
}

}  // namespace

class TestEmulatorAwsRegistry : public QObject
{
    Q_OBJECT
private:
    EmulatorProcess m_emulator;
    std::unique_ptr<TestPki> m_pki;

private Q_SLOTS:
    void initTestCase()
    {
        const QString error = m_emulator.start();
        QVERIFY2(error.isEmpty(), qPrintable(error));
        m_pki = std::make_unique<TestPki>(m_emulator.path(QString()));
    }

    void wrongSecretAndUnknownKeyAreSignatureErrors()
    {
        AWS_FAILS_WITH(m_emulator.aws(args({"iot", "get-registration-code"}), "not-the-secret"), "InvalidSignatureException");
        AWS_FAILS_WITH(m_emulator.aws(args({"iot", "get-registration-code"}), {}, "AKIDUNKNOWN"), "UnrecognizedClientException");

        // An unsigned request: 403 with AWS's error header and JSON body.
        QNetworkAccessManager network;
        QNetworkRequest request(QUrl(m_emulator.endpoint() + QStringLiteral("/registrationcode")));
        std::unique_ptr<QNetworkReply> reply(network.get(request));
        QSignalSpy finished(reply.get(), &QNetworkReply::finished);
        QVERIFY(finished.wait(10000));
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 403);
        QCOMPARE(reply->rawHeader("x-amzn-ErrorType"), QByteArray("MissingAuthenticationTokenException"));
        QCOMPARE(QJsonDocument::fromJson(reply->readAll()).object().value(QStringLiteral("message")).toString(),
                 QStringLiteral("Missing Authentication Token"));
    }

    // The station's own signer (core/cloud/SigV4) against the emulator: AWS IoT's model signing
    // name (iot) and the AWS CLI's (execute-api) are accepted, another service's scope is not.
    void stationSignedRequests_data()
    {
        QTest::addColumn<QString>("service");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("errorType");
        QTest::newRow("iot") << "iot" << 200 << QByteArray();
        QTest::newRow("execute-api") << "execute-api" << 200 << QByteArray();
        QTest::newRow("sts") << "sts" << 403 << QByteArray("InvalidSignatureException");
    }

    void stationSignedRequests()
    {
        QFETCH(QString, service);
        QFETCH(int, status);
        QFETCH(QByteArray, errorType);
        const SignedReply reply = signedGet(m_emulator, service, "/registrationcode");
        QCOMPARE(reply.status, status);
        QCOMPARE(reply.errorType, errorType);
        if (status == 200)
            QCOMPARE(QJsonDocument::fromJson(reply.body).object().value(QStringLiteral("registrationCode")).toString().size(), 64);
    }

    void injectedLatencyDelaysEveryAnswer()
    {
        EmulatorProcess slow;
        const QString error = slow.start({QStringLiteral("--fault"), QStringLiteral("latency-ms=400")});
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QElapsedTimer timer;
        timer.start();
        const SignedReply reply = signedGet(slow, QStringLiteral("iot"), "/registrationcode");
        QCOMPARE(reply.status, 200);
        QVERIFY2(timer.elapsed() >= 400, qPrintable(QString::number(timer.elapsed())));
    }

    void thingsPoliciesCertificatesAndAttachments()
    {
        AWS_OK(m_emulator.aws(args({"iot", "create-thing-type", "--thing-type-name", "sensor"})));
        const auto created = m_emulator.aws(args({"iot", "create-thing", "--thing-name", "unit-1", "--thing-type-name", "sensor",
                                                  "--attribute-payload", R"({"attributes":{"batch":"B7"}})"}));
        AWS_OK(created);
        QCOMPARE(created.json().value(QStringLiteral("thingArn")).toString(),
                 QStringLiteral("arn:aws:iot:us-east-1:123456789012:thing/unit-1"));
        // Idempotent for the same configuration, a conflict for another.
        AWS_OK(m_emulator.aws(args({"iot", "create-thing", "--thing-name", "unit-1", "--thing-type-name", "sensor",
                                    "--attribute-payload", R"({"attributes":{"batch":"B7"}})"})));
        AWS_FAILS_WITH(m_emulator.aws(args({"iot", "create-thing", "--thing-name", "unit-1"})), "ResourceAlreadyExistsException");
        AWS_FAILS_WITH(m_emulator.aws(args({"iot", "create-thing", "--thing-name", "bad*name"})), "InvalidRequestException");
        AWS_FAILS_WITH(m_emulator.aws({QStringLiteral("iot"), QStringLiteral("create-thing"), QStringLiteral("--thing-name"),
                                       QString(129, u'x')}),
                       "InvalidRequestException");
        AWS_FAILS_WITH(m_emulator.aws(args({"iot", "create-thing", "--thing-name", "unit-2", "--thing-type-name", "nope"})),
                       "ResourceNotFoundException");
        AWS_FAILS_WITH(m_emulator.aws(args({"iot", "create-thing", "--thing-name", "unit-3", "--attribute-payload",
                                            R"({"attributes":{"a":"1","b":"2","c":"3","d":"4"}})"})),
                       "InvalidRequestException");  // 3 attributes without a thing type
        const auto described = m_emulator.aws(args({"iot", "describe-thing", "--thing-name", "unit-1"}));
        AWS_OK(described);
        QCOMPARE(described.json().value(QStringLiteral("thingTypeName")).toString(), QStringLiteral("sensor"));
        QCOMPARE(described.json().value(QStringLiteral("attributes")).toObject().value(QStringLiteral("batch")).toString(),
                 QStringLiteral("B7"));
        AWS_FAILS_WITH(m_emulator.aws(args({"iot", "describe-thing", "--thing-name", "missing"})), "ResourceNotFoundException");

        const QString document = QStringLiteral(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]})");
        const auto policy = m_emulator.aws({QStringLiteral("iot"), QStringLiteral("create-policy"), QStringLiteral("--policy-name"),
                                            QStringLiteral("unit-policy"), QStringLiteral("--policy-document"), document});
        AWS_OK(policy);
        QCOMPARE(policy.json().value(QStringLiteral("policyVersionId")).toString(), QStringLiteral("1"));
        AWS_FAILS_WITH(m_emulator.aws({QStringLiteral("iot"), QStringLiteral("create-policy"), QStringLiteral("--policy-name"),
                                       QStringLiteral("unit-policy"), QStringLiteral("--policy-document"), document}),
                       "ResourceAlreadyExistsException");
        AWS_FAILS_WITH(m_emulator.aws(args({"iot", "create-policy", "--policy-name", "bad-doc", "--policy-document", "{not json"})),
                       "MalformedPolicyException");

        QCOMPARE(m_pki->makeCa(QStringLiteral("other-ca"), QStringLiteral("/CN=Other CA")), QString());
        QCOMPARE(m_pki->makeLeaf(QStringLiteral("unit-1"), QStringLiteral("/CN=unit-1"), QStringLiteral("other-ca")), QString());
        const auto registered = m_emulator.aws({QStringLiteral("iot"), QStringLiteral("register-certificate-without-ca"),
                                                QStringLiteral("--certificate-pem"), fileArgument(m_pki->certPath(QStringLiteral("unit-1"))),
                                                QStringLiteral("--status"), QStringLiteral("ACTIVE")});
        AWS_OK(registered);
        const QString certificateId = registered.json().value(QStringLiteral("certificateId")).toString();
        const QString certificateArn = registered.json().value(QStringLiteral("certificateArn")).toString();
        QVERIFY(QRegularExpression(QStringLiteral("^[0-9a-f]{64}$")).match(certificateId).hasMatch());
        QCOMPARE(certificateArn, QStringLiteral("arn:aws:iot:us-east-1:123456789012:cert/") + certificateId);
        AWS_FAILS_WITH(m_emulator.aws({QStringLiteral("iot"), QStringLiteral("register-certificate-without-ca"),
                                       QStringLiteral("--certificate-pem"), fileArgument(m_pki->certPath(QStringLiteral("unit-1")))}),
                       "ResourceAlreadyExistsException");
        AWS_OK(m_emulator.aws({QStringLiteral("iot"), QStringLiteral("attach-policy"), QStringLiteral("--policy-name"),
                               QStringLiteral("unit-policy"), QStringLiteral("--target"), certificateArn}));
        AWS_FAILS_WITH(m_emulator.aws({QStringLiteral("iot"), QStringLiteral("attach-policy"), QStringLiteral("--policy-name"),
                                       QStringLiteral("no-policy"), QStringLiteral("--target"), certificateArn}),
                       "ResourceNotFoundException");
        AWS_OK(m_emulator.aws({QStringLiteral("iot"), QStringLiteral("attach-thing-principal"), QStringLiteral("--thing-name"),
                               QStringLiteral("unit-1"), QStringLiteral("--principal"), certificateArn}));
        AWS_FAILS_WITH(m_emulator.aws({QStringLiteral("iot"), QStringLiteral("attach-thing-principal"), QStringLiteral("--thing-name"),
                                       QStringLiteral("missing"), QStringLiteral("--principal"), certificateArn}),
                       "ResourceNotFoundException");

        AWS_OK(m_emulator.aws({QStringLiteral("iot"), QStringLiteral("update-certificate"), QStringLiteral("--certificate-id"),
                               certificateId, QStringLiteral("--new-status"), QStringLiteral("INACTIVE")}));
        const auto certificate = m_emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-certificate"),
                                                 QStringLiteral("--certificate-id"), certificateId});
        AWS_OK(certificate);
        const QJsonObject description = certificate.json().value(QStringLiteral("certificateDescription")).toObject();
        QCOMPARE(description.value(QStringLiteral("status")).toString(), QStringLiteral("INACTIVE"));
        QCOMPARE(description.value(QStringLiteral("certificatePem")).toString().toUtf8(), m_pki->certPem(QStringLiteral("unit-1")));
        QVERIFY(description.value(QStringLiteral("validity")).toObject().contains(QStringLiteral("notAfter")));
        AWS_FAILS_WITH(m_emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-certificate"), QStringLiteral("--certificate-id"),
                                       QString(64, u'a')}),
                       "ResourceNotFoundException");
    }

    void caRegistrationChecksTheVerificationCertificate()
    {
        const auto code = m_emulator.aws(args({"iot", "get-registration-code"}));
        AWS_OK(code);
        const QString registrationCode = code.json().value(QStringLiteral("registrationCode")).toString();
        QVERIFY(QRegularExpression(QStringLiteral("^[0-9a-f]{64}$")).match(registrationCode).hasMatch());
        QCOMPARE(m_emulator.aws(args({"iot", "get-registration-code"})).json().value(QStringLiteral("registrationCode")).toString(),
                 registrationCode);

        QCOMPARE(m_pki->makeCa(QStringLiteral("factory-ca"), QStringLiteral("/O=Acme/CN=Factory CA")), QString());
        QCOMPARE(m_pki->makeCa(QStringLiteral("stranger-ca"), QStringLiteral("/CN=Stranger CA")), QString());
        QCOMPARE(m_pki->makeLeaf(QStringLiteral("verification"), QStringLiteral("/CN=") + registrationCode, QStringLiteral("factory-ca")), QString());
        QCOMPARE(m_pki->makeLeaf(QStringLiteral("wrong-code"), QStringLiteral("/CN=not-the-code"), QStringLiteral("factory-ca")), QString());
        QCOMPARE(m_pki->makeLeaf(QStringLiteral("wrong-signer"), QStringLiteral("/CN=") + registrationCode, QStringLiteral("stranger-ca")), QString());
        const auto registerCa = [&](const QString& verification, const QStringList& extra) {
            QStringList arguments{QStringLiteral("iot"), QStringLiteral("register-ca-certificate"), QStringLiteral("--ca-certificate"),
                                  fileArgument(m_pki->certPath(QStringLiteral("factory-ca")))};
            if (!verification.isEmpty())
                arguments << QStringLiteral("--verification-certificate") << fileArgument(m_pki->certPath(verification));
            return m_emulator.aws(arguments + extra);
        };
        AWS_FAILS_WITH(registerCa(QStringLiteral("wrong-code"), {}), "RegistrationCodeValidationException");
        AWS_FAILS_WITH(registerCa(QStringLiteral("wrong-signer"), {}), "CertificateValidationException");
        AWS_FAILS_WITH(registerCa(QString(), {}), "InvalidRequestException");  // DEFAULT mode needs one
        AWS_FAILS_WITH(registerCa(QStringLiteral("verification"), {QStringLiteral("--certificate-mode"), QStringLiteral("SNI_ONLY")}),
                       "InvalidRequestException");
        const QString config = writeFile(m_emulator, QStringLiteral("registration-config.json"),
                                         QJsonDocument(QJsonObject{{QStringLiteral("templateBody"), QString::fromUtf8(fixture(QStringLiteral("jitp.json")))},
                                                                   {QStringLiteral("roleArn"), QStringLiteral("arn:aws:iam::123456789012:role/JITPRole")}})
                                             .toJson());
        const auto registered = registerCa(QStringLiteral("verification"),
                                           {QStringLiteral("--allow-auto-registration"), QStringLiteral("--registration-config"),
                                            fileArgument(config)});
        AWS_OK(registered);
        const QString caId = registered.json().value(QStringLiteral("certificateId")).toString();
        QCOMPARE(registered.json().value(QStringLiteral("certificateArn")).toString(),
                 QStringLiteral("arn:aws:iot:us-east-1:123456789012:cacert/") + caId);
        AWS_FAILS_WITH(registerCa(QStringLiteral("verification"), {}), "ResourceAlreadyExistsException");

        auto described = m_emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-ca-certificate"), QStringLiteral("--certificate-id"), caId});
        AWS_OK(described);
        QJsonObject description = described.json().value(QStringLiteral("certificateDescription")).toObject();
        QCOMPARE(description.value(QStringLiteral("status")).toString(), QStringLiteral("INACTIVE"));  // no --set-as-active
        QCOMPARE(description.value(QStringLiteral("autoRegistrationStatus")).toString(), QStringLiteral("ENABLE"));
        QCOMPARE(description.value(QStringLiteral("certificateMode")).toString(), QStringLiteral("DEFAULT"));
        QCOMPARE(described.json().value(QStringLiteral("registrationConfig")).toObject().value(QStringLiteral("roleArn")).toString(),
                 QStringLiteral("arn:aws:iam::123456789012:role/JITPRole"));

        // A device certificate cannot be registered under an INACTIVE CA.
        QCOMPARE(m_pki->makeLeaf(QStringLiteral("device"), QStringLiteral("/CN=device-1"), QStringLiteral("factory-ca")), QString());
        const QStringList registerDevice{QStringLiteral("iot"), QStringLiteral("register-certificate"), QStringLiteral("--certificate-pem"),
                                         fileArgument(m_pki->certPath(QStringLiteral("device"))), QStringLiteral("--ca-certificate-pem"),
                                         fileArgument(m_pki->certPath(QStringLiteral("factory-ca"))), QStringLiteral("--status"),
                                         QStringLiteral("ACTIVE")};
        AWS_FAILS_WITH(m_emulator.aws(registerDevice), "CertificateStateException");
        AWS_OK(m_emulator.aws({QStringLiteral("iot"), QStringLiteral("update-ca-certificate"), QStringLiteral("--certificate-id"), caId,
                               QStringLiteral("--new-status"), QStringLiteral("ACTIVE"), QStringLiteral("--new-auto-registration-status"),
                               QStringLiteral("DISABLE"), QStringLiteral("--remove-auto-registration")}));
        described = m_emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-ca-certificate"), QStringLiteral("--certificate-id"), caId});
        description = described.json().value(QStringLiteral("certificateDescription")).toObject();
        QCOMPARE(description.value(QStringLiteral("status")).toString(), QStringLiteral("ACTIVE"));
        QCOMPARE(description.value(QStringLiteral("autoRegistrationStatus")).toString(), QStringLiteral("DISABLE"));
        QVERIFY(described.json().value(QStringLiteral("registrationConfig")).toObject().isEmpty());

        const auto device = m_emulator.aws(registerDevice);
        AWS_OK(device);
        const auto deviceDescription = m_emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-certificate"), QStringLiteral("--certificate-id"),
                                                       device.json().value(QStringLiteral("certificateId")).toString()});
        QCOMPARE(deviceDescription.json().value(QStringLiteral("certificateDescription")).toObject().value(QStringLiteral("caCertificateId")).toString(),
                 caId);
        // A certificate from a CA nobody registered is refused.
        QCOMPARE(m_pki->makeLeaf(QStringLiteral("stray"), QStringLiteral("/CN=stray"), QStringLiteral("stranger-ca")), QString());
        AWS_FAILS_WITH(m_emulator.aws({QStringLiteral("iot"), QStringLiteral("register-certificate"), QStringLiteral("--certificate-pem"),
                                       fileArgument(m_pki->certPath(QStringLiteral("stray")))}),
                       "CertificateValidationException");

        // SNI_ONLY: no verification certificate.
        const auto sniOnly = m_emulator.aws({QStringLiteral("iot"), QStringLiteral("register-ca-certificate"), QStringLiteral("--ca-certificate"),
                                             fileArgument(m_pki->certPath(QStringLiteral("stranger-ca"))), QStringLiteral("--certificate-mode"),
                                             QStringLiteral("SNI_ONLY"), QStringLiteral("--set-as-active")});
        AWS_OK(sniOnly);
        const auto listed = m_emulator.aws(args({"iot", "list-ca-certificates"}));
        AWS_OK(listed);
        QStringList ids;
        for (const auto& entry : listed.json().value(QStringLiteral("certificates")).toArray())
            ids << entry.toObject().value(QStringLiteral("certificateId")).toString();
        QVERIFY(ids.contains(caId));
        QVERIFY(ids.contains(sniOnly.json().value(QStringLiteral("certificateId")).toString()));
    }

};

QTEST_GUILESS_MAIN(TestEmulatorAwsRegistry)
#include "tst_emulator_aws_registry.moc"
