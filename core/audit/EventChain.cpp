#include "core/audit/EventChain.h"

#include "core/audit/SqlConnection.h"

#include <QCryptographicHash>
#include <QSqlQuery>
#include <QVariant>

namespace imprint::audit {

namespace {

const QString kInsert = QStringLiteral(
    "INSERT INTO events (id, at, station, operator, supervisor, unit_id, batch_id, slot, port, "
    "hardware_id, serial_number, step, outcome, error, duration_ms, detail, prev_hash, hash) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");

class Encoder
{
public:
    void add(const QString& text)
    {
        const QByteArray utf8 = text.toUtf8();
        m_bytes += QByteArray::number(utf8.size());
        m_bytes += ':';
        m_bytes += utf8;
        m_bytes += ';';
    }
    void add(qint64 number) { add(QString::number(number)); }
    template <typename T>
    void add(const std::optional<T>& value)
    {
        if (value)
            add(*value);
        else
            m_bytes += "~;";
    }
    // A column added after rows were hashed without it: encoded only when set, so the old rows'
    // hashes stay what they were (see EventChain.h).
    void addIfSet(const std::optional<QString>& value)
    {
        if (value)
            add(*value);
    }
    [[nodiscard]] QString sha256Hex() const
    {
        return QString::fromLatin1(QCryptographicHash::hash(m_bytes, QCryptographicHash::Sha256).toHex());
    }

private:
    QByteArray m_bytes;
};

std::optional<qint64> optionalSlot(const std::optional<int>& slot)
{
    return slot ? std::optional<qint64>(*slot) : std::nullopt;
}

QVariant toVariant(const std::optional<QString>& value)
{
    return value ? QVariant(*value) : QVariant(QMetaType(QMetaType::QString));
}

QVariant toVariant(const std::optional<qint64>& value)
{
    return value ? QVariant(*value) : QVariant(QMetaType(QMetaType::LongLong));
}

// An empty detail is no detail: stored as NULL and hashed as absent, so what is hashed is
// exactly what a verifier reads back.
std::optional<QString> storedDetail(const std::optional<QString>& detail)
{
    return detail && !detail->isEmpty() ? detail : std::nullopt;
}

struct Head
{
    qint64 id = 0;
    QString hash = QString::fromLatin1(kGenesisHash);
};

Result<Head> chainHead(SqlConnection& connection)
{
    auto query = connection.prepared(QStringLiteral("SELECT id, hash FROM events ORDER BY id DESC LIMIT 1"));
    if (!query)
        return query.error();
    QSqlQuery& q = *query.value();
    if (!q.exec())
        return connection.databaseError(QStringLiteral("reading the chain head"), q);
    Head head;
    if (q.next()) {
        head.id = q.value(0).toLongLong();
        head.hash = q.value(1).toString();
    }
    q.finish();
    return head;
}

Result<std::optional<Head>> recordedHead(SqlConnection& connection)
{
    QSqlQuery q(connection.db());
    if (!q.exec(QStringLiteral("SELECT value FROM meta WHERE key = 'chain_head'")))
        return connection.databaseError(QStringLiteral("reading meta.chain_head"), q);
    if (!q.next())
        return std::optional<Head>();
    const QString value = q.value(0).toString();
    const qsizetype colon = value.indexOf(u':');
    Head head;
    head.id = value.left(colon).toLongLong();
    head.hash = value.mid(colon + 1);
    return std::optional<Head>(head);
}

// The stored timestamp text is what is hashed, so verification re-reads the exact string.
QString hashOfStoredRow(const QSqlQuery& q, const QString& prevHash)
{
    Encoder encoder;
    encoder.add(q.value(0).toLongLong());
    encoder.add(q.value(1).toString());
    encoder.add(q.value(2).toString());
    encoder.add(q.value(3).toString());
    encoder.add(optionalText(q.value(4)));
    encoder.add(optionalNumber(q.value(5)));
    encoder.add(optionalNumber(q.value(6)));
    encoder.add(optionalNumber(q.value(7)));
    encoder.add(optionalText(q.value(8)));
    encoder.add(optionalText(q.value(9)));
    encoder.add(optionalText(q.value(10)));
    encoder.add(q.value(11).toString());
    encoder.add(q.value(12).toString());
    encoder.add(optionalText(q.value(13)));
    encoder.add(optionalNumber(q.value(14)));
    // As stored: an empty detail is never written, so one found here was put there by hand.
    encoder.addIfSet(optionalText(q.value(15)));
    encoder.add(prevHash);
    return encoder.sha256Hex();
}

}  // namespace

QString auditTime(const QDateTime& time)
{
    return time.toUTC().toString(Qt::ISODateWithMs);
}

QString eventHash(qint64 id, const EventRecord& event, const QString& prevHash)
{
    Encoder encoder;
    encoder.add(id);
    encoder.add(auditTime(event.at));
    encoder.add(event.station);
    encoder.add(event.operatorName);
    encoder.add(event.supervisor);
    encoder.add(event.unitId);
    encoder.add(event.batchId);
    encoder.add(optionalSlot(event.slot));
    encoder.add(event.port);
    encoder.add(event.hardwareId);
    encoder.add(event.serialNumber);
    encoder.add(event.step);
    encoder.add(event.outcome);
    encoder.add(event.error);
    encoder.add(event.durationMs);
    encoder.addIfSet(storedDetail(event.detail));
    encoder.add(prevHash);
    return encoder.sha256Hex();
}

Result<qint64> appendEvent(SqlConnection& connection, const EventRecord& event)
{
    auto head = chainHead(connection);
    if (!head)
        return head.error();
    const qint64 id = head->id + 1;
    const QString hash = eventHash(id, event, head->hash);
    auto query = connection.prepared(kInsert);
    if (!query)
        return query.error();
    QSqlQuery& q = *query.value();
    q.addBindValue(id);
    q.addBindValue(auditTime(event.at));
    q.addBindValue(event.station);
    q.addBindValue(event.operatorName);
    q.addBindValue(toVariant(event.supervisor));
    q.addBindValue(toVariant(event.unitId));
    q.addBindValue(toVariant(event.batchId));
    q.addBindValue(toVariant(optionalSlot(event.slot)));
    q.addBindValue(toVariant(event.port));
    q.addBindValue(toVariant(event.hardwareId));
    q.addBindValue(toVariant(event.serialNumber));
    q.addBindValue(event.step);
    q.addBindValue(event.outcome);
    q.addBindValue(toVariant(event.error));
    q.addBindValue(toVariant(event.durationMs));
    q.addBindValue(toVariant(storedDetail(event.detail)));
    q.addBindValue(head->hash);
    q.addBindValue(hash);
    if (!q.exec())
        return connection.databaseError(QStringLiteral("appending event '%1'").arg(event.step), q);
    auto meta = connection.prepared(
        QStringLiteral("INSERT INTO meta (key, value) VALUES ('chain_head', ?) "
                       "ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
    if (!meta)
        return meta.error();
    meta.value()->addBindValue(QString(QString::number(id) + u':' + hash));
    if (!meta.value()->exec())
        return connection.databaseError(QStringLiteral("recording the chain head"), *meta.value());
    return id;
}

Result<ChainReport> verifyChain(SqlConnection& connection)
{
    ChainReport report;
    report.lastHash = QString::fromLatin1(kGenesisHash);
    QSqlQuery q(connection.db());
    q.setForwardOnly(true);
    if (!q.exec(QStringLiteral("SELECT id, at, station, operator, supervisor, unit_id, batch_id, slot, "
                               "port, hardware_id, serial_number, step, outcome, error, duration_ms, "
                               "detail, prev_hash, hash FROM events ORDER BY id")))
        return connection.databaseError(QStringLiteral("reading the events"), q);
    qint64 expectedId = 1;
    auto bad = [&report](qint64 id, QString problem) {
        report.firstBadId = id;
        report.problem = std::move(problem);
        return report;
    };
    while (q.next()) {
        const qint64 id = q.value(0).toLongLong();
        const QString prevHash = q.value(16).toString();
        const QString storedHash = q.value(17).toString();
        if (id != expectedId)
            return bad(expectedId, QStringLiteral("event %1 is missing (deleted): the next row is event %2")
                                       .arg(expectedId).arg(id));
        if (prevHash != report.lastHash)
            return bad(id, QStringLiteral("event %1 does not follow the event before it (a row before it was "
                                          "deleted, replaced or reordered)").arg(id));
        if (hashOfStoredRow(q, prevHash) != storedHash)
            return bad(id, QStringLiteral("event %1 was edited: its content does not match its hash").arg(id));
        report.lastHash = storedHash;
        ++report.rowsChecked;
        ++expectedId;
    }
    auto recorded = recordedHead(connection);
    if (!recorded)
        return recorded.error();
    if (recorded.value()) {
        const auto& head = *recorded.value();
        if (head.id != expectedId - 1 || head.hash != report.lastHash)
            return bad(expectedId, QStringLiteral("the chain ends at event %1 but event %2 was recorded as the "
                                                  "last one (rows cut off the end)")
                                       .arg(expectedId - 1).arg(head.id));
    } else if (report.rowsChecked > 0) {
        return bad(1, QStringLiteral("the chain head record (meta.chain_head) is missing"));
    }
    return report;
}

}  // namespace imprint::audit
