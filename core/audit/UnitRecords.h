#pragma once

// The rules of the unit lifecycle, each run inside a write transaction the caller owns (the
// AuditStore's writer thread). Kept apart from the threading so each rule reads on its own.

#include "core/Clock.h"
#include "core/Result.h"
#include "core/audit/AuditTypes.h"

#include <vector>

namespace imprint::audit {

class SqlConnection;

struct WriteContext
{
    SqlConnection& connection;
    const Clock& clock;
    const QString& station;
};

[[nodiscard]] Result<UnitHandle> beginUnitIn(WriteContext& context, const BeginUnit& request);

// What beginUnit will most likely bind the device to, read without writing (any connection, no
// transaction): the work-order row of this batch, when it exists, matches the hardware ID and has
// no live unit. Nothing when any of that is not so (beginUnit then gives the reason) or for a
// rework. A hint only, for starting work that does not touch the device's identity early; the
// binding itself is beginUnit's.
struct BindPreview
{
    QString serialNumber;
    QString thingName;
};
[[nodiscard]] Result<std::optional<BindPreview>> previewBind(SqlConnection& connection, const BeginUnit& request);
[[nodiscard]] Result<qint64> recordCertificateIn(WriteContext& context, qint64 unitId,
                                                 const CertificateRecord& certificate);
[[nodiscard]] Result<qint64> appendUnitEventIn(WriteContext& context, qint64 unitId, const StepEvent& event);
[[nodiscard]] Result<qint64> completePassedIn(WriteContext& context, qint64 unitId, std::optional<qint64> durationMs,
                                              std::optional<qint64> stepEvents = std::nullopt,
                                              bool claimInstalled = false);
[[nodiscard]] Result<qint64> completeFailedIn(WriteContext& context, qint64 unitId, const QString& step,
                                              const QString& reason);
[[nodiscard]] Result<std::vector<InterruptedUnit>> recoverInterruptedIn(WriteContext& context);
[[nodiscard]] Result<qint64> appendStationEventIn(WriteContext& context, const Actor& actor, const QString& step,
                                                  const QString& outcome, std::optional<qint64> batchId,
                                                  std::optional<QString> error,
                                                  std::optional<QString> detail = std::nullopt);

// Refuses an approval unless `supervisor` is registered with the supervisor role.
[[nodiscard]] Status requireSupervisor(SqlConnection& connection, const std::optional<QString>& supervisor,
                                       const QString& forWhat);

// Registers a person; adding a supervisor needs an existing supervisor (`by`), except the first.
[[nodiscard]] Status addOperatorIn(WriteContext& context, const QString& name, const QString& role,
                                   const Actor& by);

// A NULL of text type for binding, or the text.
[[nodiscard]] QVariant nullableText(const std::optional<QString>& value);

}  // namespace imprint::audit
