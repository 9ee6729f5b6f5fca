#include "core/audit/OutboxRecords.h"

#include "core/audit/SqlConnection.h"

#include <QJsonDocument>
#include <QStringList>

namespace imprint::audit {

namespace {

const QString kSelect = QStringLiteral(
    "SELECT o.id, o.unit_id, b.name, o.action, o.idempotency_key, o.payload, o.state, o.attempts, "
    "  o.next_attempt_at, o.last_error, o.updated_at, u.thing_name, u.serial_number, c.serial, c.pem "
    "FROM cloud_outbox o JOIN units u ON u.id = o.unit_id JOIN batches b ON b.id = u.batch_id "
    "LEFT JOIN certificates c ON c.id = o.certificate_id ");

OutboxRow rowFrom(const QSqlQuery& q)
{
    OutboxRow row;
    row.id = q.value(0).toLongLong();
    row.unitId = q.value(1).toLongLong();
    row.batchName = q.value(2).toString();
    row.action = q.value(3).toString();
    row.idempotencyKey = q.value(4).toString();
    row.payload = QJsonDocument::fromJson(q.value(5).toString().toUtf8()).object();
    row.state = q.value(6).toString();
    row.attempts = q.value(7).toInt();
    row.nextAttemptAt = q.value(8).toString();
    row.lastError = q.value(9).toString();
    row.updatedAt = q.value(10).toString();
    row.thingName = q.value(11).toString();
    row.serialNumber = q.value(12).toString();
    row.certificateSerial = q.value(13).toString();
    row.certificatePem = q.value(14).toString();
    return row;
}

Result<std::vector<OutboxRow>> select(SqlConnection& connection, const QString& sql, const QVariantList& values,
                                      const QString& what)
{
    auto query = connection.run(sql, values, what);
    if (!query)
        return query.error();
    std::vector<OutboxRow> rows;
    while (query.value()->next())
        rows.push_back(rowFrom(*query.value()));
    query.value()->finish();
    return rows;
}

Status update(SqlConnection& connection, const QString& sql, const QVariantList& values, const QString& what)
{
    auto done = connection.run(sql, values, what);
    if (!done)
        return done.error();
    if (done.value()->numRowsAffected() != 1)
        return Error(ErrorCode::NotFound, QStringLiteral("%1 in %2: no such outbox row").arg(what, connection.path()));
    return Status::success();
}

}  // namespace

Result<std::vector<OutboxRow>> dueOutboxRows(SqlConnection& connection, const QString& now, int limit, bool ignoreBackoff)
{
    const QString sql = kSelect + QStringLiteral("WHERE o.state IN ('queued','sent') AND (? OR o.next_attempt_at <= ?) "
                                                 "ORDER BY o.id LIMIT ?");
    return select(connection, sql, {ignoreBackoff ? 1 : 0, now, limit}, QStringLiteral("reading the due cloud registrations"));
}

Result<std::vector<OutboxRow>> listOutbox(SqlConnection& connection, const OutboxFilter& filter)
{
    QStringList where;
    QVariantList values;
    if (!filter.state.isEmpty()) {
        where << QStringLiteral("o.state = ?");
        values << filter.state;
    }
    if (!filter.batch.isEmpty()) {
        where << QStringLiteral("(b.name = ? OR CAST(b.id AS TEXT) = ?)");
        values << filter.batch << filter.batch;
    }
    if (!filter.thing.isEmpty()) {
        where << QStringLiteral("u.thing_name = ?");
        values << filter.thing;
    }
    QString sql = kSelect;
    if (!where.isEmpty())
        sql += QStringLiteral("WHERE ") + where.join(QStringLiteral(" AND "));
    sql += QStringLiteral(" ORDER BY o.id LIMIT ?");
    values << (filter.limit > 0 ? filter.limit : -1);
    return select(connection, sql, values, QStringLiteral("listing the cloud registrations"));
}

Result<std::map<QString, qint64>> outboxCounts(SqlConnection& connection)
{
    std::map<QString, qint64> counts{{QStringLiteral("queued"), 0},
                                     {QStringLiteral("sent"), 0},
                                     {QStringLiteral("registered"), 0},
                                     {QStringLiteral("failed"), 0}};
    auto query = connection.run(QStringLiteral("SELECT state, COUNT(*) FROM cloud_outbox GROUP BY state"), {},
                                QStringLiteral("counting the cloud registrations"));
    if (!query)
        return query.error();
    while (query.value()->next())
        counts[query.value()->value(0).toString()] = query.value()->value(1).toLongLong();
    query.value()->finish();
    return counts;
}

Status markOutboxAttempt(SqlConnection& connection, qint64 id, const QString& now, const QString& retryAt)
{
    return update(connection,
                  QStringLiteral("UPDATE cloud_outbox SET state = 'sent', attempts = attempts + 1, next_attempt_at = ?, "
                                 "updated_at = ? WHERE id = ? AND state IN ('queued','sent')"),
                  {retryAt, now, id}, QStringLiteral("recording the attempt of outbox row %1").arg(id));
}

Status markOutboxRegistered(SqlConnection& connection, qint64 id, const QString& now)
{
    return update(connection,
                  QStringLiteral("UPDATE cloud_outbox SET state = 'registered', last_error = NULL, updated_at = ? "
                                 "WHERE id = ?"),
                  {now, id}, QStringLiteral("recording the registration of outbox row %1").arg(id));
}

Status markOutboxRetry(SqlConnection& connection, qint64 id, const QString& now, const QString& retryAt,
                       const QString& error)
{
    return update(connection,
                  QStringLiteral("UPDATE cloud_outbox SET state = 'sent', next_attempt_at = ?, last_error = ?, "
                                 "updated_at = ? WHERE id = ?"),
                  {retryAt, error, now, id}, QStringLiteral("recording the retry of outbox row %1").arg(id));
}

Status markOutboxFailed(SqlConnection& connection, qint64 id, const QString& now, const QString& error)
{
    return update(connection,
                  QStringLiteral("UPDATE cloud_outbox SET state = 'failed', last_error = ?, updated_at = ? WHERE id = ?"),
                  {error, now, id}, QStringLiteral("recording the failure of outbox row %1").arg(id));
}

Result<qint64> requeueFailedOutbox(SqlConnection& connection, const QString& now)
{
    auto done = connection.run(QStringLiteral("UPDATE cloud_outbox SET state = 'sent', next_attempt_at = ?, "
                                              "updated_at = ? WHERE state = 'failed'"),
                               {now, now}, QStringLiteral("queueing the failed cloud registrations again"));
    if (!done)
        return done.error();
    return static_cast<qint64>(done.value()->numRowsAffected());
}

}  // namespace imprint::audit
