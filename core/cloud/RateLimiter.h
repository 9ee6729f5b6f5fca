#pragma once

// A client-side rate limit per operation (token buckets), so a fast line stays under AWS's
// published TPS instead of provoking throttling. Time is the caller's monotonic clock
// (Clock::monotonicNs), so tests can step it.

#include <QHash>
#include <QString>

namespace imprint::cloud {

class TokenBucket
{
public:
    TokenBucket(double ratePerSecond, double burst);
    // Takes one token and returns how long (ns) the caller must wait before using it: 0 when a
    // token was free. Calls that come faster than the rate queue up behind one another.
    [[nodiscard]] qint64 reserve(qint64 nowNs);
    [[nodiscard]] double ratePerSecond() const { return m_rate; }

private:
    double m_rate;
    double m_burst;
    double m_tokens;
    qint64 m_lastNs = -1;
};

class RateLimiter
{
public:
    // burst: how many calls may go at once after a quiet period (1: evenly spaced).
    explicit RateLimiter(double burst = 1.0) : m_burst(burst) {}
    void setRate(const QString& operation, double ratePerSecond);
    // 0 (no limit) for an operation without a rate.
    [[nodiscard]] qint64 reserve(const QString& operation, qint64 nowNs);
    [[nodiscard]] double rate(const QString& operation) const;

private:
    double m_burst;
    QHash<QString, TokenBucket> m_buckets;
};

}  // namespace imprint::cloud
