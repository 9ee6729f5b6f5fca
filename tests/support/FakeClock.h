#pragma once

#include "core/Clock.h"

namespace imprint::test {

// A clock that stands still until the test moves it.
class FakeClock final : public Clock
{
public:
    explicit FakeClock(QDateTime start = QDateTime(QDate(2026, 1, 1), QTime(8, 0), Qt::UTC))
        : m_now(std::move(start))
    {
    }
    [[nodiscard]] QDateTime nowUtc() const override { return m_now; }
    [[nodiscard]] qint64 monotonicNs() const override { return m_monotonicNs; }
    void advanceMs(qint64 ms)
    {
        m_now = m_now.addMSecs(ms);
        m_monotonicNs += ms * 1'000'000;
    }

private:
    QDateTime m_now;
    qint64 m_monotonicNs = 0;
};

}  // namespace imprint::test
