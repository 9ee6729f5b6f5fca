// The cloud outbox end to end: units passed in a real audit database (certificates from a test
// PKI), sent by OutboxSender / `imprint-cli cloud sync` to imprint-iot-emulator, and what exists
// in the registry afterwards checked with the real AWS CLI. Crashes between sending and recording,
// an outage (emulator down, then up on another port with the same registry), refusals, JITR
// pre-registration, the background worker, and CA registration in its three modes.
#include "RegistrationFixture.h"

#include "core/audit/OutboxRecords.h"
#include "core/cloud/AwsIotClient.h"
#include "core/registration/CaRegistration.h"
#include "core/registration/OutboxSender.h"
#include "core/registration/OutboxWorker.h"
#include "core/template/CertificateParameters.h"

#include <QDir>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QProcess>

using namespace imprint;
using namespace imprint::test;
using registration::SendMode;

class TestCloudOutbox : public QObject
{
    Q_OBJECT

    RegistrationFixture m_fixture;
    QString m_state;

    std::unique_ptr<cloud::AwsIotClient> client() const
    {
        cloud::AwsClientOptions options;
        options.retry.maxAttempts = 2;  // an outage shows at once; the outbox's own backoff is under test
        options.retry.baseDelayMs = 10;
        return m_fixture.client(std::move(options));
    }

    registration::SenderSettings registerThingSettings() const
    {
        registration::SenderSettings settings;
        settings.mode = SendMode::RegisterThing;
        settings.templateBody = readAll(sourceFile("resources/templates/register-thing.json"));
        return settings;
    }

    Result<registration::PassReport> pass(registration::SenderSettings settings)
    {
        auto connection = audit::SqlConnection::open(m_fixture.db);
        if (!connection)
            return connection.error();
        auto aws = client();
        registration::OutboxSender sender(*connection.value(), *aws, std::move(settings), m_fixture.clock);
        return sender.runPassAndWait();
    }

    // The emulator has no ListThings/ListCertificates: count in its registry file (sqlite3 shell).
    int countOf(const char* kind)
    {
        QProcess sqlite;
        sqlite.start(QStringLiteral("sqlite3"), {m_state, QStringLiteral("SELECT COUNT(*) FROM documents WHERE kind = '%1'")
                                                              .arg(QString::fromLatin1(kind))});
        if (!sqlite.waitForFinished(30000) || sqlite.exitCode() != 0)
            qFatal("sqlite3: %s", sqlite.readAllStandardError().constData());
        return sqlite.readAllStandardOutput().trimmed().toInt();
    }
    int things() { return countOf("thing"); }
    int certificates() { return countOf("cert"); }

    // A thing's version goes up each time a template touches it again: 1 means made once, never resent.
    int thingVersion(const QString& thing)
    {
        const auto described = m_fixture.emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-thing"),
                                               QStringLiteral("--thing-name"), thing});
        if (!described.ok())
            qFatal("%s", qPrintable(described.describe()));
        return described.json().value(QStringLiteral("version")).toInt();
    }

    QStringList syncArguments(const QStringList& extra)
    {
        return QStringList{QStringLiteral("cloud"), QStringLiteral("sync"), QStringLiteral("--db"), m_fixture.db,
                           QStringLiteral("--mode"), QStringLiteral("register-thing"), QStringLiteral("--template"),
                           sourceFile("resources/templates/register-thing.json"), QStringLiteral("--endpoint-url"),
                           m_fixture.emulator.endpoint()}
               + extra;
    }

private Q_SLOTS:
    void initTestCase()
    {
        // A long backoff, so the outage test sees rows held back until `--now`; a fresh station
        // (station.ini, development token) per run, for this process and the CLI.
        m_state = m_fixture.dir.filePath(QStringLiteral("registry.sqlite"));
        const QString error = m_fixture.setUp(QStringLiteral("line-1"), 60, "[cloud]\nretry-base-ms=600000\n",
                                              {QStringLiteral("--state"), m_state});
        QVERIFY2(error.isEmpty(), qPrintable(error));
        addPerson(m_fixture.db, QStringLiteral("sam"), QStringLiteral("supervisor"));
    }

    void registerThingSendsEachPassedUnitOnce()
    {
        const QStringList passed = m_fixture.passUnits(6);
        for (const auto& thing : passed)
            QCOMPARE(m_fixture.outboxState(thing), QStringLiteral("queued"));
        auto report = pass(registerThingSettings());
        REQUIRE_OK(report);
        QCOMPARE(report->due, 6);
        QCOMPARE(report->registered, 6);
        QCOMPARE(report->reconciled, 0);
        QCOMPARE(report->failed + report->retrying, 0);
        for (const auto& thing : passed) {
            QCOMPARE(m_fixture.outboxState(thing), QStringLiteral("registered"));
            const auto described = m_fixture.emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-thing"),
                                                   QStringLiteral("--thing-name"), thing});
            AWS_OK(described);
            QCOMPARE(described.json().value(QStringLiteral("attributes")).toObject().value(QStringLiteral("serialNumber")).toString(),
                     thing.mid(6));
        }
        QCOMPARE(things(), 6);
        QCOMPARE(certificates(), 6);
        // Nothing left: a second pass sends nothing.
        report = pass(registerThingSettings());
        REQUIRE_OK(report);
        QCOMPARE(report->due, 0);
    }

    // The station stopped after sending but before recording the answer: the row is still "sent".
    // The next pass finds the thing and certificate and records them, making nothing twice; a row
    // marked sent whose request never left is registered by the same pass.
    void aResendAfterACrashDuplicatesNothing()
    {
        const int thingsBefore = things();
        const int certificatesBefore = certificates();
        auto connection = audit::SqlConnection::open(m_fixture.db);
        REQUIRE_OK(connection);
        REQUIRE_OK(connection.value()->exec(
            QStringLiteral("UPDATE cloud_outbox SET state = 'sent', attempts = 1, next_attempt_at = '2000-01-01T00:00:00.000Z' "
                           "WHERE unit_id IN (SELECT id FROM units WHERE thing_name IN ('thing-SN0001','thing-SN0002'))"),
            QStringLiteral("simulating a crash")));
        const QStringList lost = m_fixture.passUnits(1);
        auto due = audit::dueOutboxRows(*connection.value(), QStringLiteral("9999"), 10, false);
        REQUIRE_OK(due);
        QCOMPARE(due->size(), std::size_t{3});
        REQUIRE_OK(audit::markOutboxAttempt(*connection.value(), due->back().id, QStringLiteral("2000-01-01T00:00:00.000Z"),
                                            QStringLiteral("2000-01-01T00:00:00.000Z")));
        auto report = pass(registerThingSettings());
        REQUIRE_OK(report);
        QCOMPARE(report->due, 3);
        QCOMPARE(report->registered, 3);
        QCOMPARE(report->reconciled, 2);
        QCOMPARE(things(), thingsBefore + 1);
        QCOMPARE(certificates(), certificatesBefore + 1);
        QCOMPARE(thingVersion(QStringLiteral("thing-SN0001")), 1);  // reconciled: no second RegisterThing
        QCOMPARE(thingVersion(QStringLiteral("thing-SN0002")), 1);
        QCOMPARE(m_fixture.outboxState(lost.constFirst()), QStringLiteral("registered"));
        QCOMPARE(scalar(m_fixture.db, QStringLiteral("SELECT attempts FROM cloud_outbox WHERE id = %1").arg(due->back().id)).toInt(), 2);
    }

    // The emulator is down during sync, then back (another port, the same registry): nothing is
    // lost, nothing duplicated, and the backoff holds rows until they are due (or --now).
    void anOutageLosesNothingAndDuplicatesNothing()
    {
        const int thingsBefore = things();
        const QStringList passed = m_fixture.passUnits(4);
        const QString deadEndpoint = m_fixture.emulator.endpoint();
        m_fixture.emulator.stop();
        auto down = m_fixture.cli(syncArguments({}));
        QVERIFY2(down.exitCode == 7, qPrintable(down.describe()));
        QVERIFY2(down.out.contains("4 due, 0 registered") && down.out.contains("4 to retry"), qPrintable(down.describe()));
        auto status = m_fixture.cli({QStringLiteral("cloud"), QStringLiteral("status"), QStringLiteral("--db"), m_fixture.db,
                           QStringLiteral("--state"), QStringLiteral("sent"), QStringLiteral("--json")});
        QVERIFY2(status.ok(), qPrintable(status.describe()));
        const QJsonArray waiting = status.json().value(QStringLiteral("units")).toArray();
        QCOMPARE(waiting.size(), 4);
        for (const auto& unit : waiting) {
            QCOMPARE(unit.toObject().value(QStringLiteral("attempts")).toInt(), 1);
            QVERIFY2(!unit.toObject().value(QStringLiteral("lastError")).toString().isEmpty(), "the reason is kept");
        }
        // Within the backoff nothing is due: a second sync sends nothing.
        auto early = m_fixture.cli(syncArguments({}));
        QVERIFY2(early.ok() && early.out.contains("0 due"), qPrintable(early.describe()));

        const QString error = m_fixture.emulator.start({QStringLiteral("--state"), m_state});
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY(m_fixture.emulator.endpoint() != deadEndpoint);  // another port: the endpoint is the caller's
        auto up = m_fixture.cli(syncArguments({QStringLiteral("--now")}));
        QVERIFY2(up.ok(), qPrintable(up.describe()));
        QVERIFY2(up.out.contains("4 due, 4 registered"), qPrintable(up.describe()));
        QCOMPARE(things(), thingsBefore + 4);
        for (const auto& thing : passed) {
            QCOMPARE(thingVersion(thing), 1);
            QCOMPARE(m_fixture.outboxState(thing), QStringLiteral("registered"));
        }
        status = m_fixture.cli({QStringLiteral("cloud"), QStringLiteral("status"), QStringLiteral("--db"), m_fixture.db, QStringLiteral("--json")});
        const QJsonObject counts = status.json().value(QStringLiteral("counts")).toObject();
        QCOMPARE(counts.value(QStringLiteral("queued")).toInt(), 0);
        QCOMPARE(counts.value(QStringLiteral("sent")).toInt(), 0);
        QCOMPARE(counts.value(QStringLiteral("failed")).toInt(), 0);
        QCOMPARE(counts.value(QStringLiteral("registered")).toInt(), thingsBefore + 4);
    }

    // A refusal is final until a person acts: failed with AWS's reason, then --retry-failed.
    void aRefusalFailsWithItsReasonUntilRetried()
    {
        const QStringList passed = m_fixture.passUnits(1);
        registration::SenderSettings settings = registerThingSettings();
        QByteArray body = settings.templateBody;
        body.replace("\"ThingName\": {\"Ref\": \"ThingName\"},", "\"ThingName\": {\"Ref\": \"ThingName\"}, \"ThingTypeName\": \"no-such-type\",");
        QVERIFY(body != settings.templateBody);
        settings.templateBody = body;
        auto report = pass(settings);
        REQUIRE_OK(report);
        QCOMPARE(report->failed, 1);
        QCOMPARE(m_fixture.outboxState(passed.constFirst()), QStringLiteral("failed"));
        const QString reason = scalar(m_fixture.db, QStringLiteral("SELECT last_error FROM cloud_outbox o JOIN units u ON u.id = o.unit_id "
                                                           "WHERE u.thing_name = '%1'").arg(passed.constFirst())).toString();
        QVERIFY2(reason.contains(QStringLiteral("no-such-type")), qPrintable(reason));
        auto status = m_fixture.cli({QStringLiteral("cloud"), QStringLiteral("status"), QStringLiteral("--db"), m_fixture.db,
                           QStringLiteral("--thing"), passed.constFirst()});
        QVERIFY2(status.ok() && status.out.contains("failed") && status.out.contains("no-such-type"), qPrintable(status.describe()));
        auto retried = m_fixture.cli(syncArguments({QStringLiteral("--retry-failed")}));
        QVERIFY2(retried.ok() && retried.out.contains("1 failed registration(s) queued again"), qPrintable(retried.describe()));
        QCOMPARE(m_fixture.outboxState(passed.constFirst()), QStringLiteral("registered"));
        AWS_OK(m_fixture.emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-thing"), QStringLiteral("--thing-name"), passed.constFirst()}));
    }

    // Many in flight under the rate limit: with each answer delayed, requests overlap (never more
    // than max-in-flight) and the client's token bucket still spaces them (RegisterThing: 10/s).
    void manyRequestsInFlightUnderTheRateLimit()
    {
        EmulatorProcess slow;
        const QString error = slow.start({QStringLiteral("--fault"), QStringLiteral("latency-ms=400")});
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const QStringList passed = m_fixture.passUnits(8);
        auto connection = audit::SqlConnection::open(m_fixture.db);
        REQUIRE_OK(connection);
        cloud::AwsSettings settings = m_fixture.awsSettings();
        settings.endpointUrl = slow.endpoint();
        auto aws = cloud::AwsIotClient::create(std::move(settings));
        REQUIRE_OK(aws);
        registration::SenderSettings sending = registerThingSettings();
        sending.maxInFlight = 4;
        registration::OutboxSender sender(*connection.value(), *aws.value(), sending, m_fixture.clock);
        QElapsedTimer timer;
        timer.start();
        auto report = sender.runPassAndWait();
        REQUIRE_OK(report);
        QCOMPARE(report->registered, 8);
        QVERIFY2(report->peakInFlight >= 2 && report->peakInFlight <= 4, qPrintable(QString::number(report->peakInFlight)));
        QVERIFY2(timer.elapsed() >= 700, "8 RegisterThing at 10/s take at least 0.7 s");  // 7 gaps of 100 ms
        for (const auto& thing : passed)
            AWS_OK(slow.aws({QStringLiteral("iot"), QStringLiteral("describe-thing"), QStringLiteral("--thing-name"), thing}));
    }

    // A reworked unit: its old certificate is deactivated in the cloud, the new one registered.
    void aReworkedUnitsOldCertificateIsDeactivated()
    {
        const QString thing = QStringLiteral("thing-SN0003");
        QCOMPARE(m_fixture.outboxState(thing), QStringLiteral("registered"));
        const auto oldId = provisioning::certificateIdOfPem(m_fixture.pki->certPem(QStringLiteral("SN0003")));
        REQUIRE_OK(oldId);
        QCOMPARE(m_fixture.pki->makeLeaf(QStringLiteral("SN0003-rework"), QStringLiteral("/CN=") + thing, QStringLiteral("ca")), QString());
        const QByteArray newPem = m_fixture.pki->certPem(QStringLiteral("SN0003-rework"));
        {
            auto store = audit::AuditStore::open(audit::StoreOptions{m_fixture.db, QStringLiteral("station-1")}, m_fixture.clock);
            REQUIRE_OK(store);
            audit::BeginUnit request = unitFor(m_fixture.batch, QStringLiteral("SN0003"));
            request.rework = true;
            request.actor.supervisor = QStringLiteral("sam");
            auto unit = store.value()->beginUnit(request);
            REQUIRE_OK(unit);
            audit::CertificateRecord certificate = fakeCertificate(QStringLiteral("C1SN0003"), QStringLiteral("key-SN0003-rework"));
            certificate.pem = QString::fromUtf8(newPem);
            REQUIRE_OK(store.value()->recordCertificate(unit->unitId, certificate));
            REQUIRE_OK(store.value()->completePassed(unit->unitId));
        }
        auto report = pass(registerThingSettings());
        REQUIRE_OK(report);
        QCOMPARE(report->due, 2);  // the retirement and the new registration
        QCOMPARE(report->registered, 2);
        const auto describe = [&](const QString& id) {
            const auto described = m_fixture.emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-certificate"),
                                                   QStringLiteral("--certificate-id"), id});
            return described.json().value(QStringLiteral("certificateDescription")).toObject().value(QStringLiteral("status")).toString();
        };
        QCOMPARE(describe(oldId.value()), QStringLiteral("INACTIVE"));
        QCOMPARE(describe(provisioning::certificateIdOfPem(newPem).value()), QStringLiteral("ACTIVE"));
        QCOMPARE(scalar(m_fixture.db, QStringLiteral("SELECT state FROM cloud_outbox WHERE action = 'supersede'")).toString(),
                 QStringLiteral("registered"));
    }

    // The worker sends in the background: a unit passes, wake(), and it is registered.
    void theBackgroundWorkerSendsWhenWoken()
    {
        registration::WorkerOptions options;
        options.auditPath = m_fixture.db;
        options.aws = m_fixture.awsSettings();
        options.sender = registerThingSettings();
        options.intervalMs = 60'000;  // only the first pass and wake() run in this test
        auto worker = registration::OutboxWorker::start(std::move(options), m_fixture.clock);
        REQUIRE_OK(worker);
        QTRY_VERIFY(worker.value()->passes() >= 1);
        const qint64 before = worker.value()->passes();
        const QStringList passed = m_fixture.passUnits(3);
        worker.value()->wake();
        QTRY_VERIFY_WITH_TIMEOUT(worker.value()->passes() > before, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(m_fixture.outboxState(passed.constLast()), QStringLiteral("registered"), 20000);
        for (const auto& thing : passed)
            AWS_OK(m_fixture.emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-thing"), QStringLiteral("--thing-name"), thing}));
    }

    // CA registration: JITR (verification certificate signed by the CA), a re-run finds it; then
    // JITR pre-registration of units' certificates under it (ACTIVE, idempotent).
    void jitrCaThenPreRegisteredCertificates()
    {
        auto aws = client();
        registration::CaRegistrationRequest request;
        request.caCertificatePem = m_fixture.pki->certPem(QStringLiteral("ca"));
        request.mode = registration::CaMode::Jitr;
        int signatures = 0;
        const registration::VerificationSigner signer = [&](const QString& code) -> Result<QByteArray> {
            ++signatures;
            const QString error = m_fixture.pki->makeLeaf(QStringLiteral("verification"), QStringLiteral("/CN=") + code, QStringLiteral("ca"));
            if (!error.isEmpty())
                return Error(ErrorCode::Crypto, error);
            return m_fixture.pki->certPem(QStringLiteral("verification"));
        };
        auto registered = registration::registerCa(*aws, request, signer);
        REQUIRE_OK(registered);
        QVERIFY(!registered->alreadyRegistered);
        QCOMPARE(registered->status, QStringLiteral("ACTIVE"));
        QCOMPARE(registered->autoRegistrationStatus, QStringLiteral("ENABLE"));
        QCOMPARE(signatures, 1);
        auto again = registration::registerCa(*aws, request, signer);
        REQUIRE_OK(again);
        QVERIFY(again->alreadyRegistered);
        QCOMPARE(again->certificateId, registered->certificateId);
        QCOMPARE(signatures, 1);  // a re-run asks for no new verification certificate
        const auto described = m_fixture.emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-ca-certificate"),
                                               QStringLiteral("--certificate-id"), registered->certificateId});
        AWS_OK(described);
        QCOMPARE(described.json().value(QStringLiteral("certificateDescription")).toObject().value(QStringLiteral("status")).toString(),
                 QStringLiteral("ACTIVE"));

        const QStringList passed = m_fixture.passUnits(3);
        registration::SenderSettings settings;
        settings.mode = SendMode::PreRegisterCertificate;
        settings.caCertificatePem = request.caCertificatePem;
        auto report = pass(settings);
        REQUIRE_OK(report);
        QCOMPARE(report->registered, 3);
        for (const auto& thing : passed) {
            auto id = provisioning::certificateIdOfPem(m_fixture.pki->certPem(thing.mid(6)));
            REQUIRE_OK(id);
            const auto certificate = m_fixture.emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-certificate"),
                                                     QStringLiteral("--certificate-id"), id.value()});
            AWS_OK(certificate);
            const QJsonObject description = certificate.json().value(QStringLiteral("certificateDescription")).toObject();
            QCOMPARE(description.value(QStringLiteral("status")).toString(), QStringLiteral("ACTIVE"));
            QCOMPARE(description.value(QStringLiteral("caCertificateId")).toString(), registered->certificateId);
        }
        // Resent (e.g. after a crash): AlreadyExists is success, nothing new.
        const int before = certificates();
        auto connection = audit::SqlConnection::open(m_fixture.db);
        REQUIRE_OK(connection);
        REQUIRE_OK(connection.value()->exec(QStringLiteral("UPDATE cloud_outbox SET state = 'sent' WHERE unit_id IN "
                                                           "(SELECT id FROM units WHERE thing_name = '%1')").arg(passed.constFirst()),
                                            QStringLiteral("simulating a crash")));
        settings.ignoreBackoff = true;
        report = pass(settings);
        REQUIRE_OK(report);
        QCOMPARE(report->registered, 1);
        QCOMPARE(report->reconciled, 1);
        QCOMPARE(certificates(), before);
    }

    void jitpAndSniOnlyCaRegistration()
    {
        auto aws = client();
        QCOMPARE(m_fixture.pki->makeCa(QStringLiteral("ca-jitp"), QStringLiteral("/CN=Imprint JITP CA")), QString());
        QCOMPARE(m_fixture.pki->makeCa(QStringLiteral("ca-sni"), QStringLiteral("/CN=Imprint SNI CA")), QString());
        registration::CaRegistrationRequest jitp;
        jitp.caCertificatePem = m_fixture.pki->certPem(QStringLiteral("ca-jitp"));
        jitp.mode = registration::CaMode::Jitp;
        QCOMPARE(registration::validateCaRequest(jitp).error().code(), ErrorCode::InvalidInput);  // no template
        jitp.templateBody = readAll(sourceFile("resources/templates/jitp.json"));
        jitp.roleArn = QStringLiteral("arn:aws:iam::123456789012:role/JITPRole");
        const registration::VerificationSigner signer = [&](const QString& code) -> Result<QByteArray> {
            const QString error = m_fixture.pki->makeLeaf(QStringLiteral("verification-jitp"), QStringLiteral("/CN=") + code,
                                                  QStringLiteral("ca-jitp"));
            if (!error.isEmpty())
                return Error(ErrorCode::Crypto, error);
            return m_fixture.pki->certPem(QStringLiteral("verification-jitp"));
        };
        auto registered = registration::registerCa(*aws, jitp, signer);
        REQUIRE_OK(registered);
        QCOMPARE(registered->autoRegistrationStatus, QStringLiteral("ENABLE"));
        const auto described = m_fixture.emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-ca-certificate"),
                                               QStringLiteral("--certificate-id"), registered->certificateId});
        AWS_OK(described);
        QCOMPARE(described.json().value(QStringLiteral("registrationConfig")).toObject().value(QStringLiteral("roleArn")).toString(),
                 jitp.roleArn);

        registration::CaRegistrationRequest sni;
        sni.caCertificatePem = m_fixture.pki->certPem(QStringLiteral("ca-sni"));
        sni.mode = registration::CaMode::SniOnly;
        auto sniRegistered = registration::registerCa(*aws, sni, [](const QString&) -> Result<QByteArray> {
            return Error(ErrorCode::Internal, QStringLiteral("SNI_ONLY must not ask for a verification certificate"));
        });
        REQUIRE_OK(sniRegistered);
        QCOMPARE(sniRegistered->certificateMode, QStringLiteral("SNI_ONLY"));
    }

    // `imprint-cli cloud register-ca` with the station's own CA on a SoftHSM2 development token:
    // the verification certificate is signed on the token; a re-run is detected; both are audited.
    void registerCaFromTheStationHsm()
    {
        auto token = m_fixture.cli({QStringLiteral("hsm"), QStringLiteral("init-dev-token")});
        QVERIFY2(token.ok(), qPrintable(token.describe()));
        auto ca = m_fixture.cli({QStringLiteral("ca"), QStringLiteral("create")});
        QVERIFY2(ca.ok(), qPrintable(ca.describe()));
        const QStringList registerCa{QStringLiteral("cloud"), QStringLiteral("register-ca"), QStringLiteral("--mode"),
                                     QStringLiteral("jitr"), QStringLiteral("--db"), m_fixture.db, QStringLiteral("--endpoint-url"),
                                     m_fixture.emulator.endpoint()};
        auto registered = m_fixture.cli(registerCa);
        QVERIFY2(registered.ok() && registered.out.startsWith("CA registered: "), qPrintable(registered.describe()));
        const QString id = QString::fromUtf8(registered.out.mid(15, 64));
        const auto described = m_fixture.emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-ca-certificate"),
                                               QStringLiteral("--certificate-id"), id});
        AWS_OK(described);
        const QJsonObject description = described.json().value(QStringLiteral("certificateDescription")).toObject();
        QCOMPARE(description.value(QStringLiteral("status")).toString(), QStringLiteral("ACTIVE"));
        QCOMPARE(description.value(QStringLiteral("autoRegistrationStatus")).toString(), QStringLiteral("ENABLE"));
        auto again = m_fixture.cli(registerCa);
        QVERIFY2(again.ok() && again.out.startsWith(QByteArray("CA already registered: " + id.toUtf8())), qPrintable(again.describe()));
        QCOMPARE(scalar(m_fixture.db, QStringLiteral("SELECT COUNT(*) FROM events WHERE step = 'cloud-ca' AND outcome IN "
                                             "('registered %1 jitr', 'already-registered %1 jitr')").arg(id)).toInt(), 2);
        auto usage = m_fixture.cli({QStringLiteral("cloud"), QStringLiteral("register-ca"), QStringLiteral("--mode"), QStringLiteral("jitp"),
                          QStringLiteral("--db"), m_fixture.db, QStringLiteral("--endpoint-url"), m_fixture.emulator.endpoint()});
        QVERIFY2(usage.exitCode == 3 && usage.err.contains("JITP needs a template"), qPrintable(usage.describe()));
    }

    // The shipped templates parse and render with the values each mode provides.
    void defaultTemplatesRender_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("thingName");
        QTest::newRow("register-thing") << QStringLiteral("resources/templates/register-thing.json") << QStringLiteral("thing-X1");
        QTest::newRow("jitp") << QStringLiteral("resources/templates/jitp.json") << QStringLiteral("thing-X1");
        QTest::newRow("fleet-provisioning") << QStringLiteral("resources/templates/fleet-provisioning.json") << QStringLiteral("device-X1");
    }
    void defaultTemplatesRender()
    {
        QFETCH(QString, file);
        QFETCH(QString, thingName);
        auto parsed = provisioning::ProvisioningTemplate::parse(readAll(QStringLiteral(IMPRINT_SOURCE_DIR "/") + file));
        REQUIRE_OK(parsed);
        const QHash<QString, QString> values{{QStringLiteral("ThingName"), QStringLiteral("thing-X1")},
                                             {QStringLiteral("SerialNumber"), QStringLiteral("X1")},
                                             {QStringLiteral("CertificatePem"), QString::fromUtf8(m_fixture.pki->certPem(QStringLiteral("ca")))},
                                             {QStringLiteral("AWS::IoT::Certificate::CommonName"), QStringLiteral("thing-X1")},
                                             {QStringLiteral("AWS::IoT::Certificate::SerialNumber"), QStringLiteral("01")},
                                             {QStringLiteral("AWS::IoT::Certificate::Id"), QStringLiteral("a").repeated(64)}};
        QHash<QString, QString> declared;
        for (const auto& parameter : parsed->parameters())
            declared.insert(parameter.name, values.value(parameter.name));
        auto rendered = parsed->render(declared);
        REQUIRE_OK(rendered);
        const auto* thing = rendered->firstOfType(QString::fromLatin1(provisioning::kThingType));
        QVERIFY(thing);
        QCOMPARE(thing->properties.value(QStringLiteral("ThingName")).toString(), thingName);
        QVERIFY(rendered->firstOfType(QString::fromLatin1(provisioning::kCertificateType)));
        QVERIFY(rendered->firstOfType(QString::fromLatin1(provisioning::kPolicyType)));
    }

    void settingsAreCheckedBeforeAnythingIsSent()
    {
        registration::SenderSettings settings = registerThingSettings();
        settings.templateBody = R"({"Parameters":{"ThingName":{"Type":"String"}},"Resources":{}})";
        QCOMPARE(registration::validateSettings(settings).error().code(), ErrorCode::InvalidInput);  // no CertificatePem
        settings.templateBody = "{";
        QCOMPARE(registration::validateSettings(settings).error().code(), ErrorCode::InvalidInput);
        settings.mode = SendMode::PreRegisterCertificate;
        settings.caCertificatePem.clear();
        QCOMPARE(registration::validateSettings(settings).error().code(), ErrorCode::InvalidInput);
        QCOMPARE(registration::parseSendMode(QStringLiteral("bulk")).error().code(), ErrorCode::InvalidInput);
        auto usage = m_fixture.cli({QStringLiteral("cloud"), QStringLiteral("sync"), QStringLiteral("--db"), m_fixture.db, QStringLiteral("--mode"),
                          QStringLiteral("register-thing"), QStringLiteral("--template"), m_fixture.dir.filePath(QStringLiteral("missing.json"))});
        QVERIFY2(usage.exitCode == 3 && usage.err.contains("missing.json"), qPrintable(usage.describe()));
    }
};

QTEST_GUILESS_MAIN(TestCloudOutbox)
#include "tst_cloudoutbox.moc"
