#include "core/cloud/RateLimiter.h"

#include <algorithm>
#include <cmath>

namespace imprint::cloud {

TokenBucket::TokenBucket(double ratePerSecond, double burst)
    : m_rate(std::max(ratePerSecond, 0.001)), m_burst(std::max(burst, 1.0)), m_tokens(m_burst)
{
}

qint64 TokenBucket::reserve(qint64 nowNs)
{
    if (m_lastNs >= 0 && nowNs > m_lastNs)
        m_tokens = std::min(m_burst, m_tokens + static_cast<double>(nowNs - m_lastNs) * m_rate / 1e9);
    m_lastNs = std::max(m_lastNs, nowNs);
    m_tokens -= 1.0;  // may go negative: that is the queue of reservations ahead
    if (m_tokens >= 0.0)
        return 0;
    return std::llround(-m_tokens / m_rate * 1e9);
}

void RateLimiter::setRate(const QString& operation, double ratePerSecond)
{
    m_buckets.insert(operation, TokenBucket(ratePerSecond, m_burst));
}

qint64 RateLimiter::reserve(const QString& operation, qint64 nowNs)
{
    auto found = m_buckets.find(operation);
    return found == m_buckets.end() ? 0 : found->reserve(nowNs);
}

double RateLimiter::rate(const QString& operation) const
{
    auto found = m_buckets.constFind(operation);
    return found == m_buckets.constEnd() ? 0.0 : found->ratePerSecond();
}

}  // namespace imprint::cloud
