#pragma once

// Read-only browsing of every event in the audit (the window's audit events table), in the
// style of AuditBrowse: a page at a time, newest first, with keyset pagination (WHERE id < last
// id seen ... LIMIT n), so the first and the thousandth page cost the same however many events
// there are. Narrowed by batch, step, outcome, time and text. Every call runs on the caller's
// own connection (one per thread): call from a worker thread, never a GUI thread.

#include "core/Result.h"

#include <QDateTime>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace imprint::audit {

class SqlConnection;

// What the auditor narrows the events to. Empty fields do not filter.
struct EventFilter
{
    std::optional<qint64> batchId;
    std::optional<QString> step;     // exactly this step (begin, issue-certificate, import…)
    std::optional<QString> outcome;  // exactly this outcome (ok, failed, refused, passed…)
    std::optional<QDateTime> from;   // at or after (inclusive)
    std::optional<QDateTime> until;  // before (exclusive)
    QString text;                    // part of the serial number, hardware ID, operator, supervisor, port, error or detail

    friend bool operator==(const EventFilter&, const EventFilter&) = default;
};

struct EventListRow
{
    qint64 id = 0;
    QString at;
    QString station;
    QString operatorName;
    QString supervisor;
    std::optional<qint64> unitId;   // unset for station events (imports, operators, refusals…)
    std::optional<qint64> batchId;
    std::optional<int> slot;
    QString port;
    QString hardwareId;
    QString serialNumber;
    QString step;
    QString outcome;
    QString error;
    std::optional<qint64> durationMs;
    QString detail;  // what the step used or produced (`key=value` pairs); empty when none
};

struct EventPage
{
    std::vector<EventListRow> rows;  // newest first
    bool more = false;               // older matching events exist (ask with before = last id)
};

// Events matching `filter` with id < `beforeId` (nothing: from the newest), at most `limit`.
[[nodiscard]] Result<EventPage> eventPage(SqlConnection& connection, const EventFilter& filter,
                                          std::optional<qint64> beforeId, int limit);

// How many events match (a full count of a large table takes a moment: ask it separately).
[[nodiscard]] Result<qint64> countEvents(SqlConnection& connection, const EventFilter& filter);

// The distinct steps and outcomes on record, sorted, for the filter's choices.
struct EventVocabulary
{
    QStringList steps;
    QStringList outcomes;
};
[[nodiscard]] Result<EventVocabulary> eventVocabulary(SqlConnection& connection);

}  // namespace imprint::audit

Q_DECLARE_METATYPE(imprint::audit::EventFilter)
Q_DECLARE_METATYPE(imprint::audit::EventPage)
Q_DECLARE_METATYPE(imprint::audit::EventVocabulary)
