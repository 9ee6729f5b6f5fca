// `imprint-cli claim create|list|deactivate` against imprint-iot-emulator, checked with the real
// AWS CLI: a fleet claim (CreateKeysAndCertificate + its claim policy) ACTIVE and usable only as a
// claim; imprint-devsim devices trading it for their own certificate and thing; deactivation
// refused without a supervisor, then blocking new devices while a provisioned one still
// connects; a trusted-user claim expiring within 5 minutes; every claim in the audit.
#include "DevsimProcess.h"
#include "RegistrationFixture.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTest>

using namespace imprint;
using namespace imprint::test;

namespace {

constexpr auto kTemplate = "claims-fleet";

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

    QStringList devsimArguments(const QString& dir) const
    {
        return {QStringLiteral("--dir"), dir, QStringLiteral("--ports"), QStringLiteral("1"), QStringLiteral("--protocol"),
                QStringLiteral("imprint"), QStringLiteral("--online-at-boot"), QStringLiteral("--connect"),
                QStringLiteral("127.0.0.1:%1").arg(m_fixture.emulator.mqttPort()), QStringLiteral("--cafile"),
                m_fixture.emulator.tlsDirectory() + QStringLiteral("/ca.crt"), QStringLiteral("--claim-cert"),
                m_fleetClaim.certificatePath, QStringLiteral("--claim-key"), m_fleetClaim.keyPath, QStringLiteral("--template"),
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
        const QRegularExpression refused(QStringLiteral(R"(^devsim: slot\d SIM-\d-0 claim failed: .*closed the connection before CONNACK$)"));
        QVERIFY2(devsim.waitForLines(refused, 1, 30'000), qPrintable(devsim.output()));
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
        QVERIFY(refused.err.contains("neither keys nor trusted-user"));
    }
};

QTEST_GUILESS_MAIN(TestClaimCommands)
#include "tst_claim_commands.moc"
