#include "core/audit/AuditExport.h"

#include "core/audit/EventChain.h"
#include "core/audit/SqlConnection.h"
#include "core/audit/SqliteStatement.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlQuery>

namespace imprint::audit {

namespace {

const QString kUnitColumns = QStringLiteral(
    "SELECT u.id AS unit_id, u.uuid, b.name AS batch, u.serial_number, u.hardware_id, u.thing_name, u.attempt, "
    "u.state, u.station, u.operator, u.supervisor, u.slot, u.port, u.started_at, u.finished_at, u.error, "
    "c.serial AS certificate_serial, c.fingerprint_sha256 AS certificate_sha256, c.not_after AS certificate_not_after "
    "FROM units u JOIN batches b ON b.id = u.batch_id "
    "LEFT JOIN certificates c ON c.id = (SELECT MAX(id) FROM certificates WHERE unit_id = u.id)");

const QString kEventColumns = QStringLiteral(
    "SELECT e.id, e.at, e.station, e.operator, e.supervisor, e.unit_id, e.batch_id, e.slot, e.port, e.hardware_id, "
    "e.serial_number, e.step, e.outcome, e.error, e.duration_ms, e.detail, e.prev_hash, e.hash FROM events e");

const QString kBulkColumns = QStringLiteral(
    "SELECT u.thing_name, u.serial_number, c.pem, d.template_parameters FROM units u "
    "JOIN batch_devices d ON d.id = u.batch_device_id "
    "LEFT JOIN certificates c ON c.id = (SELECT MAX(id) FROM certificates WHERE unit_id = u.id AND state = 'active')");

// Output in 1 MiB writes, whatever the number of rows.
class Sink
{
public:
    explicit Sink(QIODevice& out) : m_out(out) { m_buffer.reserve(kChunk + 64 * 1024); }
    QByteArray& buffer() { return m_buffer; }
    bool flushIfFull() { return m_buffer.size() < kChunk || flush(); }
    bool flush()
    {
        const bool ok = m_out.write(m_buffer) == m_buffer.size();
        m_buffer.resize(0);
        return ok;
    }

private:
    static constexpr qsizetype kChunk = 1 << 20;
    QIODevice& m_out;
    QByteArray m_buffer;
};

// Values come from SQLite as UTF-8 bytes and go to the file as they are: only the characters
// CSV or JSON must escape are touched, and most values have none.
void appendCsv(QByteArray& out, QByteArrayView value)
{
    bool quote = false;
    for (const char c : value) {
        if (c == ',' || c == '"' || c == '\n' || c == '\r') {
            quote = true;
            break;
        }
    }
    if (!quote) {
        out.append(value);
        return;
    }
    out += '"';
    for (const char c : value) {
        if (c == '"')
            out += '"';
        out += c;
    }
    out += '"';
}

void appendJsonString(QByteArray& out, QByteArrayView value)
{
    out += '"';
    qsizetype plainFrom = 0;
    for (qsizetype i = 0; i < value.size(); ++i) {
        const char c = value[i];
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && c != '"' && c != '\\')
            continue;
        out.append(value.sliced(plainFrom, i - plainFrom));
        plainFrom = i + 1;
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else {
            out += "\\u00";
            out += "0123456789abcdef"[u >> 4];
            out += "0123456789abcdef"[u & 0xf];
        }
    }
    out.append(value.sliced(plainFrom));
    out += '"';
}

QString whereClause(ExportSubject subject, const ExportFilter& filter, QVariantList& values)
{
    const QString time = subject == ExportSubject::Units ? QStringLiteral("u.started_at") : QStringLiteral("e.at");
    const QString batch = subject == ExportSubject::Units ? QStringLiteral("u.batch_id") : QStringLiteral("e.batch_id");
    const QString outcome = subject == ExportSubject::Units ? QStringLiteral("u.state") : QStringLiteral("e.outcome");
    QStringList conditions;
    if (filter.batchId) {
        conditions << batch + QStringLiteral(" = ?");
        values << *filter.batchId;
    }
    if (filter.from) {
        conditions << time + QStringLiteral(" >= ?");
        values << auditTime(*filter.from);
    }
    if (filter.until) {
        conditions << time + QStringLiteral(" < ?");
        values << auditTime(*filter.until);
    }
    if (filter.outcome) {
        conditions << outcome + QStringLiteral(" = ?");
        values << *filter.outcome;
    }
    return conditions.isEmpty() ? QString() : QStringLiteral(" WHERE ") + conditions.join(QStringLiteral(" AND "));
}

Result<qint64> writeTable(SqliteStatement& q, ExportFormat format, Sink& sink)
{
    const int columns = q.columnCount();
    std::vector<QByteArray> names;
    for (int i = 0; i < columns; ++i)
        names.push_back(q.columnName(i));
    QByteArray& out = sink.buffer();
    if (format == ExportFormat::Csv) {
        for (int i = 0; i < columns; ++i) {
            if (i > 0)
                out += ',';
            out += names[static_cast<size_t>(i)];
        }
        out += "\r\n";
    }
    qint64 rows = 0;
    for (;;) {
        auto row = q.next();
        if (!row)
            return row.error();
        if (!row.value())
            break;
        for (int i = 0; i < columns; ++i) {
            if (format == ExportFormat::Csv) {
                if (i > 0)
                    out += ',';
                if (q.isNull(i))
                    continue;
                if (q.isInteger(i))
                    out += QByteArray::number(q.integer(i));
                else
                    appendCsv(out, q.text(i));
                continue;
            }
            out += i == 0 ? "{\"" : ",\"";
            out += names[static_cast<size_t>(i)];
            out += "\":";
            if (q.isNull(i))
                out += "null";
            else if (q.isInteger(i))
                out += QByteArray::number(q.integer(i));
            else
                appendJsonString(out, q.text(i));
        }
        out += format == ExportFormat::Csv ? "\r\n" : "}\n";
        ++rows;
        if (!sink.flushIfFull())
            return Error(ErrorCode::Io, QStringLiteral("cannot write the export"));
    }
    return rows;
}

// One line per unit: the parameters a bulk-registration template takes for that thing.
Result<qint64> writeBulk(QSqlQuery& q, Sink& sink)
{
    qint64 rows = 0;
    while (q.next()) {
        QJsonObject line{{QStringLiteral("ThingName"), q.value(0).toString()},
                         {QStringLiteral("SerialNumber"), q.value(1).toString()}};
        if (!q.value(2).isNull())
            line.insert(QStringLiteral("CertificatePem"), q.value(2).toString());
        if (!q.value(3).isNull()) {
            const QJsonObject parameters = QJsonDocument::fromJson(q.value(3).toString().toUtf8()).object();
            for (auto it = parameters.begin(); it != parameters.end(); ++it)
                line.insert(it.key(), it.value().isString() ? it.value() : QJsonValue(it.value().toVariant().toString()));
        }
        sink.buffer() += QJsonDocument(line).toJson(QJsonDocument::Compact);
        sink.buffer() += '\n';
        ++rows;
        if (!sink.flushIfFull())
            return Error(ErrorCode::Io, QStringLiteral("cannot write the export"));
    }
    return rows;
}

Result<qint64> exportBulk(SqlConnection& connection, const QString& sql, const QVariantList& values, Sink& sink)
{
    QSqlQuery q(connection.db());
    q.setForwardOnly(true);  // rows stream from SQLite; nothing is cached
    if (!q.prepare(sql))
        return connection.databaseError(QStringLiteral("preparing the export"), q);
    for (const QVariant& value : values)
        q.addBindValue(value);
    if (!q.exec())
        return connection.databaseError(QStringLiteral("reading for the export"), q);
    return writeBulk(q, sink);
}

// The SQLite C API: values straight from SQLite's UTF-8 to the file, no QVariant per value.
Result<qint64> exportTable(SqlConnection& connection, const QString& sql, const QVariantList& values,
                           ExportFormat format, Sink& sink)
{
    auto db = nativeHandle(connection);
    if (!db)
        return db.error();
    auto q = SqliteStatement::prepare(db.value(), sql, QStringLiteral("reading for the export"));
    if (!q)
        return q.error();
    for (int i = 0; i < values.size(); ++i)
        q->bind(i + 1, values.at(i));
    return writeTable(q.value(), format, sink);
}

}  // namespace

std::optional<ExportFormat> exportFormatFromName(const QString& name)
{
    if (name == QLatin1String("csv"))
        return ExportFormat::Csv;
    if (name == QLatin1String("jsonl"))
        return ExportFormat::JsonLines;
    if (name == QLatin1String("aws-bulk"))
        return ExportFormat::AwsBulk;
    return std::nullopt;
}

QString exportSelect(ExportSubject subject)
{
    return subject == ExportSubject::Units ? kUnitColumns + QStringLiteral(" ORDER BY u.id")
                                           : kEventColumns + QStringLiteral(" ORDER BY e.id");
}

Result<qint64> exportAudit(SqlConnection& connection, ExportFormat format, ExportSubject subject,
                           const ExportFilter& filter, QIODevice& out)
{
    if (format == ExportFormat::AwsBulk && subject != ExportSubject::Units)
        return Error(ErrorCode::InvalidInput, QStringLiteral("the AWS bulk-registration file is made from units, not events"));
    ExportFilter effective = filter;
    if (format == ExportFormat::AwsBulk && !effective.outcome)
        effective.outcome = QStringLiteral("passed");  // only devices that hold a certificate
    QVariantList values;
    const QString where = whereClause(subject, effective, values);
    QString sql;
    if (format == ExportFormat::AwsBulk)
        sql = kBulkColumns + where + QStringLiteral(" ORDER BY u.id");
    else if (subject == ExportSubject::Units)
        sql = kUnitColumns + where + QStringLiteral(" ORDER BY u.id");
    else
        sql = kEventColumns + where + QStringLiteral(" ORDER BY e.id");
    Sink sink(out);
    auto rows = format == ExportFormat::AwsBulk ? exportBulk(connection, sql, values, sink)
                                                : exportTable(connection, sql, values, format, sink);
    if (rows && !sink.flush())
        return Error(ErrorCode::Io, QStringLiteral("cannot write the export"));
    return rows;
}

}  // namespace imprint::audit
