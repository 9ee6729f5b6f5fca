#pragma once

// The cloud outbox's rows as the registration sender sees them (core/registration/OutboxSender).
// AuditStore::completePassed queues a row in the same transaction as the unit's pass; these
// functions move it on: queued (never tried) -> sent (tried at least once; the cloud may have it,
// so the next try reconciles first) -> registered, or failed (refused, with the reason).
// Each is one autocommit statement on the caller's own connection (one per thread), so a state
// change is on disk before the next request goes out.

#include "core/Result.h"

#include <QJsonObject>
#include <QString>

#include <map>
#include <optional>
#include <vector>

namespace imprint::audit {

class SqlConnection;

struct OutboxRow
{
    qint64 id = 0;
    qint64 unitId = 0;
    QString batchName;
    QString action;          // "register" or "supersede"
    QString idempotencyKey;  // register:<thing>:<serial> / supersede:<serial>
    QJsonObject payload;     // thingName, serialNumber, certificateSerial, attributes, templateParameters…
    QString state;           // queued, sent, registered, failed
    int attempts = 0;
    QString nextAttemptAt;   // audit time (ISO 8601 UTC, ms)
    QString lastError;
    QString updatedAt;
    QString thingName;
    QString serialNumber;
    QString certificateSerial;
    QString certificatePem;
};

struct OutboxFilter
{
    QString state;  // empty: every state
    QString batch;  // a batch name or id; empty: every batch
    QString thing;  // a thing name; empty: every thing
    int limit = 0;  // 0: no limit
};

// Rows to send now: queued or sent, next attempt due at `now` (every pending row when
// `ignoreBackoff`), oldest first.
[[nodiscard]] Result<std::vector<OutboxRow>> dueOutboxRows(SqlConnection& connection, const QString& now, int limit,
                                                           bool ignoreBackoff);
[[nodiscard]] Result<std::vector<OutboxRow>> listOutbox(SqlConnection& connection, const OutboxFilter& filter);
// Rows per state ("queued", "sent", "registered", "failed"), zero counts included.
[[nodiscard]] Result<std::map<QString, qint64>> outboxCounts(SqlConnection& connection);

// Before a request goes out: state sent, one more attempt, and the time to try again if the
// station stops before the answer is recorded.
[[nodiscard]] Status markOutboxAttempt(SqlConnection& connection, qint64 id, const QString& now, const QString& retryAt);
[[nodiscard]] Status markOutboxRegistered(SqlConnection& connection, qint64 id, const QString& now);
// A transient failure (network, throttling): stays sent, tried again at `retryAt`.
[[nodiscard]] Status markOutboxRetry(SqlConnection& connection, qint64 id, const QString& now, const QString& retryAt,
                                     const QString& error);
// A refusal that trying again will not change (bad template, rejected certificate).
[[nodiscard]] Status markOutboxFailed(SqlConnection& connection, qint64 id, const QString& now, const QString& error);
// Failed rows back to the queue (after the cause was fixed); returns how many. Their attempt
// count is kept, so the next try reconciles with the cloud first.
[[nodiscard]] Result<qint64> requeueFailedOutbox(SqlConnection& connection, const QString& now);

}  // namespace imprint::audit
