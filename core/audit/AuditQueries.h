#pragma once

// Read-only questions to the audit database, on the caller's own connection.

#include "core/Result.h"

#include <QString>

#include <optional>
#include <vector>

namespace imprint::audit {

class SqlConnection;

struct BatchSummary
{
    qint64 id = 0;
    QString name;
    QString kind;  // "list" or "open"
    std::optional<qint64> quota;
    QString thingNameRule;
    QString createdAt;
    QString createdBy;
    qint64 devices = 0;      // work-order rows (an open batch: devices seen so far)
    qint64 provisioned = 0;  // devices with a passed unit
    qint64 passed = 0;       // units per state
    qint64 failed = 0;
    qint64 interrupted = 0;
    qint64 superseded = 0;
    qint64 inProgress = 0;
    qint64 cloudQueued = 0;  // registrations not yet confirmed by the cloud
};

[[nodiscard]] Result<std::vector<BatchSummary>> listBatches(SqlConnection& connection);
// `batch` is an id or a name.
[[nodiscard]] Result<BatchSummary> findBatch(SqlConnection& connection, const QString& batch);
// Devices still to provision: a work order's rows, or an open batch's quota, less those
// provisioned; nothing for an open batch without a quota. Never below 0 (past a quota).
[[nodiscard]] std::optional<qint64> remainingUnits(const BatchSummary& batch);
[[nodiscard]] inline bool batchComplete(const BatchSummary& batch) { return remainingUnits(batch) == 0; }

// A few lines of plain text: devices, provisioned, remaining, units per state, cloud pending.
[[nodiscard]] QString formatBatchSummary(const BatchSummary& batch);

}  // namespace imprint::audit
