#pragma once

// The audit's append-only event log as a hash chain. Each row stores the hash of the row before
// it (prev_hash) and its own hash: SHA-256 over a canonical encoding of every column but `hash`
// (id included, so a reordered row is caught too). Each value is encoded as `<length>:<UTF-8
// bytes>;` or `~;` for NULL, in column order; the hash is lower-case hex. The first row's
// prev_hash is 64 zeros. meta.chain_head holds the last row's `id:hash`, so a row cut off the
// end is caught as well.
//
// `detail` (schema version 3) is encoded after duration_ms ONLY when it is not NULL: rows written
// before version 3 (detail NULL) keep the hashes they were written with, and a row with a detail
// encodes one value more. So a detail edited, added to an old row or removed (set to NULL) all
// change the encoding and `verify` names the row. An empty detail is stored and hashed as NULL.

#include "core/Result.h"

#include <QDateTime>
#include <QSqlDatabase>
#include <QString>

#include <optional>

namespace imprint::audit {

class SqlConnection;

struct EventRecord
{
    QDateTime at;
    QString station;
    QString operatorName;
    std::optional<QString> supervisor;
    std::optional<qint64> unitId;
    std::optional<qint64> batchId;
    std::optional<int> slot;
    std::optional<QString> port;
    std::optional<QString> hardwareId;
    std::optional<QString> serialNumber;
    QString step;      // e.g. "identify", "issue-certificate", "batch-imported"
    QString outcome;   // "ok", "failed", "passed", "interrupted", ...
    std::optional<QString> error;
    std::optional<qint64> durationMs;
    // What the step used or produced (`key=value` pairs); never a secret. See StepEvent::detail.
    std::optional<QString> detail;
};

inline constexpr const char* kGenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

// Appends one event inside the caller's open write transaction; returns its id.
[[nodiscard]] Result<qint64> appendEvent(SqlConnection& connection, const EventRecord& event);

struct ChainReport
{
    qint64 rowsChecked = 0;
    QString lastHash;
    std::optional<qint64> firstBadId;  // the first row that does not verify (or where one is missing)
    QString problem;                   // plain words; empty when the chain verifies
};

// Recomputes the whole chain with a forward-only read (bounded memory).
[[nodiscard]] Result<ChainReport> verifyChain(SqlConnection& connection);

// The canonical encoding and hash of one row (exposed for tests).
[[nodiscard]] QString eventHash(qint64 id, const EventRecord& event, const QString& prevHash);

// ISO 8601 UTC with milliseconds, the form every audit timestamp is stored in.
[[nodiscard]] QString auditTime(const QDateTime& time);

}  // namespace imprint::audit
