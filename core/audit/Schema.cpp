#include "core/audit/Schema.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QStringList>

namespace imprint::audit {

namespace {

// Version 1. Kept as written once released: a change is a new migration, never an edit.
const char* const kVersion1[] = {
    // Key/value facts about the database itself; `chain_head` is the last event's id:hash, so
    // `audit verify` also notices rows cut off the end of the chain.
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE operators (name TEXT PRIMARY KEY, "
    "  role TEXT NOT NULL CHECK (role IN ('operator','supervisor')), added_at TEXT NOT NULL, "
    "  added_by TEXT NOT NULL)",
    "CREATE TABLE batches (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, "
    "  kind TEXT NOT NULL CHECK (kind IN ('list','open')), quota INTEGER, thing_name_rule TEXT, "
    "  source_file TEXT, created_at TEXT NOT NULL, created_by TEXT NOT NULL, "
    "  device_count INTEGER NOT NULL DEFAULT 0)",
    // Work-order rows. Serial numbers, hardware IDs and thing names identify one device across
    // every batch, so they are unique in the whole database (several NULL hardware IDs allowed).
    "CREATE TABLE batch_devices (id INTEGER PRIMARY KEY, "
    "  batch_id INTEGER NOT NULL REFERENCES batches(id), line INTEGER, "
    "  serial_number TEXT NOT NULL UNIQUE, hardware_id TEXT UNIQUE, thing_name TEXT NOT NULL UNIQUE, "
    "  attributes TEXT, thing_groups TEXT, thing_type TEXT, template_parameters TEXT)",
    "CREATE INDEX batch_devices_batch ON batch_devices(batch_id)",
    // One row per provisioning attempt of a device.
    "CREATE TABLE units (id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, "
    "  batch_id INTEGER NOT NULL REFERENCES batches(id), "
    "  batch_device_id INTEGER NOT NULL REFERENCES batch_devices(id), attempt INTEGER NOT NULL, "
    "  station TEXT NOT NULL, operator TEXT NOT NULL, supervisor TEXT, slot INTEGER NOT NULL, "
    "  port TEXT NOT NULL, hardware_id TEXT, serial_number TEXT NOT NULL, thing_name TEXT NOT NULL, "
    "  state TEXT NOT NULL CHECK (state IN ('in_progress','passed','failed','interrupted','superseded')), "
    "  rework INTEGER NOT NULL DEFAULT 0, rework_of INTEGER REFERENCES units(id), started_at TEXT NOT NULL, finished_at TEXT, error TEXT)",
    // The database itself refuses a device counted twice: at most one live attempt per row.
    "CREATE UNIQUE INDEX units_one_live_per_device ON units(batch_device_id) "
    "  WHERE state IN ('in_progress','passed')",
    "CREATE INDEX units_hardware ON units(hardware_id) WHERE hardware_id IS NOT NULL",
    "CREATE INDEX units_batch_state ON units(batch_id, state)",
    "CREATE INDEX units_started ON units(started_at)",
    // The append-only hash chain (see EventChain.h for the canonical encoding).
    "CREATE TABLE events (id INTEGER PRIMARY KEY, at TEXT NOT NULL, station TEXT NOT NULL, "
    "  operator TEXT NOT NULL, supervisor TEXT, unit_id INTEGER, batch_id INTEGER, slot INTEGER, "
    "  port TEXT, hardware_id TEXT, serial_number TEXT, step TEXT NOT NULL, outcome TEXT NOT NULL, "
    "  error TEXT, duration_ms INTEGER, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)",
    "CREATE INDEX events_unit ON events(unit_id)",
    "CREATE INDEX events_batch ON events(batch_id)",
    "CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events "
    "  BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused'); END",
    "CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events "
    "  BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE refused'); END",
    // A public key is live on at most one certificate (issued to a running unit, or active).
    "CREATE TABLE certificates (id INTEGER PRIMARY KEY, unit_id INTEGER NOT NULL REFERENCES units(id), "
    "  serial TEXT NOT NULL UNIQUE, fingerprint_sha256 TEXT NOT NULL, subject TEXT NOT NULL, "
    "  not_before TEXT NOT NULL, not_after TEXT NOT NULL, pem TEXT NOT NULL, "
    "  public_key_sha256 TEXT NOT NULL, "
    "  state TEXT NOT NULL CHECK (state IN ('issued','active','superseded','abandoned')), "
    "  recorded_at TEXT NOT NULL, superseded_by_unit INTEGER REFERENCES units(id))",
    "CREATE UNIQUE INDEX certificates_one_live_key ON certificates(public_key_sha256) "
    "  WHERE state IN ('issued','active')",
    "CREATE INDEX certificates_unit ON certificates(unit_id)",
    "CREATE TRIGGER certificates_never_deleted BEFORE DELETE ON certificates "
    "  BEGIN SELECT RAISE(ABORT, 'issued certificates are never deleted from the audit'); END",
    "CREATE TABLE cloud_outbox (id INTEGER PRIMARY KEY, unit_id INTEGER NOT NULL REFERENCES units(id), "
    "  certificate_id INTEGER REFERENCES certificates(id), "
    "  action TEXT NOT NULL CHECK (action IN ('register','supersede')), "
    "  idempotency_key TEXT NOT NULL UNIQUE, payload TEXT NOT NULL, "
    "  state TEXT NOT NULL CHECK (state IN ('queued','sent','registered','failed')), "
    "  attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at TEXT NOT NULL, last_error TEXT, "
    "  created_at TEXT NOT NULL, updated_at TEXT NOT NULL)",
    "CREATE INDEX cloud_outbox_due ON cloud_outbox(state, next_attempt_at)",
};

// Version 2: binding a device counts its earlier attempts (by work-order row, any state);
// without this index that was a scan of every unit, slower with every unit of a big batch.
const char* const kVersion2[] = {
    "CREATE INDEX units_device ON units(batch_device_id)",
};

// Version 3: what a step used or produced (the claim installed in a device, ...), on its event.
// Rows already there get NULL, which the hash chain does not encode: their hashes stay valid
// (EventChain.h). ALTER TABLE fires no trigger, so the append-only rules are untouched.
const char* const kVersion3[] = {
    "ALTER TABLE events ADD COLUMN detail TEXT",
};

struct Migration
{
    int version;
    const char* const* begin;
    const char* const* end;
};

const Migration kMigrations[] = {
    {1, std::begin(kVersion1), std::end(kVersion1)},
    {2, std::begin(kVersion2), std::end(kVersion2)},
    {3, std::begin(kVersion3), std::end(kVersion3)},
};

Error failure(const QString& path, const QString& what, const QSqlQuery& query)
{
    return Error(ErrorCode::Database,
                 QStringLiteral("%1: %2: %3").arg(path, what, query.lastError().text()));
}

Result<int> userVersion(QSqlDatabase& db, const QString& path)
{
    QSqlQuery query(db);
    if (!query.exec(QStringLiteral("PRAGMA user_version")) || !query.next())
        return failure(path, QStringLiteral("reading the schema version"), query);
    return query.value(0).toInt();
}

Status apply(QSqlDatabase& db, const QString& path, const Migration& migration)
{
    QSqlQuery query(db);
    if (!query.exec(QStringLiteral("BEGIN IMMEDIATE")))
        return failure(path, QStringLiteral("starting migration %1").arg(migration.version), query);
    // Another process may have migrated while we waited for the lock.
    auto current = userVersion(db, path);
    if (current.ok() && current.value() >= migration.version) {
        (void)query.exec(QStringLiteral("ROLLBACK"));
        return Status::success();
    }
    for (auto it = migration.begin; it != migration.end; ++it) {
        if (!query.exec(QString::fromLatin1(*it))) {
            Error error = failure(path, QStringLiteral("migration %1 (%2)").arg(migration.version)
                                            .arg(QString::fromLatin1(*it).left(60)), query);
            (void)query.exec(QStringLiteral("ROLLBACK"));
            return error;
        }
    }
    if (!query.exec(QStringLiteral("PRAGMA user_version = %1").arg(migration.version))
        || !query.exec(QStringLiteral("COMMIT"))) {
        Error error = failure(path, QStringLiteral("committing migration %1").arg(migration.version), query);
        (void)query.exec(QStringLiteral("ROLLBACK"));
        return error;
    }
    return Status::success();
}

}  // namespace

Status migrate(QSqlDatabase& db, const QString& path)
{
    auto current = userVersion(db, path);
    if (!current)
        return current.error();
    if (current.value() > kSchemaVersion)
        return Error(ErrorCode::Database,
                     QStringLiteral("%1 has schema version %2, newer than this Imprint understands (%3); "
                                    "use a newer imprint")
                         .arg(path)
                         .arg(current.value())
                         .arg(kSchemaVersion));
    for (const Migration& migration : kMigrations) {
        if (migration.version <= current.value())
            continue;
        if (auto applied = apply(db, path, migration); !applied)
            return applied;
    }
    return Status::success();
}

}  // namespace imprint::audit
