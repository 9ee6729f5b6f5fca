// `imprint-cli run` in the claim modes, end to end: imprint-devsim devices on pseudo-terminals,
// imprint-iot-emulator and the real AWS CLI. The station installs a claim on every device (a
// fleet claim made by `imprint-cli claim create`, or a trusted-user claim per device); each
// device then goes online with it, gets its own certificate and registers its thing, which
// `aws iot describe-thing` finds. The audit records which claim went into which device and
// queues nothing. No HSM: the claim modes issue no certificate of the station's.
#include "DevsimProcess.h"
#include "RegistrationFixture.h"
#include "app/common/ClaimStation.h"
#include "app/common/StationSession.h"
#include "core/Clock.h"
#include "core/pipeline/SlotState.h"

#include <QHash>
#include <QMutex>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

using namespace imprint;
using namespace imprint::test;

namespace {

constexpr auto kTemplate = "station-fleet";
constexpr int kPorts = 2;
const QRegularExpression kConnected(QStringLiteral(R"(^devsim: slot\d (SIM-\d-0) connected as device-SIM-\d-0 after \d+ attempt\(s\)$)"));
const QRegularExpression kOwnCertificate(QStringLiteral(R"(got certificate ([0-9a-f]{64}) by CreateCertificateFromCsr$)"));

// What a slot tells the window, as the window's observer hears it (from the slots' threads).
class SnapshotLog final : public pipeline::SlotObserver
{
public:
    void slotChanged(const pipeline::SlotSnapshot& snapshot) override
    {
        const QMutexLocker lock(&m_mutex);
        m_passed[snapshot.slot] = snapshot.passed;
        if (snapshot.phase == pipeline::SlotPhase::Working && snapshot.claimExpiresAt)
            m_expiries.append(*snapshot.claimExpiresAt);
    }
    int passed()
    {
        const QMutexLocker lock(&m_mutex);
        int total = 0;
        for (const int passed : std::as_const(m_passed))
            total += passed;
        return total;
    }
    QList<QDateTime> claimExpiries()
    {
        const QMutexLocker lock(&m_mutex);
        return m_expiries;
    }

private:
    QMutex m_mutex;
    QHash<int, int> m_passed;  // slot -> units passed
    QList<QDateTime> m_expiries;
};

}  // namespace

class TestClaimRun : public QObject
{
    Q_OBJECT

    // A fresh emulator, audit database and work order (SIM-0-0, SIM-1-0) for each mode.
    std::unique_ptr<RegistrationFixture> m_fixture;

    QString prepare()
    {
        m_fixture = std::make_unique<RegistrationFixture>();
        if (QString error = m_fixture->setUp(QStringLiteral("unused"), 1); !error.isEmpty())
            return error;
        const auto created = m_fixture->emulator.aws(
            {QStringLiteral("iot"), QStringLiteral("create-provisioning-template"), QStringLiteral("--template-name"),
             QString::fromLatin1(kTemplate), QStringLiteral("--enabled"), QStringLiteral("--provisioning-role-arn"),
             QStringLiteral("arn:aws:iam::123456789012:role/FleetRole"), QStringLiteral("--template-body"),
             QStringLiteral("file://") + sourceFile("resources/templates/fleet-provisioning.json")});
        if (!created.ok())
            return created.describe();
        const QString csv = m_fixture->dir.filePath(QStringLiteral("order.csv"));
        QFile file(csv);
        if (!file.open(QIODevice::WriteOnly))
            return QStringLiteral("cannot write ") + csv;
        file.write("serial_number\n");
        for (int slot = 0; slot < kPorts; ++slot)
            file.write(QStringLiteral("SIM-%1-0\n").arg(slot).toUtf8());
        file.close();
        const auto imported = m_fixture->cli({QStringLiteral("batch"), QStringLiteral("import"), csv, QStringLiteral("--db"),
                                              m_fixture->db, QStringLiteral("--name"), QStringLiteral("claimed"),
                                              QStringLiteral("--thing-name-rule"), QStringLiteral("device-{serial}")});
        return imported.ok() ? QString() : imported.describe();
    }

    // Devices that go online (with the claim the station installs) when they leave the fixture.
    QString startDevices(DevsimProcess& devsim, const QString& dir)
    {
        return devsim.start({QStringLiteral("--dir"), dir, QStringLiteral("--ports"), QString::number(kPorts),
                             QStringLiteral("--protocol"), QStringLiteral("imprint"), QStringLiteral("--keygen-ms"),
                             QStringLiteral("50"), QStringLiteral("--connect"),
                             QStringLiteral("127.0.0.1:%1").arg(m_fixture->emulator.mqttPort()), QStringLiteral("--cafile"),
                             m_fixture->emulator.tlsDirectory() + QStringLiteral("/ca.crt")},
                            QProcessEnvironment::systemEnvironment());
    }

    CommandResult runBatch(const QString& dir, const QStringList& modeArguments)
    {
        QStringList arguments{QStringLiteral("run"), QStringLiteral("--batch"), QStringLiteral("claimed"),
                              QStringLiteral("--db"), m_fixture->db, QStringLiteral("--config"),
                              QStringLiteral("endpoint=127.0.0.1:%1").arg(m_fixture->emulator.mqttPort()),
                              QStringLiteral("--config"), QStringLiteral("claim-api=csr"), QStringLiteral("--template"),
                              QString::fromLatin1(kTemplate), QStringLiteral("--idle-timeout"), QStringLiteral("60")};
        for (int slot = 0; slot < kPorts; ++slot)
            arguments << QStringLiteral("--port") << dir + QStringLiteral("/slot%1").arg(slot);
        return m_fixture->cli(arguments + modeArguments);
    }

    // Every device online with its own certificate (not the claim) and its thing in the registry.
    void checkDevicesRegistered(DevsimProcess& devsim, const QSet<QString>& claimIds)
    {
        QVERIFY2(devsim.waitForLines(kConnected, kPorts, 90'000), qPrintable(devsim.output()));
        const QStringList got = devsim.lines(kOwnCertificate);
        QCOMPARE(got.size(), kPorts);
        QSet<QString> own;
        for (const QString& line : got)
            own.insert(kOwnCertificate.match(line).captured(1));
        QCOMPARE(own.size(), kPorts);  // each device its own
        QVERIFY(!own.intersects(claimIds));
        for (const QString& id : own)
            QCOMPARE(m_fixture->emulator.describeCertificate(id).value(QStringLiteral("status")).toString(),
                     QStringLiteral("ACTIVE"));
        for (int slot = 0; slot < kPorts; ++slot) {
            const auto thing = m_fixture->emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-thing"),
                                                        QStringLiteral("--thing-name"),
                                                        QStringLiteral("device-SIM-%1-0").arg(slot)});
            QVERIFY2(thing.ok(), qPrintable(thing.describe()));
            QCOMPARE(thing.json().value(QStringLiteral("attributes")).toObject().value(QStringLiteral("serialNumber")).toString(),
                     QStringLiteral("SIM-%1-0").arg(slot));
        }
    }

    void checkAudit(const QString& via)
    {
        QCOMPARE(scalar(m_fixture->db, QStringLiteral("SELECT COUNT(*) FROM units WHERE state = 'passed'")).toLongLong(), kPorts);
        QCOMPARE(scalar(m_fixture->db, QStringLiteral("SELECT COUNT(*) FROM cloud_outbox")).toLongLong(), 0);
        QCOMPARE(scalar(m_fixture->db, QStringLiteral("SELECT COUNT(*) FROM certificates")).toLongLong(), 0);
        QCOMPARE(scalar(m_fixture->db, QStringLiteral("SELECT COUNT(*) FROM events WHERE step = 'write claim' AND outcome = 'ok' "
                                                      "AND detail LIKE 'claim=%% via=%1 expires=%%'").arg(via)).toLongLong(),
                 kPorts);
    }

    QSet<QString> claimsOnRecord()
    {
        QSet<QString> ids;
        for (int slot = 0; slot < kPorts; ++slot) {
            const QString detail = scalar(m_fixture->db, QStringLiteral("SELECT e.detail FROM events e JOIN units u ON u.id = e.unit_id "
                                                                        "WHERE e.step = 'write claim' AND u.serial_number = 'SIM-%1-0'")
                                                             .arg(slot)).toString();
            ids.insert(QRegularExpression(QStringLiteral("^claim=([0-9a-f]{64}) ")).match(detail).captured(1));
        }
        return ids;
    }

private Q_SLOTS:
    void fleetClaimBatch()
    {
        const QString ready = prepare();
        QVERIFY2(ready.isEmpty(), qPrintable(ready));
        const auto created = m_fixture->cli({QStringLiteral("claim"), QStringLiteral("create"), QStringLiteral("--template"),
                                             QString::fromLatin1(kTemplate), QStringLiteral("--out-dir"), m_fixture->dir.path(),
                                             QStringLiteral("--db"), m_fixture->db, QStringLiteral("--endpoint-url"),
                                             m_fixture->emulator.endpoint()});
        QVERIFY2(created.ok(), qPrintable(created.describe()));
        const QString text = QString::fromUtf8(created.out);
        auto line = [&](const QString& pattern) {
            return QRegularExpression(pattern, QRegularExpression::MultilineOption).match(text).captured(1);
        };
        const QString claimId = line(QStringLiteral(R"(^claim created: ([0-9a-f]{64})$)"));
        const QString certificate = line(QStringLiteral(R"(^  certificate: (\S+)$)"));
        const QString key = line(QStringLiteral(R"(^  key:\s+(\S+) \(0600\)$)"));
        QVERIFY2(!claimId.isEmpty() && !certificate.isEmpty() && !key.isEmpty(), qPrintable(text));

        const QString dir = m_fixture->dir.filePath(QStringLiteral("fleet-devices"));
        DevsimProcess devsim;
        const QString started = startDevices(devsim, dir);
        QVERIFY2(started.isEmpty(), qPrintable(started));
        const auto run = runBatch(dir, {QStringLiteral("--registration"), QStringLiteral("claim"), QStringLiteral("--claim-cert"),
                                        certificate, QStringLiteral("--claim-key"), key});
        QVERIFY2(run.ok(), qPrintable(run.describe() + devsim.output()));
        QVERIFY2(run.out.contains("run: 2 passed, 0 failed, 0 refused"), run.out.constData());
        checkAudit(QStringLiteral("keys"));
        QCOMPARE(claimsOnRecord(), QSet<QString>{claimId});  // the same fleet claim in every device
        checkDevicesRegistered(devsim, {claimId});
    }

    void trustedUserBatch()
    {
        const QString ready = prepare();
        QVERIFY2(ready.isEmpty(), qPrintable(ready));
        const QString dir = m_fixture->dir.filePath(QStringLiteral("trusted-devices"));
        DevsimProcess devsim;
        const QString started = startDevices(devsim, dir);
        QVERIFY2(started.isEmpty(), qPrintable(started));
        const auto run = runBatch(dir, {QStringLiteral("--registration"), QStringLiteral("trusted-user"),
                                        QStringLiteral("--endpoint-url"), m_fixture->emulator.endpoint()});
        QVERIFY2(run.ok(), qPrintable(run.describe() + devsim.output()));
        checkAudit(QStringLiteral("trusted-user"));
        const QSet<QString> claims = claimsOnRecord();
        QCOMPARE(claims.size(), kPorts);  // a claim of its own for each device
        for (const QString& id : claims)  // AWS's ids; provisioning claims are not among the account's certificates
            QVERIFY2(QRegularExpression(QStringLiteral("^[0-9a-f]{64}$")).match(id).hasMatch(), qPrintable(id));
        QVERIFY2(scalar(m_fixture->db, QStringLiteral("SELECT detail FROM events WHERE step = 'request claim' AND outcome = 'ok'"))
                     .toString()
                     .contains(QRegularExpression(QStringLiteral(R"( expires=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$)"))),
                 "the trusted-user claim's expiry is on record");
        checkDevicesRegistered(devsim, claims);
    }

    // The window's composition (station::StationSession, as `imprint --registration trusted-user`
    // builds it): no CA is opened, each slot asks AWS for its own claim, and the slot's snapshots
    // carry the claim's expiry while the unit runs (what the tile counts down).
    void stationSessionRunsTrustedUserSlots()
    {
        const QString ready = prepare();
        QVERIFY2(ready.isEmpty(), qPrintable(ready));
        const QString dir = m_fixture->dir.filePath(QStringLiteral("session-devices"));
        DevsimProcess devsim;
        const QString started = startDevices(devsim, dir);
        QVERIFY2(started.isEmpty(), qPrintable(started));
        // The AWS CLI's chain, as the station process would find it.
        qputenv("AWS_ACCESS_KEY_ID", kAccessKeyId);
        qputenv("AWS_SECRET_ACCESS_KEY", kSecretAccessKey);
        qputenv("AWS_DEFAULT_REGION", "us-east-1");
        qputenv("AWS_CONFIG_FILE", QFile::encodeName(m_fixture->dir.filePath(QStringLiteral("no-aws-config"))));
        qputenv("AWS_SHARED_CREDENTIALS_FILE", QFile::encodeName(m_fixture->dir.filePath(QStringLiteral("no-aws-credentials"))));

        station::SessionOptions options;
        options.database = m_fixture->db;
        options.stationName = QStringLiteral("station-1");
        options.actor = {QStringLiteral("tech-1"), std::nullopt};
        options.profile.registration = pipeline::RegistrationMode::TrustedUser;
        options.profile.claimTemplate = QString::fromLatin1(kTemplate);
        options.profile.configuration = {{QStringLiteral("endpoint"), QStringLiteral("127.0.0.1:%1").arg(m_fixture->emulator.mqttPort())}};
        options.claimSource.awsEndpointUrl = m_fixture->emulator.endpoint();
        SystemClock clock;
        auto session = station::StationSession::open(std::move(options), nullptr, clock);  // no PIN prompt: no CA
        QVERIFY2(session.ok(), qPrintable(session.ok() ? QString() : session.error().message()));
        QVERIFY(session.value()->selectBatch(QStringLiteral("claimed")).ok());

        SnapshotLog log;
        for (int slot = 0; slot < kPorts; ++slot)
            QVERIFY(session.value()->startSlot({slot, dir + QStringLiteral("/slot%1").arg(slot)}, &log).ok());
        QTRY_COMPARE_WITH_TIMEOUT(log.passed(), kPorts, 60'000);
        session.value()->stopAll();
        const QDateTime now = QDateTime::currentDateTimeUtc();
        const auto expiries = log.claimExpiries();
        QVERIFY(!expiries.isEmpty());
        for (const QDateTime& expiry : expiries) {  // AWS's 5 minutes, counted from the request
            QVERIFY2(expiry > now && expiry <= now.addSecs(5 * 60), qPrintable(expiry.toString(Qt::ISODate)));
        }
        checkAudit(QStringLiteral("trusted-user"));
        checkDevicesRegistered(devsim, claimsOnRecord());
    }

    // The options check `imprint-cli run` and the window share (station::checkClaimOptions).
    void claimOptionsMustAgreeWithTheMode_data()
    {
        QTest::addColumn<QString>("mode");
        QTest::addColumn<QString>("templateName");
        QTest::addColumn<QString>("cert");
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("refusal");  // empty: accepted
        QTest::newRow("jitp, nothing else") << "jitp" << "" << "" << "" << "";
        QTest::newRow("jitp with a template") << "jitp" << "t" << "" << "" << "are for --registration claim or trusted-user";
        QTest::newRow("unknown mode") << "carrier-pigeon" << "" << "" << "" << "--registration";
        QTest::newRow("claim without template") << "claim" << "" << "c" << "k" << "needs --template NAME";
        QTest::newRow("claim without key") << "claim" << "t" << "c" << "" << "needs --claim-key FILE";
        QTest::newRow("claim without certificate") << "claim" << "t" << "" << "k" << "needs --claim-cert FILE";
        QTest::newRow("claim, all given") << "claim" << "t" << "c" << "k" << "";
        QTest::newRow("trusted-user with files") << "trusted-user" << "t" << "c" << "" << "requests a claim per device";
        QTest::newRow("trusted-user") << "trusted-user" << "t" << "" << "" << "";
    }

    void claimOptionsMustAgreeWithTheMode()
    {
        QFETCH(QString, mode);
        QFETCH(QString, templateName);
        QFETCH(QString, cert);
        QFETCH(QString, key);
        QFETCH(QString, refusal);
        const auto checked = station::checkClaimOptions({mode, templateName, cert, key});
        if (refusal.isEmpty()) {
            QVERIFY2(checked.ok(), qPrintable(checked.ok() ? QString() : checked.error().message()));
            QCOMPARE(pipeline::registrationModeName(checked.value()), mode);
            return;
        }
        QVERIFY(!checked.ok());
        QCOMPARE(checked.error().code(), ErrorCode::InvalidInput);
        QVERIFY2(checked.error().message().contains(refusal), qPrintable(checked.error().message()));
    }

    void missingClaimFileIsNamed()
    {
        const QString ready = prepare();
        QVERIFY2(ready.isEmpty(), qPrintable(ready));
        const QString missing = m_fixture->dir.filePath(QStringLiteral("no-such-claim.crt"));
        const auto run = runBatch(m_fixture->dir.filePath(QStringLiteral("nobody")),
                                  {QStringLiteral("--registration"), QStringLiteral("claim"), QStringLiteral("--claim-cert"),
                                   missing, QStringLiteral("--claim-key"), missing});
        QCOMPARE(run.exitCode, toInt(exitCodeFor(ErrorCode::NotFound)));
        QVERIFY2(run.err.contains(missing.toUtf8()), run.err.constData());
        const auto noKey = runBatch(m_fixture->dir.filePath(QStringLiteral("nobody")),
                                    {QStringLiteral("--registration"), QStringLiteral("claim"), QStringLiteral("--claim-cert"), missing});
        QCOMPARE(noKey.exitCode, toInt(exitCodeFor(ErrorCode::InvalidInput)));
        QVERIFY2(noKey.err.contains("--claim-key"), noKey.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestClaimRun)
#include "tst_claimrun.moc"
