// Fleet provisioning by claim, device side: simulated devices holding a claim certificate and
// key (a CreateProvisioningClaim claim, made with the real AWS CLI) connect to
// imprint-iot-emulator, obtain their own certificate (CreateCertificateFromCsr or
// CreateKeysAndCertificate, JSON or CBOR), call RegisterThing with their serial number, store
// the result and reconnect as themselves. A deactivated claim gets no new device anywhere while
// the devices it provisioned still connect; an expired claim is refused; a denied
// pre-provisioning hook ends on /rejected. A claim installed through the Imprint device protocol
// (as the station does, here by ImprintDriver directly) is used the same way, with the template
// and API its config object names.
#include "DevsimProcess.h"
#include "EmulatorProcess.h"
#include "core/SecureBytes.h"
#include "serial/DeviceLinkFactory.h"

#include <QCryptographicHash>
#include <QDir>
#include <QJsonArray>
#include <QFile>
#include <QJsonDocument>
#include <QSslCertificate>
#include <QSslKey>
#include <QTemporaryDir>
#include <QTest>

using namespace imprint;

namespace {

constexpr auto kTemplate = "devsim-fleet";

QByteArray readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeFile(const QString& path, const QByteArray& content)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(content) == content.size();
}

}  // namespace

class TestDevsimClaim : public QObject
{
    Q_OBJECT

    test::EmulatorProcess m_emulator;
    QTemporaryDir m_dir;

    // A CreateProvisioningClaim claim for `templateName` in <name>.crt/.key; returns its certificate id.
    QString makeClaim(const QString& name, const test::EmulatorProcess& emulator, const QString& templateName)
    {
        const auto claim = emulator.aws({QStringLiteral("iot"), QStringLiteral("create-provisioning-claim"), QStringLiteral("--template-name"),
                                         templateName});
        if (!claim.ok())
            return {};
        const QJsonObject answer = claim.json();
        if (!writeFile(m_dir.filePath(name + QStringLiteral(".crt")), answer.value(QStringLiteral("certificatePem")).toString().toUtf8())
            || !writeFile(m_dir.filePath(name + QStringLiteral(".key")),
                          answer.value(QStringLiteral("keyPair")).toObject().value(QStringLiteral("PrivateKey")).toString().toUtf8()))
            return {};
        return answer.value(QStringLiteral("certificateId")).toString();
    }
    QString makeClaim(const QString& name) { return makeClaim(name, m_emulator, QString::fromLatin1(kTemplate)); }

    QStringList devsimArguments(const QString& dir, const QString& claim, const QString& api, const QString& payload) const
    {
        return devsimArguments(m_emulator, QString::fromLatin1(kTemplate), dir, claim, api, payload);
    }

    // A fixture whose devices go online to `emulator`.
    static QStringList onlineArguments(const test::EmulatorProcess& emulator, const QString& dir, int ports, const QString& protocol)
    {
        return {QStringLiteral("--dir"), dir, QStringLiteral("--ports"), QString::number(ports), QStringLiteral("--protocol"), protocol,
                QStringLiteral("--connect"), QStringLiteral("127.0.0.1:%1").arg(emulator.mqttPort()), QStringLiteral("--cafile"),
                emulator.tlsDirectory() + QStringLiteral("/ca.crt")};
    }

    QStringList devsimArguments(const test::EmulatorProcess& emulator, const QString& templateName, const QString& dir,
                                const QString& claim, const QString& api, const QString& payload) const
    {
        return onlineArguments(emulator, dir, 2, QStringLiteral("imprint"))
               + QStringList{QStringLiteral("--online-at-boot"), QStringLiteral("--claim-cert"),
                m_dir.filePath(claim + QStringLiteral(".crt")), QStringLiteral("--claim-key"), m_dir.filePath(claim + QStringLiteral(".key")),
                QStringLiteral("--template"), templateName, QStringLiteral("--claim-api"), api,
                QStringLiteral("--payload"), payload};
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        const QString started = m_emulator.start();
        QVERIFY2(started.isEmpty(), qPrintable(started));
        const auto created = m_emulator.aws({QStringLiteral("iot"), QStringLiteral("create-provisioning-template"), QStringLiteral("--template-name"),
                                             QString::fromLatin1(kTemplate), QStringLiteral("--enabled"),
                                             QStringLiteral("--provisioning-role-arn"), QStringLiteral("arn:aws:iam::123456789012:role/FleetRole"),
                                             QStringLiteral("--template-body"),
                                             QStringLiteral("file://" IMPRINT_SOURCE_DIR "/resources/templates/fleet-provisioning.json")});
        QVERIFY2(created.ok(), qPrintable(created.describe()));
    }

    void claimToOwnCertificate_data()
    {
        QTest::addColumn<QString>("api");
        QTest::addColumn<QString>("payload");
        QTest::newRow("CreateCertificateFromCsr, JSON") << QStringLiteral("csr") << QStringLiteral("json");
        QTest::newRow("CreateCertificateFromCsr, CBOR") << QStringLiteral("csr") << QStringLiteral("cbor");
        QTest::newRow("CreateKeysAndCertificate, JSON") << QStringLiteral("keys") << QStringLiteral("json");
        QTest::newRow("CreateKeysAndCertificate, CBOR") << QStringLiteral("keys") << QStringLiteral("cbor");
    }

    void claimToOwnCertificate()
    {
        QFETCH(QString, api);
        QFETCH(QString, payload);
        const QString claim = api + payload;
        QCOMPARE(makeClaim(claim).size(), 64);
        const QString devices = m_dir.filePath(claim + QStringLiteral("-devices"));
        test::DevsimProcess devsim;
        const QString started = devsim.start(devsimArguments(devices, claim, api, payload), QProcessEnvironment::systemEnvironment());
        QVERIFY2(started.isEmpty(), qPrintable(started));

        const QRegularExpression connected(QStringLiteral(R"(^devsim: slot\d SIM-\d-0 connected as device-SIM-\d-0 after 1 attempt\(s\)$)"));
        QVERIFY2(devsim.waitForLines(connected, 2, 60'000), qPrintable(devsim.output()));
        const QString method = api == QLatin1String("csr") ? QStringLiteral("CreateCertificateFromCsr") : QStringLiteral("CreateKeysAndCertificate");
        QCOMPARE(devsim.lines(QRegularExpression(QStringLiteral(R"(^devsim: slot\d SIM-\d-0 got certificate [0-9a-f]{64} by )") + method + u'$')).size(), 2);
        QCOMPARE(devsim.lines(QRegularExpression(QStringLiteral(R"(^devsim: slot\d SIM-\d-0 registered thing device-SIM-\d-0 by RegisterThing \(devsim-fleet\)$)"))).size(), 2);

        const QDir store(devices + QStringLiteral("/store"));
        const QStringList units = store.entryList(QDir::Dirs | QDir::NoDotAndDotDot);
        QCOMPARE(units.size(), 2);
        for (const QString& unit : units) {
            const QString path = store.filePath(unit) + u'/';
            const QSslCertificate certificate(readAll(path + QStringLiteral("fleet-certificate.pem")));
            QVERIFY(!certificate.isNull());
            // The key it connected with: the reconnection proves that key and certificate belong
            // together and that RegisterThing made the certificate ACTIVE (the endpoint admits no other).
            QVERIFY(!QSslKey(readAll(path + QStringLiteral("device-key.pem")), QSsl::Ec).isNull());
            const QString thing = QString::fromUtf8(readAll(path + QStringLiteral("fleet-thing.txt")));
            QVERIFY2(thing.startsWith(QStringLiteral("device-SIM-")), qPrintable(thing));
            const QJsonObject configuration = QJsonDocument::fromJson(readAll(path + QStringLiteral("fleet-configuration.json"))).object();
            QCOMPARE(configuration.value(QStringLiteral("telemetryTopic")).toString(), QStringLiteral("devices/%1/telemetry").arg(thing));
            if (unit != units.first())
                continue;  // the registry is asked about one unit per case: each AWS CLI run costs a second
            const auto described = m_emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-thing"), QStringLiteral("--thing-name"), thing});
            QVERIFY2(described.ok(), qPrintable(described.describe()));
            QCOMPARE(described.json().value(QStringLiteral("attributes")).toObject().value(QStringLiteral("serialNumber")).toString(),
                     thing.mid(7));
        }
    }

    void claimInstalledThroughTheProtocol()
    {
        QCOMPARE(makeClaim(QStringLiteral("installed")).size(), 64);
        const QByteArray claimCertificate = readAll(m_dir.filePath(QStringLiteral("installed.crt")));
        const QByteArray claimKey = readAll(m_dir.filePath(QStringLiteral("installed.key")));
        const QString devices = m_dir.filePath(QStringLiteral("installed-devices"));
        // No claim on the command line, no --template: everything comes through the device protocol.
        test::DevsimProcess devsim;
        const QString started = devsim.start(onlineArguments(m_emulator, devices, 2, QStringLiteral("imprint")),
                                             QProcessEnvironment::systemEnvironment());
        QVERIFY2(started.isEmpty(), qPrintable(started));
        const QStringList apis{QStringLiteral("csr"), QStringLiteral("keys")};
        for (int slot = 0; slot < 2; ++slot) {
            auto driver = serial::openDevice(device::linkSettings(devices + QStringLiteral("/slot") + QString::number(slot),
                                                                  QStringLiteral("imprint")));
            QVERIFY2(driver.ok(), qPrintable(driver.ok() ? QString() : driver.error().message()));
            const device::ConfigurationValues config{{QStringLiteral("template"), QString::fromLatin1(kTemplate)},
                                                     {QStringLiteral("claim-api"), apis.at(slot)}};
            const SecureBytes key(claimKey.constData(), static_cast<std::size_t>(claimKey.size()));
            for (const Status& status : {driver.value()->writeClaim(claimCertificate, key), driver.value()->writeConfiguration(config)})
                QVERIFY2(status.ok(), qPrintable(status.ok() ? QString() : status.error().message()));
            const Status locked = driver.value()->lock();  // it leaves the fixture and goes online
            QVERIFY2(locked.ok(), qPrintable(locked.ok() ? QString() : locked.error().message()));
        }
        const QRegularExpression connected(QStringLiteral(R"(^devsim: slot\d SIM-\d-0 connected as device-SIM-\d-0 after 1 attempt\(s\)$)"));
        QVERIFY2(devsim.waitForLines(connected, 2, 60'000), qPrintable(devsim.output()));
        QCOMPARE(devsim.lines(QRegularExpression(QStringLiteral(
                                  R"(^devsim: slot0 SIM-0-0 using the claim installed by the station \(template devsim-fleet, csr\)$)")))
                     .size(),
                 1);
        QCOMPARE(devsim.lines(QRegularExpression(QStringLiteral(R"(^devsim: slot0 SIM-0-0 got certificate [0-9a-f]{64} by CreateCertificateFromCsr$)"))).size(), 1);
        QCOMPARE(devsim.lines(QRegularExpression(QStringLiteral(R"(^devsim: slot1 SIM-1-0 got certificate [0-9a-f]{64} by CreateKeysAndCertificate$)"))).size(), 1);

        const QDir store(devices + QStringLiteral("/store"));
        const QStringList units = store.entryList(QDir::Dirs | QDir::NoDotAndDotDot);
        QCOMPARE(units.size(), 2);
        for (const QString& unit : units) {
            const QString path = store.filePath(unit) + u'/';
            // Its own certificate, not the claim's; the claim stays where the station put it.
            const QSslCertificate own(readAll(path + QStringLiteral("fleet-certificate.pem")));
            QVERIFY(!own.isNull());
            QVERIFY(own != QSslCertificate(claimCertificate));
            QCOMPARE(readAll(path + QStringLiteral("claimcert")), claimCertificate);
        }
        // The registry, asked with the real AWS CLI: the thing exists and its principal is the
        // device's own certificate.
        const QString unit = store.filePath(units.first()) + u'/';
        const QString thing = QString::fromUtf8(readAll(unit + QStringLiteral("fleet-thing.txt")));
        QVERIFY2(thing.startsWith(QStringLiteral("device-SIM-")), qPrintable(thing));
        const auto described = m_emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-thing"), QStringLiteral("--thing-name"), thing});
        QVERIFY2(described.ok(), qPrintable(described.describe()));
        QCOMPARE(described.json().value(QStringLiteral("attributes")).toObject().value(QStringLiteral("serialNumber")).toString(), thing.mid(7));
        const auto principals = m_emulator.aws({QStringLiteral("iot"), QStringLiteral("list-thing-principals"), QStringLiteral("--thing-name"), thing});
        QVERIFY2(principals.ok(), qPrintable(principals.describe()));
        // Earlier cases registered things of the same names, so look for this device's certificate.
        const QVariantList arns = principals.json().value(QStringLiteral("principals")).toArray().toVariantList();
        const auto arnOf = [](const QByteArray& pem) -> QString {
            return QStringLiteral("cert/") + QString::fromLatin1(QSslCertificate(pem).digest(QCryptographicHash::Sha256).toHex());
        };
        const auto holds = [&arns](const QString& suffix) {
            return std::any_of(arns.cbegin(), arns.cend(), [&suffix](const QVariant& arn) { return arn.toString().endsWith(suffix); });
        };
        QVERIFY2(holds(arnOf(readAll(unit + QStringLiteral("fleet-certificate.pem")))), qPrintable(principals.describe()));
        QVERIFY(!holds(arnOf(claimCertificate)));
    }

    void claimInstalledInAnNrf91Modem()
    {
        // The modem has no configuration store: the template and API come from the command line.
        QCOMPARE(makeClaim(QStringLiteral("modem")).size(), 64);
        const QByteArray claimCertificate = readAll(m_dir.filePath(QStringLiteral("modem.crt")));
        const QByteArray claimKey = readAll(m_dir.filePath(QStringLiteral("modem.key")));
        const QString devices = m_dir.filePath(QStringLiteral("modem-devices"));
        test::DevsimProcess devsim;
        const QString started = devsim.start(onlineArguments(m_emulator, devices, 1, QStringLiteral("nrf91"))
                                                 + QStringList{QStringLiteral("--template"), QString::fromLatin1(kTemplate),
                                                               QStringLiteral("--claim-api"), QStringLiteral("keys")},
                                             QProcessEnvironment::systemEnvironment());
        QVERIFY2(started.isEmpty(), qPrintable(started));
        auto driver = serial::openDevice(device::linkSettings(devices + QStringLiteral("/slot0"), QStringLiteral("nrf91")));
        QVERIFY2(driver.ok(), qPrintable(driver.ok() ? QString() : driver.error().message()));
        auto identity = driver.value()->identify();
        QVERIFY2(identity.ok(), qPrintable(identity.ok() ? QString() : identity.error().message()));
        const SecureBytes key(claimKey.constData(), static_cast<std::size_t>(claimKey.size()));
        const Status written = driver.value()->writeClaim(claimCertificate, key);
        QVERIFY2(written.ok(), qPrintable(written.ok() ? QString() : written.error().message()));
        auto hashes = driver.value()->readBackHashes();  // the verify step; then the unit leaves the fixture
        QVERIFY2(hashes.ok(), qPrintable(hashes.ok() ? QString() : hashes.error().message()));
        QCOMPARE(hashes->size(), 2);
        const QString imei = identity->serialNumber;
        QVERIFY2(devsim.waitForLines(QRegularExpression(QStringLiteral("^devsim: slot0 %1 connected as device-%1 after 1 attempt\\(s\\)$").arg(imei)), 1, 60'000),
                 qPrintable(devsim.output()));
        QCOMPARE(devsim.lines(QRegularExpression(QStringLiteral("using the claim installed by the station \\(template devsim-fleet, keys\\)$"))).size(), 1);
        QCOMPARE(devsim.lines(QRegularExpression(QStringLiteral(" by CreateKeysAndCertificate$"))).size(), 1);
        const auto described = m_emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-thing"), QStringLiteral("--thing-name"),
                                               QStringLiteral("device-") + imei});
        QVERIFY2(described.ok(), qPrintable(described.describe()));
    }

    void deactivatedClaimBlocksNewDevicesNotProvisionedOnes()
    {
        const QString id = makeClaim(QStringLiteral("shared"));
        QCOMPARE(id.size(), 64);
        const QRegularExpression connected(QStringLiteral(R"(^devsim: slot\d SIM-\d-0 connected as device-SIM-\d-0 after 1 attempt\(s\)$)"));
        const QString provisioned = m_dir.filePath(QStringLiteral("shared-devices"));
        {
            test::DevsimProcess devsim;
            const QString started = devsim.start(devsimArguments(provisioned, QStringLiteral("shared"), QStringLiteral("csr"), QStringLiteral("json")),
                                                 QProcessEnvironment::systemEnvironment());
            QVERIFY2(started.isEmpty(), qPrintable(started));
            QVERIFY2(devsim.waitForLines(connected, 2, 60'000), qPrintable(devsim.output()));
        }
        const auto deactivated = m_emulator.aws({QStringLiteral("iot"), QStringLiteral("update-certificate"), QStringLiteral("--certificate-id"),
                                                 id, QStringLiteral("--new-status"), QStringLiteral("INACTIVE")});
        QVERIFY2(deactivated.ok(), qPrintable(deactivated.describe()));

        // The devices it provisioned come back (same directory, same key stores) as themselves.
        {
            test::DevsimProcess devsim;
            const QString started = devsim.start(devsimArguments(provisioned, QStringLiteral("shared"), QStringLiteral("csr"), QStringLiteral("json")),
                                                 QProcessEnvironment::systemEnvironment());
            QVERIFY2(started.isEmpty(), qPrintable(started));
            QVERIFY2(devsim.waitForLines(connected, 2, 60'000), qPrintable(devsim.output()));
            QVERIFY2(!devsim.output().contains(QStringLiteral("got certificate")), qPrintable(devsim.output()));
        }
        // New devices with the deactivated claim get nowhere.
        const QString fresh = m_dir.filePath(QStringLiteral("fresh-devices"));
        test::DevsimProcess devsim;
        const QString started = devsim.start(devsimArguments(fresh, QStringLiteral("shared"), QStringLiteral("csr"), QStringLiteral("json")),
                                             QProcessEnvironment::systemEnvironment());
        QVERIFY2(started.isEmpty(), qPrintable(started));
        const QRegularExpression refused(QStringLiteral(R"(^devsim: slot\d SIM-\d-0 claim failed: 127\.0\.0\.1:\d+ closed the connection before CONNACK$)"));
        QVERIFY2(devsim.waitForLines(refused, 2, 30'000), qPrintable(devsim.output()));
        QVERIFY(!devsim.output().contains(QStringLiteral("connected as")));
        const QDir store(fresh + QStringLiteral("/store"));
        for (const QString& unit : store.entryList(QDir::Dirs | QDir::NoDotAndDotDot))
            QVERIFY(!QFile::exists(store.filePath(unit + QStringLiteral("/fleet-certificate.pem"))));
    }

    void deniedPreProvisioningHook()
    {
        // AWS asks the template's Lambda; this emulator's hook says no to everything.
        test::EmulatorProcess emulator;
        const QString started = emulator.start({QStringLiteral("--pre-provisioning-hook"), QStringLiteral("deny")});
        QVERIFY2(started.isEmpty(), qPrintable(started));
        const QString hook = QStringLiteral(R"({"targetArn":"arn:aws:lambda:us-east-1:123456789012:function:hook","payloadVersion":"2020-04-01"})");
        const auto created = emulator.aws({QStringLiteral("iot"), QStringLiteral("create-provisioning-template"), QStringLiteral("--template-name"),
                                           QStringLiteral("devsim-hooked"), QStringLiteral("--enabled"), QStringLiteral("--provisioning-role-arn"),
                                           QStringLiteral("arn:aws:iam::123456789012:role/FleetRole"), QStringLiteral("--template-body"),
                                           QStringLiteral("file://" IMPRINT_SOURCE_DIR "/resources/templates/fleet-provisioning.json"),
                                           QStringLiteral("--pre-provisioning-hook"), hook});
        QVERIFY2(created.ok(), qPrintable(created.describe()));
        QCOMPARE(makeClaim(QStringLiteral("hooked"), emulator, QStringLiteral("devsim-hooked")).size(), 64);
        test::DevsimProcess devsim;
        const QString running = devsim.start(devsimArguments(emulator, QStringLiteral("devsim-hooked"), m_dir.filePath(QStringLiteral("hooked-devices")),
                                                             QStringLiteral("hooked"), QStringLiteral("csr"), QStringLiteral("cbor")),
                                             QProcessEnvironment::systemEnvironment());
        QVERIFY2(running.isEmpty(), qPrintable(running));
        const QRegularExpression denied(QStringLiteral(
            R"(^devsim: slot\d SIM-\d-0 claim failed: \$aws/provisioning-templates/devsim-hooked/provision/cbor rejected: 403 AccessDenied: .+$)"));
        QVERIFY2(devsim.waitForLines(denied, 2, 30'000), qPrintable(devsim.output()));
        QCOMPARE(devsim.lines(QRegularExpression(QStringLiteral(" got certificate "))).size(), 2);  // the certificate came; the thing did not
        QVERIFY(!devsim.output().contains(QStringLiteral("registered thing")));
        QVERIFY(!devsim.output().contains(QStringLiteral("connected as")));
    }

    void expiredClaimIsRefused()
    {
        // A trusted-user claim lives 5 minutes: the emulator restarted on its registry 400 s later.
        test::EmulatorProcess emulator;
        const QStringList state{QStringLiteral("--state"), m_dir.filePath(QStringLiteral("expiry.sqlite"))};
        QString started = emulator.start(state);
        QVERIFY2(started.isEmpty(), qPrintable(started));
        const auto created = emulator.aws({QStringLiteral("iot"), QStringLiteral("create-provisioning-template"), QStringLiteral("--template-name"),
                                           QString::fromLatin1(kTemplate), QStringLiteral("--enabled"), QStringLiteral("--provisioning-role-arn"),
                                           QStringLiteral("arn:aws:iam::123456789012:role/FleetRole"), QStringLiteral("--template-body"),
                                           QStringLiteral("file://" IMPRINT_SOURCE_DIR "/resources/templates/fleet-provisioning.json")});
        QVERIFY2(created.ok(), qPrintable(created.describe()));
        QCOMPARE(makeClaim(QStringLiteral("expiring"), emulator, QString::fromLatin1(kTemplate)).size(), 64);
        emulator.stop();
        started = emulator.start(state + QStringList{QStringLiteral("--clock-offset"), QStringLiteral("400")});
        QVERIFY2(started.isEmpty(), qPrintable(started));
        test::DevsimProcess devsim;
        const QString running = devsim.start(devsimArguments(emulator, QString::fromLatin1(kTemplate), m_dir.filePath(QStringLiteral("late-devices")),
                                                             QStringLiteral("expiring"), QStringLiteral("keys"), QStringLiteral("json")),
                                             QProcessEnvironment::systemEnvironment());
        QVERIFY2(running.isEmpty(), qPrintable(running));
        const QRegularExpression refused(QStringLiteral(R"(^devsim: slot\d SIM-\d-0 claim failed: 127\.0\.0\.1:\d+ closed the connection before CONNACK$)"));
        QVERIFY2(devsim.waitForLines(refused, 2, 30'000), qPrintable(devsim.output()));
        QVERIFY(!devsim.output().contains(QStringLiteral("got certificate")));
        const QByteArray log = emulator.log();
        QVERIFY2(log.contains("provisioning claim") && log.contains(" expired at "), log.constData());
    }
};

QTEST_GUILESS_MAIN(TestDevsimClaim)
#include "tst_devsim_claim.moc"
