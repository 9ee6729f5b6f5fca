#include "core/audit/AuditBrowse.h"

#include "core/audit/EventChain.h"
#include "core/audit/KeysetPage.h"
#include "core/audit/SqlConnection.h"

#include <QSqlQuery>

namespace imprint::audit {

namespace {

// The batch name by a correlated lookup rather than a join: with a join SQLite may put the
// small batches table outside and then sort every unit, which defeats keyset paging.
const QString kUnitSelect = QStringLiteral(
    "SELECT u.id, u.uuid, u.batch_id, (SELECT name FROM batches WHERE id = u.batch_id), u.serial_number, "
    "u.hardware_id, u.thing_name, u.attempt, u.state, u.operator, u.supervisor, u.slot, u.port, u.started_at, "
    "u.finished_at, u.error, u.rework FROM units u");

UnitRow unitFrom(const QSqlQuery& q)
{
    UnitRow row;
    row.id = q.value(0).toLongLong();
    row.uuid = q.value(1).toString();
    row.batchId = q.value(2).toLongLong();
    row.batch = q.value(3).toString();
    row.serialNumber = q.value(4).toString();
    row.hardwareId = q.value(5).toString();
    row.thingName = q.value(6).toString();
    row.attempt = q.value(7).toInt();
    row.state = q.value(8).toString();
    row.operatorName = q.value(9).toString();
    row.supervisor = q.value(10).toString();
    row.slot = q.value(11).toInt();
    row.port = q.value(12).toString();
    row.startedAt = q.value(13).toString();
    row.finishedAt = q.value(14).toString();
    row.error = q.value(15).toString();
    row.rework = q.value(16).toInt() != 0;
    return row;
}

// The conditions of `filter` on units `u`, their values appended in order.
QStringList conditionsFor(const BrowseFilter& filter, QVariantList& values)
{
    QStringList conditions;
    if (filter.batchId) {
        conditions << QStringLiteral("u.batch_id = ?");
        values << *filter.batchId;
    }
    if (filter.outcome) {
        conditions << QStringLiteral("u.state = ?");
        values << *filter.outcome;
    }
    // "+" keeps SQLite from answering through the started_at index and then sorting every
    // matching unit by id: the id order is what makes a page cheap.
    if (filter.from) {
        conditions << QStringLiteral("+u.started_at >= ?");
        values << auditTime(*filter.from);
    }
    if (filter.until) {
        conditions << QStringLiteral("+u.started_at < ?");
        values << auditTime(*filter.until);
    }
    addTextSearch(conditions, values, filter.text, {"u.serial_number", "u.thing_name", "u.hardware_id", "u.uuid", "u.error"});
    return conditions;
}

Result<std::vector<CertificateRow>> certificatesOf(SqlConnection& connection, qint64 unitId)
{
    auto query = connection.run(QStringLiteral("SELECT id, serial, subject, not_before, not_after, fingerprint_sha256, "
                                               "pem, state FROM certificates WHERE unit_id = ? ORDER BY id"),
                                {unitId}, QStringLiteral("reading the certificates of unit %1").arg(unitId));
    if (!query)
        return query.error();
    std::vector<CertificateRow> certificates;
    QSqlQuery* q = query.value();
    while (q->next()) {
        certificates.push_back({q->value(0).toLongLong(), q->value(1).toString(), q->value(2).toString(),
                                q->value(3).toString(), q->value(4).toString(), q->value(5).toString(),
                                q->value(6).toString(), q->value(7).toString()});
    }
    q->finish();
    return certificates;
}

Result<std::vector<EventRow>> eventsOf(SqlConnection& connection, qint64 unitId)
{
    auto query = connection.run(QStringLiteral("SELECT id, at, operator, supervisor, step, outcome, error, duration_ms, "
                                               "detail FROM events WHERE unit_id = ? ORDER BY id"),
                                {unitId}, QStringLiteral("reading the events of unit %1").arg(unitId));
    if (!query)
        return query.error();
    std::vector<EventRow> events;
    QSqlQuery* q = query.value();
    while (q->next()) {
        EventRow event;
        event.id = q->value(0).toLongLong();
        event.at = q->value(1).toString();
        event.operatorName = q->value(2).toString();
        event.supervisor = q->value(3).toString();
        event.step = q->value(4).toString();
        event.outcome = q->value(5).toString();
        event.error = q->value(6).toString();
        if (!q->value(7).isNull())
            event.durationMs = q->value(7).toLongLong();
        event.detail = q->value(8).toString();
        events.push_back(std::move(event));
    }
    q->finish();
    return events;
}

}  // namespace

ExportFilter exportFilterFor(const BrowseFilter& filter)
{
    return {filter.batchId, filter.from, filter.until, filter.outcome};
}

Result<UnitPage> unitPage(SqlConnection& connection, const BrowseFilter& filter, std::optional<qint64> beforeId, int limit)
{
    QVariantList values;
    QStringList conditions = conditionsFor(filter, values);
    return keysetPage<UnitPage>(connection, kUnitSelect, "u", std::move(conditions), std::move(values), beforeId, limit,
                                QStringLiteral("units"), unitFrom);
}

Result<UnitDetail> unitDetail(SqlConnection& connection, qint64 unitId)
{
    auto query = connection.run(kUnitSelect + QStringLiteral(" WHERE u.id = ?"), {unitId},
                                QStringLiteral("reading unit %1").arg(unitId));
    if (!query)
        return query.error();
    QSqlQuery* q = query.value();
    if (!q->next()) {
        q->finish();
        return Error(ErrorCode::NotFound, QStringLiteral("there is no unit %1 in %2").arg(unitId).arg(connection.path()));
    }
    UnitDetail detail;
    detail.unit = unitFrom(*q);
    q->finish();
    auto certificates = certificatesOf(connection, unitId);
    if (!certificates)
        return certificates.error();
    detail.certificates = std::move(certificates.value());
    auto events = eventsOf(connection, unitId);
    if (!events)
        return events.error();
    detail.events = std::move(events.value());
    return detail;
}

Result<std::vector<BatchName>> batchNames(SqlConnection& connection)
{
    auto query = connection.run(QStringLiteral("SELECT id, name FROM batches ORDER BY id"), {},
                                QStringLiteral("listing the batches"));
    if (!query)
        return query.error();
    std::vector<BatchName> names;
    QSqlQuery* q = query.value();
    while (q->next())
        names.push_back({q->value(0).toLongLong(), q->value(1).toString()});
    q->finish();
    return names;
}

Result<QString> operatorRole(SqlConnection& connection, const QString& name)
{
    auto row = connection.one(QStringLiteral("SELECT role FROM operators WHERE name = ?"), {name.trimmed()},
                              QStringLiteral("looking up operator %1").arg(name));
    if (!row)
        return row.error();
    if (!row.value())
        return Error(ErrorCode::NotFound,
                     QStringLiteral("'%1' is not a registered operator of this station (a supervisor registers "
                                    "people with imprint-cli audit add-operator)").arg(name.trimmed()));
    return row.value()->at(0).toString();
}

Result<qint64> countUnits(SqlConnection& connection, const BrowseFilter& filter)
{
    QVariantList values;
    const QStringList conditions = conditionsFor(filter, values);
    auto row = connection.one(QStringLiteral("SELECT COUNT(*) FROM units u") + whereClause(conditions), values,
                              QStringLiteral("counting units"));
    if (!row)
        return row.error();
    return row.value() ? row.value()->at(0).toLongLong() : 0;
}

}  // namespace imprint::audit
