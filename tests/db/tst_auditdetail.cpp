// An event's detail (schema version 3) and the audit file's mode: a database written by the
// version-2 code migrates and still verifies; a detail goes in through every write path and comes
// back out of the unit timeline, the event list and the event export; a detail edited, added
// to an old row or removed is named by `verify` (library and CLI); the database and its
// -wal/-shm are 0600.
#include "AuditFixture.h"

#include "core/audit/AuditBrowse.h"
#include "core/audit/AuditExport.h"
#include "core/audit/EventBrowse.h"
#include "core/audit/EventChain.h"
#include "core/audit/Schema.h"

#include <QBuffer>
#include <QProcess>
#include <QSqlQuery>

#include <sys/stat.h>

using namespace imprint;
using namespace imprint::test;

namespace {

// The chain head of the committed version-2 fixture, as the version-2 code wrote it.
const QString kFixtureHead = QStringLiteral("0b742b23dba1bde8c834ed34853073c17a916a2fd9af3878a7f908b5fb40a51c");
constexpr qint64 kFixtureEvents = 18;
const QString kClaimDetail = QStringLiteral("claim=4f1c9a via=trusted-user expires=2026-11-26T12:05:00.000Z");

unsigned fileMode(const QString& path)
{
    struct stat status = {};
    if (::stat(QFile::encodeName(path).constData(), &status) != 0)
        return 0;
    return status.st_mode & 0777u;
}

QString octal(unsigned mode)
{
    return QString::number(mode, 8).rightJustified(4, u'0');
}

}  // namespace

class TestAuditDetail : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    int m_case = 0;
    SystemClock m_clock;

    QString newPath(const QString& what)
    {
        return m_dir.filePath(QStringLiteral("%1-%2.sqlite").arg(what).arg(++m_case));
    }

    // The version-2 fixture loaded by the sqlite3 shell (not our code), not yet migrated.
    QString loadVersion2Fixture()
    {
        const QString db = newPath(QStringLiteral("v2"));
        QProcess shell;
        shell.setStandardInputFile(QStringLiteral(AUDIT_V2_FIXTURE));
        shell.start(QStringLiteral("sqlite3"), {db});
        if (!shell.waitForFinished(30000) || shell.exitCode() != 0)
            qFatal("sqlite3 could not load %s: %s", AUDIT_V2_FIXTURE, shell.readAllStandardError().constData());
        QProcess version;
        version.start(QStringLiteral("sqlite3"), {db, QStringLiteral("PRAGMA user_version;")});
        if (!version.waitForFinished(30000) || version.readAllStandardOutput().trimmed() != "2")
            qFatal("the fixture %s is not at schema version 2", AUDIT_V2_FIXTURE);
        return db;
    }

    // The fixture migrated, plus new events with a detail: a chain mixing both kinds of rows.
    // Returns the database; `firstNew` is the id of the first event with a detail.
    QString mixedChain(qint64* firstNew)
    {
        const QString db = loadVersion2Fixture();
        auto store = audit::AuditStore::open(audit::StoreOptions{db, QStringLiteral("vm"), 64}, m_clock);
        if (!store)
            qFatal("%s", qPrintable(store.error().message()));
        *firstNew = kFixtureEvents + 1;
        const audit::Actor actor{QStringLiteral("olivia"), std::nullopt};
        if (!store.value()->appendStationEvent(actor, QStringLiteral("claim-created"), QStringLiteral("ok"), 1,
                                               std::nullopt, kClaimDetail))
            qFatal("station event");
        if (!store.value()->appendEvent(1, {QStringLiteral("install-claim"), QStringLiteral("ok"), std::nullopt, 40,
                                            kClaimDetail}))
            qFatal("unit event");
        if (!store.value()->appendEvent(1, {QStringLiteral("note"), QStringLiteral("ok"), std::nullopt, 1}))
            qFatal("unit event without detail");
        return db;
    }

    static audit::ChainReport verify(const QString& db)
    {
        auto connection = audit::SqlConnection::open(db);
        if (!connection)
            qFatal("%s", qPrintable(connection.error().message()));
        auto report = audit::verifyChain(*connection.value());
        if (!report)
            qFatal("%s", qPrintable(report.error().message()));
        return report.value();
    }

    // What a tamperer with the sqlite3 shell can do: drop the trigger, then change a row.
    static void tamper(const QString& db, const QString& statement)
    {
        QProcess shell;
        shell.start(QStringLiteral("sqlite3"),
                    {db, QStringLiteral("DROP TRIGGER events_append_only_update; ") + statement});
        QVERIFY(shell.waitForFinished(30000));
        QVERIFY2(shell.exitCode() == 0, shell.readAllStandardError().constData());
    }

private Q_SLOTS:
    void aVersion2DatabaseMigratesAndStillVerifies()
    {
        const QString db = loadVersion2Fixture();
        QCOMPARE(scalar(db, QStringLiteral("PRAGMA user_version")).toInt(), audit::kSchemaVersion);  // opened: migrated
        QCOMPARE(audit::kSchemaVersion, 3);
        QCOMPARE(scalar(db, QStringLiteral("SELECT COUNT(*) FROM events WHERE detail IS NULL")).toLongLong(),
                 kFixtureEvents);
        const auto report = verify(db);
        QVERIFY2(!report.firstBadId, qPrintable(report.problem));
        QCOMPARE(report.rowsChecked, kFixtureEvents);
        QCOMPARE(report.lastHash, kFixtureHead);  // every old row kept the hash it was written with
        // Still append-only after the ALTER TABLE.
        auto connection = audit::SqlConnection::open(db);
        QSqlQuery q(connection.value()->db());
        QVERIFY(!q.exec(QStringLiteral("UPDATE events SET detail = 'x' WHERE id = 1")));
    }

    void oldAndNewRowsVerifyTogether()
    {
        qint64 firstNew = 0;
        const QString db = mixedChain(&firstNew);
        const auto report = verify(db);
        QVERIFY2(!report.firstBadId, qPrintable(report.problem));
        QCOMPARE(report.rowsChecked, kFixtureEvents + 3);

        const CliVerdict cli = verifyWithCli(db);
        QCOMPARE(cli.exitCode, 0);
        QVERIFY(cli.out.contains("21 events verify"));
    }

    void aDetailRoundTripsThroughEveryWritePath()
    {
        const QString db = newPath(QStringLiteral("roundtrip"));
        const qint64 batch = importDevices(db, m_dir, QStringLiteral("roundtrip-%1").arg(m_case), 2);
        qint64 unitId = 0;
        {
            auto store = audit::AuditStore::open(audit::StoreOptions{db, QStringLiteral("station-1"), 64}, m_clock);
            QVERIFY(store.ok());
            auto unit = store.value()->beginUnit(unitFor(batch, QStringLiteral("SN0001")));
            QVERIFY(unit.ok());
            unitId = unit->unitId;
            // Grouped: both queued before either is waited for.
            auto first = store.value()->appendEventAsync(unitId, {QStringLiteral("install-claim"), QStringLiteral("ok"),
                                                                  std::nullopt, 40, kClaimDetail});
            auto second = store.value()->appendEventAsync(unitId, {QStringLiteral("empty-detail"), QStringLiteral("ok"),
                                                                   std::nullopt, 1, QString()});
            QVERIFY(first.get().ok());
            QVERIFY(second.get().ok());
            QVERIFY(store.value()->appendEvent(unitId, {QStringLiteral("write"), QStringLiteral("ok"), std::nullopt, 5,
                                                        QStringLiteral("bytes=1184")}));
            QVERIFY(store.value()->appendStationEvent({QStringLiteral("olivia"), std::nullopt},
                                                      QStringLiteral("claim-deactivated"), QStringLiteral("ok"), batch,
                                                      std::nullopt, QStringLiteral("claim=4f1c9a status=INACTIVE")));
        }
        const auto report = verify(db);
        QVERIFY2(!report.firstBadId, qPrintable(report.problem));

        auto connection = audit::SqlConnection::open(db);
        QVERIFY(connection.ok());
        auto detail = audit::unitDetail(*connection.value(), unitId);
        QVERIFY(detail.ok());
        QStringList timeline;
        for (const audit::EventRow& event : detail->events)
            timeline << event.step + u'=' + event.detail;
        QCOMPARE(timeline, (QStringList{QStringLiteral("begin="), QStringLiteral("install-claim=") + kClaimDetail,
                                        QStringLiteral("empty-detail="), QStringLiteral("write=bytes=1184")}));
        // No detail is NULL in the database (an empty one too), never "".
        QCOMPARE(scalar(db, QStringLiteral("SELECT COUNT(*) FROM events WHERE detail = ''")).toInt(), 0);
        QCOMPARE(scalar(db, QStringLiteral("SELECT detail FROM events WHERE step = 'claim-deactivated'")).toString(),
                 QStringLiteral("claim=4f1c9a status=INACTIVE"));

        // The audit's event list returns it, and its text search finds a claim by its ID.
        audit::EventFilter filter;
        filter.text = QStringLiteral("4f1c9a");
        auto page = audit::eventPage(*connection.value(), filter, std::nullopt, 10);
        QVERIFY(page.ok());
        QStringList found;
        for (const audit::EventListRow& row : page->rows)
            found << row.step + u'=' + row.detail;
        QCOMPARE(found, (QStringList{QStringLiteral("claim-deactivated=claim=4f1c9a status=INACTIVE"),
                                     QStringLiteral("install-claim=") + kClaimDetail}));

        QBuffer out;
        QVERIFY(out.open(QIODevice::WriteOnly));
        auto exported = audit::exportAudit(*connection.value(), audit::ExportFormat::JsonLines,
                                           audit::ExportSubject::Events, {}, out);
        QVERIFY(exported.ok());
        const QByteArray expected = QByteArray("\"detail\":\"") + kClaimDetail.toUtf8() + '"';
        QVERIFY2(out.data().contains(expected), out.data().constData());
        QVERIFY(out.data().contains("\"detail\":null"));
    }

    void theHashCoversTheDetailOnlyWhenThereIsOne()
    {
        audit::EventRecord event;
        event.at = QDateTime(QDate(2026, 1, 1), QTime(8, 0), Qt::UTC);
        event.station = QStringLiteral("s");
        event.operatorName = QStringLiteral("o");
        event.step = QStringLiteral("x");
        event.outcome = QStringLiteral("ok");
        const QString genesis = QString::fromLatin1(audit::kGenesisHash);
        const QString without = audit::eventHash(1, event, genesis);
        audit::EventRecord withEmpty = event;
        withEmpty.detail = QString();
        QCOMPARE(audit::eventHash(1, withEmpty, genesis), without);  // empty is no detail
        audit::EventRecord with = event;
        with.detail = QStringLiteral("a=1");
        QVERIFY(audit::eventHash(1, with, genesis) != without);
        const QString first = audit::eventHash(1, with, genesis);
        with.detail = QStringLiteral("a=2");
        QVERIFY(audit::eventHash(1, with, genesis) != first);
    }

    void tamperingWithADetailIsNamed_data()
    {
        QTest::addColumn<QString>("statement");
        QTest::addColumn<qint64>("row");
        // Rows: 6 is a version-2 row (no detail), 19 and 20 were written with one.
        QTest::newRow("detail edited") << QStringLiteral("UPDATE events SET detail = 'claim=other' WHERE id = 20;")
                                       << qint64(20);
        QTest::newRow("detail removed") << QStringLiteral("UPDATE events SET detail = NULL WHERE id = 19;") << qint64(19);
        QTest::newRow("detail added to an old row")
            << QStringLiteral("UPDATE events SET detail = 'claim=forged' WHERE id = 6;") << qint64(6);
        QTest::newRow("empty detail added to an old row") << QStringLiteral("UPDATE events SET detail = '' WHERE id = 6;")
                                                          << qint64(6);
        QTest::newRow("detail added to a new row without one")
            << QStringLiteral("UPDATE events SET detail = 'x=1' WHERE id = 21;") << qint64(21);
    }
    void tamperingWithADetailIsNamed()
    {
        QFETCH(QString, statement);
        QFETCH(qint64, row);
        qint64 firstNew = 0;
        const QString db = mixedChain(&firstNew);
        QCOMPARE(firstNew, qint64(19));
        tamper(db, statement);
        const auto report = verify(db);
        QVERIFY(report.firstBadId.has_value());
        QCOMPARE(*report.firstBadId, row);
        QVERIFY2(report.problem.contains(QStringLiteral("event %1 was edited").arg(row)), qPrintable(report.problem));
    }

    void theCliNamesTheRowWithAnEditedDetail()
    {
        qint64 firstNew = 0;
        const QString db = mixedChain(&firstNew);
        tamper(db, QStringLiteral("UPDATE events SET detail = 'claim=other' WHERE id = 20;"));
        const CliVerdict cli = verifyWithCli(db);
        QCOMPARE(cli.exitCode, 8);
        QVERIFY2(cli.err.contains("FAILS at event 20") && cli.err.contains("edited"), cli.err.constData());
    }

    void theDatabaseAndItsWalAreOwnerOnly()
    {
        const mode_t previous = ::umask(022);  // the usual umask, which would give 0644
        const QString db = m_dir.filePath(QStringLiteral("private/station/audit.sqlite"));
        {
            const qint64 batch = importDevices(db, m_dir, QStringLiteral("private"), 1);
            auto store = audit::AuditStore::open(audit::StoreOptions{db, QStringLiteral("station-1"), 64}, m_clock);
            QVERIFY(store.ok());
            QVERIFY(store.value()->beginUnit(unitFor(batch, QStringLiteral("SN0001"))).ok());
            // While the writer's connection is open the -wal and -shm files exist.
            for (const QString& path : QStringList{db, db + QStringLiteral("-wal"), db + QStringLiteral("-shm")}) {
                QVERIFY2(QFileInfo::exists(path), qPrintable(path));
                QCOMPARE(octal(fileMode(path)), QStringLiteral("0600"));
            }
        }
        ::umask(previous);
        QCOMPARE(octal(fileMode(db)), QStringLiteral("0600"));
    }

    void aDatabaseInAGroupSharedDirectoryIsForTheGroup()
    {
        // docs/install.md: technicians share /srv/imprint (group imprint, mode 2770); the first one
        // to run creates the database there, and the others must be able to write it too.
        const QString shared = m_dir.filePath(QStringLiteral("srv-imprint"));
        QVERIFY(QDir().mkpath(shared));
        QCOMPARE(::chmod(QFile::encodeName(shared).constData(), 02770), 0);
        const mode_t previous = ::umask(022);  // which alone would take the group's write bit away
        const QString db = shared + QStringLiteral("/audit.sqlite");
        {
            const qint64 batch = importDevices(db, m_dir, QStringLiteral("shared-dir"), 1);
            auto store = audit::AuditStore::open(audit::StoreOptions{db, QStringLiteral("station-1"), 64}, m_clock);
            QVERIFY(store.ok());
            QVERIFY(store.value()->beginUnit(unitFor(batch, QStringLiteral("SN0001"))).ok());
            for (const QString& path : QStringList{db, db + QStringLiteral("-wal"), db + QStringLiteral("-shm")})
                QCOMPARE(octal(fileMode(path)), QStringLiteral("0660"));
        }
        ::umask(previous);
    }

    void anExistingDatabaseKeepsItsMode()
    {
        // A station that shares one database set its mode on purpose: opening does not change it.
        const QString db = newPath(QStringLiteral("shared"));
        QFile file(db);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.close();
        QVERIFY(file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup
                                    | QFileDevice::WriteGroup));
        QVERIFY(audit::SqlConnection::open(db).ok());
        QCOMPARE(octal(fileMode(db)), QStringLiteral("0660"));
    }
};

QTEST_GUILESS_MAIN(TestAuditDetail)
#include "tst_auditdetail.moc"
