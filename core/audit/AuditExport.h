#pragma once

// Streams the audit out of the database: units (the results) or events (the audit trail) as CSV
// (RFC 4180, header row) or JSON Lines, or the AWS IoT bulk-registration input file (one JSON
// object of template parameters per line: ThingName, SerialNumber, CertificatePem, plus the
// work order's template parameters). Rows go out as they are read: memory stays small.

#include "core/Result.h"

#include <QDateTime>
#include <QIODevice>

#include <optional>

namespace imprint::audit {

class SqlConnection;

enum class ExportFormat { Csv, JsonLines, AwsBulk };
enum class ExportSubject { Units, Events };

struct ExportFilter
{
    std::optional<qint64> batchId;
    std::optional<QDateTime> from;     // inclusive, unit start / event time
    std::optional<QDateTime> until;    // exclusive
    std::optional<QString> outcome;    // units: state (passed, failed...); events: outcome
};

[[nodiscard]] std::optional<ExportFormat> exportFormatFromName(const QString& name);

// The SELECT behind a CSV/JSONL export with no filter (the benchmark gives the same query to the
// sqlite3 shell).
[[nodiscard]] QString exportSelect(ExportSubject subject);

// Returns the number of rows written.
[[nodiscard]] Result<qint64> exportAudit(SqlConnection& connection, ExportFormat format, ExportSubject subject,
                                         const ExportFilter& filter, QIODevice& out);

}  // namespace imprint::audit
