#include "core/audit/AuditExport.h"

#include "core/audit/EventChain.h"
#include "core/audit/SqlConnection.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlQuery>
#include <QSqlRecord>

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
    "e.serial_number, e.step, e.outcome, e.error, e.duration_ms, e.prev_hash, e.hash FROM events e");

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

// Most values are plain ASCII without a character CSV or JSON must escape: those are copied
// straight into the output (no UTF-8 conversion, no allocation). The rest take the slow path.
bool isPlainAscii(QStringView text)
{
    for (const QChar c : text) {
        const char16_t u = c.unicode();
        if (u < 0x20 || u >= 0x7f || u == u',' || u == u'"' || u == u'\\')
            return false;
    }
    return true;
}

void appendAscii(QByteArray& out, QStringView text)
{
    const qsizetype at = out.size();
    out.resize(at + text.size());
    char* to = out.data() + at;
    for (const QChar c : text)
        *to++ = static_cast<char>(c.unicode());
}

void appendCsv(QByteArray& out, const QString& text)
{
    if (isPlainAscii(text)) {
        appendAscii(out, text);
        return;
    }
    const QByteArray value = text.toUtf8();
    const bool quote = value.contains(',') || value.contains('"') || value.contains('\n') || value.contains('\r');
    if (!quote) {
        out += value;
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

void appendJsonString(QByteArray& out, const QString& text)
{
    out += '"';
    if (isPlainAscii(text)) {
        appendAscii(out, text);
        out += '"';
        return;
    }
    const QByteArray value = text.toUtf8();
    for (const char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (u < 0x20) {
            out += "\\u00";
            out += "0123456789abcdef"[u >> 4];
            out += "0123456789abcdef"[u & 0xf];
        } else {
            out += c;
        }
    }
    out += '"';
}

bool isNumeric(const QVariant& value)
{
    const auto type = value.metaType().id();
    return type == QMetaType::LongLong || type == QMetaType::Int;
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

Result<qint64> writeTable(QSqlQuery& q, ExportFormat format, Sink& sink)
{
    const QSqlRecord record = q.record();
    const int columns = record.count();
    std::vector<QByteArray> names;
    for (int i = 0; i < columns; ++i)
        names.push_back(record.fieldName(i).toUtf8());
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
    while (q.next()) {
        for (int i = 0; i < columns; ++i) {
            const QVariant value = q.value(i);
            if (format == ExportFormat::Csv) {
                if (i > 0)
                    out += ',';
                if (value.isNull())
                    continue;
                if (isNumeric(value))
                    out += QByteArray::number(value.toLongLong());
                else
                    appendCsv(out, value.toString());
                continue;
            }
            out += i == 0 ? "{\"" : ",\"";
            out += names[static_cast<size_t>(i)];
            out += "\":";
            if (value.isNull())
                out += "null";
            else if (isNumeric(value))
                out += QByteArray::number(value.toLongLong());
            else
                appendJsonString(out, value.toString());
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
    QSqlQuery q(connection.db());
    q.setForwardOnly(true);  // rows stream from SQLite; nothing is cached
    if (!q.prepare(sql))
        return connection.databaseError(QStringLiteral("preparing the export"), q);
    for (const QVariant& value : values)
        q.addBindValue(value);
    if (!q.exec())
        return connection.databaseError(QStringLiteral("reading for the export"), q);
    Sink sink(out);
    auto rows = format == ExportFormat::AwsBulk ? writeBulk(q, sink) : writeTable(q, format, sink);
    if (rows && !sink.flush())
        return Error(ErrorCode::Io, QStringLiteral("cannot write the export"));
    return rows;
}

}  // namespace imprint::audit
