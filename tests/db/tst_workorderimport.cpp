// Work-order import: every problem reported with line, column and reason; nothing imported
// when there is one; duplicates inside the file and against the database.
#include "AuditFixture.h"

#include "core/audit/AuditQueries.h"
#include "core/batch/CsvReader.h"

#include <QBuffer>

using namespace imprint;
using namespace imprint::test;

namespace {

struct Outcome
{
    bool ok = false;
    qint64 devices = 0;
    QStringList issues;  // "line:column field: reason"
    QString error;
};

}  // namespace

class TestWorkOrderImport : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_db;
    int m_case = 0;

    Outcome import(const QByteArray& content, const QString& suffix, const QString& rule = QStringLiteral("t-{serial}"))
    {
        const QString name = QStringLiteral("order-%1").arg(++m_case);
        const QString path = writeFile(m_dir, name + suffix, content);
        auto connection = audit::SqlConnection::open(m_db);
        batch::ImportOptions options;
        options.batchName = name;
        options.thingNameRule = rule;
        options.format = batch::formatForPath(path);
        options.actor.operatorName = QStringLiteral("olivia");
        options.station = QStringLiteral("station-1");
        const SystemClock clock;
        Outcome outcome;
        auto result = batch::importWorkOrder(*connection.value(), path, options, clock, [&](const batch::ImportIssue& issue) {
            outcome.issues << QStringLiteral("%1:%2 %3: %4").arg(issue.line).arg(issue.column).arg(issue.field, issue.reason);
        });
        outcome.ok = result.ok();
        if (result)
            outcome.devices = result->devices;
        else
            outcome.error = result.error().message();
        return outcome;
    }

    qint64 rows() { return scalar(m_db, QStringLiteral("SELECT COUNT(*) FROM batch_devices")).toLongLong(); }

private Q_SLOTS:
    void init() { m_db = m_dir.filePath(QStringLiteral("import-%1.sqlite").arg(m_case)); }

    void csvRecordsFollowRfc4180()
    {
        QByteArray data = "a,\"b,1\",\"say \"\"hi\"\"\"\r\n\"multi\nline\",,x\nlast,row,";
        QBuffer buffer(&data);
        QVERIFY(buffer.open(QIODevice::ReadOnly));
        batch::CsvReader reader(buffer);
        std::vector<QByteArray> fields;
        QCOMPARE(reader.next(fields), batch::CsvReader::Outcome::Record);
        QCOMPARE(fields, (std::vector<QByteArray>{"a", "b,1", "say \"hi\""}));
        QCOMPARE(reader.next(fields), batch::CsvReader::Outcome::Record);
        QCOMPARE(reader.recordLine(), qint64(2));
        QCOMPARE(fields, (std::vector<QByteArray>{"multi\nline", "", "x"}));
        QCOMPARE(reader.next(fields), batch::CsvReader::Outcome::Record);
        QCOMPARE(reader.recordLine(), qint64(4));
        QCOMPARE(fields, (std::vector<QByteArray>{"last", "row", ""}));
        QCOMPARE(reader.next(fields), batch::CsvReader::Outcome::End);
    }

    void aValidCsvImportsEveryField()
    {
        const auto outcome = import("serial_number,hardware_id,thing_name,attributes,thing_groups,thing_type,template_parameters\n"
                                    "S1,H1,thing-one,model=x1;rev=B,g1;g2,Sensor,\"{\"\"Site\"\":\"\"A\"\"}\"\n"
                                    "S2,,,,,,\n",
                                    QStringLiteral(".csv"));
        QVERIFY2(outcome.ok, qPrintable(outcome.issues.join(u'\n') + outcome.error));
        QCOMPARE(outcome.devices, qint64(2));
        QCOMPARE(scalar(m_db, QStringLiteral("SELECT attributes FROM batch_devices WHERE serial_number = 'S1'")).toString(),
                 QStringLiteral("{\"model\":\"x1\",\"rev\":\"B\"}"));
        QCOMPARE(scalar(m_db, QStringLiteral("SELECT thing_groups FROM batch_devices WHERE serial_number = 'S1'")).toString(),
                 QStringLiteral("[\"g1\",\"g2\"]"));
        QCOMPARE(scalar(m_db, QStringLiteral("SELECT thing_name FROM batch_devices WHERE serial_number = 'S2'")).toString(),
                 QStringLiteral("t-S2"));
        QVERIFY(scalar(m_db, QStringLiteral("SELECT hardware_id FROM batch_devices WHERE serial_number = 'S2'")).isNull());
        QCOMPARE(scalar(m_db, QStringLiteral("SELECT device_count FROM batches")).toInt(), 2);
        QCOMPARE(scalar(m_db, QStringLiteral("SELECT step FROM events")).toString(), QStringLiteral("batch-imported"));
    }

    void aValidJsonLinesFileImports()
    {
        const auto outcome = import("{\"serial_number\":\"J1\",\"hardware_id\":\"HJ1\",\"attributes\":{\"a\":\"b\"},"
                                    "\"thing_groups\":[\"g\"],\"thing_type\":\"T\",\"template_parameters\":{\"P\":\"v\"}}\n"
                                    "\n{\"serial_number\":\"J2\",\"thing_name\":\"jay-2\"}\n",
                                    QStringLiteral(".jsonl"));
        QVERIFY2(outcome.ok, qPrintable(outcome.issues.join(u'\n') + outcome.error));
        QCOMPARE(outcome.devices, qint64(2));
        QCOMPARE(scalar(m_db, QStringLiteral("SELECT template_parameters FROM batch_devices WHERE serial_number = 'J1'")).toString(),
                 QStringLiteral("{\"P\":\"v\"}"));
        QCOMPARE(scalar(m_db, QStringLiteral("SELECT thing_name FROM batch_devices WHERE serial_number = 'J2'")).toString(),
                 QStringLiteral("jay-2"));
    }

    void everyProblemIsReportedAndNothingImported_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("suffix");
        QTest::addColumn<QStringList>("expected");  // fragments, one per reported problem, in order
        const QByteArray header = "serial_number,hardware_id,thing_name,attributes,thing_groups,thing_type,template_parameters\n";
        QTest::newRow("missing serial") << header + "S1,,,,,,\n,,,,,,\n" << QStringLiteral(".csv")
                                        << QStringList{QStringLiteral("3:1 serial_number: the serial number is required")};
        QTest::newRow("bad serial") << header + "S 1,,,,,,\n" << QStringLiteral(".csv")
                                    << QStringList{QStringLiteral("2:1 serial_number: 'S 1' is not a serial number")};
        QTest::newRow("bad thing name") << header + "S1,,bad name!,,,,\n" << QStringLiteral(".csv")
                                        << QStringList{QStringLiteral("2:3 thing_name: 'bad name!' is not an AWS IoT thing name")};
        QTest::newRow("bad attribute") << header + "S1,,,model,,,\nS2,,,a=b c,,,\n" << QStringLiteral(".csv")
                                       << QStringList{QStringLiteral("2:4 attributes: 'model' is not key=value"),
                                                      QStringLiteral("3:4 attributes: the value of attribute 'a'")};
        QTest::newRow("bad group and type") << header + "S1,,,,ok;no good,Type!,\n" << QStringLiteral(".csv")
                                            << QStringList{QStringLiteral("2:5 thing_groups: 'no good'"),
                                                           QStringLiteral("2:6 thing_type: 'Type!'")};
        QTest::newRow("template parameters not JSON") << header + "S1,,,,,,\"{\"\"a\"\":}\"\n" << QStringLiteral(".csv")
                                                      << QStringList{QStringLiteral("2:7 template_parameters: not JSON")};
        QTest::newRow("template parameter not a string") << header + "S1,,,,,,\"{\"\"a\"\":[1]}\"\n" << QStringLiteral(".csv")
                                                         << QStringList{QStringLiteral("2:7 template_parameters: template parameter 'a' must be a string")};
        QTest::newRow("wrong field count") << header + "S1,,\n" << QStringLiteral(".csv")
                                           << QStringList{QStringLiteral("2:4 : 3 fields, the header has 7")};
        QTest::newRow("stray quote") << header + "S1,a\"b,,,,,\n" << QStringLiteral(".csv")
                                     << QStringList{QStringLiteral("2:2 : a quote inside an unquoted field")};
        QTest::newRow("unclosed quote") << header + "S1,\"abc,,,,,\n" << QStringLiteral(".csv")
                                        << QStringList{QStringLiteral("2:2 : a quoted field is not closed")};
        QTest::newRow("unknown column") << QByteArray("serial_number,colour\nS1,red\n") << QStringLiteral(".csv")
                                        << QStringList{QStringLiteral("1:2 colour: unknown column 'colour'")};
        QTest::newRow("no serial column") << QByteArray("hardware_id\nH1\n") << QStringLiteral(".csv")
                                          << QStringList{QStringLiteral("1:0 serial_number: the header has no serial_number column")};
        QTest::newRow("empty file") << QByteArray() << QStringLiteral(".csv")
                                    << QStringList{QStringLiteral("1:0 : the file is empty")};
        QTest::newRow("duplicates inside the file")
            << header + "S1,H1,,,,,\nS2,H1,,,,,\nS1,H3,,,,,\n" << QStringLiteral(".csv")
            << QStringList{QStringLiteral("3:2 hardware_id: duplicate hardware ID 'H1': already on line 2 of this file"),
                           QStringLiteral("4:1 serial_number: duplicate serial number 'S1': already on line 2 of this file"),
                           QStringLiteral("4:1 thing_name: duplicate thing name 't-S1': already on line 2 of this file")};
        QTest::newRow("json not an object") << QByteArray("{\"serial_number\":\"J1\"}\n[1]\n{oops\n") << QStringLiteral(".jsonl")
                                            << QStringList{QStringLiteral("2:1 : each line must be one JSON object"),
                                                           QStringLiteral("3:3 : not JSON")};
        QTest::newRow("json wrong types and keys")
            << QByteArray("{\"serial_number\":7}\n{\"serial_number\":\"J2\",\"thing_groups\":\"g\",\"colour\":\"red\"}\n")
            << QStringLiteral(".jsonl")
            << QStringList{QStringLiteral("1:2 serial_number: must be a string"),
                           QStringLiteral("1:2 serial_number: the serial number is required"),
                           QStringLiteral("2:42 colour: unknown key 'colour'"),
                           QStringLiteral("2:23 thing_groups: must be an array")};
    }
    void everyProblemIsReportedAndNothingImported()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, suffix);
        QFETCH(QStringList, expected);
        const auto outcome = import(content, suffix);
        QVERIFY(!outcome.ok);
        QVERIFY2(outcome.issues.size() == expected.size(), qPrintable(outcome.issues.join(u'\n')));
        for (qsizetype i = 0; i < expected.size(); ++i)
            QVERIFY2(outcome.issues[i].startsWith(expected[i]), qPrintable(outcome.issues[i] + QStringLiteral(" <> ") + expected[i]));
        QCOMPARE(rows(), qint64(0));
        QCOMPARE(scalar(m_db, QStringLiteral("SELECT COUNT(*) FROM batches")).toInt(), 0);
        QCOMPARE(scalar(m_db, QStringLiteral("SELECT COUNT(*) FROM events")).toInt(), 0);
    }

    void duplicatesAgainstTheDatabaseNameTheBatch()
    {
        QVERIFY(import("serial_number,hardware_id\nS1,H1\nS2,H2\n", QStringLiteral(".csv")).ok);
        const auto second = import("serial_number,hardware_id\nS3,H3\nS2,H9\nS4,H1\n", QStringLiteral(".csv"));
        QVERIFY(!second.ok);
        QVERIFY2(second.error.contains(QStringLiteral("nothing was imported")), qPrintable(second.error));
        QCOMPARE(second.issues, (QStringList{
                                    QStringLiteral("3:1 serial_number: serial number 'S2' is already in batch 'order-%1'").arg(m_case - 1),
                                    QStringLiteral("3:1 thing_name: thing name 't-S2' is already in batch 'order-%1'").arg(m_case - 1),
                                    QStringLiteral("4:2 hardware_id: hardware ID 'H1' is already in batch 'order-%1'").arg(m_case - 1)}));
        QCOMPARE(rows(), qint64(2));
    }

    void aRowWithoutAThingNameNeedsARule()
    {
        const auto outcome = import("serial_number\nS1\n", QStringLiteral(".csv"), QString());
        QVERIFY(!outcome.ok);
        QCOMPARE(outcome.issues.size(), 1);
        QVERIFY(outcome.issues.constFirst().contains(QStringLiteral("no thing-name rule")));
    }

    void aBatchNameIsUnique()
    {
        QVERIFY(import("serial_number\nS1\n", QStringLiteral(".csv")).ok);
        auto connection = audit::SqlConnection::open(m_db);
        const SystemClock clock;
        auto again = batch::createOpenBatch(*connection.value(), QStringLiteral("order-%1").arg(m_case), 3, QString(),
                                            audit::Actor{QStringLiteral("olivia"), std::nullopt}, QStringLiteral("s"), clock);
        QVERIFY(!again.ok());
        QCOMPARE(again.error().code(), ErrorCode::AlreadyExists);
    }

    void aLargeFileImportsInOneTransaction()
    {
        QByteArray csv = "serial_number,hardware_id,attributes\n";
        for (int i = 0; i < 20000; ++i)
            csv += "L" + QByteArray::number(i) + ",HL" + QByteArray::number(i) + ",lot=7\n";
        const auto outcome = import(csv, QStringLiteral(".csv"));
        QVERIFY2(outcome.ok, qPrintable(outcome.issues.mid(0, 3).join(u'\n') + outcome.error));
        QCOMPARE(outcome.devices, qint64(20000));
        auto connection = audit::SqlConnection::open(m_db);
        auto summary = audit::findBatch(*connection.value(), QStringLiteral("order-%1").arg(m_case));
        QVERIFY(summary.ok());
        QCOMPARE(summary->devices, qint64(20000));
    }
};

QTEST_GUILESS_MAIN(TestWorkOrderImport)
#include "tst_workorderimport.moc"
