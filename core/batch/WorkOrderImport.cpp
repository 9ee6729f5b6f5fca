#include "core/batch/WorkOrderImport.h"

#include "core/audit/EventChain.h"
#include "core/audit/SqlConnection.h"
#include "core/audit/UnitRecords.h"
#include "core/batch/ThingNameRule.h"

#include <QSqlError>
#include <QSqlQuery>

namespace imprint::batch {

namespace {

const QString kInsertDevice = QStringLiteral(
    "INSERT INTO batch_devices (batch_id, line, serial_number, hardware_id, thing_name, attributes, "
    "thing_groups, thing_type, template_parameters) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");

Status checkBatchName(audit::SqlConnection& connection, const QString& name)
{
    if (!isValidThingName(name))
        return Error(ErrorCode::InvalidInput, QStringLiteral("'%1' is not a batch name (1 to 128 of a-z A-Z 0-9 : _ -)")
                                                  .arg(name));
    auto existing = connection.one(QStringLiteral("SELECT id FROM batches WHERE name = ?"), {name},
                                   QStringLiteral("looking up batch %1").arg(name));
    if (!existing)
        return existing.error();
    if (existing.value())
        return Error(ErrorCode::AlreadyExists, QStringLiteral("batch '%1' already exists (id %2)")
                                                   .arg(name)
                                                   .arg(existing.value()->at(0).toLongLong()));
    return Status::success();
}

Result<qint64> insertBatch(audit::SqlConnection& connection, const QString& name, const QString& kind,
                           std::optional<qint64> quota, const QString& rule, const QString& source,
                           const audit::Actor& actor, const Clock& clock)
{
    auto inserted = connection.run(
        QStringLiteral("INSERT INTO batches (name, kind, quota, thing_name_rule, source_file, created_at, created_by) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)"),
        {name, kind, quota ? QVariant(*quota) : QVariant(QMetaType(QMetaType::LongLong)),
         rule.isEmpty() ? QVariant(QMetaType(QMetaType::QString)) : QVariant(rule),
         source.isEmpty() ? QVariant(QMetaType(QMetaType::QString)) : QVariant(source), audit::auditTime(clock.nowUtc()),
         actor.operatorName},
        QStringLiteral("creating batch %1").arg(name));
    if (!inserted)
        return inserted.error();
    return inserted.value()->lastInsertId().toLongLong();
}

// A refused insert is a duplicate: say of what, and where the first one is.
class DuplicateReporter
{
public:
    DuplicateReporter(audit::SqlConnection& connection, qint64 batchId)
        : m_connection(connection), m_batchId(batchId)
    {
    }

    // Every value of the row that is already taken, each as its own issue.
    std::vector<ImportIssue> describe(const WorkOrderRow& row, const QSqlQuery& failed)
    {
        struct Candidate { const char* column; const char* label; std::optional<QString> value; int position; };
        const Candidate candidates[] = {
            {"serial_number", "serial number", row.serialNumber, row.serialColumn},
            {"hardware_id", "hardware ID", row.hardwareId, row.hardwareIdColumn},
            {"thing_name", "thing name", row.thingName, row.thingNameColumn},
        };
        std::vector<ImportIssue> issues;
        for (const Candidate& candidate : candidates) {
            if (!candidate.value)
                continue;
            const QString column = QString::fromLatin1(candidate.column);
            if (auto found = where(column, QString::fromLatin1(candidate.label), *candidate.value))
                issues.push_back(ImportIssue{row.line, candidate.position, column, *found});
        }
        if (issues.empty())
            issues.push_back(ImportIssue{row.line, 0, QString(),
                                         QStringLiteral("the row was refused: %1").arg(failed.lastError().databaseText())});
        return issues;
    }

private:
    std::optional<QString> where(const QString& column, const QString& label, const QString& value)
    {
        auto first = m_connection.one(
            QStringLiteral("SELECT d.batch_id, d.line, b.name FROM batch_devices d JOIN batches b ON b.id = d.batch_id "
                           "WHERE d.%1 = ?").arg(column),
            {value}, QStringLiteral("finding the first %1 %2").arg(label, value));
        if (!first)
            return QStringLiteral("duplicate %1 '%2'").arg(label, value);
        if (!first.value())
            return std::nullopt;
        const QVariantList& c = *first.value();
        if (c[0].toLongLong() == m_batchId)
            return QStringLiteral("duplicate %1 '%2': already on line %3 of this file").arg(label, value).arg(c[1].toLongLong());
        return QStringLiteral("%1 '%2' is already in batch '%3'").arg(label, value, c[2].toString());
    }

    audit::SqlConnection& m_connection;
    qint64 m_batchId;
};

}  // namespace

Result<ImportSummary> importWorkOrder(audit::SqlConnection& connection, const QString& path,
                                      const ImportOptions& options, const Clock& clock,
                                      const std::function<void(const ImportIssue&)>& onIssue)
{
    if (options.actor.operatorName.isEmpty())
        return Error(ErrorCode::InvalidInput, QStringLiteral("an import needs the operator's name"));
    if (auto named = checkBatchName(connection, options.batchName); !named)
        return named.error();
    if (auto begun = connection.begin(QStringLiteral("starting the import")); !begun)
        return begun.error();
    auto fail = [&connection](Error error) -> Result<ImportSummary> {
        connection.rollback();
        return error;
    };
    auto batchId = insertBatch(connection, options.batchName, QStringLiteral("list"), std::nullopt,
                               options.thingNameRule, path, options.actor, clock);
    if (!batchId)
        return fail(batchId.error());

    auto statement = connection.prepared(kInsertDevice);
    if (!statement)
        return fail(statement.error());
    QSqlQuery& insert = *statement.value();
    ImportSummary summary;
    summary.batchId = batchId.value();
    const ReadOptions read{options.format, options.thingNameRule, options.batchName};
    DuplicateReporter duplicates(connection, summary.batchId);
    const QVariant nullText(QMetaType(QMetaType::QString));
    auto text = [&nullText](const std::optional<QString>& value) { return value ? QVariant(*value) : nullText; };
    auto issue = [&summary, &onIssue](const ImportIssue& found) {
        ++summary.issues;
        onIssue(found);
    };
    auto row = [&](const WorkOrderRow& device) {
        insert.bindValue(0, summary.batchId);
        insert.bindValue(1, device.line);
        insert.bindValue(2, device.serialNumber);
        insert.bindValue(3, text(device.hardwareId));
        insert.bindValue(4, device.thingName);
        insert.bindValue(5, text(device.attributesJson));
        insert.bindValue(6, text(device.thingGroupsJson));
        insert.bindValue(7, text(device.thingType));
        insert.bindValue(8, text(device.templateParametersJson));
        if (insert.exec()) {
            ++summary.devices;
            return;
        }
        for (const ImportIssue& found : duplicates.describe(device, insert))
            issue(found);
    };
    if (auto read_ = readWorkOrder(path, read, row, issue); !read_)
        return fail(read_.error());
    if (summary.issues > 0)
        return fail(Error(ErrorCode::InvalidInput, QStringLiteral("%1 problem%2 in %3; nothing was imported")
                                                       .arg(summary.issues)
                                                       .arg(summary.issues == 1 ? QString() : QStringLiteral("s"), path)));
    if (summary.devices == 0)
        return fail(Error(ErrorCode::InvalidInput, QStringLiteral("%1 has no device rows; nothing was imported").arg(path)));
    if (auto counted = connection.run(QStringLiteral("UPDATE batches SET device_count = ? WHERE id = ?"),
                                      {summary.devices, summary.batchId}, QStringLiteral("counting the batch"));
        !counted)
        return fail(counted.error());
    audit::WriteContext context{connection, clock, options.station};
    auto event = audit::appendStationEventIn(context, options.actor, QStringLiteral("batch-imported"),
                                             QStringLiteral("ok"), summary.batchId,
                                             QStringLiteral("%1 devices from %2").arg(summary.devices).arg(path));
    if (!event)
        return fail(event.error());
    if (auto committed = connection.commit(QStringLiteral("committing the import")); !committed)
        return fail(committed.error());
    return summary;
}

Result<qint64> createOpenBatch(audit::SqlConnection& connection, const QString& name, qint64 quota,
                               const QString& thingNameRule, const audit::Actor& actor, const QString& station,
                               const Clock& clock)
{
    if (quota <= 0)
        return Error(ErrorCode::InvalidInput, QStringLiteral("an open batch needs a quota of at least 1 unit"));
    if (auto named = checkBatchName(connection, name); !named)
        return named.error();
    if (auto begun = connection.begin(QStringLiteral("creating an open batch")); !begun)
        return begun.error();
    auto batchId = insertBatch(connection, name, QStringLiteral("open"), quota, thingNameRule, QString(), actor, clock);
    if (!batchId) {
        connection.rollback();
        return batchId.error();
    }
    audit::WriteContext context{connection, clock, station};
    auto event = audit::appendStationEventIn(context, actor, QStringLiteral("batch-opened"), QStringLiteral("ok"),
                                             batchId.value(), QStringLiteral("quota %1").arg(quota));
    if (!event) {
        connection.rollback();
        return event.error();
    }
    if (auto committed = connection.commit(QStringLiteral("creating an open batch")); !committed) {
        connection.rollback();
        return committed.error();
    }
    return batchId.value();
}

}  // namespace imprint::batch
