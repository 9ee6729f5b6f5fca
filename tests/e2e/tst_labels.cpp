// `imprint-cli run --bind barcode` end to end: labels typed on stdin (as a USB scanner types
// them) bind simulated devices to their work-order rows; a label that is not the device's serial
// is refused in plain words, and no label in time is a failure naming the slot and port.
#include "StationHarness.h"

#include <QTest>

using namespace imprint;

namespace {

// Runs imprint-cli with `input` on its stdin (then closed, as when a scanner is unplugged).
test::CliRun runWithInput(const test::StationHarness& station, const QStringList& arguments, const QByteArray& input)
{
    auto process = station.startCli(arguments);
    process->write(input);
    process->closeWriteChannel();
    if (!process->waitForFinished(120'000)) {
        process->kill();
        process->waitForFinished();
        return {-1, QString(), QStringLiteral("imprint-cli did not finish in time")};
    }
    return {process->exitCode(), QString::fromUtf8(process->readAllStandardOutput()),
            QString::fromUtf8(process->readAllStandardError())};
}

}  // namespace

class TestLabels : public QObject
{
    Q_OBJECT

    test::StationHarness m_station;

    // A work order of `orderPorts` x 1 devices in its own audit file, `ports` simulated devices
    // running; returns the audit file and the devices' folder.
    std::pair<QString, QString> prepare(const QString& name, int orderPorts, int ports)
    {
        const QString db = m_station.path(name + QStringLiteral(".sqlite"));
        const QString devices = m_station.path(name + QStringLiteral("-devices"));
        if (m_station.importOrder(db, name, orderPorts, 1).exitCode != 0)
            return {};
        if (!m_station.startDevices(devices, {QStringLiteral("--ports"), QString::number(ports),
                                              QStringLiteral("--protocol"), QStringLiteral("imprint")})
                 .isEmpty())
            return {};
        return {db, devices};
    }

    QStringList runArguments(const QString& db, const QString& batch, const QString& devices, int ports) const
    {
        return QStringList{QStringLiteral("run"), QStringLiteral("--db"), db, QStringLiteral("--batch"), batch,
                           QStringLiteral("--bind"), QStringLiteral("barcode"), QStringLiteral("--idle-timeout"),
                           QStringLiteral("3")}
               + test::StationHarness::portArguments(devices, ports);
    }

private Q_SLOTS:
    void initTestCase()
    {
        const QString failure = m_station.setUpCa();
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
    }

    void scannedLabelsBindDevicesOnTwoSlots()
    {
        const auto [db, devices] = prepare(QStringLiteral("labels"), 2, 2);
        QVERIFY(!db.isEmpty());
        // Slot 1 by number; the unaddressed label goes to the lowest slot waiting (0).
        const auto run = runWithInput(m_station, runArguments(db, QStringLiteral("labels"), devices, 2),
                                      "1:SIM-1-0\r\nSIM-0-0\n");
        m_station.stopDevices();
        QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err));
        QVERIFY2(run.out.contains(QStringLiteral("run: 2 passed, 0 failed, 0 refused")), qPrintable(run.out));
        QVERIFY2(run.out.contains(QStringLiteral("slot 1 %1/slot1: scan the label of device").arg(devices)),
                 qPrintable(run.out));
        QCOMPARE(test::countRows(db, QStringLiteral("SELECT COUNT(*) FROM events WHERE step = 'begin' AND "
                                                    "error = 'scanned label ''SIM-0-0''' AND slot = 0")), 1);
        QCOMPARE(test::countRows(db, QStringLiteral("SELECT COUNT(*) FROM events WHERE step = 'begin' AND "
                                                    "error = 'scanned label ''SIM-1-0''' AND slot = 1")), 1);
        QCOMPARE(m_station.cli({QStringLiteral("audit"), QStringLiteral("verify"), QStringLiteral("--db"), db}).exitCode, 0);
    }

    void labelOfAnotherDeviceIsRefused()
    {
        const auto [db, devices] = prepare(QStringLiteral("mismatch"), 2, 1);
        QVERIFY(!db.isEmpty());
        const auto run = runWithInput(m_station, runArguments(db, QStringLiteral("mismatch"), devices, 1), "SIM-1-0\n");
        m_station.stopDevices();
        QCOMPARE(run.exitCode, 9);
        QVERIFY2(run.out.contains(QStringLiteral("label SIM-1-0 does not match the device's serial SIM-0-0 on slot 0")),
                 qPrintable(run.out + run.err));
        QVERIFY2(run.out.contains(QStringLiteral("0 passed, 0 failed, 1 refused")), qPrintable(run.out));
        QCOMPARE(test::countRows(db, QStringLiteral("SELECT COUNT(*) FROM units")), 0);
        QCOMPARE(test::countRows(db, QStringLiteral("SELECT COUNT(*) FROM certificates")), 0);
    }

    void noLabelInTimeNamesSlotAndPort()
    {
        const auto [db, devices] = prepare(QStringLiteral("nolabel"), 1, 1);
        QVERIFY(!db.isEmpty());
        const auto run = runWithInput(m_station,
                                      runArguments(db, QStringLiteral("nolabel"), devices, 1)
                                          << QStringLiteral("--label-timeout") << QStringLiteral("0.5"),
                                      QByteArray());
        m_station.stopDevices();
        QCOMPARE(run.exitCode, 9);
        QVERIFY2(run.out.contains(QStringLiteral("slot 0 (port %1/slot0): no label was scanned within 0.5 s").arg(devices)),
                 qPrintable(run.out + run.err));
        QCOMPARE(test::countRows(db, QStringLiteral("SELECT COUNT(*) FROM units")), 0);
    }
};

QTEST_GUILESS_MAIN(TestLabels)
#include "tst_labels.moc"
