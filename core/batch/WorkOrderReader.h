#pragma once

// Reads a work order (the expected devices of a batch) from CSV (RFC 4180, header row) or JSON
// Lines, one row at a time, and checks every field. Columns / keys:
//   serial_number (required), hardware_id, thing_name (or derived by the batch's thing-name
//   rule), attributes (CSV: "key=value;key=value", JSONL: object of strings), thing_groups
//   (CSV: "a;b", JSONL: array of strings), thing_type, template_parameters (a JSON object of
//   strings; in CSV the cell holds the JSON text).

#include "core/Result.h"

#include <QString>

#include <functional>
#include <optional>

namespace imprint::batch {

enum class WorkOrderFormat { Csv, JsonLines };

struct WorkOrderRow
{
    qint64 line = 0;
    QString serialNumber;
    std::optional<QString> hardwareId;
    QString thingName;
    std::optional<QString> attributesJson;          // JSON object text
    std::optional<QString> thingGroupsJson;         // JSON array text
    std::optional<QString> thingType;
    std::optional<QString> templateParametersJson;  // JSON object text
    // Where the identifying values are, to point at a duplicate.
    int serialColumn = 0;
    int hardwareIdColumn = 0;
    int thingNameColumn = 0;
};

struct ImportIssue
{
    qint64 line = 0;
    int column = 0;  // CSV: the field's position (1-based); JSONL: the character (1-based)
    QString field;   // the column or key, empty for the whole row
    QString reason;
};

struct ReadOptions
{
    WorkOrderFormat format = WorkOrderFormat::Csv;
    QString thingNameRule;  // used where a row has no thing_name; empty: thing_name required
    QString batchName;      // for {batch} in the rule
};

// .jsonl / .ndjson / .json are JSON Lines, everything else CSV.
[[nodiscard]] WorkOrderFormat formatForPath(const QString& path);

// Streams `path`: every valid row goes to onRow, every problem to onIssue (reading goes on, so
// the report is complete). Fails only when the file cannot be read at all.
[[nodiscard]] Status readWorkOrder(const QString& path, const ReadOptions& options,
                                   const std::function<void(const WorkOrderRow&)>& onRow,
                                   const std::function<void(const ImportIssue&)>& onIssue);

}  // namespace imprint::batch
