#include "LargeAudit.h"

#include "core/Clock.h"
#include "core/audit/EventChain.h"
#include "core/audit/SqlConnection.h"

#include <QCryptographicHash>
#include <QSqlError>
#include <QSqlQuery>

namespace imprint::test {

namespace {

QString run(audit::SqlConnection& connection, const QString& sql, const QVariantList& values = {})
{
    QSqlQuery q(connection.db());
    if (!q.prepare(sql))
        return QStringLiteral("%1: %2").arg(sql.left(80), q.lastError().text());
    for (const QVariant& value : values)
        q.addBindValue(value);
    return q.exec() ? QString() : QStringLiteral("%1: %2").arg(sql.left(80), q.lastError().text());
}

}  // namespace

QString makeLargeAudit(const QString& path, qint64 units, int batches, LargeAudit& made)
{
    auto opened = audit::SqlConnection::open(path);
    if (!opened)
        return opened.error().message();
    audit::SqlConnection& connection = *opened.value();
    // Placeholders are replaced by name: QString::arg would take printf's %07d for its own %0.
    const QString counter = QStringLiteral("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @UNITS@) ");
    const QString time = QStringLiteral("strftime('%Y-%m-%dT%H:%M:%f', '2026-01-01', '+' || (i - 1) || ' seconds') || 'Z'");
    QString steps[] = {
        QStringLiteral("BEGIN IMMEDIATE"),
        QStringLiteral("WITH RECURSIVE b(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM b WHERE i < @BATCHES@) "
                       "INSERT INTO batches (id, name, kind, created_at, created_by, device_count) "
                       "SELECT i, 'batch-' || i, 'list', '2026-01-01T00:00:00.000Z', 'generator', @PER_BATCH@ FROM b"),
        counter + QStringLiteral("INSERT INTO batch_devices (id, batch_id, line, serial_number, hardware_id, thing_name) "
                                 "SELECT i, (i - 1) % @BATCHES@ + 1, i, printf('SN-%07d', i), printf('HW-%07d', i), "
                                 "printf('thing-%07d', i) FROM n"),
        counter + QStringLiteral("INSERT INTO units (id, uuid, batch_id, batch_device_id, attempt, station, operator, slot, "
                                 "port, hardware_id, serial_number, thing_name, state, started_at, finished_at, error) "
                                 "SELECT i, printf('00000000-0000-4000-8000-%012d', i), (i - 1) % @BATCHES@ + 1, i, 1, 'bench', "
                                 "'tech-' || (i % 3), i % 16, '/dev/ttyUSB' || (i % 16), printf('HW-%07d', i), "
                                 "printf('SN-%07d', i), printf('thing-%07d', i), "
                                 "CASE WHEN i % 10 = 0 THEN 'failed' ELSE 'passed' END, @TIME@, @TIME@, "
                                 "CASE WHEN i % 10 = 0 THEN 'the device did not answer in time' END FROM n"),
    };
    for (QString& step : steps) {
        step.replace(QStringLiteral("@UNITS@"), QString::number(units))
            .replace(QStringLiteral("@BATCHES@"), QString::number(batches))
            .replace(QStringLiteral("@PER_BATCH@"), QString::number(units / batches))
            .replace(QStringLiteral("@TIME@"), time);
        if (QString failure = run(connection, step); !failure.isEmpty())
            return failure;
    }

    made.units = units;
    made.newestUnit = units % 10 == 0 ? units - 1 : units;  // a passed one
    made.certificateSubject = QStringLiteral("CN=thing-%1,O=Imprint Bench").arg(made.newestUnit, 7, 10, QLatin1Char('0'));
    made.fingerprintSha256 = QString::fromLatin1(
        QCryptographicHash::hash(made.certificateSubject.toUtf8(), QCryptographicHash::Sha256).toHex());
    if (QString failure = run(connection,
                              QStringLiteral("INSERT INTO certificates (unit_id, serial, fingerprint_sha256, subject, not_before, "
                                             "not_after, pem, public_key_sha256, state, recorded_at) VALUES (?, ?, ?, ?, "
                                             "'2026-01-01T00:00:00.000Z', '2046-01-01T00:00:00.000Z', ?, ?, 'active', "
                                             "'2026-01-01T00:00:00.000Z')"),
                              {made.newestUnit, QStringLiteral("7f01"), made.fingerprintSha256, made.certificateSubject,
                               QStringLiteral("-----BEGIN CERTIFICATE-----\nMIIBbench\n-----END CERTIFICATE-----\n"),
                               made.fingerprintSha256});
        !failure.isEmpty())
        return failure;
    const char* timeline[][2] = {{"begin", "ok"}, {"identify", "ok"}, {"issue-certificate", "ok"}, {"write-certificate", "ok"},
                                 {"verify", "ok"}, {"unit", "passed"}};
    for (const auto& [step, outcome] : timeline) {
        audit::EventRecord event;
        event.at = SystemClock().nowUtc();
        event.station = QStringLiteral("bench");
        event.operatorName = QStringLiteral("tech-1");
        event.unitId = made.newestUnit;
        event.step = QString::fromLatin1(step);
        event.outcome = QString::fromLatin1(outcome);
        event.durationMs = 12;
        if (auto appended = audit::appendEvent(connection, event); !appended)
            return appended.error().message();
        ++made.timelineEvents;
    }
    return run(connection, QStringLiteral("COMMIT"));
}

QString makeLargeEventLog(const QString& path, qint64 events, int batches)
{
    auto opened = audit::SqlConnection::open(path);
    if (!opened)
        return opened.error().message();
    QString sql = QStringLiteral(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @EVENTS@) "
        "INSERT INTO events (at, station, operator, supervisor, batch_id, slot, port, serial_number, step, outcome, "
        "error, duration_ms, prev_hash, hash) "
        "SELECT strftime('%Y-%m-%dT%H:%M:%f', '2026-02-01', '+' || (i - 1) || ' seconds') || 'Z', 'bench', "
        "'tech-' || (i % 3), CASE WHEN i % 1000 = 0 THEN 'sup-1' END, (i - 1) % @BATCHES@ + 1, i % 16, "
        "'/dev/ttyUSB' || (i % 16), printf('SN-%07d', (i + 4) / 5), "
        "CASE (i - 1) % 5 WHEN 0 THEN 'begin' WHEN 1 THEN 'identify' WHEN 2 THEN 'issue-certificate' "
        "  WHEN 3 THEN 'write-certificate' ELSE 'unit' END, "
        "CASE WHEN i % 50 = 0 THEN 'failed' WHEN (i - 1) % 5 = 4 THEN 'passed' ELSE 'ok' END, "
        "CASE WHEN i % 50 = 0 THEN 'the device did not answer in time' END, 10 + i % 7, '', '' FROM n");
    sql.replace(QStringLiteral("@EVENTS@"), QString::number(events))
        .replace(QStringLiteral("@BATCHES@"), QString::number(batches));
    for (const QString& step : {QStringLiteral("BEGIN IMMEDIATE"), sql, QStringLiteral("COMMIT")}) {
        if (QString failure = run(*opened.value(), step); !failure.isEmpty())
            return failure;
    }
    return {};
}

}  // namespace imprint::test
