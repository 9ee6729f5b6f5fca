// The audit's hash chain: the database refuses edits, and `verify` (the library and the CLI,
// exit code 8) names the first row that was edited, deleted or reordered by someone who went
// around the triggers.
#include "AuditFixture.h"

#include "core/audit/EventChain.h"

#include <QSqlError>
#include <QSqlQuery>

using namespace imprint;
using namespace imprint::test;

class TestEventChain : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    int m_case = 0;

    // A database with 10 events: batch import, a supervisor, a unit's steps.
    QString makeChain()
    {
        const QString db = m_dir.filePath(QStringLiteral("chain-%1.sqlite").arg(++m_case));
        const qint64 batch = importDevices(db, m_dir, QStringLiteral("chain-%1").arg(m_case), 3);
        addPerson(db, QStringLiteral("sam"), QStringLiteral("supervisor"));
        const SystemClock clock;
        auto store = audit::AuditStore::open(audit::StoreOptions{db, QStringLiteral("station-1"), 64}, clock);
        auto unit = store.value()->beginUnit(unitFor(batch, QStringLiteral("SN0001")));
        for (int i = 0; i < 5; ++i)
            (void)store.value()->appendEvent(unit->unitId, {QStringLiteral("step-%1").arg(i), QStringLiteral("ok"), std::nullopt, 10});
        (void)store.value()->recordCertificate(unit->unitId, fakeCertificate(QStringLiteral("C1"), QStringLiteral("k1")));
        (void)store.value()->completePassed(unit->unitId);
        return db;
    }

    // What a tamperer with the sqlite3 shell can do: drop the triggers, then change rows.
    static void tamper(const QString& db, const QStringList& statements)
    {
        auto connection = audit::SqlConnection::open(db);
        QVERIFY(connection.ok());
        QSqlQuery q(connection.value()->db());
        QVERIFY(q.exec(QStringLiteral("DROP TRIGGER events_append_only_update")));
        QVERIFY(q.exec(QStringLiteral("DROP TRIGGER events_append_only_delete")));
        for (const QString& statement : statements)
            QVERIFY2(q.exec(statement), qPrintable(statement));
    }

    static audit::ChainReport verify(const QString& db)
    {
        auto connection = audit::SqlConnection::open(db);
        auto report = audit::verifyChain(*connection.value());
        if (!report)
            qFatal("%s", qPrintable(report.error().message()));
        return report.value();
    }

private Q_SLOTS:
    void anUntouchedChainVerifies()
    {
        const QString db = makeChain();
        const auto report = verify(db);
        QVERIFY2(!report.firstBadId, qPrintable(report.problem));
        QCOMPARE(report.rowsChecked, qint64(10));
    }

    void theDatabaseRefusesToEditOrDeleteEvents()
    {
        const QString db = makeChain();
        auto connection = audit::SqlConnection::open(db);
        QSqlQuery q(connection.value()->db());
        QVERIFY(!q.exec(QStringLiteral("UPDATE events SET outcome = 'ok' WHERE id = 3")));
        QVERIFY(q.lastError().text().contains(QStringLiteral("append-only")));
        QVERIFY(!q.exec(QStringLiteral("DELETE FROM events WHERE id = 3")));
        QVERIFY(!q.exec(QStringLiteral("DELETE FROM certificates")));
    }

    void tamperingIsFoundAtTheFirstBadRow_data()
    {
        QTest::addColumn<QStringList>("statements");
        QTest::addColumn<qint64>("firstBad");
        QTest::addColumn<QString>("problem");
        QTest::newRow("edited outcome") << QStringList{QStringLiteral("UPDATE events SET outcome = 'passed' WHERE id = 5")}
                                        << qint64(5) << QStringLiteral("edited");
        QTest::newRow("edited operator") << QStringList{QStringLiteral("UPDATE events SET operator = 'bob' WHERE id = 2")}
                                         << qint64(2) << QStringLiteral("edited");
        QTest::newRow("edited and rehashed") << QStringList{QStringLiteral("UPDATE events SET step = 'x', hash = "
                                                                           "'0000000000000000000000000000000000000000000000000000000000000001' WHERE id = 4")}
                                             << qint64(4) << QStringLiteral("edited");
        QTest::newRow("deleted row") << QStringList{QStringLiteral("DELETE FROM events WHERE id = 6")} << qint64(6)
                                     << QStringLiteral("missing");
        QTest::newRow("deleted and renumbered")
            << QStringList{QStringLiteral("DELETE FROM events WHERE id = 6"),
                           QStringLiteral("UPDATE events SET id = id - 1 WHERE id > 6")}
            << qint64(6) << QStringLiteral("does not follow");
        QTest::newRow("deleted last row") << QStringList{QStringLiteral("DELETE FROM events WHERE id = 10")} << qint64(10)
                                          << QStringLiteral("cut off");
        QTest::newRow("two rows swapped")
            << QStringList{QStringLiteral("UPDATE events SET id = -1 WHERE id = 7"),
                           QStringLiteral("UPDATE events SET id = 7 WHERE id = 8"),
                           QStringLiteral("UPDATE events SET id = 8 WHERE id = -1")}
            << qint64(7) << QStringLiteral("does not follow");
    }
    void tamperingIsFoundAtTheFirstBadRow()
    {
        QFETCH(QStringList, statements);
        QFETCH(qint64, firstBad);
        QFETCH(QString, problem);
        const QString db = makeChain();
        tamper(db, statements);
        const auto report = verify(db);
        QVERIFY(report.firstBadId.has_value());
        QCOMPARE(*report.firstBadId, firstBad);
        QVERIFY2(report.problem.contains(problem), qPrintable(report.problem));
    }

    void theCliExitsWithEightAndNamesTheRow()
    {
        const QString db = makeChain();
        const CliVerdict ok = verifyWithCli(db);
        QCOMPARE(ok.exitCode, 0);
        QVERIFY(ok.out.contains("10 events verify"));

        tamper(db, {QStringLiteral("UPDATE events SET error = NULL WHERE id = 9")});
        const CliVerdict bad = verifyWithCli(db);
        QCOMPARE(bad.exitCode, 8);
        QVERIFY2(bad.err.contains("FAILS at event 9") && bad.err.contains("edited"), bad.err.constData());
    }

    void theHashCoversEveryColumn()
    {
        audit::EventRecord event;
        event.at = QDateTime(QDate(2026, 1, 1), QTime(8, 0), Qt::UTC);
        event.station = QStringLiteral("s");
        event.operatorName = QStringLiteral("o");
        event.step = QStringLiteral("x");
        event.outcome = QStringLiteral("ok");
        const QString base = audit::eventHash(1, event, QString::fromLatin1(audit::kGenesisHash));
        QCOMPARE(base.size(), 64);
        QVERIFY(audit::eventHash(2, event, QString::fromLatin1(audit::kGenesisHash)) != base);
        audit::EventRecord changed = event;
        changed.slot = 0;  // NULL and 0 differ
        QVERIFY(audit::eventHash(1, changed, QString::fromLatin1(audit::kGenesisHash)) != base);
        changed = event;
        changed.supervisor = QString();  // NULL and empty differ
        QVERIFY(audit::eventHash(1, changed, QString::fromLatin1(audit::kGenesisHash)) != base);
    }
};

QTEST_GUILESS_MAIN(TestEventChain)
#include "tst_eventchain.moc"
