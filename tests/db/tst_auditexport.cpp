// Exports: units and events as CSV and JSON Lines, the AWS bulk-registration file, filters by
// batch, time and outcome, and the CLI with its per-batch summary.
#include "AuditFixture.h"

#include "core/audit/AuditExport.h"

#include <QBuffer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>

using namespace imprint;
using namespace imprint::test;

class TestAuditExport : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_db;
    qint64 m_first = 0;
    qint64 m_second = 0;

    QByteArray run(audit::ExportFormat format, audit::ExportSubject subject, const audit::ExportFilter& filter,
                   qint64* rows = nullptr)
    {
        auto connection = audit::SqlConnection::open(m_db);
        QByteArray data;
        QBuffer buffer(&data);
        if (!buffer.open(QIODevice::WriteOnly))
            qFatal("buffer");
        auto written = audit::exportAudit(*connection.value(), format, subject, filter, buffer);
        if (!written)
            qFatal("%s", qPrintable(written.error().message()));
        if (rows)
            *rows = written.value();
        return data;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_db = m_dir.filePath(QStringLiteral("export.sqlite"));
        m_first = importDevices(m_db, m_dir, QStringLiteral("first"), 4, QStringLiteral("A"));
        m_second = importDevices(m_db, m_dir, QStringLiteral("second"), 2, QStringLiteral("B"));
        const SystemClock clock;
        auto store = audit::AuditStore::open(audit::StoreOptions{m_db, QStringLiteral("station-1"), 64}, clock);
        QVERIFY(store.ok());
        auto& s = *store.value();
        for (const QString& serial : {QStringLiteral("A0001"), QStringLiteral("A0002"), QStringLiteral("B0001")}) {
            auto unit = s.beginUnit(unitFor(serial.startsWith(u'A') ? m_first : m_second, serial));
            QVERIFY(unit.ok());
            QVERIFY(s.recordCertificate(unit->unitId, fakeCertificate(QStringLiteral("C-") + serial, QStringLiteral("k-") + serial)).ok());
            QVERIFY(s.completePassed(unit->unitId).ok());
        }
        auto failed = s.beginUnit(unitFor(m_first, QStringLiteral("A0003")));
        QVERIFY(failed.ok());
        QVERIFY(s.completeFailed(failed->unitId, QStringLiteral("identify"), QStringLiteral("no answer, \"timeout\" after 5 s")).ok());
    }

    void unitsAsCsvWithAHeaderAndRfc4180Quoting()
    {
        qint64 rows = 0;
        const QByteArray csv = run(audit::ExportFormat::Csv, audit::ExportSubject::Units, {}, &rows);
        QCOMPARE(rows, qint64(4));
        const QList<QByteArray> lines = csv.split('\n');
        QVERIFY(lines[0].startsWith("unit_id,uuid,batch,serial_number,hardware_id,thing_name,attempt,state"));
        QVERIFY(lines[1].contains(",first,A0001,HW-A0001,thing-A0001,1,passed,station-1,olivia,,1,/dev/ttyUSB1,"));
        QVERIFY(lines[1].contains(",C-A0001,fC-A0001,2036-01-01T00:00:00.000Z"));
        QVERIFY2(csv.contains(",failed,") && csv.contains("\"no answer, \"\"timeout\"\" after 5 s\""), csv.constData());
    }

    void filtersByBatchOutcomeAndTime_data()
    {
        QTest::addColumn<bool>("byBatch");
        QTest::addColumn<QString>("outcome");
        QTest::addColumn<int>("fromDays");  // 0: none; -1: yesterday; 1: tomorrow
        QTest::addColumn<qint64>("rows");
        QTest::newRow("batch") << true << QString() << 0 << qint64(3);
        QTest::newRow("batch passed") << true << QStringLiteral("passed") << 0 << qint64(2);
        QTest::newRow("failed") << false << QStringLiteral("failed") << 0 << qint64(1);
        QTest::newRow("since yesterday") << false << QString() << -1 << qint64(4);
        QTest::newRow("from tomorrow") << false << QString() << 1 << qint64(0);
    }
    void filtersByBatchOutcomeAndTime()
    {
        QFETCH(bool, byBatch);
        QFETCH(QString, outcome);
        QFETCH(int, fromDays);
        QFETCH(qint64, rows);
        audit::ExportFilter filter;
        if (byBatch)
            filter.batchId = m_first;
        if (!outcome.isEmpty())
            filter.outcome = outcome;
        if (fromDays != 0)
            filter.from = QDateTime::currentDateTimeUtc().addDays(fromDays);
        qint64 written = -1;
        (void)run(audit::ExportFormat::JsonLines, audit::ExportSubject::Units, filter, &written);
        QCOMPARE(written, rows);
    }

    void unitsAndEventsAsJsonLines()
    {
        const QByteArray units = run(audit::ExportFormat::JsonLines, audit::ExportSubject::Units, {});
        const QJsonObject first = QJsonDocument::fromJson(units.split('\n').constFirst()).object();
        QCOMPARE(first.value(QStringLiteral("serial_number")).toString(), QStringLiteral("A0001"));
        QCOMPARE(first.value(QStringLiteral("slot")).toInt(), 1);
        QVERIFY(first.value(QStringLiteral("supervisor")).isNull());
        qint64 rows = 0;
        const QByteArray events = run(audit::ExportFormat::JsonLines, audit::ExportSubject::Events, {}, &rows);
        QVERIFY(rows > 10);
        for (const QByteArray& line : events.split('\n')) {
            if (line.isEmpty())
                continue;
            const QJsonObject event = QJsonDocument::fromJson(line).object();
            QVERIFY2(!event.isEmpty(), line.constData());
            QCOMPARE(event.value(QStringLiteral("hash")).toString().size(), 64);
        }
    }

    void theAwsBulkFileHasOneObjectOfTemplateParametersPerPassedUnit()
    {
        audit::ExportFilter filter;
        filter.batchId = m_first;
        qint64 rows = 0;
        const QByteArray bulk = run(audit::ExportFormat::AwsBulk, audit::ExportSubject::Units, filter, &rows);
        QCOMPARE(rows, qint64(2));
        const QList<QByteArray> lines = bulk.trimmed().split('\n');
        QCOMPARE(lines.size(), 2);
        const QJsonObject line = QJsonDocument::fromJson(lines[0]).object();
        QCOMPARE(line.value(QStringLiteral("ThingName")).toString(), QStringLiteral("thing-A0001"));
        QCOMPARE(line.value(QStringLiteral("SerialNumber")).toString(), QStringLiteral("A0001"));
        QVERIFY(line.value(QStringLiteral("CertificatePem")).toString().contains(QStringLiteral("C-A0001")));
        QCOMPARE(line.value(QStringLiteral("Site")).toString(), QStringLiteral("A"));
    }

    void theCliWritesTheFileAndPrintsTheBatchSummary()
    {
        const QString out = m_dir.filePath(QStringLiteral("bulk.jsonl"));
        QProcess cli;
        cli.start(QStringLiteral(IMPRINT_CLI_PATH), {QStringLiteral("audit"), QStringLiteral("export"), QStringLiteral("--format"),
                                                     QStringLiteral("aws-bulk"), QStringLiteral("--batch"), QStringLiteral("first"),
                                                     QStringLiteral("--out"), out, QStringLiteral("--db"), m_db});
        QVERIFY(cli.waitForFinished(30000));
        const QByteArray stdoutText = cli.readAllStandardOutput();
        QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
        QVERIFY2(stdoutText.contains("exported 2 units"), stdoutText.constData());
        QVERIFY2(stdoutText.contains("provisioned    2") && stdoutText.contains("remaining      2")
                     && stdoutText.contains("passed 2, failed 1"), stdoutText.constData());
        QFile file(out);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll().count('\n'), 2);

        QProcess usage;
        usage.start(QStringLiteral(IMPRINT_CLI_PATH), {QStringLiteral("audit"), QStringLiteral("export"), QStringLiteral("--format"),
                                                       QStringLiteral("xml"), QStringLiteral("--out"), out});
        QVERIFY(usage.waitForFinished(30000));
        QCOMPARE(usage.exitCode(), 2);
    }

    // Last: it adds a unit. Text with every character JSON escapes (and UTF-8) survives both formats.
    void escapedTextSurvivesCsvAndJsonLines()
    {
        const QString reason = QStringLiteral("quote \" backslash \\ tab \t line\nbreak \u0001 caf\u00e9, done");
        {
            const SystemClock clock;
            auto store = audit::AuditStore::open(audit::StoreOptions{m_db, QStringLiteral("station-1"), 64}, clock);
            QVERIFY(store.ok());
            auto unit = store.value()->beginUnit(unitFor(m_first, QStringLiteral("A0004")));
            QVERIFY(unit.ok());
            QVERIFY(store.value()->completeFailed(unit->unitId, QStringLiteral("verify"), reason).ok());
        }
        audit::ExportFilter filter;
        filter.batchId = m_first;
        filter.outcome = QStringLiteral("failed");
        const QByteArray jsonl = run(audit::ExportFormat::JsonLines, audit::ExportSubject::Units, filter);
        const QList<QByteArray> lines = jsonl.trimmed().split('\n');
        QCOMPARE(lines.size(), 2);  // one unit per line: the line break inside is escaped
        const QJsonObject unit = QJsonDocument::fromJson(lines[1]).object();
        QCOMPARE(unit.value(QStringLiteral("serial_number")).toString(), QStringLiteral("A0004"));
        QCOMPARE(unit.value(QStringLiteral("error")).toString(), reason);
        const QByteArray csv = run(audit::ExportFormat::Csv, audit::ExportSubject::Units, filter);
        QVERIFY2(csv.contains("\"quote \"\" backslash \\ tab \t line\nbreak \x01 caf\xc3\xa9, done\""), csv.constData());
    }
};

QTEST_GUILESS_MAIN(TestAuditExport)
#include "tst_auditexport.moc"
