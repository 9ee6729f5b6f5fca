// Crash safety: a writer provisioning devices on 4 slots is killed with SIGKILL at random moments
// (a bounded loop), restarted, and after every kill the audit database must hold:
//  - SQLite's integrity check and the audit's hash chain;
//  - every unit the writer was told "passed" is passed (nothing committed is lost);
//  - every certificate that reached a device has its audit row (recorded before it was written);
//  - no device counted twice (one passed unit per work-order row), every passed unit with its
//    active certificate and its cloud registration queued;
//  - units left in progress are shown as interrupted after the restart, and redone.
#include "AuditFixture.h"

#include "core/audit/EventChain.h"

#include <QProcess>
#include <QRandomGenerator>
#include <QSet>

using namespace imprint;
using namespace imprint::test;

class TestAuditCrash : public QObject
{
    Q_OBJECT

    static constexpr int kDevices = 1000;  // 9 ms of device time each, 4 slots: > 2 s of work
    static constexpr int kKills = 8;

    QTemporaryDir m_dir;
    QString m_db;
    QString m_deviceLog;
    qint64 m_batch = 0;
    QSet<QString> m_confirmedPassed;

    QStringList query(const QString& sql)
    {
        auto connection = audit::SqlConnection::open(m_db);
        if (!connection)
            qFatal("%s", qPrintable(connection.error().message()));
        auto q = connection.value()->run(sql, {}, QStringLiteral("check"));
        if (!q)
            qFatal("%s", qPrintable(q.error().message()));
        QStringList values;
        while (q.value()->next())
            values << q.value()->value(0).toString();
        q.value()->finish();
        return values;
    }

    // Starts the writer and waits until it has recovered (so a kill hits real work).
    void startWriter(QProcess& writer)
    {
        writer.start(QStringLiteral(AUDIT_CRASH_WRITER), {m_db, m_deviceLog, QString::number(m_batch), QStringLiteral("4")});
        QVERIFY(writer.waitForStarted(10000));
        while (!writer.canReadLine())
            QVERIFY2(writer.waitForReadyRead(20000), "the writer did not report its recovery");
        const QByteArray first = writer.readLine();
        QVERIFY2(first.startsWith("RECOVERED "), first.constData());
    }

    void collect(QProcess& writer)
    {
        const QList<QByteArray> lines = writer.readAllStandardOutput().split('\n');
        for (const QByteArray& line : lines) {
            QVERIFY2(!line.startsWith("REFUSED") && !line.startsWith("PASS-FAILED"), line.constData());
            if (line.startsWith("PASSED "))
                m_confirmedPassed.insert(QString::fromUtf8(line.mid(7)));
        }
    }

    void checkInvariants(const QString& when)
    {
        const QByteArray context = when.toUtf8();
        QCOMPARE(query(QStringLiteral("PRAGMA integrity_check")), QStringList{QStringLiteral("ok")});
        auto connection = audit::SqlConnection::open(m_db);
        auto chain = audit::verifyChain(*connection.value());
        QVERIFY(chain.ok());
        QVERIFY2(!chain->firstBadId, qPrintable(when + QStringLiteral(": ") + chain->problem));

        const QSet<QString> passed = toSet(query(QStringLiteral("SELECT serial_number FROM units WHERE state = 'passed'")));
        for (const QString& serial : m_confirmedPassed)
            QVERIFY2(passed.contains(serial), qPrintable(when + QStringLiteral(": confirmed ") + serial + QStringLiteral(" is not passed")));

        const QSet<QString> recorded = toSet(query(QStringLiteral("SELECT serial FROM certificates")));
        QFile log(m_deviceLog);
        QVERIFY(log.open(QIODevice::ReadOnly));
        for (const QByteArray& line : log.readAll().split('\n')) {
            if (!line.isEmpty())
                QVERIFY2(recorded.contains(QString::fromUtf8(line)),
                         qPrintable(when + QStringLiteral(": certificate on a device without an audit row: ") + QString::fromUtf8(line)));
        }
        QVERIFY2(query(QStringLiteral("SELECT batch_device_id FROM units WHERE state = 'passed' GROUP BY batch_device_id "
                                      "HAVING COUNT(*) > 1")).isEmpty(), context.constData());
        QVERIFY2(query(QStringLiteral("SELECT u.id FROM units u WHERE u.state = 'passed' AND NOT EXISTS (SELECT 1 FROM "
                                      "certificates c WHERE c.unit_id = u.id AND c.state = 'active') OR u.state = 'passed' "
                                      "AND NOT EXISTS (SELECT 1 FROM cloud_outbox o WHERE o.unit_id = u.id AND "
                                      "o.action = 'register')")).isEmpty(), context.constData());
        QVERIFY2(query(QStringLiteral("SELECT public_key_sha256 FROM certificates WHERE state IN ('issued','active') "
                                      "GROUP BY public_key_sha256 HAVING COUNT(*) > 1")).isEmpty(), context.constData());
    }

    static QSet<QString> toSet(const QStringList& list) { return QSet<QString>(list.begin(), list.end()); }

private Q_SLOTS:
    void initTestCase()
    {
        m_db = m_dir.filePath(QStringLiteral("crash.sqlite"));
        m_deviceLog = m_dir.filePath(QStringLiteral("devices.log"));
        m_batch = importDevices(m_db, m_dir, QStringLiteral("crash-batch"), kDevices);
    }

    void killedAtRandomMomentsTheAuditStaysConsistent()
    {
        const quint32 seed = QRandomGenerator::global()->generate();
        qInfo("random kill delays from seed %u", seed);
        QRandomGenerator random(seed);
        QStringList previouslyRunning;
        int kills = 0;
        for (int round = 0; round < kKills; ++round) {
            QProcess writer;
            startWriter(writer);
            if (QTest::currentTestFailed())
                return;
            // The restart marked what the kill left running as interrupted.
            for (const QString& id : previouslyRunning)
                QCOMPARE(query(QStringLiteral("SELECT state FROM units WHERE id = %1").arg(id)),
                         QStringList{QStringLiteral("interrupted")});
            writer.waitForFinished(random.bounded(20, 200));
            if (writer.state() != QProcess::NotRunning) {
                writer.kill();  // SIGKILL
                ++kills;
                QVERIFY(writer.waitForFinished(10000));
            }
            collect(writer);
            checkInvariants(QStringLiteral("after kill %1").arg(round + 1));
            if (QTest::currentTestFailed())
                return;
            previouslyRunning = query(QStringLiteral("SELECT id FROM units WHERE state = 'in_progress'"));
        }
        QVERIFY2(kills >= kKills / 2, "the writer finished before most kills: the test did not test");

        // A last run without a kill finishes the batch: every device passed exactly once.
        QProcess writer;
        startWriter(writer);
        QVERIFY(writer.waitForFinished(120000));
        QCOMPARE(writer.exitCode(), 0);
        collect(writer);
        checkInvariants(QStringLiteral("at the end"));
        QCOMPARE(query(QStringLiteral("SELECT COUNT(DISTINCT batch_device_id) FROM units WHERE state = 'passed'")),
                 QStringList{QString::number(kDevices)});
        QCOMPARE(query(QStringLiteral("SELECT COUNT(*) FROM units WHERE state = 'in_progress'")), QStringList{QStringLiteral("0")});
        // A unit committed as passed just before a kill may never have been confirmed: it is
        // passed all the same (checked above: confirmed implies passed, never the reverse needed).
        QVERIFY(m_confirmedPassed.size() <= kDevices);
        qInfo("%d kills; %s interrupted units redone", kills,
              qPrintable(query(QStringLiteral("SELECT COUNT(*) FROM units WHERE state = 'interrupted'")).constFirst()));
    }
};

QTEST_GUILESS_MAIN(TestAuditCrash)
#include "tst_auditcrash.moc"
