#pragma once

// Imports a work order into the audit database as a new batch: all rows or none. Every row is
// checked (fields, duplicates inside the file, duplicates against every earlier batch) and every
// problem is reported; one problem anywhere and nothing is imported. One transaction, one
// prepared statement, the file streamed: a million rows take seconds and little memory.

#include "core/Clock.h"
#include "core/Result.h"
#include "core/audit/AuditTypes.h"
#include "core/batch/WorkOrderReader.h"

#include <functional>

namespace imprint::audit {
class SqlConnection;
}

namespace imprint::batch {

struct ImportOptions
{
    QString batchName;      // unique; default: the file's base name
    QString thingNameRule;  // e.g. "sensor-{serial}"; used where a row has no thing_name
    WorkOrderFormat format = WorkOrderFormat::Csv;
    audit::Actor actor;
    QString station;
};

struct ImportSummary
{
    qint64 batchId = 0;
    qint64 devices = 0;
    qint64 issues = 0;
};

// On problems: Error(InvalidInput, "<n> problems in <file>; nothing was imported"), each problem
// having gone to onIssue with its line, column and reason.
[[nodiscard]] Result<ImportSummary> importWorkOrder(audit::SqlConnection& connection, const QString& path,
                                                    const ImportOptions& options, const Clock& clock,
                                                    const std::function<void(const ImportIssue&)>& onIssue);

// An open batch: no device list, any device up to `quota` units.
[[nodiscard]] Result<qint64> createOpenBatch(audit::SqlConnection& connection, const QString& name, qint64 quota,
                                             const QString& thingNameRule, const audit::Actor& actor,
                                             const QString& station, const Clock& clock);

}  // namespace imprint::batch
