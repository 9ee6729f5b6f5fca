#include "core/audit/EventBrowse.h"

#include "core/audit/EventChain.h"
#include "core/audit/KeysetPage.h"
#include "core/audit/SqlConnection.h"

#include <QSqlQuery>

namespace imprint::audit {

namespace {

const QString kEventSelect = QStringLiteral(
    "SELECT e.id, e.at, e.station, e.operator, e.supervisor, e.unit_id, e.batch_id, e.slot, e.port, e.hardware_id, "
    "e.serial_number, e.step, e.outcome, e.error, e.duration_ms, e.detail FROM events e");

EventListRow eventFrom(const QSqlQuery& q)
{
    EventListRow row;
    row.id = q.value(0).toLongLong();
    row.at = q.value(1).toString();
    row.station = q.value(2).toString();
    row.operatorName = q.value(3).toString();
    row.supervisor = q.value(4).toString();
    row.unitId = optionalNumber(q.value(5));
    row.batchId = optionalNumber(q.value(6));
    if (!q.value(7).isNull())
        row.slot = q.value(7).toInt();
    row.port = q.value(8).toString();
    row.hardwareId = q.value(9).toString();
    row.serialNumber = q.value(10).toString();
    row.step = q.value(11).toString();
    row.outcome = q.value(12).toString();
    row.error = q.value(13).toString();
    row.durationMs = optionalNumber(q.value(14));
    row.detail = q.value(15).toString();
    return row;
}

// The conditions of `filter` on events `e`, their values appended in order. The "+" on the
// time keeps SQLite on the id order (no index answers `at`; a sort of every match would defeat
// keyset paging); batch_id may use its index, whose entries are in id order per batch.
QStringList conditionsFor(const EventFilter& filter, QVariantList& values)
{
    QStringList conditions;
    auto exactly = [&](const char* column, const QVariant& value) {
        conditions << QLatin1String(column) + QStringLiteral(" = ?");
        values << value;
    };
    if (filter.batchId)
        exactly("e.batch_id", *filter.batchId);
    if (filter.step)
        exactly("e.step", *filter.step);
    if (filter.outcome)
        exactly("e.outcome", *filter.outcome);
    if (filter.from) {
        conditions << QStringLiteral("+e.at >= ?");
        values << auditTime(*filter.from);
    }
    if (filter.until) {
        conditions << QStringLiteral("+e.at < ?");
        values << auditTime(*filter.until);
    }
    addTextSearch(conditions, values, filter.text,
                  {"e.serial_number", "e.hardware_id", "e.operator", "e.supervisor", "e.port", "e.error", "e.detail"});
    return conditions;
}

Result<QStringList> distinctValues(SqlConnection& connection, const char* column)
{
    const QString name = QLatin1String(column);
    auto query = connection.run(QStringLiteral("SELECT DISTINCT %1 FROM events ORDER BY %1").arg(name), {},
                                QStringLiteral("listing the events' %1s").arg(name));
    if (!query)
        return query.error();
    QStringList values;
    QSqlQuery* q = query.value();
    while (q->next())
        values << q->value(0).toString();
    q->finish();
    return values;
}

}  // namespace

Result<EventPage> eventPage(SqlConnection& connection, const EventFilter& filter, std::optional<qint64> beforeId, int limit)
{
    QVariantList values;
    QStringList conditions = conditionsFor(filter, values);
    return keysetPage<EventPage>(connection, kEventSelect, "e", std::move(conditions), std::move(values), beforeId, limit,
                                 QStringLiteral("events"), eventFrom);
}

Result<qint64> countEvents(SqlConnection& connection, const EventFilter& filter)
{
    QVariantList values;
    const QStringList conditions = conditionsFor(filter, values);
    auto row = connection.one(QStringLiteral("SELECT COUNT(*) FROM events e") + whereClause(conditions), values,
                              QStringLiteral("counting events"));
    if (!row)
        return row.error();
    return row.value() ? row.value()->at(0).toLongLong() : 0;
}

Result<EventVocabulary> eventVocabulary(SqlConnection& connection)
{
    auto steps = distinctValues(connection, "step");
    if (!steps)
        return steps.error();
    auto outcomes = distinctValues(connection, "outcome");
    if (!outcomes)
        return outcomes.error();
    return EventVocabulary{steps.value(), outcomes.value()};
}

}  // namespace imprint::audit
