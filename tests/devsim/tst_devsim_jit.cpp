// The whole JITP and JITR story as a line runs it: the station (imprint-cli, its own SoftHSM2
// token and CA) registers its CA with AWS IoT (imprint-iot-emulator), provisions simulated
// devices (imprint-devsim) with `imprint-cli run`, and the devices, leaving the fixture, connect
// to the device endpoint with their own key and certificate. Checked with the real AWS CLI.
#include "DevsimProcess.h"
#include "EmulatorProcess.h"
#include "StationHarness.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QSettings>
#include <QSslCertificate>
#include <QTest>

using namespace imprint;

namespace {

const QRegularExpression kConnected(QStringLiteral(R"(^devsim: slot\d+ SIM-\d+-\d+ connected as sensor-SIM-\d+-\d+ after \d+ attempt\(s\)$)"));
const QRegularExpression kDropped(QStringLiteral(R"(^devsim: slot\d+ SIM-\d+-\d+ attempt 1 failed: .*closed the connection before CONNACK; retrying in \d+ ms$)"));

}  // namespace

class TestDevsimJustInTime : public QObject
{
    Q_OBJECT

    test::EmulatorProcess m_emulator;

    QStringList devsimArguments(const QString& dir, int ports, int attempts) const
    {
        return {QStringLiteral("--dir"), dir, QStringLiteral("--ports"), QString::number(ports), QStringLiteral("--protocol"),
                QStringLiteral("imprint"), QStringLiteral("--keygen-ms"), QStringLiteral("50"), QStringLiteral("--connect"),
                QStringLiteral("127.0.0.1:%1").arg(m_emulator.mqttPort()), QStringLiteral("--cafile"),
                m_emulator.tlsDirectory() + QStringLiteral("/ca.crt"), QStringLiteral("--connect-attempts"), QString::number(attempts)};
    }

    // Starts `ports` simulated devices that go online when done, imports a work order of one
    // device per port and provisions them. Empty on success, else what went wrong.
    QString startAndProvision(test::StationHarness& station, test::DevsimProcess& devsim, const QString& devices,
                              const QString& batch, int ports, int attempts) const
    {
        const QString started = devsim.start(devsimArguments(devices, ports, attempts), station.environment());
        if (!started.isEmpty())
            return started;
        const QString db = station.path(batch + QStringLiteral(".sqlite"));
        const auto imported = station.importOrder(db, batch, ports, 1);
        if (imported.exitCode != 0)
            return QStringLiteral("batch import: ") + imported.err;
        const auto run = station.cli(QStringList{QStringLiteral("run"), QStringLiteral("--db"), db, QStringLiteral("--batch"), batch,
                                                 QStringLiteral("--idle-timeout"), QStringLiteral("10")}
                                     + test::StationHarness::portArguments(devices, ports));
        if (run.exitCode != 0 || !run.out.contains(QStringLiteral("run: %1 passed").arg(ports)))
            return QStringLiteral("run: ") + run.out + run.err;
        return {};
    }

    // The certificate ids (SHA-256 of the DER) of what the station wrote into the devices.
    static QStringList deviceCertificateIds(const QString& devices)
    {
        QStringList ids;
        const QDir store(devices + QStringLiteral("/store"));
        for (const QString& device : store.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
            const auto chain = QSslCertificate::fromPath(store.filePath(device + QStringLiteral("/chain")));
            if (!chain.isEmpty())
                ids << QString::fromLatin1(QCryptographicHash::hash(chain.first().toDer(), QCryptographicHash::Sha256).toHex());
        }
        return ids;
    }

    QString certificateStatus(const QString& id) const
    {
        return m_emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-certificate"), QStringLiteral("--certificate-id"), id})
            .json()
            .value(QStringLiteral("certificateDescription"))
            .toObject()
            .value(QStringLiteral("status"))
            .toString();
    }

private Q_SLOTS:
    void initTestCase()
    {
        const QString started = m_emulator.start();
        QVERIFY2(started.isEmpty(), qPrintable(started));
        // imprint-cli finds the emulator and its key pair as the AWS CLI would.
        qputenv("AWS_ACCESS_KEY_ID", test::kAccessKeyId);
        qputenv("AWS_SECRET_ACCESS_KEY", test::kSecretAccessKey);
        qputenv("AWS_DEFAULT_REGION", "us-east-1");
        qputenv("AWS_ENDPOINT_URL", m_emulator.endpoint().toUtf8());
    }

    void justInTimeProvisioning()
    {
        test::StationHarness station;
        QVERIFY2(station.setUpCa().isEmpty(), "HSM CA set-up");
        const auto registered = station.cli({QStringLiteral("cloud"), QStringLiteral("register-ca"), QStringLiteral("--mode"),
                                             QStringLiteral("jitp"), QStringLiteral("--template-file"),
                                             QStringLiteral(IMPRINT_SOURCE_DIR "/resources/templates/jitp.json"),
                                             QStringLiteral("--role-arn"), QStringLiteral("arn:aws:iam::123456789012:role/JITPRole")});
        QVERIFY2(registered.exitCode == 0 && registered.out.contains(QStringLiteral("CA registered: ")),
                 qPrintable(registered.out + registered.err));

        const QString devices = station.path(QStringLiteral("devices"));
        test::DevsimProcess devsim;
        const QString provisioned = startAndProvision(station, devsim, devices, QStringLiteral("jitp"), 3, 5);
        QVERIFY2(provisioned.isEmpty(), qPrintable(provisioned));

        QVERIFY2(devsim.waitForLines(kConnected, 3), qPrintable(devsim.output()));
        QCOMPARE(devsim.lines(kDropped).size(), 3);  // AWS drops each first connection while it provisions
        for (int slot = 0; slot < 3; ++slot) {
            const QString thingName = QStringLiteral("sensor-SIM-%1-0").arg(slot);
            QVERIFY2(devsim.output().contains(QStringLiteral("devsim: slot%1 SIM-%1-0 connected as %2 after 2 attempt(s)").arg(slot).arg(thingName)),
                     qPrintable(devsim.output()));
            const auto thing = m_emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-thing"), QStringLiteral("--thing-name"), thingName});
            QVERIFY2(thing.ok(), qPrintable(thing.describe()));
            QCOMPARE(thing.json().value(QStringLiteral("attributes")).toObject().value(QStringLiteral("provisionedBy")).toString(),
                     QStringLiteral("imprint-jitp"));
        }
        for (const QString& id : deviceCertificateIds(devices))
            QCOMPARE(certificateStatus(id), QStringLiteral("ACTIVE"));
    }

    void justInTimeRegistrationThenActivation()
    {
        test::StationHarness station;
        QVERIFY2(station.setUpCa().isEmpty(), "HSM CA set-up");
        const auto registered = station.cli({QStringLiteral("cloud"), QStringLiteral("register-ca"), QStringLiteral("--mode"), QStringLiteral("jitr")});
        QVERIFY2(registered.exitCode == 0, qPrintable(registered.out + registered.err));

        const QString devices = station.path(QStringLiteral("devices"));
        test::DevsimProcess devsim;
        const QString provisioned = startAndProvision(station, devsim, devices, QStringLiteral("jitr"), 2, 60);
        QVERIFY2(provisioned.isEmpty(), qPrintable(provisioned));

        // The first connection registers each certificate PENDING_ACTIVATION; the devices keep trying.
        QVERIFY2(devsim.waitForLines(kDropped, 2), qPrintable(devsim.output()));
        const QStringList ids = deviceCertificateIds(devices);
        QCOMPARE(ids.size(), 2);
        for (const QString& id : ids)
            QCOMPARE(certificateStatus(id), QStringLiteral("PENDING_ACTIVATION"));
        QVERIFY(devsim.lines(kConnected).isEmpty());

        // The backend (AWS: a Lambda on the registration event) activates them.
        for (const QString& id : ids) {
            const auto activated = m_emulator.aws({QStringLiteral("iot"), QStringLiteral("update-certificate"), QStringLiteral("--certificate-id"),
                                                   id, QStringLiteral("--new-status"), QStringLiteral("ACTIVE")});
            QVERIFY2(activated.ok(), qPrintable(activated.describe()));
        }
        QVERIFY2(devsim.waitForLines(kConnected, 2), qPrintable(devsim.output()));
    }

    void nrf91ModemsConnectToo()
    {
        // An nRF91 modem holds its key and client certificate in sec tag 16842753; it goes online
        // once the station has verified them. Its serial number is its IMEI (asked with probe).
        test::StationHarness station;
        QVERIFY2(station.setUpCa().isEmpty(), "HSM CA set-up");
        const auto registered = station.cli({QStringLiteral("cloud"), QStringLiteral("register-ca"), QStringLiteral("--mode"),
                                             QStringLiteral("jitp"), QStringLiteral("--template-file"),
                                             QStringLiteral(IMPRINT_SOURCE_DIR "/resources/templates/jitp.json"),
                                             QStringLiteral("--role-arn"), QStringLiteral("arn:aws:iam::123456789012:role/JITPRole")});
        QVERIFY2(registered.exitCode == 0, qPrintable(registered.out + registered.err));
        const QString devices = station.path(QStringLiteral("modems"));
        QStringList arguments = devsimArguments(devices, 1, 5);
        arguments[arguments.indexOf(QStringLiteral("imprint"))] = QStringLiteral("nrf91");
        test::DevsimProcess devsim;
        const QString started = devsim.start(arguments, station.environment());
        QVERIFY2(started.isEmpty(), qPrintable(started));
        const QString port = devices + QStringLiteral("/slot0");
        const auto probed = station.cli({QStringLiteral("probe"), QStringLiteral("--port"), port, QStringLiteral("--protocol"), QStringLiteral("nrf91")});
        const QString imei = QRegularExpression(QStringLiteral(R"(serial:\s+(\d{15}))")).match(probed.out).captured(1);
        QVERIFY2(!imei.isEmpty(), qPrintable(probed.out + probed.err));

        const QString csv = station.path(QStringLiteral("modems.csv"));
        QFile order(csv);
        QVERIFY(order.open(QIODevice::WriteOnly));
        order.write("serial_number\n" + imei.toLatin1() + '\n');
        order.close();
        const QString db = station.path(QStringLiteral("modems.sqlite"));
        QCOMPARE(station.cli({QStringLiteral("batch"), QStringLiteral("import"), csv, QStringLiteral("--db"), db, QStringLiteral("--name"),
                              QStringLiteral("modems"), QStringLiteral("--thing-name-rule"), QStringLiteral("modem-{serial}")})
                     .exitCode,
                 0);
        const auto run = station.cli({QStringLiteral("run"), QStringLiteral("--db"), db, QStringLiteral("--batch"), QStringLiteral("modems"),
                                      QStringLiteral("--protocol"), QStringLiteral("nrf91"), QStringLiteral("--port"), port,
                                      QStringLiteral("--idle-timeout"), QStringLiteral("5")});
        QVERIFY2(run.out.contains(QStringLiteral("run: 1 passed")), qPrintable(run.out + run.err));

        const QString thingName = QStringLiteral("modem-") + imei;
        QVERIFY2(devsim.waitForLines(QRegularExpression(QStringLiteral("^devsim: slot0 %1 connected as %2 after 2 attempt\\(s\\)$").arg(imei, thingName)), 1),
                 qPrintable(devsim.output()));
        const auto thing = m_emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-thing"), QStringLiteral("--thing-name"), thingName});
        QVERIFY2(thing.ok(), qPrintable(thing.describe()));
    }

    // `imprint-cli run --cloud-sync`: RegisterThing for each unit while the batch runs, so the
    // things exist when the run ends (no separate `cloud sync`).
    void runWithCloudSyncRegistersThings()
    {
        test::StationHarness station;
        QVERIFY2(station.setUpCa().isEmpty(), "HSM CA set-up");
        {
            QSettings ini(station.environment().value(QStringLiteral("IMPRINT_DATA_DIR")) + QStringLiteral("/station.ini"),
                          QSettings::IniFormat);
            ini.setValue(QStringLiteral("cloud/mode"), QStringLiteral("register-thing"));
            ini.setValue(QStringLiteral("cloud/template"), QStringLiteral(IMPRINT_SOURCE_DIR "/resources/templates/register-thing.json"));
        }
        const QString devices = station.path(QStringLiteral("devices"));
        test::DevsimProcess devsim;
        QVERIFY2(devsim.start(devsimArguments(devices, 2, 1), station.environment()).isEmpty(), qPrintable(devsim.output()));
        const QString db = station.path(QStringLiteral("synced.sqlite"));
        QCOMPARE(station.importOrder(db, QStringLiteral("synced"), 2, 1).exitCode, 0);
        const auto run = station.cli(QStringList{QStringLiteral("run"), QStringLiteral("--db"), db, QStringLiteral("--batch"),
                                                 QStringLiteral("synced"), QStringLiteral("--idle-timeout"), QStringLiteral("10"),
                                                 QStringLiteral("--cloud-sync")}
                                     + test::StationHarness::portArguments(devices, 2));
        QVERIFY2(run.exitCode == 0 && run.out.contains(QStringLiteral("run: 2 passed")), qPrintable(run.out + run.err));
        QVERIFY2(run.out.contains(QStringLiteral("cloud: 2 registered, 0 pending, 0 failed")), qPrintable(run.out + run.err));
        for (int slot = 0; slot < 2; ++slot) {
            const auto thing = m_emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-thing"), QStringLiteral("--thing-name"),
                                               QStringLiteral("sensor-SIM-%1-0").arg(slot)});
            QVERIFY2(thing.ok(), qPrintable(thing.describe()));
        }
        const auto status = station.cli({QStringLiteral("cloud"), QStringLiteral("status"), QStringLiteral("--db"), db});
        QVERIFY2(status.exitCode == 0 && status.out.count(QStringLiteral("registered")) >= 2, qPrintable(status.out + status.err));
    }

    void deviceWithoutCertificateSaysSo()
    {
        // A device that went online with nothing to connect with reports it, machine-readably.
        const QTemporaryDir dir;
        test::DevsimProcess devsim;
        QStringList arguments = devsimArguments(dir.filePath(QStringLiteral("devices")), 1, 1);
        arguments << QStringLiteral("--online-at-boot");
        QString started = devsim.start(arguments, QProcessEnvironment::systemEnvironment());
        QVERIFY2(started.isEmpty(), qPrintable(started));
        QVERIFY2(devsim.waitForLines(QRegularExpression(QStringLiteral(
                                         "^devsim: slot0 SIM-0-0 not connected: it holds neither its own certificate and key nor a claim$")),
                                     1, 10'000),
                 qPrintable(devsim.output()));
    }
};

QTEST_GUILESS_MAIN(TestDevsimJustInTime)
#include "tst_devsim_jit.moc"
