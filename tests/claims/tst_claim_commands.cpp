// `imprint-cli claim create|list|deactivate` against imprint-iot-emulator, checked with the real
// AWS CLI: a fleet claim (CreateKeysAndCertificate + its claim policy) ACTIVE and usable only as a
// claim; imprint-devsim devices trading it for their own certificate and thing; deactivation
// refused without a supervisor, then blocking new devices while a provisioned one still
// connects; a trusted-user claim expiring within 5 minutes; a claim issued by the station's CA on
// a SoftHSM2 token and registered with it (refused until `cloud register-ca`); every claim in the audit.
#include "DevsimProcess.h"
#include "RegistrationFixture.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSslCertificate>
#include <QSslCertificateExtension>
#include <QSslKey>
#include <QTest>

using namespace imprint;
using namespace imprint::test;

namespace {

constexpr auto kTemplate = "claims-fleet";

const QRegularExpression kRefused(QStringLiteral(R"(^devsim: slot\d SIM-\d-0 claim failed: .*closed the connection before CONNACK$)"));
const QRegularExpression kConnected(QStringLiteral(R"(^devsim: slot\d SIM-\d-0 connected as device-SIM-\d-0 after 1 attempt\(s\)$)"));

struct MadeClaim
{
    QString id;
    QString certificatePath;
    QString keyPath;
};

// "claim created: <id>" and the "certificate:"/"key:" lines of `claim create`.
MadeClaim parseCreated(const QByteArray& out)
{
    const QString text = QString::fromUtf8(out);
    MadeClaim claim;
    claim.id = QRegularExpression(QStringLiteral(R"(^claim created: ([0-9a-f]{64})$)"), QRegularExpression::MultilineOption)
                   .match(text).captured(1);
    claim.certificatePath = QRegularExpression(QStringLiteral(R"(^  certificate: (\S+)$)"), QRegularExpression::MultilineOption)
                                .match(text).captured(1);
    claim.keyPath = QRegularExpression(QStringLiteral(R"(^  key:\s+(\S+) \(0600\)$)"), QRegularExpression::MultilineOption)
                        .match(text).captured(1);
    return claim;
}

}  // namespace

class TestClaimCommands : public QObject
{
    Q_OBJECT

    RegistrationFixture m_fixture;
    MadeClaim m_fleetClaim;
    QString m_firstDevices;
    MadeClaim m_stationClaim;
    QString m_stationCaId;

    CommandResult claimCli(const QStringList& arguments, bool aws = true)
    {
        QStringList all = QStringList{QStringLiteral("claim")} + arguments + QStringList{QStringLiteral("--db"), m_fixture.db};
        if (aws)
            all << QStringLiteral("--endpoint-url") << m_fixture.emulator.endpoint();
        return m_fixture.cli(all);
    }

    QJsonArray listed()
    {
        const auto list = claimCli({QStringLiteral("list"), QStringLiteral("--json")}, false);
        return list.ok() ? QJsonDocument::fromJson(list.out).array() : QJsonArray();
    }

    QJsonObject listedClaim(const QString& id)
    {
        for (const auto& entry : listed())
            if (entry.toObject().value(QStringLiteral("certificateId")).toString() == id)
                return entry.toObject();
        return {};
    }

    QStringList devsimArguments(const QString& dir) const { return devsimArguments(dir, m_fleetClaim); }

    QStringList devsimArguments(const QString& dir, const MadeClaim& claim) const
    {
        return {QStringLiteral("--dir"), dir, QStringLiteral("--ports"), QStringLiteral("1"), QStringLiteral("--protocol"),
                QStringLiteral("imprint"), QStringLiteral("--online-at-boot"), QStringLiteral("--connect"),
                QStringLiteral("127.0.0.1:%1").arg(m_fixture.emulator.mqttPort()), QStringLiteral("--cafile"),
                m_fixture.emulator.tlsDirectory() + QStringLiteral("/ca.crt"), QStringLiteral("--claim-cert"),
                claim.certificatePath, QStringLiteral("--claim-key"), claim.keyPath, QStringLiteral("--template"),
                QString::fromLatin1(kTemplate), QStringLiteral("--claim-api"), QStringLiteral("csr"), QStringLiteral("--payload"),
                QStringLiteral("json")};
    }

private Q_SLOTS:
    void initTestCase()
    {
        const QString ready = m_fixture.setUp(QStringLiteral("claims"), 1);
        QVERIFY2(ready.isEmpty(), qPrintable(ready));
        addPerson(m_fixture.db, QStringLiteral("sam"), QStringLiteral("supervisor"));
        const auto created = m_fixture.emulator.aws(
            {QStringLiteral("iot"), QStringLiteral("create-provisioning-template"), QStringLiteral("--template-name"),
             QString::fromLatin1(kTemplate), QStringLiteral("--enabled"), QStringLiteral("--provisioning-role-arn"),
             QStringLiteral("arn:aws:iam::123456789012:role/FleetRole"), QStringLiteral("--template-body"),
             QStringLiteral("file://") + sourceFile("resources/templates/fleet-provisioning.json")});
        QVERIFY2(created.ok(), qPrintable(created.describe()));
    }

    void fleetClaimIsActiveWithItsPolicyAndKeyKeptSecret()
    {
        const QString out = m_fixture.dir.filePath(QStringLiteral("claims"));
        const auto created = claimCli({QStringLiteral("create"), QStringLiteral("--template"), QString::fromLatin1(kTemplate),
                                       QStringLiteral("--out-dir"), out});
        QVERIFY2(created.ok(), qPrintable(created.describe()));
        m_fleetClaim = parseCreated(created.out);
        QCOMPARE(m_fleetClaim.id.size(), 64);
        QVERIFY(created.out.contains("policy:      imprint-claim-claims-fleet"));
        QVERIFY(created.out.contains("expires:     never"));

        // The key: in a 0600 file, never on the terminal.
        QCOMPARE(QFileInfo(m_fleetClaim.keyPath).permissions() & ~(QFile::ReadOwner | QFile::WriteOwner | QFile::ReadUser | QFile::WriteUser),
                 QFileDevice::Permissions());
        QVERIFY(readAll(m_fleetClaim.keyPath).contains("PRIVATE KEY-----"));
        QVERIFY(!created.out.contains("PRIVATE KEY") && !created.err.contains("PRIVATE KEY"));
        QVERIFY(readAll(m_fleetClaim.certificatePath).startsWith("-----BEGIN CERTIFICATE-----"));

        const QJsonObject described = m_fixture.emulator.describeCertificate(m_fleetClaim.id);
        QCOMPARE(described.value(QStringLiteral("status")).toString(), QStringLiteral("ACTIVE"));
        QCOMPARE(described.value(QStringLiteral("certificatePem")).toString().toUtf8(), readAll(m_fleetClaim.certificatePath));

        const QJsonObject record = listedClaim(m_fleetClaim.id);
        QCOMPARE(record.value(QStringLiteral("template")).toString(), QString::fromLatin1(kTemplate));
        QCOMPARE(record.value(QStringLiteral("via")).toString(), QStringLiteral("keys"));
        QCOMPARE(record.value(QStringLiteral("state")).toString(), QStringLiteral("active"));
        QCOMPARE(record.value(QStringLiteral("expiresAt")).toString(), QString());

        // A second claim for the same template reuses the policy (CreatePolicy's conflict is not an error).
        const auto again = claimCli({QStringLiteral("create"), QStringLiteral("--template"), QString::fromLatin1(kTemplate),
                                     QStringLiteral("--out-dir"), out});
        QVERIFY2(again.ok(), qPrintable(again.describe()));
        const MadeClaim second = parseCreated(again.out);
        QVERIFY(second.id != m_fleetClaim.id);
        QCOMPARE(listed().size(), 2);

        // The policy makes it a claim and nothing more: any other topic ends the connection.
        const auto published = m_fixture.emulator.publish(second.certificatePath, second.keyPath, QStringLiteral("devices/x/telemetry"),
                                                          QStringLiteral("{}"));
        Q_UNUSED(published);  // mosquitto_pub may finish before it sees the disconnection: the emulator's log tells
        const QByteArray log = m_fixture.emulator.log();
        QVERIFY2(log.contains(QStringLiteral("claim %1 may not publish on devices/x/telemetry").arg(second.id).toUtf8()), log.constData());
    }

    void unwritableOutDirMakesNoClaim()
    {
        const QString file = m_fixture.dir.filePath(QStringLiteral("a-file"));
        QFile plain(file);
        QVERIFY(plain.open(QIODevice::WriteOnly));
        plain.close();
        const qsizetype before = listed().size();
        const auto refused = claimCli({QStringLiteral("create"), QStringLiteral("--template"), QString::fromLatin1(kTemplate),
                                       QStringLiteral("--out-dir"), file});
        QCOMPARE(refused.exitCode, toInt(exitCodeFor(ErrorCode::Io)));
        QVERIFY2(refused.err.contains("not a writable directory"), refused.err.constData());
        QCOMPARE(listed().size(), before);
    }

    void deviceTradesTheClaimForItsOwnCertificateAndThing()
    {
        QVERIFY(!m_fleetClaim.id.isEmpty());
        m_firstDevices = m_fixture.dir.filePath(QStringLiteral("first-devices"));
        DevsimProcess devsim;
        const QString started = devsim.start(devsimArguments(m_firstDevices), QProcessEnvironment::systemEnvironment());
        QVERIFY2(started.isEmpty(), qPrintable(started));
        QVERIFY2(devsim.waitForLines(kConnected, 1, 60'000), qPrintable(devsim.output()));
        const QStringList got = devsim.lines(QRegularExpression(QStringLiteral(R"(got certificate ([0-9a-f]{64}) by CreateCertificateFromCsr$)")));
        QCOMPARE(got.size(), 1);
        const QString ownId = QRegularExpression(QStringLiteral("[0-9a-f]{64}")).match(got.constFirst()).captured(0);
        QVERIFY(ownId != m_fleetClaim.id);
        QCOMPARE(m_fixture.emulator.describeCertificate(ownId).value(QStringLiteral("status")).toString(), QStringLiteral("ACTIVE"));
        const auto thing = m_fixture.emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-thing"), QStringLiteral("--thing-name"),
                                                   QStringLiteral("device-SIM-0-0")});
        QVERIFY2(thing.ok(), qPrintable(thing.describe()));
        // The emulator took the station's certificate as a claim because of the policy attached to it.
        const QByteArray log = m_fixture.emulator.log();
        QVERIFY2(log.contains(QStringLiteral("certificate %1 is ACTIVE (a claim: publish ").arg(m_fleetClaim.id).toUtf8()), log.constData());
        QVERIFY(log.contains("$aws/provisioning-templates/claims-fleet/provision/*"));
    }

    void deactivationNeedsASupervisor_data()
    {
        QTest::addColumn<QStringList>("who");
        QTest::newRow("no supervisor") << QStringList{};
        QTest::newRow("an operator") << QStringList{QStringLiteral("--supervisor"), QStringLiteral("olivia")};
        QTest::newRow("nobody registered") << QStringList{QStringLiteral("--supervisor"), QStringLiteral("mallory")};
    }

    void deactivationNeedsASupervisor()
    {
        QFETCH(QStringList, who);
        QVERIFY(!m_fleetClaim.id.isEmpty());
        const auto refused = claimCli(QStringList{QStringLiteral("deactivate"), QStringLiteral("--certificate-id"), m_fleetClaim.id,
                                                  QStringLiteral("--yes")} + who);
        QCOMPARE(refused.exitCode, toInt(exitCodeFor(ErrorCode::PermissionDenied)));
        QVERIFY2(refused.err.contains("supervisor"), refused.err.constData());
        QCOMPARE(m_fixture.emulator.describeCertificate(m_fleetClaim.id).value(QStringLiteral("status")).toString(), QStringLiteral("ACTIVE"));
    }

    void deactivationWithoutConfirmationChangesNothing()
    {
        // stdin is not a terminal: no confirmation, so nothing happens without --yes.
        const auto unconfirmed = claimCli({QStringLiteral("deactivate"), QStringLiteral("--certificate-id"), m_fleetClaim.id,
                                           QStringLiteral("--supervisor"), QStringLiteral("sam")});
        QCOMPARE(unconfirmed.exitCode, toInt(exitCodeFor(ErrorCode::Cancelled)));
        QVERIFY(unconfirmed.out.contains("blocks future registrations with this claim; devices already provisioned keep working"));
        QCOMPARE(m_fixture.emulator.describeCertificate(m_fleetClaim.id).value(QStringLiteral("status")).toString(), QStringLiteral("ACTIVE"));
    }

    void deactivatedClaimBlocksNewDevicesNotProvisionedOnes()
    {
        QVERIFY(!m_firstDevices.isEmpty());
        const auto deactivated = claimCli({QStringLiteral("deactivate"), QStringLiteral("--certificate-id"), m_fleetClaim.id,
                                           QStringLiteral("--supervisor"), QStringLiteral("sam"), QStringLiteral("--yes")});
        QVERIFY2(deactivated.ok(), qPrintable(deactivated.describe()));
        QCOMPARE(m_fixture.emulator.describeCertificate(m_fleetClaim.id).value(QStringLiteral("status")).toString(), QStringLiteral("INACTIVE"));
        const QJsonObject record = listedClaim(m_fleetClaim.id);
        QCOMPARE(record.value(QStringLiteral("state")).toString(), QStringLiteral("inactive"));
        QCOMPARE(record.value(QStringLiteral("deactivatedBy")).toString(), QStringLiteral("sam"));

        {  // the device provisioned before comes back as itself
            DevsimProcess devsim;
            const QString started = devsim.start(devsimArguments(m_firstDevices), QProcessEnvironment::systemEnvironment());
            QVERIFY2(started.isEmpty(), qPrintable(started));
            QVERIFY2(devsim.waitForLines(kConnected, 1, 60'000), qPrintable(devsim.output()));
            QVERIFY(!devsim.output().contains(QStringLiteral("got certificate")));
        }
        DevsimProcess devsim;  // a new device with the claim gets nowhere
        const QString started = devsim.start(devsimArguments(m_fixture.dir.filePath(QStringLiteral("late-devices"))),
                                             QProcessEnvironment::systemEnvironment());
        QVERIFY2(started.isEmpty(), qPrintable(started));
        QVERIFY2(devsim.waitForLines(kRefused, 1, 30'000), qPrintable(devsim.output()));
        QVERIFY(!devsim.output().contains(QStringLiteral("connected as")));
    }

    void trustedUserClaimExpiresWithinFiveMinutes()
    {
        const QDateTime before = QDateTime::currentDateTimeUtc();
        const auto created = claimCli({QStringLiteral("create"), QStringLiteral("--template"), QString::fromLatin1(kTemplate),
                                       QStringLiteral("--via"), QStringLiteral("trusted-user"), QStringLiteral("--out-dir"),
                                       m_fixture.dir.filePath(QStringLiteral("trusted"))});
        QVERIFY2(created.ok(), qPrintable(created.describe()));
        const MadeClaim claim = parseCreated(created.out);
        QCOMPARE(claim.id.size(), 64);
        QVERIFY(!created.out.contains("policy:"));
        QVERIFY(!created.out.contains("PRIVATE KEY"));
        const QJsonObject record = listedClaim(claim.id);
        QCOMPARE(record.value(QStringLiteral("via")).toString(), QStringLiteral("trusted-user"));
        QCOMPARE(record.value(QStringLiteral("state")).toString(), QStringLiteral("active"));
        const QDateTime expires = QDateTime::fromString(record.value(QStringLiteral("expiresAt")).toString(), Qt::ISODate);
        QVERIFY(expires.isValid());
        QVERIFY2(expires > before && expires <= QDateTime::currentDateTimeUtc().addSecs(300),
                 qPrintable(expires.toString(Qt::ISODate)));
        QVERIFY(expires >= before.addSecs(240));
    }

    void unknownViaIsRefused()
    {
        const auto refused = claimCli({QStringLiteral("create"), QStringLiteral("--template"), QString::fromLatin1(kTemplate),
                                       QStringLiteral("--via"), QStringLiteral("csr")});
        QCOMPARE(refused.exitCode, toInt(exitCodeFor(ErrorCode::InvalidInput)));
        QVERIFY(refused.err.contains("not keys, trusted-user or station-ca"));
    }

    void stationCaClaimNeedsTheCaRegistered()
    {
        const auto token = m_fixture.cli({QStringLiteral("hsm"), QStringLiteral("init-dev-token")});
        QVERIFY2(token.ok(), qPrintable(token.describe()));
        const auto ca = m_fixture.cli({QStringLiteral("ca"), QStringLiteral("create")});
        QVERIFY2(ca.ok(), qPrintable(ca.describe()));
        const qsizetype before = listed().size();
        const QString out = m_fixture.dir.filePath(QStringLiteral("station-unregistered"));
        const auto refused = claimCli({QStringLiteral("create"), QStringLiteral("--template"), QString::fromLatin1(kTemplate),
                                       QStringLiteral("--via"), QStringLiteral("station-ca"), QStringLiteral("--out-dir"), out});
        QCOMPARE(refused.exitCode, toInt(exitCodeFor(ErrorCode::NotFound)));
        QVERIFY2(refused.err.contains("is not registered with AWS IoT in this account and region: run `imprint-cli cloud register-ca` first"),
                 refused.err.constData());
        QCOMPARE(listed().size(), before);
        QVERIFY(QDir(out).entryList(QDir::Files).isEmpty());
        // --days belongs to the station-CA claim only.
        const auto usage = claimCli({QStringLiteral("create"), QStringLiteral("--template"), QString::fromLatin1(kTemplate),
                                     QStringLiteral("--days"), QStringLiteral("30")});
        QCOMPARE(usage.exitCode, toInt(ExitCode::Usage));
    }

    void stationCaClaimIsRegisteredWithTheCaAndItsPolicy()
    {
        const auto registered = m_fixture.cli({QStringLiteral("cloud"), QStringLiteral("register-ca"), QStringLiteral("--mode"),
                                               QStringLiteral("jitr"), QStringLiteral("--db"), m_fixture.db,
                                               QStringLiteral("--endpoint-url"), m_fixture.emulator.endpoint()});
        QVERIFY2(registered.ok() && registered.out.startsWith("CA registered: "), qPrintable(registered.describe()));
        m_stationCaId = QString::fromUtf8(registered.out.mid(15, 64));
        const QDateTime before = QDateTime::currentDateTimeUtc();
        const auto created = claimCli({QStringLiteral("create"), QStringLiteral("--template"), QString::fromLatin1(kTemplate),
                                       QStringLiteral("--via"), QStringLiteral("station-ca"), QStringLiteral("--days"),
                                       QStringLiteral("30"), QStringLiteral("--out-dir"), m_fixture.dir.filePath(QStringLiteral("station-claims"))});
        QVERIFY2(created.ok(), qPrintable(created.describe()));
        m_stationClaim = parseCreated(created.out);
        QCOMPARE(m_stationClaim.id.size(), 64);
        QVERIFY(created.out.contains(QByteArray(QByteArray("issued by:   the station's CA ") + m_stationCaId.toUtf8())));
        QVERIFY(created.out.contains("policy:      imprint-claim-claims-fleet"));
        QVERIFY(!created.out.contains("PRIVATE KEY") && !created.err.contains("PRIVATE KEY"));

        // The key was made on the station: EC P-256, PKCS#8, in a 0600 file.
        QCOMPARE(QFileInfo(m_stationClaim.keyPath).permissions() & ~(QFile::ReadOwner | QFile::WriteOwner | QFile::ReadUser | QFile::WriteUser),
                 QFileDevice::Permissions());
        const QByteArray keyPem = readAll(m_stationClaim.keyPath);
        QVERIFY(keyPem.startsWith("-----BEGIN PRIVATE KEY-----\n"));
        const QSslKey key(keyPem, QSsl::Ec, QSsl::Pem, QSsl::PrivateKey);
        QVERIFY(!key.isNull());
        QCOMPARE(key.length(), 256);

        // The certificate: issued by the station's CA, a claim by its subject, for client authentication.
        const QSslCertificate certificate(readAll(m_stationClaim.certificatePath), QSsl::Pem);
        QVERIFY(!certificate.isNull());
        const QString commonName = certificate.subjectInfo(QSslCertificate::CommonName).value(0);
        QVERIFY2(QRegularExpression(QStringLiteral("^claim-claims-fleet-[0-9a-f]{8}$")).match(commonName).hasMatch(), qPrintable(commonName));
        bool clientAuth = false;
        for (const auto& extension : certificate.extensions())
            clientAuth = clientAuth || (extension.oid() == QStringLiteral("2.5.29.37") && extension.value().toStringList().join(u' ').contains(QStringLiteral("Client")));
        QVERIFY(clientAuth);
        QVERIFY(certificate.expiryDate() > before.addDays(29) && certificate.expiryDate() <= QDateTime::currentDateTimeUtc().addDays(30));

        // AWS's view, through the real AWS CLI: ACTIVE, registered with the station's CA, the claim policy attached.
        const QJsonObject described = m_fixture.emulator.describeCertificate(m_stationClaim.id);
        QCOMPARE(described.value(QStringLiteral("status")).toString(), QStringLiteral("ACTIVE"));
        QCOMPARE(described.value(QStringLiteral("caCertificateId")).toString(), m_stationCaId);
        const auto policies = m_fixture.emulator.aws({QStringLiteral("iot"), QStringLiteral("list-attached-policies"), QStringLiteral("--target"),
                                                      described.value(QStringLiteral("certificateArn")).toString()});
        QVERIFY2(policies.ok(), qPrintable(policies.describe()));
        const QJsonArray attached = policies.json().value(QStringLiteral("policies")).toArray();
        QCOMPARE(attached.size(), 1);
        QCOMPARE(attached.at(0).toObject().value(QStringLiteral("policyName")).toString(), QStringLiteral("imprint-claim-claims-fleet"));

        const QJsonObject record = listedClaim(m_stationClaim.id);
        QCOMPARE(record.value(QStringLiteral("via")).toString(), QStringLiteral("station-ca"));
        QCOMPARE(record.value(QStringLiteral("caCertificateId")).toString(), m_stationCaId);
        QCOMPARE(record.value(QStringLiteral("state")).toString(), QStringLiteral("active"));
        QCOMPARE(QDateTime::fromString(record.value(QStringLiteral("expiresAt")).toString(), Qt::ISODate), certificate.expiryDate());
        QCOMPARE(scalar(m_fixture.db, QStringLiteral("SELECT COUNT(*) FROM events WHERE step = 'claim-create' AND outcome LIKE "
                                                     "'certificate=%1 %via=station-ca%ca=%2'").arg(m_stationClaim.id, m_stationCaId)).toInt(), 1);
        // The certificate the station's CA issued was on record (serial included) before it went to AWS.
        const QString serial = QString::fromLatin1(certificate.serialNumber()).remove(u':').toUpper();
        QCOMPARE(scalar(m_fixture.db, QStringLiteral("SELECT COUNT(*) FROM events WHERE step = 'claim-issue' AND detail LIKE "
                                                     "'certificate=%1 serial=%2 %ca=%3%' AND id < (SELECT id FROM events "
                                                     "WHERE step = 'claim-create' AND outcome LIKE 'certificate=%1 %')")
                            .arg(m_stationClaim.id, serial, m_stationCaId)).toInt(), 1);
    }

    void deviceTradesTheStationCaClaimForItsOwnCertificateAndThing()
    {
        QVERIFY(!m_stationClaim.id.isEmpty());
        DevsimProcess devsim;
        const QString started = devsim.start(devsimArguments(m_fixture.dir.filePath(QStringLiteral("station-devices")), m_stationClaim),
                                             QProcessEnvironment::systemEnvironment());
        QVERIFY2(started.isEmpty(), qPrintable(started));
        QVERIFY2(devsim.waitForLines(kConnected, 1, 60'000), qPrintable(devsim.output()));
        const QStringList got = devsim.lines(QRegularExpression(QStringLiteral(R"(got certificate ([0-9a-f]{64}) by CreateCertificateFromCsr$)")));
        QCOMPARE(got.size(), 1);
        const QString ownId = QRegularExpression(QStringLiteral("[0-9a-f]{64}")).match(got.constFirst()).captured(0);
        QVERIFY(ownId != m_stationClaim.id);
        const QJsonObject own = m_fixture.emulator.describeCertificate(ownId);
        QCOMPARE(own.value(QStringLiteral("status")).toString(), QStringLiteral("ACTIVE"));
        const auto principals = m_fixture.emulator.aws({QStringLiteral("iot"), QStringLiteral("list-thing-principals"),
                                                        QStringLiteral("--thing-name"), QStringLiteral("device-SIM-0-0")});
        QVERIFY2(principals.ok(), qPrintable(principals.describe()));
        QVERIFY2(principals.json().value(QStringLiteral("principals")).toArray().contains(own.value(QStringLiteral("certificateArn"))),
                 principals.out.constData());
        const QByteArray log = m_fixture.emulator.log();
        QVERIFY2(log.contains(QStringLiteral("certificate %1 is ACTIVE (a claim: publish ").arg(m_stationClaim.id).toUtf8()), log.constData());
    }

    void deactivatedStationCaClaimBlocksNewDevices()
    {
        QVERIFY(!m_stationClaim.id.isEmpty());
        const auto deactivated = claimCli({QStringLiteral("deactivate"), QStringLiteral("--certificate-id"), m_stationClaim.id,
                                           QStringLiteral("--supervisor"), QStringLiteral("sam"), QStringLiteral("--yes")});
        QVERIFY2(deactivated.ok(), qPrintable(deactivated.describe()));
        QCOMPARE(m_fixture.emulator.describeCertificate(m_stationClaim.id).value(QStringLiteral("status")).toString(), QStringLiteral("INACTIVE"));
        QCOMPARE(listedClaim(m_stationClaim.id).value(QStringLiteral("state")).toString(), QStringLiteral("inactive"));
        DevsimProcess devsim;
        const QString started = devsim.start(devsimArguments(m_fixture.dir.filePath(QStringLiteral("station-late")), m_stationClaim),
                                             QProcessEnvironment::systemEnvironment());
        QVERIFY2(started.isEmpty(), qPrintable(started));
        QVERIFY2(devsim.waitForLines(kRefused, 1, 30'000), qPrintable(devsim.output()));
        QVERIFY(!devsim.output().contains(QStringLiteral("connected as")));
    }
};

QTEST_GUILESS_MAIN(TestClaimCommands)
#include "tst_claim_commands.moc"
