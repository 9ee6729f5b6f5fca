// ScannedLabels: labels submitted from any thread reach the slot they are meant for, unaddressed
// ones the lowest-numbered slot waiting; waits end with a plain timeout or when cancelled.
#include "core/pipeline/ScannedLabels.h"

#include <QTest>

#include <future>
#include <thread>

using namespace imprint;
using namespace std::chrono_literals;

namespace {

// Blocks until `slots` are all waiting (a worker thread has entered waitForLabel).
bool waitUntilWaiting(const pipeline::ScannedLabels& labels, std::vector<int> slots)
{
    for (int i = 0; i < 500; ++i) {
        if (labels.waitingSlots() == slots)
            return true;
        std::this_thread::sleep_for(2ms);
    }
    return false;
}

std::future<Result<QString>> waitAsync(pipeline::ScannedLabels& labels, int slot, std::chrono::milliseconds timeout = 5s)
{
    return std::async(std::launch::async, [&labels, slot, timeout] {
        return labels.waitForLabel(slot, QStringLiteral("/dev/pts/%1").arg(slot), timeout);
    });
}

}  // namespace

class TestScannedLabels : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void addressedLabelGoesToItsSlotOnly()
    {
        pipeline::ScannedLabels labels;
        auto slot2 = waitAsync(labels, 2);
        auto slot1 = waitAsync(labels, 1);
        QVERIFY(waitUntilWaiting(labels, {1, 2}));
        labels.submit(2, QStringLiteral("  SN-2 \r"));
        QCOMPARE(slot2.get().value(), QStringLiteral("SN-2"));
        QCOMPARE(labels.waitingSlots(), std::vector<int>{1});
        labels.submit(1, QStringLiteral("SN-1"));
        QCOMPARE(slot1.get().value(), QStringLiteral("SN-1"));
    }

    void unaddressedLabelsGoToTheLowestWaitingSlotInOrder()
    {
        pipeline::ScannedLabels labels;
        auto slot5 = waitAsync(labels, 5);
        QVERIFY(waitUntilWaiting(labels, {5}));
        auto slot3 = waitAsync(labels, 3);
        QVERIFY(waitUntilWaiting(labels, {3, 5}));
        labels.submitToNextWaiting(QStringLiteral("first"));
        QCOMPARE(slot3.get().value(), QStringLiteral("first"));
        labels.submitToNextWaiting(QStringLiteral("second"));
        QCOMPARE(slot5.get().value(), QStringLiteral("second"));
    }

    void labelsScannedBeforeAnyoneWaitsAreKept()
    {
        pipeline::ScannedLabels labels;
        labels.submitToNextWaiting(QStringLiteral("A"));
        labels.submitToNextWaiting(QStringLiteral(""));  // an empty line is no label
        labels.submitToNextWaiting(QStringLiteral("B"));
        labels.submit(4, QStringLiteral("wrong"));
        labels.submit(4, QStringLiteral("rescanned"));  // the newest scan for a slot wins
        QCOMPARE(labels.waitForLabel(4, QStringLiteral("p4"), 1s).value(), QStringLiteral("rescanned"));
        QCOMPARE(labels.waitForLabel(7, QStringLiteral("p7"), 1s).value(), QStringLiteral("A"));
        QCOMPARE(labels.waitForLabel(0, QStringLiteral("p0"), 1s).value(), QStringLiteral("B"));
    }

    void timeoutNamesSlotAndPort()
    {
        pipeline::ScannedLabels labels;
        const auto result = labels.waitForLabel(3, QStringLiteral("/dev/ttyUSB3"), 30ms);
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code(), ErrorCode::Timeout);
        QCOMPARE(result.error().message(), QStringLiteral("slot 3 (port /dev/ttyUSB3): no label was scanned within 0.0 s"));
        QVERIFY(labels.waitingSlots().empty());
    }

    void cancelEndsOneSlotsWaitUntilReopened()
    {
        pipeline::ScannedLabels labels;
        auto slot1 = waitAsync(labels, 1);
        auto slot2 = waitAsync(labels, 2);
        QVERIFY(waitUntilWaiting(labels, {1, 2}));
        labels.cancel(1);
        const auto cancelled = slot1.get();
        QCOMPARE(cancelled.error().code(), ErrorCode::Cancelled);
        QVERIFY(cancelled.error().message().contains(QStringLiteral("slot 1 (port /dev/pts/1)")));
        QCOMPARE(labels.waitingSlots(), std::vector<int>{2});  // the other slot goes on
        QCOMPARE(labels.waitForLabel(1, QStringLiteral("p"), 5s).error().code(), ErrorCode::Cancelled);
        labels.reopen(1);
        labels.submit(1, QStringLiteral("again"));
        QCOMPARE(labels.waitForLabel(1, QStringLiteral("p"), 1s).value(), QStringLiteral("again"));

        labels.cancel();  // every slot, for good
        QCOMPARE(slot2.get().error().code(), ErrorCode::Cancelled);
        labels.reopen(2);
        QCOMPARE(labels.waitForLabel(2, QStringLiteral("p"), 5s).error().code(), ErrorCode::Cancelled);
    }
};

QTEST_GUILESS_MAIN(TestScannedLabels)
#include "tst_scannedlabels.moc"
