// A batch provisioned end to end from the command line: development token and CA on SoftHSM2,
// simulated devices on pseudo-terminals, a SQLite audit; every injected device fault ends
// the way a technician needs it to, and the audit verifies afterwards.
#include "StationHarness.h"

#include <QFile>
#include <QTest>

using namespace imprint;

class TestRun : public QObject
{
    Q_OBJECT

    test::StationHarness m_station;

private Q_SLOTS:
    void initTestCase()
    {
        const QString failure = m_station.setUpCa();
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
    }

    void batchOnFourPortsPassesAndVerifies()
    {
        const QString db = m_station.path(QStringLiteral("happy.sqlite"));
        const QString devices = m_station.path(QStringLiteral("happy-devices"));
        QVERIFY(m_station.importOrder(db, QStringLiteral("happy"), 4, 2).exitCode == 0);
        const QString started = m_station.startDevices(devices, {QStringLiteral("--ports"), QStringLiteral("4"),
                                                                 QStringLiteral("--queue"), QStringLiteral("2"),
                                                                 QStringLiteral("--protocol"), QStringLiteral("imprint")});
        QVERIFY2(started.isEmpty(), qPrintable(started));

        const auto run = m_station.cli(QStringList{QStringLiteral("run"), QStringLiteral("--db"), db,
                                                   QStringLiteral("--batch"), QStringLiteral("happy"),
                                                   QStringLiteral("--config"), QStringLiteral("thing={thingName}")}
                                       + test::StationHarness::portArguments(devices, 4));
        QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err));
        QVERIFY2(run.out.contains(QStringLiteral("run: 8 passed, 0 failed, 0 refused")), qPrintable(run.out));
        QVERIFY(run.out.contains(QStringLiteral("sensor-SIM-3-1 passed")));
        QCOMPARE(test::countRows(db, QStringLiteral("SELECT COUNT(*) FROM units WHERE state = 'passed'")), 8);
        QCOMPARE(test::countRows(db, QStringLiteral("SELECT COUNT(*) FROM certificates")), 8);
        QCOMPARE(test::countRows(db, QStringLiteral("SELECT COUNT(*) FROM cloud_outbox")), 8);

        const auto verify = m_station.cli({QStringLiteral("audit"), QStringLiteral("verify"), QStringLiteral("--db"), db});
        QVERIFY2(verify.exitCode == 0, qPrintable(verify.out + verify.err));

        const QString exported = m_station.path(QStringLiteral("happy.csv"));
        const auto exportRun = m_station.cli({QStringLiteral("audit"), QStringLiteral("export"), QStringLiteral("--format"),
                                              QStringLiteral("csv"), QStringLiteral("--db"), db, QStringLiteral("--out"), exported});
        QVERIFY2(exportRun.exitCode == 0, qPrintable(exportRun.err));
        QFile file(exported);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(file.readAll().contains("sensor-SIM-2-0"));

        // The same devices again: already provisioned, refused, nothing issued twice.
        m_station.stopDevices();
        const QString restarted = m_station.startDevices(devices, {QStringLiteral("--ports"), QStringLiteral("1"),
                                                                   QStringLiteral("--protocol"), QStringLiteral("imprint")});
        QVERIFY2(restarted.isEmpty(), qPrintable(restarted));
        const auto again = m_station.cli(QStringList{QStringLiteral("run"), QStringLiteral("--db"), db,
                                                     QStringLiteral("--batch"), QStringLiteral("happy"),
                                                     QStringLiteral("--idle-timeout"), QStringLiteral("2")}
                                         + test::StationHarness::portArguments(devices, 1));
        QCOMPARE(again.exitCode, 9);
        QVERIFY2(again.out.contains(QStringLiteral("0 passed, 0 failed, 1 refused")), qPrintable(again.out));
        QVERIFY2(again.out.contains(QStringLiteral("supervisor")), qPrintable(again.out));
        QCOMPARE(test::countRows(db, QStringLiteral("SELECT COUNT(*) FROM certificates")), 8);
        m_station.stopDevices();
    }

    void faults_data()
    {
        QTest::addColumn<QString>("fault");
        QTest::addColumn<bool>("passes");
        QTest::addColumn<QString>("expected");  // in the output
        QTest::newRow("boot-log noise") << "noise" << true << "passed";
        QTest::newRow("one corrupted frame") << "corrupt" << true << "passed";
        QTest::newRow("reboot mid-write") << "reboot" << true << "passed";
        QTest::newRow("every frame corrupted") << "corrupt-always" << false << "FAILED at generate key: port";
        QTest::newRow("link dropped mid-transfer") << "drop" << false << "FAILED at write chain";
        QTest::newRow("device stalls") << "stall" << false << "did not answer KEYGEN within 1.5 s";
        QTest::newRow("garbage CSR") << "garbage-csr" << false << "does not parse as DER PKCS#10";
        QTest::newRow("CSR of another key") << "foreign-csr" << false << "certificate does not match the device key";
    }
    void faults()
    {
        QFETCH(QString, fault);
        QFETCH(bool, passes);
        QFETCH(QString, expected);
        const QString db = m_station.path(fault + QStringLiteral(".sqlite"));
        const QString devices = m_station.path(fault + QStringLiteral("-devices"));
        QVERIFY(m_station.importOrder(db, fault, 1, 1).exitCode == 0);
        const QString started = m_station.startDevices(devices, {QStringLiteral("--ports"), QStringLiteral("1"),
                                                                 QStringLiteral("--protocol"), QStringLiteral("imprint"),
                                                                 QStringLiteral("--fault"), QStringLiteral("0:") + fault});
        QVERIFY2(started.isEmpty(), qPrintable(started));
        const auto run = m_station.cli(QStringList{QStringLiteral("run"), QStringLiteral("--db"), db, QStringLiteral("--batch"),
                                                   fault, QStringLiteral("--timeout-ms"), QStringLiteral("1500")}
                                       + test::StationHarness::portArguments(devices, 1));
        m_station.stopDevices();
        QCOMPARE(run.exitCode, passes ? 0 : 9);
        QVERIFY2(run.out.contains(expected), qPrintable(run.out + run.err));
        if (!passes)
            QVERIFY2(run.out.contains(QStringLiteral("what to do: ")), qPrintable(run.out));
        QCOMPARE(test::countRows(db, QStringLiteral("SELECT COUNT(*) FROM units WHERE state = 'passed'")), passes ? 1 : 0);
        QCOMPARE(test::countRows(db, QStringLiteral("SELECT COUNT(*) FROM units WHERE state = 'failed'")), passes ? 0 : 1);
        // Whatever happened, no certificate without its unit, and the chain verifies.
        QCOMPARE(test::countRows(db, QStringLiteral("SELECT COUNT(*) FROM certificates c LEFT JOIN units u "
                                                    "ON u.id = c.unit_id WHERE u.id IS NULL")), 0);
        QCOMPARE(m_station.cli({QStringLiteral("audit"), QStringLiteral("verify"), QStringLiteral("--db"), db}).exitCode, 0);
    }
};

QTEST_GUILESS_MAIN(TestRun)
#include "tst_run.moc"
