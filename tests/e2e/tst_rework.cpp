// `imprint-cli run --rework --supervisor NAME` end to end: devices already provisioned are
// provisioned again only with a registered supervisor's approval; the old certificates are
// superseded, the supervisor is on record, and the audit verifies.
#include "StationHarness.h"

#include <QTest>

using namespace imprint;

class TestRework : public QObject
{
    Q_OBJECT

    test::StationHarness m_station;

private Q_SLOTS:
    void initTestCase()
    {
        const QString failure = m_station.setUpCa();
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
    }

    void reworkNeedsARegisteredSupervisor()
    {
        const QString db = m_station.path(QStringLiteral("rework.sqlite"));
        const QString devices = m_station.path(QStringLiteral("rework-devices"));
        QVERIFY(m_station.importOrder(db, QStringLiteral("rework"), 2, 1).exitCode == 0);
        const QStringList portArgs = test::StationHarness::portArguments(devices, 2);
        const QStringList deviceArgs{QStringLiteral("--ports"), QStringLiteral("2"), QStringLiteral("--protocol"),
                                     QStringLiteral("imprint")};
        QVERIFY(m_station.startDevices(devices, deviceArgs).isEmpty());
        const auto first = m_station.cli(QStringList{QStringLiteral("run"), QStringLiteral("--db"), db,
                                                     QStringLiteral("--batch"), QStringLiteral("rework")} + portArgs);
        m_station.stopDevices();
        QVERIFY2(first.exitCode == 0, qPrintable(first.out + first.err));

        const QStringList addSupervisor{QStringLiteral("audit"), QStringLiteral("add-operator"), QStringLiteral("sam"),
                                        QStringLiteral("--role"), QStringLiteral("supervisor"), QStringLiteral("--db"), db};
        QCOMPARE(m_station.cli(addSupervisor).exitCode, 0);
        QCOMPARE(m_station.cli({QStringLiteral("audit"), QStringLiteral("add-operator"), QStringLiteral("olga"),
                                QStringLiteral("--supervisor"), QStringLiteral("sam"), QStringLiteral("--db"), db})
                     .exitCode,
                 0);

        const QStringList rework = QStringList{QStringLiteral("run"), QStringLiteral("--db"), db, QStringLiteral("--batch"),
                                               QStringLiteral("rework"), QStringLiteral("--rework"),
                                               QStringLiteral("--idle-timeout"), QStringLiteral("3")}
                                   + portArgs;
        const auto noSupervisor = m_station.cli(rework);
        QVERIFY(noSupervisor.exitCode != 0);
        QVERIFY2(noSupervisor.err.contains(QStringLiteral("--rework needs --supervisor NAME")), qPrintable(noSupervisor.err));
        const auto notSupervisor = m_station.cli(rework + QStringList{QStringLiteral("--supervisor"), QStringLiteral("olga")});
        QVERIFY(notSupervisor.exitCode != 0);
        QVERIFY2(notSupervisor.err.contains(QStringLiteral("'olga' is not registered as a supervisor")),
                 qPrintable(notSupervisor.err));

        QVERIFY(m_station.startDevices(devices, deviceArgs).isEmpty());  // the same devices, provisioned
        const auto reworked = m_station.cli(rework + QStringList{QStringLiteral("--supervisor"), QStringLiteral("sam")});
        m_station.stopDevices();
        QVERIFY2(reworked.exitCode == 0, qPrintable(reworked.out + reworked.err));
        QVERIFY2(reworked.out.contains(QStringLiteral("run: 2 passed, 0 failed, 0 refused")), qPrintable(reworked.out));
        QCOMPARE(test::countRows(db, QStringLiteral("SELECT COUNT(*) FROM units WHERE state = 'passed' AND rework = 1 "
                                                    "AND supervisor = 'sam'")), 2);
        QCOMPARE(test::countRows(db, QStringLiteral("SELECT COUNT(*) FROM units WHERE state = 'superseded'")), 2);
        QCOMPARE(test::countRows(db, QStringLiteral("SELECT COUNT(*) FROM certificates WHERE state = 'superseded'")), 2);
        QCOMPARE(test::countRows(db, QStringLiteral("SELECT COUNT(*) FROM certificates WHERE state = 'active'")), 2);
        QCOMPARE(m_station.cli({QStringLiteral("audit"), QStringLiteral("verify"), QStringLiteral("--db"), db}).exitCode, 0);
    }

    // `run --quota-override --supervisor NAME`: an open batch at its quota takes more units only
    // with a registered supervisor's approval, who is then on record for them.
    void quotaOverrideNeedsASupervisor()
    {
        const QString db = m_station.path(QStringLiteral("quota.sqlite"));
        const QString devices = m_station.path(QStringLiteral("quota-devices"));
        QCOMPARE(m_station.cli({QStringLiteral("batch"), QStringLiteral("open"), QStringLiteral("lot"), QStringLiteral("--quota"),
                                QStringLiteral("1"), QStringLiteral("--db"), db})
                     .exitCode,
                 0);
        QCOMPARE(m_station.cli({QStringLiteral("audit"), QStringLiteral("add-operator"), QStringLiteral("sam"), QStringLiteral("--role"),
                                QStringLiteral("supervisor"), QStringLiteral("--db"), db})
                     .exitCode,
                 0);
        const QStringList deviceArgs{QStringLiteral("--ports"), QStringLiteral("2"), QStringLiteral("--protocol"),
                                     QStringLiteral("imprint")};
        const QStringList run = QStringList{QStringLiteral("run"), QStringLiteral("--db"), db, QStringLiteral("--batch"),
                                            QStringLiteral("lot"), QStringLiteral("--idle-timeout"), QStringLiteral("3")}
                                + test::StationHarness::portArguments(devices, 2);

        QVERIFY(m_station.startDevices(devices, deviceArgs).isEmpty());
        const auto atQuota = m_station.cli(run);
        m_station.stopDevices();
        QVERIFY2(atQuota.out.contains(QStringLiteral("run: 1 passed, 0 failed, 1 refused")), qPrintable(atQuota.out + atQuota.err));
        QVERIFY2(atQuota.out.contains(QStringLiteral("has reached its quota of 1 units")), qPrintable(atQuota.out));

        const auto unapproved = m_station.cli(run + QStringList{QStringLiteral("--quota-override")});
        QVERIFY(unapproved.exitCode != 0);
        QVERIFY2(unapproved.err.contains(QStringLiteral("--quota-override needs --supervisor NAME")), qPrintable(unapproved.err));

        QVERIFY(m_station.startDevices(devices, deviceArgs).isEmpty());  // one provisioned, one turned away
        const auto approved = m_station.cli(run + QStringList{QStringLiteral("--quota-override"), QStringLiteral("--supervisor"),
                                                              QStringLiteral("sam")});
        m_station.stopDevices();
        QVERIFY2(approved.out.contains(QStringLiteral("run: 1 passed, 0 failed, 1 refused")), qPrintable(approved.out + approved.err));
        QCOMPARE(test::countRows(db, QStringLiteral("SELECT COUNT(*) FROM units WHERE state = 'passed'")), 2);
        QCOMPARE(test::countRows(db, QStringLiteral("SELECT COUNT(*) FROM units WHERE state = 'passed' AND supervisor = 'sam'")), 1);
        QCOMPARE(m_station.cli({QStringLiteral("audit"), QStringLiteral("verify"), QStringLiteral("--db"), db}).exitCode, 0);
    }
};

QTEST_GUILESS_MAIN(TestRework)
#include "tst_rework.moc"
