#include "AuditFixture.h"

#include "core/audit/EventChain.h"
#include "core/audit/Schema.h"
#include "core/batch/WorkOrderImport.h"

#include <thread>

using namespace imprint;
using namespace imprint::test;

class TestAuditStore : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_db;
    qint64 m_batch = 0;
    SystemClock m_clock;
    int m_case = 0;

    std::unique_ptr<audit::AuditStore> openStore(int maxGroup = 512)
    {
        auto store = audit::AuditStore::open(audit::StoreOptions{m_db, QStringLiteral("station-1"), maxGroup}, m_clock);
        if (!store)
            qFatal("%s", qPrintable(store.error().message()));
        return std::move(store.value());
    }

    audit::UnitHandle passUnit(audit::AuditStore& store, const QString& serial, const QString& key)
    {
        auto unit = store.beginUnit(unitFor(m_batch, serial));
        if (!unit)
            qFatal("%s", qPrintable(unit.error().message()));
        if (!store.recordCertificate(unit->unitId, fakeCertificate(QStringLiteral("C-") + key, key)).ok())
            qFatal("record");
        if (!store.completePassed(unit->unitId, 1200).ok())
            qFatal("pass");
        return unit.value();
    }

private Q_SLOTS:
    void init()
    {
        // A fresh database per test function.
        m_db = m_dir.filePath(QStringLiteral("audit-%1.sqlite").arg(++m_case));
        m_batch = importDevices(m_db, m_dir, QStringLiteral("batch-%1").arg(m_case), 20);
        addPerson(m_db, QStringLiteral("sam"), QStringLiteral("supervisor"));
        addPerson(m_db, QStringLiteral("olivia"), QStringLiteral("operator"));
    }

    void aUnitPassesWithItsCertificateAndCloudRegistrationInOneRecord()
    {
        auto store = openStore();
        auto unit = store->beginUnit(unitFor(m_batch, QStringLiteral("SN0001")));
        QVERIFY2(unit.ok(), qPrintable(unit.ok() ? QString() : unit.error().message()));
        QCOMPARE(unit->thingName, QStringLiteral("thing-SN0001"));
        QCOMPARE(unit->hardwareId.value_or(QString()), QStringLiteral("HW-SN0001"));
        QCOMPARE(unit->attempt, 1);
        QVERIFY(store->appendEvent(unit->unitId, {QStringLiteral("identify"), QStringLiteral("ok"), std::nullopt, 15}).ok());

        auto certificate = store->recordCertificate(unit->unitId, fakeCertificate(QStringLiteral("01AB"), QStringLiteral("key-1")));
        QVERIFY(certificate.ok());
        // Returned means committed: another connection sees it before the device gets it.
        QCOMPARE(scalar(m_db, QStringLiteral("SELECT state FROM certificates WHERE serial = '01AB'")).toString(),
                 QStringLiteral("issued"));
        QCOMPARE(scalar(m_db, QStringLiteral("SELECT state FROM units WHERE id = %1").arg(unit->unitId)).toString(),
                 QStringLiteral("in_progress"));

        // A unit whose step events are not all on record does not pass (one was, two are claimed).
        auto missing = store->completePassed(unit->unitId, 2500, 2);
        QVERIFY(!missing.ok());
        QVERIFY2(missing.error().message().contains(QStringLiteral("1 of its 2 step events are not on record")),
                 qPrintable(missing.error().message()));
        QCOMPARE(scalar(m_db, QStringLiteral("SELECT state FROM units WHERE id = %1").arg(unit->unitId)).toString(),
                 QStringLiteral("in_progress"));

        auto outbox = store->completePassed(unit->unitId, 2500, 1);
        QVERIFY(outbox.ok());
        QCOMPARE(scalar(m_db, QStringLiteral("SELECT state FROM units WHERE id = %1").arg(unit->unitId)).toString(),
                 QStringLiteral("passed"));
        QCOMPARE(scalar(m_db, QStringLiteral("SELECT state FROM certificates WHERE serial = '01AB'")).toString(),
                 QStringLiteral("active"));
        QCOMPARE(scalar(m_db, QStringLiteral("SELECT idempotency_key FROM cloud_outbox WHERE id = %1").arg(outbox.value())).toString(),
                 QStringLiteral("register:thing-SN0001:01AB"));
        const QString payload = scalar(m_db, QStringLiteral("SELECT payload FROM cloud_outbox WHERE id = %1").arg(outbox.value())).toString();
        QVERIFY2(payload.contains(QStringLiteral("\"templateParameters\":{\"Site\":\"A\"}")), qPrintable(payload));
        // Every event carries the station, operator, slot, port and device identity.
        QCOMPARE(scalar(m_db, QStringLiteral("SELECT COUNT(*) FROM events WHERE unit_id = %1 AND operator = 'olivia' AND "
                                             "station = 'station-1' AND port = '/dev/ttyUSB1' AND slot = 1 AND "
                                             "serial_number = 'SN0001' AND hardware_id = 'HW-SN0001'").arg(unit->unitId)).toInt(), 4);

        auto connection = audit::SqlConnection::open(m_db);
        auto report = audit::verifyChain(*connection.value());
        QVERIFY(report.ok());
        QVERIFY2(!report->firstBadId, qPrintable(report->problem));
    }

    void aProvisionedDeviceIsRefused()
    {
        auto store = openStore();
        passUnit(*store, QStringLiteral("SN0001"), QStringLiteral("key-1"));
        auto again = store->beginUnit(unitFor(m_batch, QStringLiteral("SN0001")));
        QVERIFY(!again.ok());
        QCOMPARE(again.error().code(), ErrorCode::AlreadyExists);
        QVERIFY2(again.error().message().contains(QStringLiteral("supervisor can choose rework")), qPrintable(again.error().message()));

        // The same hardware ID under another serial number (an open batch takes any serial) is refused too.
        auto connection = audit::SqlConnection::open(m_db);
        auto open = batch::createOpenBatch(*connection.value(), QStringLiteral("lot-x"), 5, QString(),
                                           audit::Actor{QStringLiteral("olivia"), std::nullopt},
                                           QStringLiteral("station-1"), m_clock);
        QVERIFY(open.ok());
        auto clone = unitFor(open.value(), QStringLiteral("OTHER-1"));
        clone.hardwareId = QStringLiteral("HW-SN0001");
        auto refused = store->beginUnit(clone);
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().code(), ErrorCode::AlreadyExists);
        QVERIFY(refused.error().message().contains(QStringLiteral("HW-SN0001")));
    }

    void aPublicKeyAlreadyCertifiedIsRefused()
    {
        auto store = openStore();
        passUnit(*store, QStringLiteral("SN0001"), QStringLiteral("key-1"));
        auto second = store->beginUnit(unitFor(m_batch, QStringLiteral("SN0002"), 2));
        QVERIFY(second.ok());
        auto refused = store->recordCertificate(second->unitId, fakeCertificate(QStringLiteral("C-2"), QStringLiteral("key-1")));
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().code(), ErrorCode::AlreadyExists);
        QVERIFY(refused.error().message().contains(QStringLiteral("SN0001")));
        QCOMPARE(scalar(m_db, QStringLiteral("SELECT COUNT(*) FROM certificates WHERE serial = 'C-2'")).toInt(), 0);
    }

    void reworkNeedsASupervisorAndSupersedesTheOldCertificate_data()
    {
        QTest::addColumn<QString>("supervisor");
        QTest::addColumn<bool>("allowed");
        QTest::newRow("no supervisor") << QString() << false;
        QTest::newRow("an operator is not a supervisor") << QStringLiteral("olivia") << false;
        QTest::newRow("unknown person") << QStringLiteral("mallory") << false;
        QTest::newRow("supervisor") << QStringLiteral("sam") << true;
    }
    void reworkNeedsASupervisorAndSupersedesTheOldCertificate()
    {
        QFETCH(QString, supervisor);
        QFETCH(bool, allowed);
        auto store = openStore();
        const auto first = passUnit(*store, QStringLiteral("SN0003"), QStringLiteral("key-3"));
        auto request = unitFor(m_batch, QStringLiteral("SN0003"));
        request.rework = true;
        if (!supervisor.isEmpty())
            request.actor.supervisor = supervisor;
        auto rework = store->beginUnit(request);
        QCOMPARE(rework.ok(), allowed);
        if (!allowed) {
            QCOMPARE(rework.error().code(), ErrorCode::PermissionDenied);
            QCOMPARE(scalar(m_db, QStringLiteral("SELECT state FROM units WHERE id = %1").arg(first.unitId)).toString(),
                     QStringLiteral("passed"));
            return;
        }
        QCOMPARE(rework->supersededUnitId.value_or(0), first.unitId);
        QCOMPARE(rework->attempt, 2);
        QCOMPARE(scalar(m_db, QStringLiteral("SELECT state FROM units WHERE id = %1").arg(first.unitId)).toString(),
                 QStringLiteral("superseded"));
        QCOMPARE(scalar(m_db, QStringLiteral("SELECT state FROM certificates WHERE serial = 'C-key-3'")).toString(),
                 QStringLiteral("superseded"));
        QCOMPARE(scalar(m_db, QStringLiteral("SELECT COUNT(*) FROM cloud_outbox WHERE action = 'supersede' AND "
                                             "idempotency_key = 'supersede:C-key-3'")).toInt(), 1);
        QCOMPARE(scalar(m_db, QStringLiteral("SELECT supervisor FROM events WHERE step = 'begin-rework'")).toString(),
                 QStringLiteral("sam"));
        // The reworked device passes again; it is counted once.
        QVERIFY(store->recordCertificate(rework->unitId, fakeCertificate(QStringLiteral("C-new"), QStringLiteral("key-3b"))).ok());
        QVERIFY(store->completePassed(rework->unitId).ok());
        QCOMPARE(scalar(m_db, QStringLiteral("SELECT COUNT(*) FROM units WHERE serial_number = 'SN0003' AND state = 'passed'")).toInt(), 1);
    }

    void anOpenBatchStopsAtItsQuotaUnlessASupervisorOverrides()
    {
        auto connection = audit::SqlConnection::open(m_db);
        auto open = batch::createOpenBatch(*connection.value(), QStringLiteral("lot-q"), 2, QStringLiteral("lot-{serial}"),
                                           audit::Actor{QStringLiteral("olivia"), std::nullopt},
                                           QStringLiteral("station-1"), m_clock);
        QVERIFY(open.ok());
        auto store = openStore();
        for (const char* serial : {"Q1", "Q2"}) {
            auto unit = store->beginUnit(unitFor(open.value(), QString::fromLatin1(serial)));
            QVERIFY(unit.ok());
            QCOMPARE(unit->thingName, QStringLiteral("lot-") + QString::fromLatin1(serial));
        }
        auto third = store->beginUnit(unitFor(open.value(), QStringLiteral("Q3")));
        QVERIFY(!third.ok());
        QCOMPARE(third.error().code(), ErrorCode::PermissionDenied);
        QVERIFY(third.error().message().contains(QStringLiteral("quota of 2")));
        auto overridden = unitFor(open.value(), QStringLiteral("Q3"));
        overridden.quotaOverride = true;
        overridden.actor.supervisor = QStringLiteral("olivia");
        QVERIFY(!store->beginUnit(overridden).ok());
        overridden.actor.supervisor = QStringLiteral("sam");
        QVERIFY(store->beginUnit(overridden).ok());
    }

    void aFailedUnitCanBeRedoneWithTheSameKey()
    {
        auto store = openStore();
        auto unit = store->beginUnit(unitFor(m_batch, QStringLiteral("SN0004")));
        QVERIFY(unit.ok());
        QVERIFY(store->recordCertificate(unit->unitId, fakeCertificate(QStringLiteral("C-4"), QStringLiteral("key-4"))).ok());
        QVERIFY(store->completeFailed(unit->unitId, QStringLiteral("verify"), QStringLiteral("read-back mismatch")).ok());
        QCOMPARE(scalar(m_db, QStringLiteral("SELECT state FROM certificates WHERE serial = 'C-4'")).toString(),
                 QStringLiteral("abandoned"));
        QVERIFY(!store->completePassed(unit->unitId).ok());  // a failed unit never passes later
        auto redo = store->beginUnit(unitFor(m_batch, QStringLiteral("SN0004")));
        QVERIFY(redo.ok());
        QCOMPARE(redo->attempt, 2);
        QVERIFY(store->recordCertificate(redo->unitId, fakeCertificate(QStringLiteral("C-4b"), QStringLiteral("key-4"))).ok());
        QVERIFY(store->completePassed(redo->unitId).ok());
    }

    void unknownAndMismatchedDevicesAreRefused()
    {
        auto store = openStore();
        auto unknown = store->beginUnit(unitFor(m_batch, QStringLiteral("NOPE")));
        QVERIFY(!unknown.ok());
        QCOMPARE(unknown.error().code(), ErrorCode::NotFound);
        auto mismatch = unitFor(m_batch, QStringLiteral("SN0005"));
        mismatch.hardwareId = QStringLiteral("HW-OTHER");
        auto refused = store->beginUnit(mismatch);
        QVERIFY(!refused.ok());
        QVERIFY(refused.error().message().contains(QStringLiteral("HW-OTHER")));
        auto byHardware = unitFor(m_batch, QString());
        byHardware.serialNumber.reset();
        byHardware.hardwareId = QStringLiteral("HW-SN0006");
        auto bound = store->beginUnit(byHardware);
        QVERIFY(bound.ok());
        QCOMPARE(bound->serialNumber, QStringLiteral("SN0006"));
        auto twice = store->beginUnit(unitFor(m_batch, QStringLiteral("SN0006"), 2));
        QVERIFY(!twice.ok());
        QVERIFY(twice.error().message().contains(QStringLiteral("being provisioned")));
    }

    void unitsLeftRunningAreInterruptedOnRestartAndRedoneOnce()
    {
        qint64 running = 0;
        {
            auto store = openStore();
            auto unit = store->beginUnit(unitFor(m_batch, QStringLiteral("SN0007")));
            QVERIFY(unit.ok());
            running = unit->unitId;
            QVERIFY(store->recordCertificate(running, fakeCertificate(QStringLiteral("C-7"), QStringLiteral("key-7"))).ok());
        }
        auto store = openStore();
        auto interrupted = store->recoverInterrupted();
        QVERIFY(interrupted.ok());
        QCOMPARE(interrupted->size(), size_t(1));
        QCOMPARE(interrupted->front().unitId, running);
        QVERIFY(interrupted->front().certificateIssued);
        QCOMPARE(interrupted->front().lastStep, QStringLiteral("certificate-recorded"));
        QCOMPARE(scalar(m_db, QStringLiteral("SELECT state FROM units WHERE id = %1").arg(running)).toString(),
                 QStringLiteral("interrupted"));
        QVERIFY(!store->completePassed(running).ok());
        auto redo = store->beginUnit(unitFor(m_batch, QStringLiteral("SN0007")));
        QVERIFY(redo.ok());
        QVERIFY(store->recordCertificate(redo->unitId, fakeCertificate(QStringLiteral("C-7b"), QStringLiteral("key-7"))).ok());
        QVERIFY(store->completePassed(redo->unitId).ok());
        auto after = store->recoverInterrupted();
        QVERIFY(after.ok());
        QVERIFY(after->empty());
        QCOMPARE(scalar(m_db, QStringLiteral("SELECT COUNT(*) FROM units WHERE serial_number = 'SN0007' AND state = 'passed'")).toInt(), 1);
    }

    void recoveryLeavesAnotherStationsUnitsAlone()
    {
        auto here = openStore();
        auto unit = here->beginUnit(unitFor(m_batch, QStringLiteral("SN0008")));
        QVERIFY(unit.ok());
        auto other = audit::AuditStore::open(audit::StoreOptions{m_db, QStringLiteral("station-2"), 64}, m_clock);
        QVERIFY(other.ok());
        auto recovered = other.value()->recoverInterrupted();
        QVERIFY(recovered.ok());
        QVERIFY(recovered->empty());
        QCOMPARE(scalar(m_db, QStringLiteral("SELECT state FROM units WHERE id = %1").arg(unit->unitId)).toString(),
                 QStringLiteral("in_progress"));
    }

    void manyThreadsShareGroupCommitsAndARefusedRequestSparesTheRest()
    {
        auto store = openStore();
        std::vector<qint64> units;
        for (int i = 1; i <= 8; ++i) {
            auto unit = store->beginUnit(unitFor(m_batch, QStringLiteral("SN%1").arg(i + 10, 4, 10, QLatin1Char('0')), i));
            QVERIFY(unit.ok());
            units.push_back(unit->unitId);
        }
        const audit::StoreStats before = store->stats();
        std::atomic<int> failures{0};
        std::atomic<int> refused{0};
        std::vector<std::thread> workers;
        for (size_t t = 0; t < units.size(); ++t) {
            workers.emplace_back([&, t] {
                for (int i = 0; i < 40; ++i) {
                    const qint64 unit = (i == 20 && t == 3) ? 999999 : units[t];
                    const Status done = store->appendEvent(unit, {QStringLiteral("step-%1").arg(i), QStringLiteral("ok"), std::nullopt, i});
                    if (unit == 999999)
                        refused += done.ok() ? 0 : 1;
                    else
                        failures += done.ok() ? 0 : 1;
                }
            });
        }
        for (auto& worker : workers)
            worker.join();
        QCOMPARE(failures.load(), 0);
        QCOMPARE(refused.load(), 1);
        const audit::StoreStats after = store->stats();
        QCOMPARE(after.requests - before.requests, qint64(8 * 40));
        QVERIFY2(after.transactions - before.transactions < after.requests - before.requests,
                 qPrintable(QStringLiteral("%1 transactions for %2 requests").arg(after.transactions - before.transactions)
                                .arg(after.requests - before.requests)));
        QCOMPARE(scalar(m_db, QStringLiteral("SELECT COUNT(*) FROM events WHERE step LIKE 'step-%'")).toInt(), 8 * 40 - 1);
        auto connection = audit::SqlConnection::open(m_db);
        auto report = audit::verifyChain(*connection.value());
        QVERIFY(report.ok());
        QVERIFY2(!report->firstBadId, qPrintable(report->problem));
    }

    // The bind's look-ups stay index searches however many units the database holds.
    void bindingSearchesIndexesNeverScansUnits_data()
    {
        QTest::addColumn<QString>("sql");
        QTest::newRow("attempts of a row") << "SELECT COUNT(*) FROM units WHERE batch_device_id = ?";
        QTest::newRow("live units of a device")
            << "SELECT id, state FROM units WHERE batch_device_id = ? AND state IN ('in_progress','passed') "
               "UNION SELECT id, state FROM units WHERE hardware_id = ? AND state IN ('in_progress','passed')";
        QTest::newRow("earlier failed units") << "SELECT id FROM units WHERE batch_device_id = ? AND state IN ('failed','interrupted')";
    }
    void bindingSearchesIndexesNeverScansUnits()
    {
        QFETCH(QString, sql);
        auto connection = audit::SqlConnection::open(m_db);
        QVERIFY(connection.ok());
        QSqlQuery version(connection.value()->db());
        QVERIFY(version.exec(QStringLiteral("PRAGMA user_version")) && version.next());
        QCOMPARE(version.value(0).toInt(), audit::kSchemaVersion);
        QSqlQuery plan(connection.value()->db());
        QVERIFY(plan.exec(QStringLiteral("EXPLAIN QUERY PLAN ") + sql.replace(u'?', QStringLiteral("1"))));
        QStringList steps;
        while (plan.next())
            steps << plan.value(3).toString();
        QVERIFY2(!steps.join(u'|').contains(QStringLiteral("SCAN units")), qPrintable(steps.join(u'|')));
    }
};

QTEST_GUILESS_MAIN(TestAuditStore)
#include "tst_auditstore.moc"
