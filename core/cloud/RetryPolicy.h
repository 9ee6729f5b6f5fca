#pragma once

// When and how long to wait before retrying an AWS call: throttling (HTTP 429, Throttling*),
// 5xx and connection failures are transient; every other answer is final. The wait is
// exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And
// Jitter", 2015): uniform in [0, min(cap, base * 2^retry)], so a line of stations that were
// throttled together do not come back together.

#include <QtGlobal>

namespace imprint::cloud {

struct RetryPolicy
{
    int maxAttempts = 5;         // the first try included
    qint64 baseDelayMs = 100;
    qint64 maxDelayMs = 20'000;

    // The upper bound of the wait before retry number `retry` (0 for the first retry).
    [[nodiscard]] qint64 ceilingMs(int retry) const;
    // `unitRandom` in [0, 1): the jitter, injected so tests can pin it.
    [[nodiscard]] qint64 delayMs(int retry, double unitRandom) const;
};

}  // namespace imprint::cloud
