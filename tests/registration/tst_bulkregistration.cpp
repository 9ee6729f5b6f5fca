// Bulk registration end to end: units passed in a real audit database, `imprint-cli cloud sync
// --mode bulk` (and the library call) against imprint-iot-emulator: the input file uploaded to
// its S3, StartThingRegistrationTask polled, the ERRORS/RESULTS reports mapped back to the
// units. What exists afterwards is checked with the real AWS CLI (describe-thing, the task's
// reports, the uploaded input file).
#include "RegistrationFixture.h"

#include "core/registration/BulkRegistration.h"

#include <QJsonArray>
#include <QJsonDocument>

using namespace imprint;
using namespace imprint::test;

namespace {

const QString kRole = QStringLiteral("arn:aws:iam::123456789012:role/BulkRegistration");
const QString kBucket = QStringLiteral("imprint-line-1");

// register-thing.json plus a thing type (default "sensor") and the work order's Site: a unit
// whose work order names a thing type that does not exist fails in the cloud, one without a Site
// fails locally, the others register.
QByteArray bulkTemplate()
{
    QByteArray body = readAll(sourceFile("resources/templates/register-thing.json"));
    body.replace("\"CertificatePem\": {\"Type\": \"String\"}",
                 "\"CertificatePem\": {\"Type\": \"String\"},\n    \"ThingTypeName\": {\"Type\": \"String\", \"Default\": \"sensor\"},"
                 "\n    \"Site\": {\"Type\": \"String\"}");
    body.replace("\"provisionedBy\": \"imprint\"", "\"provisionedBy\": \"imprint\", \"site\": {\"Ref\": \"Site\"}");
    body.replace("\"ThingName\": {\"Ref\": \"ThingName\"},", "\"ThingName\": {\"Ref\": \"ThingName\"}, \"ThingTypeName\": {\"Ref\": \"ThingTypeName\"},");
    return body;
}

}  // namespace

class TestBulkRegistration : public QObject
{
    Q_OBJECT

    RegistrationFixture m_fixture;
    QString m_template;

    QStringList bulkArguments(const QStringList& extra) const
    {
        return QStringList{QStringLiteral("cloud"), QStringLiteral("sync"), QStringLiteral("--db"), m_fixture.db,
                           QStringLiteral("--mode"), QStringLiteral("bulk"), QStringLiteral("--batch"), QStringLiteral("line-1"),
                           QStringLiteral("--template"), m_template, QStringLiteral("--endpoint-url"),
                           m_fixture.emulator.endpoint(), QStringLiteral("--poll-ms"), QStringLiteral("50")}
               + extra;
    }

    // Gives the unit a thing type in its outbox payload (as a work order's thing_type column does).
    void setThingType(const QString& thing, const QString& type)
    {
        auto connection = audit::SqlConnection::open(m_fixture.db);
        QVERIFY(connection.ok());
        QVERIFY(connection.value()->exec(QStringLiteral("UPDATE cloud_outbox SET payload = json_set(payload, '$.thingType', '%1') "
                                                        "WHERE unit_id = (SELECT id FROM units WHERE thing_name = '%2')")
                                             .arg(type, thing),
                                         QStringLiteral("test")).ok());
    }

private Q_SLOTS:
    void initTestCase()
    {
        const QString error = m_fixture.setUp(QStringLiteral("line-1"), 40,
                                              "[cloud]\nbulk-bucket=imprint-line-1\nbulk-role-arn=" + kRole.toUtf8() + '\n');
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QFile file(m_fixture.dir.filePath(QStringLiteral("bulk-template.json")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        QVERIFY(file.write(bulkTemplate()) > 0);
        m_template = file.fileName();
        AWS_OK(m_fixture.emulator.aws({QStringLiteral("iot"), QStringLiteral("create-thing-type"),
                                       QStringLiteral("--thing-type-name"), QStringLiteral("sensor")}));
    }

    // Six units, the 2nd and 5th refused by the cloud: each failure lands on its own unit with
    // AWS's reason, the rest are registered; the task's reports say the same to the AWS CLI.
    void aBatchIsRegisteredAndFailuresMapToTheirUnits()
    {
        const QStringList passed = m_fixture.passUnits(6);
        setThingType(passed[1], QStringLiteral("no-such-type"));
        setThingType(passed[4], QStringLiteral("other-missing-type"));
        auto run = m_fixture.cli(bulkArguments({QStringLiteral("--key"), QStringLiteral("in/line-1.jsonl")}));
        QVERIFY2(run.exitCode == 9, qPrintable(run.describe()));  // some refused
        QVERIFY2(run.out.contains("6 lines in s3://imprint-line-1/in/line-1.jsonl") && run.out.contains("4 registered, 2 failed"),
                 qPrintable(run.describe()));
        QVERIFY2(run.out.contains("Completed 100% (4 registered, 2 failed)"), qPrintable(run.describe()));
        for (int i = 0; i < passed.size(); ++i) {
            const auto described = m_fixture.emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-thing"),
                                                           QStringLiteral("--thing-name"), passed[i]});
            if (i == 1 || i == 4) {
                QCOMPARE(m_fixture.outboxState(passed[i]), QStringLiteral("failed"));
                QVERIFY2(!described.ok(), qPrintable(passed[i] + QStringLiteral(" must not exist")));
            } else {
                QCOMPARE(m_fixture.outboxState(passed[i]), QStringLiteral("registered"));
                AWS_OK(described);
                QCOMPARE(described.json().value(QStringLiteral("thingTypeName")).toString(), QStringLiteral("sensor"));
                QCOMPARE(described.json().value(QStringLiteral("attributes")).toObject().value(QStringLiteral("serialNumber")).toString(),
                         passed[i].mid(6));
            }
        }
        QVERIFY2(m_fixture.outboxError(passed[1]).contains(QStringLiteral("no-such-type")), qPrintable(m_fixture.outboxError(passed[1])));
        QVERIFY2(m_fixture.outboxError(passed[4]).contains(QStringLiteral("other-missing-type")),
                 qPrintable(m_fixture.outboxError(passed[4])));

        // The input file as AWS reads it: one JSON object per unit, CertificatePem included.
        const QString downloaded = m_fixture.dir.filePath(QStringLiteral("input.jsonl"));
        AWS_OK(m_fixture.emulator.aws({QStringLiteral("s3api"), QStringLiteral("get-object"), QStringLiteral("--bucket"), kBucket,
                                       QStringLiteral("--key"), QStringLiteral("in/line-1.jsonl"), downloaded}));
        const QList<QByteArray> lines = readAll(downloaded).trimmed().split('\n');
        QCOMPARE(lines.size(), 6);
        const QJsonObject second = QJsonDocument::fromJson(lines[1]).object();
        QCOMPARE(second.value(QStringLiteral("ThingName")).toString(), passed[1]);
        QCOMPARE(second.value(QStringLiteral("ThingTypeName")).toString(), QStringLiteral("no-such-type"));
        QVERIFY(second.value(QStringLiteral("CertificatePem")).toString().startsWith(QStringLiteral("-----BEGIN CERTIFICATE-----")));

        // The same task seen by the AWS CLI: its ERRORS report names lines 2 and 5.
        const QString taskId = QString::fromUtf8(run.out.mid(run.out.indexOf("task ") + 5, 36));
        const auto task = m_fixture.emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-thing-registration-task"),
                                                  QStringLiteral("--task-id"), taskId});
        AWS_OK(task);
        QCOMPARE(task.json().value(QStringLiteral("successCount")).toInt(), 4);
        QCOMPARE(task.json().value(QStringLiteral("failureCount")).toInt(), 2);
        const auto reports = m_fixture.emulator.aws({QStringLiteral("iot"), QStringLiteral("list-thing-registration-task-reports"),
                                                     QStringLiteral("--task-id"), taskId, QStringLiteral("--report-type"),
                                                     QStringLiteral("ERRORS")});
        AWS_OK(reports);
        const QJsonArray links = reports.json().value(QStringLiteral("resourceLinks")).toArray();
        QCOMPARE(links.size(), 1);
        const QString link = links.first().toString();
        const QString key = link.mid(link.indexOf(u'/', 7) + 1);  // path-style: /bucket/key
        const QString errorsFile = m_fixture.dir.filePath(QStringLiteral("errors.jsonl"));
        AWS_OK(m_fixture.emulator.aws({QStringLiteral("s3api"), QStringLiteral("get-object"), QStringLiteral("--bucket"),
                                       key.section(u'/', 0, 0), QStringLiteral("--key"), key.section(u'/', 1), errorsFile}));
        const QList<QByteArray> errors = readAll(errorsFile).trimmed().split('\n');
        QCOMPARE(errors.size(), 2);
        QCOMPARE(QJsonDocument::fromJson(errors[0]).object().value(QStringLiteral("lineNumber")).toInt(), 2);
        QCOMPARE(QJsonDocument::fromJson(errors[1]).object().value(QStringLiteral("lineNumber")).toInt(), 5);
        QVERIFY(QJsonDocument::fromJson(errors[0]).object().value(QStringLiteral("response")).isNull());

        // Nothing pending in the batch any more: a second bulk sync sends no file.
        auto again = m_fixture.cli(bulkArguments({}));
        QVERIFY2(again.ok() && again.out.contains("0 lines: 0 registered, 0 failed"), qPrintable(again.describe()));
    }

    // The library call with progress; bucket and role from station.ini are the CLI's; a unit the
    // template cannot take fails locally and has no line in the file.
    void progressIsReportedAndLocalRefusalsSendNothing()
    {
        const QStringList passed = m_fixture.passUnits(30);
        auto connection = audit::SqlConnection::open(m_fixture.db);
        REQUIRE_OK(connection);
        REQUIRE_OK(connection.value()->exec(QStringLiteral("UPDATE cloud_outbox SET payload = json_remove(payload, '$.templateParameters.Site') "
                                                           "WHERE unit_id = (SELECT id FROM units WHERE thing_name = '%1')")
                                                .arg(passed[0]),
                                            QStringLiteral("test")));
        registration::BulkSettings settings;
        settings.batch = QStringLiteral("line-1");
        settings.templateBody = readAll(m_template);
        settings.bucket = kBucket;
        settings.roleArn = kRole;
        settings.pollIntervalMs = 20;
        auto aws = m_fixture.client();
        std::vector<registration::BulkProgress> seen;
        auto report = registration::runBulkRegistration(*connection.value(), *aws, settings, m_fixture.clock,
                                                        [&](const registration::BulkProgress& p) { seen.push_back(p); });
        REQUIRE_OK(report);
        QVERIFY(!seen.empty());
        QCOMPARE(seen.back().status, QStringLiteral("Completed"));
        QCOMPARE(seen.back().percentage, 100);
        QCOMPARE(seen.back().taskId, report->taskId);
        QCOMPARE(report->failedLocally, 1);
        QCOMPARE(report->lines, 29);
        QCOMPARE(report->registered, 29);
        QCOMPARE(report->failed, 1);
        QCOMPARE(m_fixture.outboxState(passed[0]), QStringLiteral("failed"));
        QVERIFY2(m_fixture.outboxError(passed[0]).contains(QStringLiteral("Site")), qPrintable(m_fixture.outboxError(passed[0])));
        QCOMPARE(report->unreported, 0);
        for (const auto& thing : passed.mid(1))
            QCOMPARE(m_fixture.outboxState(thing), QStringLiteral("registered"));
        AWS_OK(m_fixture.emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-thing"), QStringLiteral("--thing-name"),
                                       passed.last()}));
    }

    void settingsAreCheckedFirst_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("message");
        QTest::newRow("no batch") << QStringList{QStringLiteral("cloud"), QStringLiteral("sync"), QStringLiteral("--mode"),
                                                 QStringLiteral("bulk")}
                                  << 2 << QStringLiteral("needs --batch");
        QTest::newRow("no template") << QStringList{QStringLiteral("cloud"), QStringLiteral("sync"), QStringLiteral("--mode"),
                                                    QStringLiteral("bulk"), QStringLiteral("--batch"), QStringLiteral("b")}
                                     << 3 << QStringLiteral("needs a template");
        QTest::newRow("no certificate parameter")
            << QStringList{QStringLiteral("cloud"), QStringLiteral("sync"), QStringLiteral("--mode"), QStringLiteral("bulk"),
                           QStringLiteral("--batch"), QStringLiteral("b"), QStringLiteral("--template"),
                           sourceFile("resources/templates/jitp.json")}
            << 3 << QStringLiteral("CertificatePem");
    }
    void settingsAreCheckedFirst()
    {
        QFETCH(QStringList, arguments);
        QFETCH(int, exitCode);
        QFETCH(QString, message);
        auto run = m_fixture.cli(arguments);
        QVERIFY2(run.exitCode == exitCode && QString::fromUtf8(run.err).contains(message), qPrintable(run.describe()));
    }
};

QTEST_GUILESS_MAIN(TestBulkRegistration)
#include "tst_bulkregistration.moc"
