#include "FakeClock.h"
#include "core/Clock.h"

#include <QTest>

using namespace imprint;

class TestClock : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void systemClockIsUtcAndMonotonic()
    {
        const SystemClock clock;
        QCOMPARE(clock.nowUtc().timeSpec(), Qt::UTC);
        const qint64 first = clock.monotonicNs();
        QTest::qSleep(2);
        QVERIFY(clock.monotonicNs() > first);
    }

    void fakeClockMovesOnlyWhenTold()
    {
        test::FakeClock clock;
        const QDateTime start = clock.nowUtc();
        QCOMPARE(clock.nowUtc(), start);
        clock.advanceMs(1500);
        QCOMPARE(start.msecsTo(clock.nowUtc()), 1500);
        QCOMPARE(clock.monotonicNs(), qint64{1'500'000'000});
    }
};

QTEST_GUILESS_MAIN(TestClock)
#include "tst_clock.moc"
