#include "core/cloud/RetryPolicy.h"

#include <algorithm>
#include <cmath>

namespace imprint::cloud {

qint64 RetryPolicy::ceilingMs(int retry) const
{
    // 2^retry overflows long before the cap matters: stop doubling once past the cap.
    qint64 ceiling = std::max<qint64>(baseDelayMs, 0);
    for (int i = 0; i < retry && ceiling < maxDelayMs; ++i)
        ceiling *= 2;
    return std::min(ceiling, maxDelayMs);
}

qint64 RetryPolicy::delayMs(int retry, double unitRandom) const
{
    const double clamped = std::clamp(unitRandom, 0.0, 1.0);
    return std::llround(static_cast<double>(ceilingMs(retry)) * clamped);
}

}  // namespace imprint::cloud
