#pragma once

// Time as a dependency: the pipeline, the audit and certificate validity ask a Clock, so
// tests can fix "now" and step it (tests/support/FakeClock.h).

#include <QDateTime>

namespace imprint {

class Clock
{
public:
    virtual ~Clock() = default;
    // Wall-clock time in UTC: audit timestamps, certificate validity.
    [[nodiscard]] virtual QDateTime nowUtc() const = 0;
    // Monotonic nanoseconds: timeouts and durations, immune to wall-clock steps.
    [[nodiscard]] virtual qint64 monotonicNs() const = 0;
};

class SystemClock final : public Clock
{
public:
    [[nodiscard]] QDateTime nowUtc() const override;
    [[nodiscard]] qint64 monotonicNs() const override;
};

}  // namespace imprint
