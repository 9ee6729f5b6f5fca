#include "core/registration/BulkRegistration.h"

#include "core/Log.h"
#include "core/audit/EventChain.h"
#include "core/audit/OutboxRecords.h"
#include "core/audit/SqlConnection.h"
#include "core/cloud/AwsIotClient.h"
#include "core/registration/OutboxSender.h"
#include "core/registration/UnitParameters.h"
#include "core/template/CertificateParameters.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTimer>

#include <algorithm>
#include <map>
#include <optional>

namespace imprint::registration {

namespace {

const QString kRegister = QStringLiteral("register");

struct BulkInput
{
    QByteArray file;
    std::vector<const audit::OutboxRow*> lineRows;  // line i (0-based) -> its row
};

// Task states after which nothing changes any more.
bool finished(const QString& status)
{
    return status == QStringLiteral("Completed") || status == QStringLiteral("Failed")
           || status == QStringLiteral("Cancelled");
}

void pause(int milliseconds)
{
    QEventLoop loop;
    QTimer::singleShot(milliseconds, &loop, &QEventLoop::quit);
    loop.exec();
}

QString failureReason(const QJsonObject& line)
{
    const QString message = line.value(QStringLiteral("errorMessage")).toString();
    return message.isEmpty() ? QStringLiteral("the bulk registration task reported this line as failed") : message;
}

class BulkRun
{
public:
    BulkRun(audit::SqlConnection& connection, cloud::AwsIotClient& client, const BulkSettings& settings,
            const Clock& clock, const std::function<void(const BulkProgress&)>& progress)
        : m_connection(connection), m_client(client), m_settings(settings), m_clock(clock), m_progress(progress)
    {
    }

    Result<BulkReport> run();

private:
    Result<std::vector<audit::OutboxRow>> pendingRows();
    [[nodiscard]] Result<QHash<QString, QString>> lineParameters(const audit::OutboxRow& row) const;
    Result<BulkInput> buildInput(const std::vector<audit::OutboxRow>& rows);
    Status markSent(const BulkInput& input);
    Result<QJsonObject> waitForTask(const QString& taskId);
    Result<std::vector<QJsonObject>> reportLines(const QString& taskId, const QString& reportType);
    Status applyReports(const BulkInput& input, const QString& taskId);
    Status failAll(const BulkInput& input, const QString& reason);
    Status fail(const audit::OutboxRow& row, const QString& reason);
    [[nodiscard]] QString now() const { return audit::auditTime(m_clock.nowUtc()); }

    audit::SqlConnection& m_connection;
    cloud::AwsIotClient& m_client;
    const BulkSettings& m_settings;
    const Clock& m_clock;
    const std::function<void(const BulkProgress&)>& m_progress;
    provisioning::ProvisioningTemplate m_template;
    BulkReport m_report;
};

Result<std::vector<audit::OutboxRow>> BulkRun::pendingRows()
{
    std::vector<audit::OutboxRow> rows;
    for (const QString& state : {QStringLiteral("queued"), QStringLiteral("sent")}) {
        auto some = audit::listOutbox(m_connection, {state, m_settings.batch, {}, 0});
        if (!some)
            return some.error();
        for (auto& row : some.value()) {
            if (row.action == kRegister)
                rows.push_back(std::move(row));
            else
                ++m_report.supersedesLeft;
        }
    }
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    return rows;
}

Result<QHash<QString, QString>> BulkRun::lineParameters(const audit::OutboxRow& row) const
{
    if (row.certificatePem.isEmpty())
        return Error(ErrorCode::InvalidInput, QStringLiteral("no certificate recorded for this registration"));
    auto certificateId = provisioning::certificateIdOfPem(row.certificatePem.toUtf8());
    if (!certificateId)
        return certificateId.error();
    return unitTemplateParameters(m_template, row, certificateId.value());
}

Result<BulkInput> BulkRun::buildInput(const std::vector<audit::OutboxRow>& rows)
{
    BulkInput input;
    for (const auto& row : rows) {
        auto parameters = lineParameters(row);
        if (!parameters) {
            ++m_report.failedLocally;
            if (auto failed = fail(row, parameters.error().message()); !failed)
                return failed.error();
            continue;
        }
        QJsonObject line;
        for (auto it = parameters->begin(); it != parameters->end(); ++it)
            line.insert(it.key(), it.value());
        input.file += QJsonDocument(line).toJson(QJsonDocument::Compact);
        input.file += '\n';
        input.lineRows.push_back(&row);
    }
    m_report.lines = static_cast<int>(input.lineRows.size());
    return input;
}

// Before the file goes out: every row in it is `sent`, in one transaction (one fsync).
Status BulkRun::markSent(const BulkInput& input)
{
    const QString at = now();
    // Retried by the per-unit sender (reconcile first) if the task's outcome never gets recorded.
    const QString retryAt = audit::auditTime(m_clock.nowUtc().addMSecs(m_settings.timeoutMs));
    if (auto begun = m_connection.begin(QStringLiteral("marking the bulk registration's rows sent")); !begun)
        return begun;
    for (const audit::OutboxRow* row : input.lineRows) {
        if (auto marked = audit::markOutboxAttempt(m_connection, row->id, at, retryAt); !marked) {
            m_connection.rollback();
            return marked;
        }
    }
    return m_connection.commit(QStringLiteral("marking the bulk registration's rows sent"));
}

Result<QJsonObject> BulkRun::waitForTask(const QString& taskId)
{
    QElapsedTimer elapsed;
    elapsed.start();
    for (;;) {
        auto task = cloud::waitFor([&](cloud::JsonCallback done) { m_client.describeThingRegistrationTask(taskId, std::move(done)); });
        if (!task)
            return task.error().withContext(QStringLiteral("following bulk registration task %1").arg(taskId));
        const BulkProgress progress{taskId, task->value(QStringLiteral("status")).toString(),
                                    task->value(QStringLiteral("percentageProgress")).toInt(),
                                    task->value(QStringLiteral("successCount")).toInt(),
                                    task->value(QStringLiteral("failureCount")).toInt()};
        if (m_progress)
            m_progress(progress);
        if (finished(progress.status))
            return task;
        if (elapsed.elapsed() > m_settings.timeoutMs)
            return Error(ErrorCode::Timeout, QStringLiteral("bulk registration task %1 still %2 after %3 s; its rows stay "
                                                            "sent and are reconciled by a later sync")
                                                 .arg(taskId, progress.status)
                                                 .arg(m_settings.timeoutMs / 1000));
        pause(m_settings.pollIntervalMs);
    }
}

// Every line of every report file of one type, following nextToken.
Result<std::vector<QJsonObject>> BulkRun::reportLines(const QString& taskId, const QString& reportType)
{
    std::vector<QJsonObject> lines;
    QString nextToken;
    do {
        auto page = cloud::waitFor([&](cloud::JsonCallback done) {
            m_client.listThingRegistrationTaskReports(taskId, reportType, nextToken, std::move(done));
        });
        if (!page)
            return page.error().withContext(QStringLiteral("listing the %1 reports of task %2").arg(reportType, taskId));
        for (const auto& link : page->value(QStringLiteral("resourceLinks")).toArray()) {
            auto file = cloud::waitFor([&](cloud::JsonCallback done) { m_client.fetchTaskReport(link.toString(), std::move(done)); });
            if (!file)
                return file.error().withContext(QStringLiteral("reading the %1 report %2").arg(reportType, link.toString()));
            const QByteArray text = file->value(QStringLiteral("data")).toString().toUtf8();
            for (const QByteArray& line : text.split('\n')) {
                if (line.trimmed().isEmpty())
                    continue;
                const QJsonDocument parsed = QJsonDocument::fromJson(line);
                if (!parsed.isObject())
                    return Error(ErrorCode::CloudRejected,
                                 QStringLiteral("the %1 report %2 has a line that is not a JSON object").arg(reportType, link.toString()));
                lines.push_back(parsed.object());
            }
        }
        nextToken = page->value(QStringLiteral("nextToken")).toString();
    } while (!nextToken.isEmpty());
    return lines;
}

Status BulkRun::fail(const audit::OutboxRow& row, const QString& reason)
{
    ++m_report.failed;
    m_report.problems.push_back(row.thingName + QStringLiteral(": ") + reason);
    return audit::markOutboxFailed(m_connection, row.id, now(), reason);
}

Status BulkRun::failAll(const BulkInput& input, const QString& reason)
{
    for (const audit::OutboxRow* row : input.lineRows) {
        if (auto failed = fail(*row, reason); !failed)
            return failed;
    }
    return Status::success();
}

// Each report line names its input line (1-based): that line's row is registered or failed.
Status BulkRun::applyReports(const BulkInput& input, const QString& taskId)
{
    auto errors = reportLines(taskId, QStringLiteral("ERRORS"));
    if (!errors)
        return errors.error();
    auto results = reportLines(taskId, QStringLiteral("RESULTS"));
    if (!results)
        return results.error();
    std::map<std::size_t, std::optional<QString>> outcome;  // line index -> failure reason, or none: registered
    for (const auto& line : results.value())
        outcome[static_cast<std::size_t>(line.value(QStringLiteral("lineNumber")).toInt()) - 1] = std::nullopt;
    for (const auto& line : errors.value())
        outcome[static_cast<std::size_t>(line.value(QStringLiteral("lineNumber")).toInt()) - 1] = failureReason(line);
    const QString at = now();
    if (auto begun = m_connection.begin(QStringLiteral("recording the bulk registration's outcome")); !begun)
        return begun;
    for (std::size_t index = 0; index < input.lineRows.size(); ++index) {
        const audit::OutboxRow& row = *input.lineRows[index];
        const auto found = outcome.find(index);
        Status recorded;
        if (found == outcome.end()) {
            ++m_report.unreported;
            m_report.problems.push_back(row.thingName + QStringLiteral(": in neither report of task ") + taskId);
        } else if (found->second) {
            recorded = fail(row, *found->second);
        } else {
            ++m_report.registered;
            recorded = audit::markOutboxRegistered(m_connection, row.id, at);
        }
        if (!recorded) {
            m_connection.rollback();
            return recorded;
        }
    }
    return m_connection.commit(QStringLiteral("recording the bulk registration's outcome"));
}

Result<BulkReport> BulkRun::run()
{
    if (auto valid = validateBulkSettings(m_settings); !valid)
        return valid.error();
    auto parsed = provisioning::ProvisioningTemplate::parse(m_settings.templateBody);
    if (!parsed)
        return parsed.error().withContext(QStringLiteral("bulk registration template"));
    m_template = std::move(parsed.value());
    auto rows = pendingRows();
    if (!rows)
        return rows.error();
    auto input = buildInput(rows.value());
    if (!input)
        return input.error();
    if (input->lineRows.empty())
        return m_report;
    QString batchLabel = m_settings.batch;
    batchLabel.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9._-]")), QStringLiteral("_"));
    m_report.inputKey = m_settings.key.isEmpty()
                            ? QStringLiteral("imprint-bulk/%1-%2.jsonl")
                                  .arg(batchLabel, m_clock.nowUtc().toString(QStringLiteral("yyyyMMdd'T'HHmmsszzz'Z'")))
                            : m_settings.key;
    if (auto marked = markSent(input.value()); !marked)
        return marked.error();
    auto started = cloud::waitFor([&](cloud::JsonCallback done) {
        m_client.startThingRegistrationTaskWithUpload(QString::fromUtf8(m_settings.templateBody), m_settings.bucket,
                                                      m_report.inputKey, m_settings.roleArn, input->file, std::move(done));
    });
    if (!started) {
        if (isTransient(started.error()))
            return started.error();  // rows stay sent: retried (and reconciled) later
        if (auto failed = failAll(input.value(), started.error().message()); !failed)
            return failed.error();
        return m_report;
    }
    m_report.taskId = started->value(QStringLiteral("taskId")).toString();
    qCInfo(lcCloud) << "bulk registration task" << m_report.taskId << "started with" << m_report.lines << "lines";
    auto task = waitForTask(m_report.taskId);
    if (!task)
        return task.error();
    const QString status = task->value(QStringLiteral("status")).toString();
    if (status != QStringLiteral("Completed")) {
        const QString reason = QStringLiteral("bulk registration task %1 %2: %3")
                                   .arg(m_report.taskId, status.toLower(), task->value(QStringLiteral("message")).toString());
        if (auto failed = failAll(input.value(), reason); !failed)
            return failed.error();
        return m_report;
    }
    if (auto applied = applyReports(input.value(), m_report.taskId); !applied)
        return applied.error();
    return m_report;
}

}  // namespace

Status validateBulkSettings(const BulkSettings& settings)
{
    if (settings.batch.isEmpty())
        return Error(ErrorCode::InvalidInput, QStringLiteral("bulk registration needs a batch (--batch)"));
    if (settings.bucket.isEmpty())
        return Error(ErrorCode::InvalidInput, QStringLiteral("bulk registration needs an S3 bucket for its input file "
                                                             "(--bucket, or [cloud] bulk-bucket in station.ini)"));
    if (settings.roleArn.isEmpty())
        return Error(ErrorCode::InvalidInput, QStringLiteral("bulk registration needs the role AWS IoT assumes to read "
                                                             "the file (--role-arn, or [cloud] bulk-role-arn in station.ini)"));
    if (settings.pollIntervalMs < 1)
        return Error(ErrorCode::InvalidInput, QStringLiteral("bulk registration: the poll interval must be positive"));
    SenderSettings asSender;
    asSender.templateBody = settings.templateBody;
    if (auto valid = validateSettings(asSender); !valid)
        return valid.error();
    return Status::success();
}

Result<BulkReport> runBulkRegistration(audit::SqlConnection& connection, cloud::AwsIotClient& client,
                                       const BulkSettings& settings, const Clock& clock,
                                       const std::function<void(const BulkProgress&)>& progress)
{
    BulkRun run(connection, client, settings, clock, progress);
    return run.run();
}

}  // namespace imprint::registration
