// imprint-iot-emulator's fleet-provisioning MQTT API, driven by code not written here:
// mosquitto_rr (one MQTT 3.1.1 connection: subscribe, publish, one answer), mosquitto_pub /
// mosquitto_sub, openssl for CSRs and /usr/bin/aws for claims, things and certificates.
// By trusted user (CreateProvisioningClaim) and by claim (a registered certificate with AWS's
// claim policy): CreateCertificateFromCsr, CreateKeysAndCertificate, RegisterThing in JSON and
// CBOR, replies only to the requester, the pre-provisioning hook, malformed requests, the claim's
// topic limits, a deactivated claim, and (after a restart with --clock-offset) an expired claim
// and an expired ownership token.
#include "AwsTestSupport.h"
#include "TestPki.h"

#include <QCborMap>
#include <QCborValue>
#include <QCryptographicHash>
#include <QJsonDocument>
#include <QSslCertificate>

using namespace imprint::test;

namespace {

const QString kTemplate = QStringLiteral("SensorFleet");
const QString kCsrTopic = QStringLiteral("$aws/certificates/create-from-csr/json");
const QString kCreateTopic = QStringLiteral("$aws/certificates/create/json");

QString provisionTopic(const QString& format = QStringLiteral("json"))
{
    return QStringLiteral("$aws/provisioning-templates/%1/provision/%2").arg(kTemplate, format);
}

QByteArray json(const QJsonObject& object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QString certificateIdOf(const QByteArray& pem)
{
    return QString::fromLatin1(QCryptographicHash::hash(QSslCertificate(pem).toDer(), QCryptographicHash::Sha256).toHex());
}

}  // namespace

class TestEmulatorFleet : public QObject
{
    Q_OBJECT
private:
    enum Outcome { Accepted, Rejected };

    EmulatorProcess m_emulator;
    std::unique_ptr<TestPki> m_pki;
    QString m_claimCert;   // from CreateProvisioningClaim (trusted user)
    QString m_claimKey;
    QString m_claimId;
    QString m_policyClaim;  // a registered certificate with AWS's claim policy (by claim)
    QString m_observer;     // an ordinary ACTIVE device certificate
    QString m_provisionedCert;  // a device that finished RegisterThing with the trusted-user claim
    QString m_provisionedKey;
    QString m_lateToken;    // ownership token kept for the expiry test
    QString m_lateId;       // its certificate
    QString m_spareClaimId;  // a trusted-user claim left to expire

    QString write(const QString& name, const QByteArray& data) { return writeFile(m_emulator, name, data); }

    // A CreateProvisioningClaim claim written to <name>.crt/.key; returns its certificate id.
    QString makeProvisioningClaim(const QString& name)
    {
        const auto claim = m_emulator.aws({QStringLiteral("iot"), QStringLiteral("create-provisioning-claim"),
                                           QStringLiteral("--template-name"), kTemplate});
        if (!claim.ok())
            return {};
        const QJsonObject answer = claim.json();
        write(name + QStringLiteral(".crt"), answer.value(QStringLiteral("certificatePem")).toString().toUtf8());
        write(name + QStringLiteral(".key"),
              answer.value(QStringLiteral("keyPair")).toObject().value(QStringLiteral("PrivateKey")).toString().toUtf8());
        return answer.value(QStringLiteral("certificateId")).toString();
    }

    // A new EC key <name>.key and its CSR, as the request payload of CreateCertificateFromCsr.
    QByteArray csrRequest(const QString& name)
    {
        QProcess openssl;
        openssl.start(QStringLiteral("openssl"),
                      {QStringLiteral("req"), QStringLiteral("-new"), QStringLiteral("-newkey"), QStringLiteral("ec"),
                       QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:P-256"), QStringLiteral("-nodes"),
                       QStringLiteral("-keyout"), m_emulator.path(name + QStringLiteral(".key")), QStringLiteral("-subj"),
                       QStringLiteral("/CN=") + name});
        if (!openssl.waitForFinished(20000) || openssl.exitCode() != 0)
            return {};
        return json({{QStringLiteral("certificateSigningRequest"), QString::fromUtf8(openssl.readAllStandardOutput())}});
    }

    // One request on one connection, waiting for the answer on …/accepted or …/rejected
    // (mosquitto_rr subscribes to one topic only).
    MqttAnswer ask(const QString& certificate, const QString& key, const QString& topic, const QByteArray& payload,
                   Outcome expected = Accepted, int waitSeconds = 15)
    {
        const QString answerTopic = topic + (expected == Accepted ? QStringLiteral("/accepted") : QStringLiteral("/rejected"));
        return m_emulator.request(certificate, key, topic, answerTopic, payload, waitSeconds);
    }

    qsizetype disconnections() { return m_emulator.log().count("- disconnected"); }

    // CreateCertificateFromCsr with `claim`; the device's certificate is written to <name>.crt.
    QJsonObject certificateFromCsr(const QString& claimCert, const QString& claimKey, const QString& name)
    {
        const MqttAnswer answer = ask(claimCert, claimKey, kCsrTopic, csrRequest(name));
        if (answer.topic != kCsrTopic + QStringLiteral("/accepted"))
            return {};
        write(name + QStringLiteral(".crt"), answer.json().value(QStringLiteral("certificatePem")).toString().toUtf8());
        return answer.json();
    }

    QJsonObject registerThing(const QString& claimCert, const QString& claimKey, const QString& token, const QString& serial,
                              QString* answerTopic = nullptr, Outcome expected = Accepted)
    {
        const QJsonObject request{{QStringLiteral("certificateOwnershipToken"), token},
                                  {QStringLiteral("parameters"), QJsonObject{{QStringLiteral("SerialNumber"), serial}}}};
        const MqttAnswer answer = ask(claimCert, claimKey, provisionTopic(), json(request), expected);
        if (answerTopic)
            *answerTopic = answer.topic;
        return answer.json();
    }

    QString certificateStatus(const QString& id)
    {
        return m_emulator.describeCertificate(id).value(QStringLiteral("status")).toString();
    }

private Q_SLOTS:
    void initTestCase()
    {
        qputenv("HOOK_INPUT_FILE", QFile::encodeName(m_emulator.path(QStringLiteral("hook-input.json"))));
        const QString error = m_emulator.start({QStringLiteral("--state"), m_emulator.path(QStringLiteral("registry.sqlite")),
                                                QStringLiteral("--pre-provisioning-hook"),
                                                QStringLiteral("command:" IMPRINT_SOURCE_DIR "/tests/emulator/data/pre-provisioning-hook.sh")});
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const QJsonObject hook{{QStringLiteral("targetArn"), QStringLiteral("arn:aws:lambda:us-east-1:123456789012:function:hook")},
                               {QStringLiteral("payloadVersion"), QStringLiteral("2020-04-01")}};
        AWS_OK(m_emulator.aws({QStringLiteral("iot"), QStringLiteral("create-provisioning-template"), QStringLiteral("--template-name"),
                               kTemplate, QStringLiteral("--enabled"), QStringLiteral("--provisioning-role-arn"),
                               QStringLiteral("arn:aws:iam::123456789012:role/Provisioning"), QStringLiteral("--template-body"),
                               QString::fromUtf8(fixture(QStringLiteral("fleet-claim.json"))), QStringLiteral("--pre-provisioning-hook"),
                               QString::fromUtf8(json(hook))}));
        m_claimId = makeProvisioningClaim(QStringLiteral("claim"));
        QVERIFY(!m_claimId.isEmpty());
        m_claimCert = m_emulator.path(QStringLiteral("claim.crt"));
        m_claimKey = m_emulator.path(QStringLiteral("claim.key"));

        // By claim: a certificate of the factory's CA, registered, with AWS's recommended claim policy.
        m_pki = std::make_unique<TestPki>(m_emulator.path(QString()));
        QCOMPARE(m_pki->makeCa(QStringLiteral("factory-ca"), QStringLiteral("/CN=Factory CA")), QString());
        for (const char* name : {"fleet-claim", "observer"}) {
            QCOMPARE(m_pki->makeLeaf(QString::fromLatin1(name), QStringLiteral("/CN=") + QString::fromLatin1(name),
                                     QStringLiteral("factory-ca")),
                     QString());
            AWS_OK(m_emulator.aws({QStringLiteral("iot"), QStringLiteral("register-certificate-without-ca"),
                                   QStringLiteral("--certificate-pem"), fileArgument(m_pki->certPath(QString::fromLatin1(name))),
                                   QStringLiteral("--status"), QStringLiteral("ACTIVE")}));
        }
        m_policyClaim = QStringLiteral("fleet-claim");
        m_observer = QStringLiteral("observer");
        AWS_OK(m_emulator.aws({QStringLiteral("iot"), QStringLiteral("create-policy"), QStringLiteral("--policy-name"),
                               QStringLiteral("ClaimPolicy"), QStringLiteral("--policy-document"),
                               QString::fromUtf8(fixture(QStringLiteral("claim-policy.json")))}));
        AWS_OK(m_emulator.aws({QStringLiteral("iot"), QStringLiteral("attach-policy"), QStringLiteral("--policy-name"),
                               QStringLiteral("ClaimPolicy"), QStringLiteral("--target"),
                               QStringLiteral("arn:aws:iot:us-east-1:123456789012:cert/")
                                   + certificateIdOf(m_pki->certPem(m_policyClaim))}));
    }

    // Trusted user: the claim trades a CSR for a certificate, then registers the thing; the
    // answers go to the requesting connection only; the device reconnects with its certificate.
    void csrThenRegisterThing()
    {
        auto observer = m_emulator.subscribe(m_pki->certPath(m_observer), m_pki->keyPath(m_observer), QStringLiteral("$aws/#"), 1);
        QVERIFY(observer->property("seen").toByteArray().contains("SUBACK"));

        const QJsonObject created = certificateFromCsr(m_claimCert, m_claimKey, QStringLiteral("device-1"));
        const QString certificateId = created.value(QStringLiteral("certificateId")).toString();
        QVERIFY2(created.value(QStringLiteral("certificatePem")).toString().startsWith(QStringLiteral("-----BEGIN CERTIFICATE-----")),
                 qPrintable(QString::fromUtf8(json(created))));
        QCOMPARE(certificateId, certificateIdOf(created.value(QStringLiteral("certificatePem")).toString().toUtf8()));
        const QString token = created.value(QStringLiteral("certificateOwnershipToken")).toString();
        QVERIFY(token.size() >= 32);
        QCOMPARE(certificateStatus(certificateId), QStringLiteral("PENDING_ACTIVATION"));  // as AWS's start
        // Not yet provisioned: the new certificate cannot connect.
        QVERIFY(!m_emulator.publish(m_emulator.path(QStringLiteral("device-1.crt")), m_emulator.path(QStringLiteral("device-1.key")),
                                    QStringLiteral("telemetry/device-1"), QStringLiteral("{}")).ok());

        QString topic;
        const QJsonObject registered = registerThing(m_claimCert, m_claimKey, token, QStringLiteral("0001"), &topic);
        QCOMPARE(topic, provisionTopic() + QStringLiteral("/accepted"));
        QCOMPARE(registered.value(QStringLiteral("thingName")).toString(), QStringLiteral("sensor-0001"));
        // The hook's parameterOverrides reached the template.
        QCOMPARE(registered.value(QStringLiteral("deviceConfiguration")).toObject(),
                 (QJsonObject{{QStringLiteral("Site"), QStringLiteral("line-7")}, {QStringLiteral("Endpoint"), QStringLiteral("emulator")}}));

        const auto thing = m_emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-thing"), QStringLiteral("--thing-name"),
                                           QStringLiteral("sensor-0001")});
        AWS_OK(thing);
        QCOMPARE(thing.json().value(QStringLiteral("attributes")).toObject().value(QStringLiteral("site")).toString(), QStringLiteral("line-7"));
        QCOMPARE(certificateStatus(certificateId), QStringLiteral("ACTIVE"));
        m_provisionedCert = m_emulator.path(QStringLiteral("device-1.crt"));
        m_provisionedKey = m_emulator.path(QStringLiteral("device-1.key"));
        AWS_OK(m_emulator.publish(m_provisionedCert, m_provisionedKey, QStringLiteral("telemetry/device-1"), QStringLiteral("{}")));

        // The hook got AWS's input: claim, new certificate, template ARN, client id, parameters.
        QFile hookInput(m_emulator.path(QStringLiteral("hook-input.json")));
        QVERIFY(hookInput.open(QIODevice::ReadOnly));
        const QJsonObject input = QJsonDocument::fromJson(hookInput.readAll()).object();
        QCOMPARE(input.value(QStringLiteral("claimCertificateId")).toString(), m_claimId);
        QCOMPARE(input.value(QStringLiteral("certificateId")).toString(), certificateId);
        QCOMPARE(input.value(QStringLiteral("templateArn")).toString(),
                 QStringLiteral("arn:aws:iot:us-east-1:123456789012:provisioningtemplate/") + kTemplate);
        QVERIFY(input.value(QStringLiteral("clientId")).isString());  // mosquitto_rr's own, possibly empty
        QCOMPARE(input.value(QStringLiteral("parameters")).toObject().value(QStringLiteral("SerialNumber")).toString(), QStringLiteral("0001"));

        // Another session subscribed to everything under $aws saw neither requests nor answers.
        if (!observer->waitForFinished(3000))
            observer->kill();
        observer->waitForFinished();
        const QByteArray observed = observer->property("seen").toByteArray() + observer->readAllStandardOutput();
        QVERIFY2(!observed.contains("MSG "), observed.constData());
    }

    // CreateKeysAndCertificate in JSON and CBOR: key, certificate and token; PENDING_ACTIVATION.
    void createKeysAndCertificate_data()
    {
        QTest::addColumn<QString>("format");
        QTest::newRow("json") << QStringLiteral("json");
        QTest::newRow("cbor") << QStringLiteral("cbor");
    }

    void createKeysAndCertificate()
    {
        QFETCH(QString, format);
        const QString topic = QStringLiteral("$aws/certificates/create/") + format;
        const MqttAnswer answer = ask(m_claimCert, m_claimKey, topic, {});
        QVERIFY2(answer.topic == topic + QStringLiteral("/accepted"), qPrintable(answer.run.describe()));
        const QJsonObject created = answer.json();
        QVERIFY(created.value(QStringLiteral("privateKey")).toString().contains(QStringLiteral("PRIVATE KEY-----")));
        QVERIFY(!created.value(QStringLiteral("certificateOwnershipToken")).toString().isEmpty());
        QCOMPARE(certificateStatus(created.value(QStringLiteral("certificateId")).toString()), QStringLiteral("PENDING_ACTIVATION"));
        if (format == QStringLiteral("cbor"))
            QVERIFY(QCborValue::fromCbor(answer.payload).isMap());

        // The created key and certificate belong together: after RegisterThing they connect.
        write(QStringLiteral("keys-") + format + QStringLiteral(".crt"), created.value(QStringLiteral("certificatePem")).toString().toUtf8());
        write(QStringLiteral("keys-") + format + QStringLiteral(".key"), created.value(QStringLiteral("privateKey")).toString().toUtf8());
        const QJsonObject request{{QStringLiteral("certificateOwnershipToken"), created.value(QStringLiteral("certificateOwnershipToken"))},
                                  {QStringLiteral("parameters"), QJsonObject{{QStringLiteral("SerialNumber"), QString(QStringLiteral("K-") + format)}}}};
        const QByteArray payload = format == QStringLiteral("cbor") ? QCborValue(QCborMap::fromJsonObject(request)).toCbor() : json(request);
        const MqttAnswer registered = ask(m_claimCert, m_claimKey, provisionTopic(format), payload);
        QCOMPARE(registered.topic, provisionTopic(format) + QStringLiteral("/accepted"));
        QCOMPARE(registered.json().value(QStringLiteral("thingName")).toString(), QStringLiteral("sensor-K-") + format);
        AWS_OK(m_emulator.publish(m_emulator.path(QStringLiteral("keys-") + format + QStringLiteral(".crt")),
                                  m_emulator.path(QStringLiteral("keys-") + format + QStringLiteral(".key")),
                                  QStringLiteral("telemetry/keys"), QStringLiteral("{}")));
    }

    // Malformed requests are answered on /rejected with AWS's error shape; the endpoint goes on.
    void malformedRequests_data()
    {
        QTest::addColumn<QString>("topic");
        QTest::addColumn<QByteArray>("payload");
        QTest::addColumn<int>("statusCode");
        QTest::addColumn<QString>("errorCode");
        const QByteArray badCbor("\xbf\x61", 2);  // an indefinite map cut short
        QTest::newRow("csr: bad JSON") << kCsrTopic << QByteArray("{\"certificateSigningRequest\":") << 400 << QStringLiteral("InvalidPayload");
        QTest::newRow("csr: JSON array") << kCsrTopic << QByteArray("[1,2]") << 400 << QStringLiteral("InvalidPayload");
        QTest::newRow("csr: bad CBOR") << QStringLiteral("$aws/certificates/create-from-csr/cbor") << badCbor << 400
                                       << QStringLiteral("InvalidPayload");
        QTest::newRow("csr: missing") << kCsrTopic << QByteArray("{}") << 400 << QStringLiteral("InvalidPayload");
        QTest::newRow("csr: not a CSR") << kCsrTopic << QByteArray("{\"certificateSigningRequest\":\"-----BEGIN CERTIFICATE REQUEST-----\\nAAAA\\n-----END CERTIFICATE REQUEST-----\\n\"}")
                                        << 400 << QStringLiteral("InvalidCSR");
        QTest::newRow("provision: bad JSON") << provisionTopic() << QByteArray("not json") << 400 << QStringLiteral("InvalidPayload");
        QTest::newRow("provision: bad CBOR") << provisionTopic(QStringLiteral("cbor")) << QByteArray("\xff\xff", 2) << 400
                                             << QStringLiteral("InvalidPayload");
        QTest::newRow("provision: no token") << provisionTopic() << QByteArray("{\"parameters\":{\"SerialNumber\":\"9\"}}") << 400
                                             << QStringLiteral("InvalidCertificateOwnershipToken");
        QTest::newRow("provision: wrong token") << provisionTopic() << QByteArray("{\"certificateOwnershipToken\":\"bm90IGEgdG9rZW4=\"}") << 400
                                                << QStringLiteral("InvalidCertificateOwnershipToken");
        QTest::newRow("provision: parameters not strings") << provisionTopic() << QByteArray("{\"certificateOwnershipToken\":\"x\",\"parameters\":{\"SerialNumber\":7}}")
                                                           << 400 << QStringLiteral("InvalidPayload");
    }

    void malformedRequests()
    {
        QFETCH(QString, topic);
        QFETCH(QByteArray, payload);
        QFETCH(int, statusCode);
        QFETCH(QString, errorCode);
        const MqttAnswer answer = ask(m_claimCert, m_claimKey, topic, payload, Rejected);
        QVERIFY2(answer.topic == topic + QStringLiteral("/rejected"), qPrintable(answer.run.describe()));
        const QJsonObject error = answer.json();
        QCOMPARE(error.value(QStringLiteral("statusCode")).toInt(), statusCode);
        QCOMPARE(error.value(QStringLiteral("errorCode")).toString(), errorCode);
        QVERIFY(!error.value(QStringLiteral("errorMessage")).toString().isEmpty());
        // The endpoint still serves: a good request from another claim right after.
        QVERIFY(!certificateFromCsr(m_pki->certPath(m_policyClaim), m_pki->keyPath(m_policyClaim), QStringLiteral("after-bad"))
                     .value(QStringLiteral("certificateOwnershipToken")).toString().isEmpty());
    }

    void missingTemplateIsNotFound()
    {
        // An ordinary device certificate is no claim: its policies are not evaluated, so it may
        // call the API, and an unknown template is AWS's 404.
        const QString topic = QStringLiteral("$aws/provisioning-templates/NoSuchTemplate/provision/json");
        const MqttAnswer answer = ask(m_pki->certPath(m_observer), m_pki->keyPath(m_observer), topic,
                                      json({{QStringLiteral("certificateOwnershipToken"), QStringLiteral("x")}}), Rejected);
        QCOMPARE(answer.topic, topic + QStringLiteral("/rejected"));
        QCOMPARE(answer.json().value(QStringLiteral("statusCode")).toInt(), 400);  // the token is checked first
        const QJsonObject created = certificateFromCsr(m_pki->certPath(m_observer), m_pki->keyPath(m_observer), QStringLiteral("observer-new"));
        const MqttAnswer missing = ask(m_pki->certPath(m_observer), m_pki->keyPath(m_observer), topic,
                                       json({{QStringLiteral("certificateOwnershipToken"), created.value(QStringLiteral("certificateOwnershipToken"))}}), Rejected);
        QCOMPARE(missing.json().value(QStringLiteral("statusCode")).toInt(), 404);
        QCOMPARE(missing.json().value(QStringLiteral("errorCode")).toString(), QStringLiteral("ResourceNotFound"));
    }

    void deniedHook()
    {
        const QJsonObject created = certificateFromCsr(m_claimCert, m_claimKey, QStringLiteral("denied"));
        QString topic;
        const QJsonObject error = registerThing(m_claimCert, m_claimKey, created.value(QStringLiteral("certificateOwnershipToken")).toString(),
                                                QStringLiteral("DENY-1"), &topic, Rejected);
        QCOMPARE(topic, provisionTopic() + QStringLiteral("/rejected"));
        QCOMPARE(error.value(QStringLiteral("statusCode")).toInt(), 403);
        QCOMPARE(error.value(QStringLiteral("errorCode")).toString(), QStringLiteral("AccessDenied"));
        AWS_FAILS_WITH(m_emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-thing"), QStringLiteral("--thing-name"),
                                       QStringLiteral("sensor-DENY-1")}),
                       "ResourceNotFoundException");
        QCOMPARE(certificateStatus(created.value(QStringLiteral("certificateId")).toString()), QStringLiteral("PENDING_ACTIVATION"));
    }

    // A claim may use only the fleet-provisioning topics it is granted; anything else disconnects it.
    void claimLimitedToItsTopics_data()
    {
        QTest::addColumn<bool>("byPolicy");
        QTest::addColumn<QString>("topic");
        QTest::addColumn<QString>("answerFilter");
        const QString accepted = kCreateTopic + QStringLiteral("/accepted");
        const QString other = QStringLiteral("$aws/provisioning-templates/Other/provision/json");
        QTest::newRow("trusted user: publish elsewhere") << false << QStringLiteral("telemetry/x") << accepted;
        QTest::newRow("trusted user: other template") << false << other << QString(other + QStringLiteral("/accepted"));
        QTest::newRow("trusted user: subscribe elsewhere") << false << kCreateTopic << QStringLiteral("$aws/things/x/shadow/get/accepted");
        QTest::newRow("policy: publish elsewhere") << true << QStringLiteral("telemetry/x") << accepted;
        QTest::newRow("policy: other template") << true << other << QString(other + QStringLiteral("/accepted"));
        QTest::newRow("policy: answer topic") << true << accepted << accepted;
        QTest::newRow("policy: subscribe elsewhere") << true << kCreateTopic << QStringLiteral("devices/x/commands");
    }

    void claimLimitedToItsTopics()
    {
        QFETCH(bool, byPolicy);
        QFETCH(QString, topic);
        QFETCH(QString, answerFilter);
        const QString certificate = byPolicy ? m_pki->certPath(m_policyClaim) : m_claimCert;
        const QString key = byPolicy ? m_pki->keyPath(m_policyClaim) : m_claimKey;
        const qsizetype before = disconnections();
        const MqttAnswer answer = m_emulator.request(certificate, key, topic, answerFilter, QByteArray("{}"), 3);
        QVERIFY2(!answer.run.ok() && answer.topic.isEmpty(), qPrintable(answer.run.describe()));
        QVERIFY(disconnections() > before);
        // Publishing elsewhere (mosquitto_pub, QoS 1) fails too: the connection is closed before PUBACK.
        QVERIFY(!m_emulator.publish(certificate, key, QStringLiteral("telemetry/claim"), QStringLiteral("{}")).ok());
    }

    // By claim with a claim AWS made: CreateKeysAndCertificate (control plane) + the claim policy.
    void claimFromCreateKeysAndCertificate()
    {
        const auto made = m_emulator.aws({QStringLiteral("iot"), QStringLiteral("create-keys-and-certificate"), QStringLiteral("--set-as-active")});
        AWS_OK(made);
        const QJsonObject claim = made.json();
        const QString claimCert = write(QStringLiteral("aws-claim.crt"), claim.value(QStringLiteral("certificatePem")).toString().toUtf8());
        const QString claimKey = write(QStringLiteral("aws-claim.key"),
                                       claim.value(QStringLiteral("keyPair")).toObject().value(QStringLiteral("PrivateKey")).toString().toUtf8());
        QCOMPARE(certificateStatus(claim.value(QStringLiteral("certificateId")).toString()), QStringLiteral("ACTIVE"));
        AWS_OK(m_emulator.aws({QStringLiteral("iot"), QStringLiteral("attach-policy"), QStringLiteral("--policy-name"),
                               QStringLiteral("ClaimPolicy"), QStringLiteral("--target"), claim.value(QStringLiteral("certificateArn")).toString()}));

        const QJsonObject created = certificateFromCsr(claimCert, claimKey, QStringLiteral("aws-claimed"));
        QString topic;
        const QJsonObject registered = registerThing(claimCert, claimKey, created.value(QStringLiteral("certificateOwnershipToken")).toString(),
                                                     QStringLiteral("CK-1"), &topic);
        QCOMPARE(topic, provisionTopic() + QStringLiteral("/accepted"));
        QCOMPARE(registered.value(QStringLiteral("thingName")).toString(), QStringLiteral("sensor-CK-1"));
        QVERIFY(!m_emulator.publish(claimCert, claimKey, QStringLiteral("telemetry/claim"), QStringLiteral("{}")).ok());

        // Without --set-as-active the certificate is INACTIVE, as in AWS.
        const auto inactive = m_emulator.aws({QStringLiteral("iot"), QStringLiteral("create-keys-and-certificate")});
        AWS_OK(inactive);
        QCOMPARE(certificateStatus(inactive.json().value(QStringLiteral("certificateId")).toString()), QStringLiteral("INACTIVE"));
    }

    // Deactivating a claim blocks new registrations with it; devices it provisioned still connect.
    void deactivatedClaim()
    {
        QVERIFY(!m_provisionedCert.isEmpty());
        m_spareClaimId = makeProvisioningClaim(QStringLiteral("spare-claim"));  // expires in expiredClaimAndToken
        AWS_OK(m_emulator.aws({QStringLiteral("iot"), QStringLiteral("update-certificate"), QStringLiteral("--certificate-id"), m_claimId,
                               QStringLiteral("--new-status"), QStringLiteral("INACTIVE")}));
        const MqttAnswer refused = ask(m_claimCert, m_claimKey, kCsrTopic, csrRequest(QStringLiteral("after-deactivation")), Accepted, 3);
        QVERIFY2(!refused.run.ok() && refused.topic.isEmpty(), qPrintable(refused.run.describe()));
        QVERIFY(m_emulator.log().contains("is INACTIVE"));
        AWS_OK(m_emulator.publish(m_provisionedCert, m_provisionedKey, QStringLiteral("telemetry/device-1"), QStringLiteral("{}")));
        // A token for the expiry test below, from the by-claim certificate (still ACTIVE).
        const QJsonObject created = certificateFromCsr(m_pki->certPath(m_policyClaim), m_pki->keyPath(m_policyClaim), QStringLiteral("late"));
        m_lateToken = created.value(QStringLiteral("certificateOwnershipToken")).toString();
        m_lateId = created.value(QStringLiteral("certificateId")).toString();
        QVERIFY(!m_lateToken.isEmpty());
        QVERIFY(!m_spareClaimId.isEmpty());
    }

    // After the emulator's clock moved on by more than an hour: the 5-minute claim is refused at
    // connect, and an ownership token is expired (its unused certificate deleted).
    void expiredClaimAndToken()
    {
        QVERIFY(!m_lateToken.isEmpty());
        m_emulator.stop();
        const QString error = m_emulator.start({QStringLiteral("--state"), m_emulator.path(QStringLiteral("registry.sqlite")),
                                                QStringLiteral("--clock-offset"), QStringLiteral("3700")});
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const MqttAnswer refused = ask(m_emulator.path(QStringLiteral("spare-claim.crt")), m_emulator.path(QStringLiteral("spare-claim.key")),
                                       kCsrTopic, csrRequest(QStringLiteral("too-late")), Accepted, 3);
        QVERIFY2(!refused.run.ok() && refused.topic.isEmpty(), qPrintable(refused.run.describe()));
        QVERIFY(m_emulator.log().contains("expired"));

        QCOMPARE(certificateStatus(m_lateId), QStringLiteral("PENDING_ACTIVATION"));
        QString topic;
        const QJsonObject answer = registerThing(m_pki->certPath(m_policyClaim), m_pki->keyPath(m_policyClaim), m_lateToken,
                                                 QStringLiteral("0099"), &topic, Rejected);
        QCOMPARE(topic, provisionTopic() + QStringLiteral("/rejected"));
        QCOMPARE(answer.value(QStringLiteral("errorCode")).toString(), QStringLiteral("InvalidCertificateOwnershipToken"));
        QVERIFY(answer.value(QStringLiteral("errorMessage")).toString().contains(QStringLiteral("expired")));
        AWS_FAILS_WITH(m_emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-certificate"), QStringLiteral("--certificate-id"), m_lateId}),
                       "ResourceNotFoundException");
        // A device provisioned before still connects.
        AWS_OK(m_emulator.publish(m_provisionedCert, m_provisionedKey, QStringLiteral("telemetry/device-1"), QStringLiteral("{}")));
    }
};

QTEST_GUILESS_MAIN(TestEmulatorFleet)
#include "tst_emulator_fleet.moc"
