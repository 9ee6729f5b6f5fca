#include "core/audit/AuditQueries.h"

#include "core/audit/SqlConnection.h"

#include <QSqlQuery>

namespace imprint::audit {

namespace {

const QString kSummary = QStringLiteral(
    "SELECT b.id, b.name, b.kind, b.quota, b.thing_name_rule, b.created_at, b.created_by, b.device_count, "
    "  (SELECT COUNT(*) FROM units u WHERE u.batch_id = b.id AND u.state = 'passed'), "
    "  (SELECT COUNT(*) FROM units u WHERE u.batch_id = b.id AND u.state = 'failed'), "
    "  (SELECT COUNT(*) FROM units u WHERE u.batch_id = b.id AND u.state = 'interrupted'), "
    "  (SELECT COUNT(*) FROM units u WHERE u.batch_id = b.id AND u.state = 'superseded'), "
    "  (SELECT COUNT(*) FROM units u WHERE u.batch_id = b.id AND u.state = 'in_progress'), "
    "  (SELECT COUNT(*) FROM cloud_outbox o JOIN units u ON u.id = o.unit_id "
    "     WHERE u.batch_id = b.id AND o.state IN ('queued','sent','failed')) "
    "FROM batches b");

BatchSummary summaryFrom(const QSqlQuery& q)
{
    BatchSummary s;
    s.id = q.value(0).toLongLong();
    s.name = q.value(1).toString();
    s.kind = q.value(2).toString();
    s.quota = q.value(3).isNull() ? std::nullopt : std::optional<qint64>(q.value(3).toLongLong());
    s.thingNameRule = q.value(4).toString();
    s.createdAt = q.value(5).toString();
    s.createdBy = q.value(6).toString();
    s.devices = q.value(7).toLongLong();
    s.passed = q.value(8).toLongLong();
    s.provisioned = s.passed;  // the schema allows one passed unit per device
    s.failed = q.value(9).toLongLong();
    s.interrupted = q.value(10).toLongLong();
    s.superseded = q.value(11).toLongLong();
    s.inProgress = q.value(12).toLongLong();
    s.cloudQueued = q.value(13).toLongLong();
    return s;
}

}  // namespace

Result<std::vector<BatchSummary>> listBatches(SqlConnection& connection)
{
    QSqlQuery q(connection.db());
    q.setForwardOnly(true);
    if (!q.exec(kSummary + QStringLiteral(" ORDER BY b.id")))
        return connection.databaseError(QStringLiteral("listing the batches"), q);
    std::vector<BatchSummary> batches;
    while (q.next())
        batches.push_back(summaryFrom(q));
    return batches;
}

Result<BatchSummary> findBatch(SqlConnection& connection, const QString& batch)
{
    bool isId = false;
    const qint64 id = batch.toLongLong(&isId);
    QSqlQuery q(connection.db());
    q.prepare(kSummary + (isId ? QStringLiteral(" WHERE b.id = ?") : QStringLiteral(" WHERE b.name = ?")));
    q.addBindValue(isId ? QVariant(id) : QVariant(batch));
    if (!q.exec())
        return connection.databaseError(QStringLiteral("reading batch %1").arg(batch), q);
    if (!q.next())
        return Error(ErrorCode::NotFound, QStringLiteral("there is no batch '%1' in %2").arg(batch, connection.path()));
    return summaryFrom(q);
}

std::optional<qint64> remainingUnits(const BatchSummary& batch)
{
    const std::optional<qint64> target = batch.kind == u"open" ? batch.quota : std::optional<qint64>(batch.devices);
    if (!target)
        return std::nullopt;
    return std::max<qint64>(0, *target - batch.provisioned);
}

QString formatBatchSummary(const BatchSummary& b)
{
    const qint64 target = b.quota ? *b.quota : b.devices;
    QString text = QStringLiteral("batch %1 '%2' (%3)\n").arg(b.id).arg(b.name, b.kind);
    text += QStringLiteral("  created        %1 by %2\n").arg(b.createdAt, b.createdBy);
    text += QStringLiteral("  devices        %1%2\n")
                .arg(b.devices)
                .arg(b.quota ? QStringLiteral(" (quota %1)").arg(*b.quota) : QString());
    text += QStringLiteral("  provisioned    %1\n").arg(b.provisioned);
    text += QStringLiteral("  remaining      %1\n").arg(std::max<qint64>(0, target - b.provisioned));
    text += QStringLiteral("  units          passed %1, failed %2, interrupted %3, superseded %4, in progress %5\n")
                .arg(b.passed).arg(b.failed).arg(b.interrupted).arg(b.superseded).arg(b.inProgress);
    text += QStringLiteral("  cloud pending  %1\n").arg(b.cloudQueued);
    if (!b.thingNameRule.isEmpty())
        text += QStringLiteral("  thing names    %1\n").arg(b.thingNameRule);
    return text;
}

}  // namespace imprint::audit
