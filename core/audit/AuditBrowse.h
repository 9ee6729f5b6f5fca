#pragma once

// Read-only browsing of the audit for people (the window's audit view): units a page at a time,
// newest first, with keyset pagination (WHERE id < last id seen ... LIMIT n), so the first and
// the ten-thousandth page cost the same however many million rows there are; one unit's
// certificates and event timeline; who an operator is. Every call runs on the caller's own
// connection (one per thread): call from a worker thread, never a GUI thread.

#include "core/Result.h"
#include "core/audit/AuditExport.h"

#include <QDateTime>
#include <QMetaType>
#include <QString>

#include <optional>
#include <vector>

namespace imprint::audit {

class SqlConnection;

// What the auditor narrows the units to. Empty fields do not filter.
struct BrowseFilter
{
    std::optional<qint64> batchId;
    std::optional<QString> outcome;  // the unit's state: passed, failed, interrupted, superseded, in_progress
    std::optional<QDateTime> from;   // unit started at or after (inclusive)
    std::optional<QDateTime> until;  // unit started before (exclusive)
    QString text;                    // part of the serial number, thing name, hardware ID, UUID or error

    friend bool operator==(const BrowseFilter&, const BrowseFilter&) = default;
};

// The same narrowing for an export (the text search has no export equivalent).
[[nodiscard]] ExportFilter exportFilterFor(const BrowseFilter& filter);

struct UnitRow
{
    qint64 id = 0;
    QString uuid;
    qint64 batchId = 0;
    QString batch;
    QString serialNumber;
    QString hardwareId;
    QString thingName;
    int attempt = 1;
    QString state;
    QString operatorName;
    QString supervisor;
    int slot = 0;
    QString port;
    QString startedAt;
    QString finishedAt;
    QString error;
    bool rework = false;
};

struct UnitPage
{
    std::vector<UnitRow> rows;  // newest first
    bool more = false;          // rows older than the last one exist (ask with before = last id)
};

// Units matching `filter` with id < `beforeId` (nothing: from the newest), at most `limit`.
[[nodiscard]] Result<UnitPage> unitPage(SqlConnection& connection, const BrowseFilter& filter,
                                        std::optional<qint64> beforeId, int limit);

struct CertificateRow
{
    qint64 id = 0;
    QString serial;
    QString subject;
    QString notBefore;
    QString notAfter;
    QString fingerprintSha256;
    QString pem;
    QString state;  // issued, active, superseded, abandoned
};

struct EventRow
{
    qint64 id = 0;
    QString at;
    QString operatorName;
    QString supervisor;
    QString step;
    QString outcome;
    QString error;
    std::optional<qint64> durationMs;
    QString detail;  // what the step used or produced (`key=value` pairs); empty when none
};

struct UnitDetail
{
    UnitRow unit;
    std::vector<CertificateRow> certificates;  // oldest first; the last is the current one
    std::vector<EventRow> events;               // the unit's timeline, in order
};

[[nodiscard]] Result<UnitDetail> unitDetail(SqlConnection& connection, qint64 unitId);

struct BatchName
{
    qint64 id = 0;
    QString name;
};
// Every batch's id and name, for a filter (no counts: listBatches counts every unit).
[[nodiscard]] Result<std::vector<BatchName>> batchNames(SqlConnection& connection);

// The role a person is registered with ("operator" or "supervisor"); NotFound when unknown.
[[nodiscard]] Result<QString> operatorRole(SqlConnection& connection, const QString& name);

// How many units match (for an export's progress; a full count of a large table takes a while).
[[nodiscard]] Result<qint64> countUnits(SqlConnection& connection, const BrowseFilter& filter);

}  // namespace imprint::audit

Q_DECLARE_METATYPE(imprint::audit::BrowseFilter)
Q_DECLARE_METATYPE(imprint::audit::UnitPage)
Q_DECLARE_METATYPE(imprint::audit::UnitDetail)
