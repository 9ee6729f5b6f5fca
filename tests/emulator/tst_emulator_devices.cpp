// imprint-iot-emulator's device endpoint: TLS with client certificates and MQTT, driven by
// mosquitto_pub/mosquitto_sub. A first connection with a certificate from a registered CA
// does JITR (certificate PENDING_ACTIVATION, registration event) or JITP (the CA's template
// creates thing, certificate and policy), and is dropped; an ACTIVE certificate connects.
// Also: the registry survives a restart when kept in a file (--state).
#include "AwsTestSupport.h"
#include "TestPki.h"

#include <QJsonDocument>
#include <QCryptographicHash>
#include <QRegularExpression>
#include <QSslCertificate>

using namespace imprint::test;

namespace {

// The messages mosquitto_sub printed, without its debug lines.
QList<QByteArray> receivedMessages(QProcess& subscriber)
{
    QByteArray output = subscriber.property("seen").toByteArray();
    if (!subscriber.waitForFinished(15000))
        subscriber.kill();
    output += subscriber.readAllStandardOutput();
    QList<QByteArray> messages;
    for (const QByteArray& line : output.split('\n')) {
        if (line.startsWith("MSG "))
            messages << line.mid(4);
    }
    return messages;
}

}  // namespace

class TestEmulatorDevices : public QObject
{
    Q_OBJECT
private:
    EmulatorProcess m_emulator;
    std::unique_ptr<TestPki> m_pki;
    QString m_observer;  // an ACTIVE certificate registered without a CA, to watch events

    // Registers `ca` as ACTIVE with auto-registration and, for JITP, a template; returns its id.
    QString registerCa(const QString& ca, const QByteArray& templateBody)
    {
        const QString code = m_emulator.aws(args({"iot", "get-registration-code"})).json().value(QStringLiteral("registrationCode")).toString();
        if (!m_pki->makeLeaf(ca + QStringLiteral("-verification"), QStringLiteral("/CN=") + code, ca).isEmpty())
            return {};
        QStringList arguments{QStringLiteral("iot"), QStringLiteral("register-ca-certificate"), QStringLiteral("--ca-certificate"),
                              fileArgument(m_pki->certPath(ca)), QStringLiteral("--verification-certificate"),
                              fileArgument(m_pki->certPath(ca + QStringLiteral("-verification"))), QStringLiteral("--set-as-active"),
                              QStringLiteral("--allow-auto-registration")};
        if (!templateBody.isEmpty()) {
            const QJsonObject config{{QStringLiteral("templateBody"), QString::fromUtf8(templateBody)},
                                     {QStringLiteral("roleArn"), QStringLiteral("arn:aws:iam::123456789012:role/JITPRole")}};
            arguments << QStringLiteral("--registration-config")
                      << fileArgument(writeFile(m_emulator, ca + QStringLiteral("-config.json"), QJsonDocument(config).toJson()));
        }
        return m_emulator.aws(arguments).json().value(QStringLiteral("certificateId")).toString();
    }

    QJsonObject certificate(const QString& name)
    {
        const QString id = QString::fromLatin1(
            QCryptographicHash::hash(QSslCertificate(m_pki->certPem(name)).toDer(), QCryptographicHash::Sha256).toHex());
        return m_emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-certificate"), QStringLiteral("--certificate-id"), id})
            .json()
            .value(QStringLiteral("certificateDescription"))
            .toObject();
    }

private Q_SLOTS:
    void initTestCase()
    {
        const QString error = m_emulator.start();
        QVERIFY2(error.isEmpty(), qPrintable(error));
        m_pki = std::make_unique<TestPki>(m_emulator.path(QString()));
        QCOMPARE(m_pki->makeCa(QStringLiteral("lab-ca"), QStringLiteral("/CN=Lab CA")), QString());
        QCOMPARE(m_pki->makeLeaf(QStringLiteral("observer"), QStringLiteral("/CN=observer"), QStringLiteral("lab-ca")), QString());
        AWS_OK(m_emulator.aws({QStringLiteral("iot"), QStringLiteral("register-certificate-without-ca"), QStringLiteral("--certificate-pem"),
                               fileArgument(m_pki->certPath(QStringLiteral("observer"))), QStringLiteral("--status"), QStringLiteral("ACTIVE")}));
        m_observer = QStringLiteral("observer");
    }

    void activeCertificatesConnectAndExchangeMessages()
    {
        auto subscriber = m_emulator.subscribe(m_pki->certPath(m_observer), m_pki->keyPath(m_observer), QStringLiteral("line/+/status"), 1);
        QVERIFY2(subscriber->property("seen").toByteArray().contains("SUBACK"), subscriber->property("seen").toByteArray().constData());
        AWS_OK(m_emulator.publish(m_pki->certPath(m_observer), m_pki->keyPath(m_observer), QStringLiteral("line/3/status"),
                                  QStringLiteral("running")));
        QCOMPARE(receivedMessages(*subscriber), QList<QByteArray>{"running"});
    }

    void unknownCertificatesAreDropped()
    {
        QCOMPARE(m_pki->makeCa(QStringLiteral("unknown-ca"), QStringLiteral("/CN=Unknown CA")), QString());
        QCOMPARE(m_pki->makeLeaf(QStringLiteral("intruder"), QStringLiteral("/CN=intruder"), QStringLiteral("unknown-ca")), QString());
        const auto result = m_emulator.publish(m_pki->certPath(QStringLiteral("intruder")), m_pki->keyPath(QStringLiteral("intruder")),
                                               QStringLiteral("a"), QStringLiteral("b"));
        QVERIFY2(!result.ok(), qPrintable(result.describe()));
        QVERIFY(m_emulator.log().contains("is not registered and no registered CA issued it"));
    }

    void firstConnectionDoesJustInTimeRegistration()
    {
        QCOMPARE(m_pki->makeCa(QStringLiteral("jitr-ca"), QStringLiteral("/O=Acme/CN=JITR CA")), QString());
        const QString caId = registerCa(QStringLiteral("jitr-ca"), {});
        QCOMPARE(caId.size(), 64);
        QCOMPARE(m_pki->makeLeaf(QStringLiteral("jitr-device"), QStringLiteral("/CN=jitr-device"), QStringLiteral("jitr-ca")), QString());
        auto events = m_emulator.subscribe(m_pki->certPath(m_observer), m_pki->keyPath(m_observer),
                                           QStringLiteral("$aws/events/certificates/registered/") + caId, 1);

        const auto first = m_emulator.publish(m_pki->certPath(QStringLiteral("jitr-device")), m_pki->keyPath(QStringLiteral("jitr-device")),
                                              QStringLiteral("t"), QStringLiteral("m"));
        QVERIFY2(!first.ok(), "AWS drops the first connection of a just-in-time registered certificate");
        const QJsonObject registered = certificate(QStringLiteral("jitr-device"));
        QCOMPARE(registered.value(QStringLiteral("status")).toString(), QStringLiteral("PENDING_ACTIVATION"));
        QCOMPARE(registered.value(QStringLiteral("caCertificateId")).toString(), caId);

        const auto messages = receivedMessages(*events);
        QCOMPARE(messages.size(), 1);
        const QJsonObject event = QJsonDocument::fromJson(messages.first()).object();
        QCOMPARE(event.value(QStringLiteral("certificateId")).toString(), registered.value(QStringLiteral("certificateId")).toString());
        QCOMPARE(event.value(QStringLiteral("caCertificateId")).toString(), caId);
        QCOMPARE(event.value(QStringLiteral("certificateStatus")).toString(), QStringLiteral("PENDING_ACTIVATION"));
        QCOMPARE(event.value(QStringLiteral("awsAccountId")).toString(), QStringLiteral("123456789012"));
        // JITR creates no thing; the customer's code activates the certificate, then the device connects.
        AWS_OK(m_emulator.aws({QStringLiteral("iot"), QStringLiteral("update-certificate"), QStringLiteral("--certificate-id"),
                               registered.value(QStringLiteral("certificateId")).toString(), QStringLiteral("--new-status"), QStringLiteral("ACTIVE")}));
        AWS_OK(m_emulator.publish(m_pki->certPath(QStringLiteral("jitr-device")), m_pki->keyPath(QStringLiteral("jitr-device")),
                                  QStringLiteral("t"), QStringLiteral("m")));
    }

    void firstConnectionDoesJustInTimeProvisioning()
    {
        AWS_OK(m_emulator.aws(args({"iot", "create-thing-type", "--thing-type-name", "lightBulb-versionA"})));
        AWS_OK(m_emulator.aws(args({"iot", "create-thing-group", "--thing-group-name", "v1-lightbulbs"})));
        AWS_OK(m_emulator.aws(args({"iot", "create-thing-group", "--thing-group-name", "DE"})));
        QCOMPARE(m_pki->makeCa(QStringLiteral("jitp-ca"), QStringLiteral("/O=Acme/CN=JITP CA")), QString());
        QCOMPARE(registerCa(QStringLiteral("jitp-ca"), fixture(QStringLiteral("jitp.json"))).size(), 64);
        QCOMPARE(m_pki->makeLeaf(QStringLiteral("bulb"), QStringLiteral("/C=DE/O=Acme/CN=bulb-0042/serialNumber=SN0042"),
                                 QStringLiteral("jitp-ca")),
                 QString());

        const auto first = m_emulator.publish(m_pki->certPath(QStringLiteral("bulb")), m_pki->keyPath(QStringLiteral("bulb")),
                                              QStringLiteral("t"), QStringLiteral("m"));
        QVERIFY2(!first.ok(), "AWS drops the first connection of a just-in-time provisioned certificate");
        const auto thing = m_emulator.aws(args({"iot", "describe-thing", "--thing-name", "bulb-0042"}));
        AWS_OK(thing);
        QCOMPARE(thing.json().value(QStringLiteral("thingTypeName")).toString(), QStringLiteral("lightBulb-versionA"));
        QCOMPARE(thing.json().value(QStringLiteral("attributes")).toObject().value(QStringLiteral("serialNumber")).toString(),
                 QStringLiteral("SN0042"));
        QCOMPARE(certificate(QStringLiteral("bulb")).value(QStringLiteral("status")).toString(), QStringLiteral("ACTIVE"));
        AWS_OK(m_emulator.publish(m_pki->certPath(QStringLiteral("bulb")), m_pki->keyPath(QStringLiteral("bulb")),
                                  QStringLiteral("t"), QStringLiteral("m")));

        // A subject without the C= the template declares: the certificate stays PENDING_ACTIVATION.
        QCOMPARE(m_pki->makeLeaf(QStringLiteral("no-country"), QStringLiteral("/CN=bulb-0043"), QStringLiteral("jitp-ca")), QString());
        QVERIFY(!m_emulator.publish(m_pki->certPath(QStringLiteral("no-country")), m_pki->keyPath(QStringLiteral("no-country")),
                                    QStringLiteral("t"), QStringLiteral("m"))
                     .ok());
        QCOMPARE(certificate(QStringLiteral("no-country")).value(QStringLiteral("status")).toString(), QStringLiteral("PENDING_ACTIVATION"));
        AWS_FAILS_WITH(m_emulator.aws(args({"iot", "describe-thing", "--thing-name", "bulb-0043"})), "ResourceNotFoundException");
        QVERIFY(m_emulator.log().contains("Parameters.AWS::IoT::Certificate::Country: the device certificate's subject has no such field"));
    }

    void registryInAFileSurvivesARestart()
    {
        EmulatorProcess persistent;
        const QString state = persistent.path(QStringLiteral("registry.sqlite"));
        QString error = persistent.start({QStringLiteral("--state"), state});
        QVERIFY2(error.isEmpty(), qPrintable(error));
        AWS_OK(persistent.aws(args({"iot", "create-thing", "--thing-name", "kept"})));
        persistent.stop();
        error = persistent.start({QStringLiteral("--state"), state});
        QVERIFY2(error.isEmpty(), qPrintable(error));
        AWS_OK(persistent.aws(args({"iot", "describe-thing", "--thing-name", "kept"})));
    }
};

QTEST_GUILESS_MAIN(TestEmulatorDevices)
#include "tst_emulator_devices.moc"
