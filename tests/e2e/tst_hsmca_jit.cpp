// The station's own HSM CA (SoftHSM2 token, through imprint-cli) registered with AWS IoT (the
// emulator, driven by the real AWS CLI) for JITP and JITR, and a device certificate it issued
// connecting over TLS with the mosquitto client: the first connection registers the device.
#include "EmulatorProcess.h"
#include "StationHarness.h"

#include <QCryptographicHash>
#include <QFile>
#include <QJsonDocument>
#include <QProcess>
#include <QSslCertificate>
#include <QTest>

using namespace imprint;

namespace {

QString fileUrl(const QString& path)
{
    return QStringLiteral("file://") + path;
}

bool writeFile(const QString& path, const QByteArray& content)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(content) == content.size();
}

}  // namespace

class TestHsmCaJustInTime : public QObject
{
    Q_OBJECT

    test::EmulatorProcess m_emulator;

    // Registers the harness's CA: registration code from AWS, verification certificate signed on the token.
    QString registerStationCa(test::StationHarness& station, const QByteArray& templateBody)
    {
        const QString code = m_emulator.aws({QStringLiteral("iot"), QStringLiteral("get-registration-code")})
                                 .json()
                                 .value(QStringLiteral("registrationCode"))
                                 .toString();
        const QString verification = station.path(QStringLiteral("verification.pem"));
        if (code.isEmpty()
            || station.cli({QStringLiteral("ca"), QStringLiteral("verification-cert"), QStringLiteral("--registration-code"),
                            code, QStringLiteral("--out"), verification})
                       .exitCode
                   != 0)
            return {};
        const QString caPem = station.path(QStringLiteral("ca.pem"));
        if (!writeFile(caPem, station.cli({QStringLiteral("ca"), QStringLiteral("show"), QStringLiteral("--pem")}).out.toUtf8()))
            return {};
        QStringList arguments{QStringLiteral("iot"), QStringLiteral("register-ca-certificate"), QStringLiteral("--ca-certificate"),
                              fileUrl(caPem), QStringLiteral("--verification-certificate"), fileUrl(verification),
                              QStringLiteral("--set-as-active"), QStringLiteral("--allow-auto-registration")};
        if (!templateBody.isEmpty()) {
            const QJsonObject config{{QStringLiteral("templateBody"), QString::fromUtf8(templateBody)},
                                     {QStringLiteral("roleArn"), QStringLiteral("arn:aws:iam::123456789012:role/JITPRole")}};
            const QString configPath = station.path(QStringLiteral("registration-config.json"));
            writeFile(configPath, QJsonDocument(config).toJson());
            arguments << QStringLiteral("--registration-config") << fileUrl(configPath);
        }
        const auto registered = m_emulator.aws(arguments);
        return registered.json().value(QStringLiteral("certificateId")).toString();
    }

    // A device key made here, its CSR certified by the station's HSM CA for `thingName`.
    bool issueDevice(test::StationHarness& station, const QString& thingName)
    {
        const QString key = station.path(thingName + QStringLiteral(".key"));
        const QString csr = station.path(thingName + QStringLiteral(".csr"));
        QProcess openssl;
        openssl.start(QStringLiteral("openssl"),
                      {QStringLiteral("req"), QStringLiteral("-new"), QStringLiteral("-newkey"), QStringLiteral("ec"),
                       QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:P-256"), QStringLiteral("-nodes"),
                       QStringLiteral("-keyout"), key, QStringLiteral("-out"), csr, QStringLiteral("-subj"),
                       QStringLiteral("/CN=") + thingName});
        if (!openssl.waitForFinished(30'000) || openssl.exitCode() != 0)
            return false;
        return station.cli({QStringLiteral("ca"), QStringLiteral("issue"), QStringLiteral("--csr"), csr, QStringLiteral("--thing-name"),
                            thingName, QStringLiteral("--out"), station.path(thingName + QStringLiteral(".pem"))})
                   .exitCode
               == 0;
    }

    QJsonObject describeCertificate(test::StationHarness& station, const QString& thingName)
    {
        QFile file(station.path(thingName + QStringLiteral(".pem")));
        if (!file.open(QIODevice::ReadOnly))
            return {};
        const QString id = QString::fromLatin1(
            QCryptographicHash::hash(QSslCertificate(file.readAll()).toDer(), QCryptographicHash::Sha256).toHex());
        return m_emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-certificate"), QStringLiteral("--certificate-id"), id})
            .json()
            .value(QStringLiteral("certificateDescription"))
            .toObject();
    }

    test::CommandResult connect(test::StationHarness& station, const QString& thingName)
    {
        return m_emulator.publish(station.path(thingName + QStringLiteral(".pem")), station.path(thingName + QStringLiteral(".key")),
                                  QStringLiteral("devices/") + thingName + QStringLiteral("/hello"), QStringLiteral("hi"));
    }

private Q_SLOTS:
    void initTestCase()
    {
        const QString started = m_emulator.start();
        QVERIFY2(started.isEmpty(), qPrintable(started));
    }

    void justInTimeProvisioningWithTheShippedTemplate()
    {
        test::StationHarness station;
        QVERIFY2(station.setUpCa().isEmpty(), "HSM CA set-up");
        QFile jitp(QStringLiteral(IMPRINT_SOURCE_DIR "/resources/templates/jitp.json"));
        QVERIFY(jitp.open(QIODevice::ReadOnly));
        QCOMPARE(registerStationCa(station, jitp.readAll()).size(), 64);
        QVERIFY(issueDevice(station, QStringLiteral("hsm-jitp-1")));

        QVERIFY2(!connect(station, QStringLiteral("hsm-jitp-1")).ok(), "AWS drops the first connection");
        const auto thing = m_emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-thing"), QStringLiteral("--thing-name"),
                                           QStringLiteral("hsm-jitp-1")});
        QVERIFY2(thing.ok(), qPrintable(thing.describe()));
        QCOMPARE(thing.json().value(QStringLiteral("attributes")).toObject().value(QStringLiteral("provisionedBy")).toString(),
                 QStringLiteral("imprint-jitp"));
        QCOMPARE(describeCertificate(station, QStringLiteral("hsm-jitp-1")).value(QStringLiteral("status")).toString(),
                 QStringLiteral("ACTIVE"));
        const auto second = connect(station, QStringLiteral("hsm-jitp-1"));
        QVERIFY2(second.ok(), qPrintable(second.describe()));
    }

    void justInTimeRegistrationThenActivation()
    {
        test::StationHarness station;
        QVERIFY2(station.setUpCa().isEmpty(), "HSM CA set-up");
        const QString caId = registerStationCa(station, {});
        QCOMPARE(caId.size(), 64);
        QVERIFY(issueDevice(station, QStringLiteral("hsm-jitr-1")));

        QVERIFY2(!connect(station, QStringLiteral("hsm-jitr-1")).ok(), "AWS drops the first connection");
        const QJsonObject registered = describeCertificate(station, QStringLiteral("hsm-jitr-1"));
        QCOMPARE(registered.value(QStringLiteral("status")).toString(), QStringLiteral("PENDING_ACTIVATION"));
        QCOMPARE(registered.value(QStringLiteral("caCertificateId")).toString(), caId);
        const auto activated = m_emulator.aws({QStringLiteral("iot"), QStringLiteral("update-certificate"),
                                               QStringLiteral("--certificate-id"),
                                               registered.value(QStringLiteral("certificateId")).toString(),
                                               QStringLiteral("--new-status"), QStringLiteral("ACTIVE")});
        QVERIFY2(activated.ok(), qPrintable(activated.describe()));
        const auto second = connect(station, QStringLiteral("hsm-jitr-1"));
        QVERIFY2(second.ok(), qPrintable(second.describe()));
    }
};

QTEST_GUILESS_MAIN(TestHsmCaJustInTime)
#include "tst_hsmca_jit.moc"
