#include "ui/ThroughputMeter.h"

#include <algorithm>
#include <cmath>

namespace imprint::ui {

void ThroughputMeter::start(qint64 nowMs)
{
    m_startMs = nowMs;
    m_units.clear();
}

void ThroughputMeter::recordUnit(qint64 nowMs)
{
    if (!m_startMs)
        m_startMs = nowMs;
    m_units.push_back(nowMs);
    while (!m_units.empty() && m_units.front() < nowMs - m_windowMs)
        m_units.pop_front();
}

double ThroughputMeter::unitsPerMinute(qint64 nowMs) const
{
    if (!m_startMs)
        return 0.0;
    const qint64 from = std::max(*m_startMs, nowMs - m_windowMs);
    const auto counted = std::count_if(m_units.cbegin(), m_units.cend(), [&](qint64 at) { return at >= from; });
    // At least a second of span, so the first unit does not read as thousands per minute.
    const double spanMs = double(std::max<qint64>(nowMs - from, 1000));
    return double(counted) * 60'000.0 / spanMs;
}

std::optional<qint64> ThroughputMeter::timeLeftMs(qint64 remaining, qint64 nowMs) const
{
    if (remaining <= 0)
        return 0;
    const double pace = unitsPerMinute(nowMs);
    if (pace <= 0.0)
        return std::nullopt;
    return static_cast<qint64>(std::llround(double(remaining) * 60'000.0 / pace));
}

}  // namespace imprint::ui
