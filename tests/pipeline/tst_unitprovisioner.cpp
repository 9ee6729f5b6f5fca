// One unit through the whole pipeline with the real HSM CA (SoftHSM2), the real audit store
// (a SQLite file) and a scripted device: the order of the steps, what is on record when,
// and every failure ending with a plain reason, a hint and a consistent audit.
#include "CaFixture.h"
#include "FakeDevice.h"
#include "WorkOrderFixture.h"
#include "core/audit/AuditStore.h"
#include "core/audit/SqlConnection.h"
#include "core/pipeline/ProvisioningRun.h"
#include "core/pipeline/ScannedLabels.h"
#include "core/pipeline/UnitProvisioner.h"

#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace imprint;

namespace {

const audit::Actor kOperator{QStringLiteral("alice"), std::nullopt};

// Every port has the same device on it (its hardware ID fixed): a device left on its slot.
class SameDeviceConnector final : public device::DeviceConnector
{
public:
    explicit SameDeviceConnector(QString hardwareId) : m_hardwareId(std::move(hardwareId)) {}
    Result<std::unique_ptr<device::DeviceDriver>> open(const device::LinkSettings& settings) override
    {
        return std::unique_ptr<device::DeviceDriver>(std::make_unique<test::FakeDevice>(m_hardwareId, settings.port));
    }

private:
    QString m_hardwareId;
};

QString text(const QString& path, const QString& sql)
{
    auto connection = audit::SqlConnection::open(path);
    if (!connection)
        return QStringLiteral("cannot open");
    QSqlQuery query(connection.value()->db());
    if (!query.exec(sql) || !query.next())
        return QStringLiteral("no row");
    return query.value(0).toString();
}

qint64 count(const QString& path, const QString& sql)
{
    auto connection = audit::SqlConnection::open(path);
    if (!connection)
        return -1;
    QSqlQuery query(connection.value()->db());
    if (!query.exec(sql) || !query.next())
        return -1;
    return query.value(0).toLongLong();
}

}  // namespace

class TestUnitProvisioner : public QObject
{
    Q_OBJECT

    SystemClock m_clock;
    std::unique_ptr<test::CaFixture> m_ca;
    QTemporaryDir m_dir;
    QString m_db;
    qint64 m_batch = 0;
    int m_databases = 0;  // a fresh database for every test function and data row
    std::unique_ptr<audit::AuditStore> m_audit;
    pipeline::ProvisioningProfile m_profile;

private Q_SLOTS:
    void initTestCase()
    {
        auto ca = test::makeCa(hsm::TokenKeyType::EcP256, m_clock);
        QVERIFY2(ca.ok(), qPrintable(ca.ok() ? QString() : ca.error().message()));
        m_ca = std::move(ca).value();
    }

    void init()
    {
        m_db = m_dir.filePath(QStringLiteral("audit-%1.sqlite").arg(++m_databases));
        auto opened = test::openWorkOrderDatabase(m_db, m_dir.filePath(QStringLiteral("order.csv")), 5, kOperator, m_clock);
        QVERIFY2(opened.ok(), qPrintable(opened.ok() ? QString() : opened.error().message()));
        m_batch = opened->batchId;
        m_audit = std::move(opened->audit);

        m_profile = {};
        m_profile.retry.backoff = std::chrono::milliseconds(1);
        m_profile.configuration = {{QStringLiteral("thing"), QStringLiteral("{thingName}")},
                                   {QStringLiteral("endpoint"), QStringLiteral("iot.example.com")}};
        m_profile.serverRootCaPem = "-----BEGIN CERTIFICATE-----\nroot\n-----END CERTIFICATE-----\n";
    }

    void cleanup() { m_audit.reset(); }

    void passesAndRecordsEverythingInOrder()
    {
        test::FakeDevice device(QStringLiteral("HW-1"));
        qint64 certificatesWhenWritten = -1;
        device.onWriteChain = [&] {
            certificatesWhenWritten = count(m_db, QStringLiteral("SELECT COUNT(*) FROM certificates"));
        };
        QStringList steps;
        pipeline::UnitProvisioner provisioner(device, *m_ca->service, *m_audit, m_profile, m_clock);
        const auto outcome = provisioner.run(device.identify().value(), {m_batch, 0, kOperator},
                                             [&](const QString& step, int, int) { steps << step; });

        QVERIFY2(outcome.passed, qPrintable(outcome.step + u": " + outcome.reason));
        QCOMPARE(outcome.thingName, QStringLiteral("sensor-SN-1"));
        QCOMPARE(steps, pipeline::UnitProvisioner::stepNames(m_profile));
        QCOMPARE(certificatesWhenWritten, 1);  // committed before it reached the device
        QVERIFY(device.locked());
        QVERIFY(device.stored().value(QStringLiteral("chain")).endsWith(m_ca->service->caChainPem()));
        QCOMPARE(device.stored().value(QStringLiteral("config")),
                 QByteArray("thing=sensor-SN-1\nendpoint=iot.example.com\n"));
        QVERIFY(outcome.stationNs() >= 0 && outcome.stationNs() <= outcome.totalNs);

        m_audit.reset();  // flush and close
        QCOMPARE(count(m_db, QStringLiteral("SELECT COUNT(*) FROM units WHERE state = 'passed'")), 1);
        QCOMPARE(count(m_db, QStringLiteral("SELECT COUNT(*) FROM cloud_outbox")), 1);
        QCOMPARE(count(m_db, QStringLiteral("SELECT COUNT(*) FROM events WHERE step = 'proof of possession' AND outcome = 'ok'")), 1);
    }

    void stationKeyIsInjectedAndProven()
    {
        m_profile.keyMode = pipeline::KeyMode::StationKey;
        test::FakeDevice device(QStringLiteral("HW-2"));
        pipeline::UnitProvisioner provisioner(device, *m_ca->service, *m_audit, m_profile, m_clock);
        const auto outcome = provisioner.run(device.identify().value(), {m_batch, 1, kOperator});
        QVERIFY2(outcome.passed, qPrintable(outcome.step + u": " + outcome.reason));
        QVERIFY(device.hasInjectedKey());
        QVERIFY(device.lastCsrSubject().isEmpty());  // no keygen on the device
    }

    void failures_data()
    {
        QTest::addColumn<QString>("deviceStep");
        QTest::addColumn<int>("code");
        QTest::addColumn<int>("times");
        QTest::addColumn<QString>("failedStep");
        QTest::addColumn<QString>("hintWord");
        QTest::newRow("link lost writing the chain") << "chain" << int(ErrorCode::DeviceLinkLost) << 1 << "write chain" << "cable";
        QTest::newRow("keygen never answers") << "keygen" << int(ErrorCode::Timeout) << 9 << "generate key" << "Re-seat";
        QTest::newRow("device refuses to lock") << "lock" << int(ErrorCode::DeviceRefused) << 1 << "lock" << "reject bin";
        QTest::newRow("config corrupted 3 times") << "config" << int(ErrorCode::DeviceProtocol) << 3 << "write configuration" << "cable";
    }
    void failures()
    {
        QFETCH(QString, deviceStep);
        QFETCH(int, code);
        QFETCH(int, times);
        QFETCH(QString, failedStep);
        QFETCH(QString, hintWord);
        test::FakeDevice device(QStringLiteral("HW-3"));
        device.failNext(deviceStep, Error(static_cast<ErrorCode>(code), QStringLiteral("port /dev/fake0: scripted")), times);
        pipeline::UnitProvisioner provisioner(device, *m_ca->service, *m_audit, m_profile, m_clock);
        const auto outcome = provisioner.run(device.identify().value(), {m_batch, 0, kOperator});
        QVERIFY(!outcome.passed);
        QCOMPARE(outcome.step, failedStep);
        QVERIFY2(outcome.reason.contains(QStringLiteral("port /dev/fake0")), qPrintable(outcome.reason));
        QVERIFY2(outcome.hint.contains(hintWord), qPrintable(outcome.hint));
        m_audit.reset();
        QCOMPARE(count(m_db, QStringLiteral("SELECT COUNT(*) FROM units WHERE state = 'failed'")), 1);
        QCOMPARE(count(m_db, QStringLiteral("SELECT COUNT(*) FROM units WHERE state = 'passed'")), 0);
        QCOMPARE(count(m_db, QStringLiteral("SELECT COUNT(*) FROM cloud_outbox")), 0);
    }

    void transientErrorIsRetried()
    {
        test::FakeDevice device(QStringLiteral("HW-4"));
        device.failNext(QStringLiteral("chain"), Error(ErrorCode::DeviceProtocol, QStringLiteral("checksum")), 2);
        pipeline::UnitProvisioner provisioner(device, *m_ca->service, *m_audit, m_profile, m_clock);
        const auto outcome = provisioner.run(device.identify().value(), {m_batch, 0, kOperator});
        QVERIFY2(outcome.passed, qPrintable(outcome.reason));
        m_audit.reset();
        QCOMPARE(count(m_db, QStringLiteral("SELECT COUNT(*) FROM events WHERE step = 'write chain' AND outcome = 'retry'")), 2);
    }

    void proofOfPossessionWithAnotherKeyFails()
    {
        test::FakeDevice device(QStringLiteral("HW-5"));
        device.signWithAnotherKey();
        pipeline::UnitProvisioner provisioner(device, *m_ca->service, *m_audit, m_profile, m_clock);
        const auto outcome = provisioner.run(device.identify().value(), {m_batch, 0, kOperator});
        QVERIFY(!outcome.passed);
        QCOMPARE(outcome.step, QStringLiteral("proof of possession"));
        QVERIFY(outcome.reason.contains(QStringLiteral("does not hold that key")));
        QVERIFY(!device.locked());
    }

    void readBackMismatchFails()
    {
        test::FakeDevice device(QStringLiteral("HW-1"));
        device.corruptReadBack(QStringLiteral("config"));
        pipeline::UnitProvisioner provisioner(device, *m_ca->service, *m_audit, m_profile, m_clock);
        const auto outcome = provisioner.run(device.identify().value(), {m_batch, 0, kOperator});
        QVERIFY(!outcome.passed);
        QCOMPARE(outcome.step, QStringLiteral("verify"));
        QVERIFY2(outcome.reason.contains(QStringLiteral("read-back of 'config' does not match")), qPrintable(outcome.reason));
    }

    void deviceNotInWorkOrderIsRefusedAndNoted()
    {
        test::FakeDevice device(QStringLiteral("HW-999"));
        pipeline::UnitProvisioner provisioner(device, *m_ca->service, *m_audit, m_profile, m_clock);
        const auto outcome = provisioner.run(device.identify().value(), {m_batch, 2, kOperator});
        QVERIFY(!outcome.passed);
        QVERIFY(!outcome.unitId.has_value());
        QCOMPARE(outcome.step, QStringLiteral("bind"));
        QVERIFY2(outcome.reason.contains(QStringLiteral("HW-999")), qPrintable(outcome.reason));
        m_audit.reset();
        QCOMPARE(count(m_db, QStringLiteral("SELECT COUNT(*) FROM events WHERE step = 'bind' AND outcome = 'refused'")), 1);
    }

    void alreadyProvisionedDeviceIsRefused()
    {
        test::FakeDevice first(QStringLiteral("HW-2"));
        pipeline::UnitProvisioner provisioner(first, *m_ca->service, *m_audit, m_profile, m_clock);
        QVERIFY(provisioner.run(first.identify().value(), {m_batch, 0, kOperator}).passed);
        test::FakeDevice again(QStringLiteral("HW-2"));
        pipeline::UnitProvisioner second(again, *m_ca->service, *m_audit, m_profile, m_clock);
        const auto outcome = second.run(again.identify().value(), {m_batch, 1, kOperator});
        QVERIFY(!outcome.passed);
        QCOMPARE(outcome.step, QStringLiteral("bind"));
        QCOMPARE(outcome.errorCode, std::optional<ErrorCode>(ErrorCode::AlreadyExists));
        QVERIFY(outcome.hint.contains(QStringLiteral("supervisor")));
        QCOMPARE(outcome.refusal(), pipeline::Refusal::AlreadyProvisioned);
    }

    // What the tile offers comes from the outcome's kind, never from its words: only a device
    // turned away before binding can be let through by a supervisor.
    void refusalIsTheKindOfATurnAway_data()
    {
        QTest::addColumn<bool>("bound");
        QTest::addColumn<int>("code");
        QTest::addColumn<int>("expected");
        QTest::newRow("duplicate before bind") << false << int(ErrorCode::AlreadyExists) << int(pipeline::Refusal::AlreadyProvisioned);
        QTest::newRow("quota before bind") << false << int(ErrorCode::PermissionDenied) << int(pipeline::Refusal::OverQuota);
        QTest::newRow("duplicate key after bind") << true << int(ErrorCode::AlreadyExists) << int(pipeline::Refusal::None);
        QTest::newRow("not in the work order") << false << int(ErrorCode::NotFound) << int(pipeline::Refusal::None);
        QTest::newRow("device timeout") << true << int(ErrorCode::Timeout) << int(pipeline::Refusal::None);
    }

    void refusalIsTheKindOfATurnAway()
    {
        QFETCH(bool, bound);
        QFETCH(int, code);
        QFETCH(int, expected);
        pipeline::UnitOutcome outcome;
        if (bound)
            outcome.unitId = 7;
        outcome.errorCode = static_cast<ErrorCode>(code);
        QCOMPARE(int(outcome.refusal()), expected);
        QCOMPARE(pipeline::UnitOutcome{}.refusal(), pipeline::Refusal::None);  // passed: nothing refused
    }

    void bindsByScannedLabelAndRecordsIt()
    {
        m_profile.bind = pipeline::BindMode::Barcode;
        pipeline::ScannedLabels labels;
        labels.submit(2, QStringLiteral("SN-3"));
        test::FakeDevice device(QStringLiteral("HW-3"), QStringLiteral("/dev/fake2"));
        QStringList steps;
        pipeline::UnitContext context{m_batch, 2, kOperator};
        context.labels = &labels;
        pipeline::UnitProvisioner provisioner(device, *m_ca->service, *m_audit, m_profile, m_clock);
        const auto outcome = provisioner.run(device.identify().value(), context,
                                             [&](const QString& step, int, int) { steps << step; });
        QVERIFY2(outcome.passed, qPrintable(outcome.step + u": " + outcome.reason));
        QCOMPARE(steps.first(), QStringLiteral("scan label"));
        QCOMPARE(outcome.serialNumber, QStringLiteral("SN-3"));
        m_audit.reset();
        QCOMPARE(text(m_db, QStringLiteral("SELECT error FROM events WHERE step = 'begin' AND serial_number = 'SN-3'")),
                 QStringLiteral("scanned label 'SN-3'"));
    }

    void scannedLabelMustMatchTheDevicesSerial()
    {
        m_profile.bind = pipeline::BindMode::Barcode;
        pipeline::ScannedLabels labels;
        labels.submitToNextWaiting(QStringLiteral("SN-4"));
        test::FakeDevice device(QStringLiteral("HW-5"), QStringLiteral("/dev/fake1"));
        auto identity = device.identify().value();
        identity.serialNumber = QStringLiteral("SN-5");
        pipeline::UnitContext context{m_batch, 1, kOperator};
        context.labels = &labels;
        pipeline::UnitProvisioner provisioner(device, *m_ca->service, *m_audit, m_profile, m_clock);
        const auto outcome = provisioner.run(identity, context);
        QVERIFY(!outcome.passed);
        QVERIFY(!outcome.unitId);
        QCOMPARE(outcome.step, QStringLiteral("scan label"));
        QCOMPARE(outcome.reason,
                 QStringLiteral("label SN-4 does not match the device's serial SN-5 on slot 1 (port /dev/fake1)"));
        QVERIFY(outcome.hint.contains(QStringLiteral("Scan the label")));
        QVERIFY(device.lastCsrSubject().isEmpty());  // the device was not touched
        m_audit.reset();
        QCOMPARE(count(m_db, QStringLiteral("SELECT COUNT(*) FROM units")), 0);
        QVERIFY(text(m_db, QStringLiteral("SELECT error FROM events WHERE step = 'scan label' AND outcome = 'refused'"))
                    .contains(QStringLiteral("label SN-4 does not match")));
    }

    void noLabelInTimeFailsNamingSlotAndPort()
    {
        m_profile.bind = pipeline::BindMode::Barcode;
        m_profile.labelTimeout = std::chrono::milliseconds(50);
        pipeline::ScannedLabels labels;
        test::FakeDevice device(QStringLiteral("HW-1"), QStringLiteral("/dev/fake3"));
        pipeline::UnitContext context{m_batch, 3, kOperator};
        context.labels = &labels;
        pipeline::UnitProvisioner provisioner(device, *m_ca->service, *m_audit, m_profile, m_clock);
        const auto outcome = provisioner.run(device.identify().value(), context);
        QVERIFY(!outcome.passed);
        QCOMPARE(outcome.errorCode, std::optional<ErrorCode>(ErrorCode::Timeout));
        QCOMPARE(outcome.reason, QStringLiteral("slot 3 (port /dev/fake3): no label was scanned within 0.1 s"));
        QVERIFY(outcome.deviceNs >= 40'000'000);  // waiting for a person is not the station's time
    }

    void supervisorApprovesReworkOfARefusedDevice()
    {
        {
            auto connection = audit::SqlConnection::open(m_db);
            QVERIFY(connection.ok());
            QSqlQuery insert(connection.value()->db());
            QVERIFY(insert.exec(QStringLiteral("INSERT INTO operators (name, role, added_at, added_by) VALUES "
                                               "('sam', 'supervisor', '2026-01-01T00:00:00Z', 'test'), "
                                               "('olga', 'operator', '2026-01-01T00:00:00Z', 'test')")));
        }
        test::FakeDevice first(QStringLiteral("HW-4"));
        pipeline::UnitProvisioner provisioner(first, *m_ca->service, *m_audit, m_profile, m_clock);
        QVERIFY(provisioner.run(first.identify().value(), {m_batch, 0, kOperator}).passed);

        SameDeviceConnector connector(QStringLiteral("HW-4"));
        pipeline::ProvisioningRun run(connector, *m_ca->service, *m_audit, m_profile, m_clock);
        pipeline::RunOptions options;
        options.batchId = m_batch;
        options.actor = kOperator;
        options.pollInterval = std::chrono::milliseconds(10);
        QCOMPARE(run.approveRework(0, QStringLiteral("sam")).error().code(), ErrorCode::NotFound);  // nothing refused
        QVERIFY(run.start({{0, QStringLiteral("/dev/fake0")}}, options).ok());
        Status approved = Error(ErrorCode::NotFound, QString());
        for (int i = 0; i < 500 && approved.error().code() == ErrorCode::NotFound; ++i) {
            QTest::qWait(10);
            approved = run.approveRework(0, QStringLiteral("olga"));
        }
        QCOMPARE(approved.error().code(), ErrorCode::PermissionDenied);
        QVERIFY(approved.error().message().contains(QStringLiteral("'olga' is not registered as a supervisor")));
        QVERIFY(run.approveRework(0, QStringLiteral("sam")).ok());
        // Conditions that only ever become true: "one unit passed" alone flickers (1, then 0 while the old
        // unit is superseded and the rework runs, then 1), and QTRY re-reads its condition after the wait.
        QTRY_COMPARE_WITH_TIMEOUT(count(m_db, QStringLiteral("SELECT COUNT(*) FROM units WHERE state = 'passed' AND rework = 1")),
                                  1, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(count(m_db, QStringLiteral("SELECT COUNT(*) FROM units WHERE state = 'superseded'")), 1, 20000);
        QCOMPARE(count(m_db, QStringLiteral("SELECT COUNT(*) FROM units WHERE state = 'passed'")), 1);
        run.requestStop();
        const auto summary = run.wait();
        QCOMPARE(summary.passed, 1);  // the rework, once: the device stays refused after it
        QCOMPARE(summary.refused, 1);
        m_audit.reset();
        QCOMPARE(text(m_db, QStringLiteral("SELECT supervisor FROM units WHERE state = 'passed' AND rework = 1")),
                 QStringLiteral("sam"));
        QCOMPARE(count(m_db, QStringLiteral("SELECT COUNT(*) FROM certificates WHERE state = 'superseded'")), 1);
        QCOMPARE(count(m_db, QStringLiteral("SELECT COUNT(*) FROM events e JOIN units u ON u.id = e.unit_id WHERE "
                                            "u.rework = 1 AND e.step = 'factory reset' AND e.outcome = 'ok'")), 1);
    }

    void bindCommitsWhileTheDeviceMakesItsKey()
    {
        auto reader = audit::SqlConnection::open(m_db);
        QVERIFY(reader.ok());
        test::FakeDevice device(QStringLiteral("HW-2"));
        QStringList steps;
        pipeline::UnitContext context{m_batch, 0, kOperator};
        context.reader = reader.value().get();
        pipeline::UnitProvisioner provisioner(device, *m_ca->service, *m_audit, m_profile, m_clock);
        const auto outcome = provisioner.run(device.identify().value(), context,
                                             [&](const QString& step, int, int) { steps << step; });
        QVERIFY2(outcome.passed, qPrintable(outcome.step + u": " + outcome.reason));
        QCOMPARE(steps, pipeline::UnitProvisioner::stepNames(m_profile));
        QVERIFY(device.lastCsrSubject().contains(QStringLiteral("sensor-SN-2")));
        m_audit.reset();
        // The key's event follows the unit's first event, as if the steps had run one by one.
        QCOMPARE(text(m_db, QStringLiteral("SELECT group_concat(step, '|') FROM (SELECT step FROM events "
                                           "WHERE unit_id IS NOT NULL ORDER BY id LIMIT 3)")),
                 QStringLiteral("begin|generate key|certificate-recorded"));

        // Already provisioned: refused at bind, and the device is never asked for a key.
        auto store = audit::AuditStore::open({m_db, QStringLiteral("station-1")}, m_clock);
        QVERIFY(store.ok());
        m_audit = std::move(store).value();
        test::FakeDevice again(QStringLiteral("HW-2"));
        pipeline::UnitProvisioner second(again, *m_ca->service, *m_audit, m_profile, m_clock);
        const auto refused = second.run(again.identify().value(), context);
        QCOMPARE(refused.errorCode, std::optional<ErrorCode>(ErrorCode::AlreadyExists));
        QVERIFY(again.lastCsrSubject().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestUnitProvisioner)
#include "tst_unitprovisioner.moc"
