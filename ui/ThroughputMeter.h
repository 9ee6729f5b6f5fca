#pragma once

// Units per minute over a sliding window, and the time left at that pace. Pure arithmetic on
// the times the caller gives (milliseconds on any monotonic clock), so it is tested directly.

#include <QtGlobal>

#include <deque>
#include <optional>

namespace imprint::ui {

class ThroughputMeter
{
public:
    explicit ThroughputMeter(qint64 windowMs = 60'000) : m_windowMs(windowMs) {}

    void start(qint64 nowMs);
    void recordUnit(qint64 nowMs);
    // Units per minute over the last window (or since start, when that is shorter).
    [[nodiscard]] double unitsPerMinute(qint64 nowMs) const;
    // Milliseconds until `remaining` more units at the current pace; nothing while the pace is 0.
    [[nodiscard]] std::optional<qint64> timeLeftMs(qint64 remaining, qint64 nowMs) const;

private:
    qint64 m_windowMs;
    std::optional<qint64> m_startMs;
    std::deque<qint64> m_units;
};

}  // namespace imprint::ui
