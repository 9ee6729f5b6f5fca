#pragma once

// The thread-safe LabelScanner: labels are submitted from any thread (the GUI's scan field,
// the CLI's stdin reader) and taken by the slots' worker threads as they wait in the bind step.
//
// A label addressed to a slot (submit) waits for that slot, the newest scan replacing an older
// one not yet taken (a re-scan corrects a wrong scan). An unaddressed label (submitToNextWaiting)
// goes to the lowest-numbered slot waiting at that moment; when no slot is waiting it is kept,
// in order, for the next slot that starts waiting.

#include "core/pipeline/LabelScanner.h"

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <vector>

namespace imprint::pipeline {

class ScannedLabels final : public LabelScanner
{
public:
    ScannedLabels() = default;
    ScannedLabels(const ScannedLabels&) = delete;
    ScannedLabels& operator=(const ScannedLabels&) = delete;

    [[nodiscard]] Result<QString> waitForLabel(int slot, const QString& port,
                                               std::chrono::milliseconds timeout) override;
    void cancel(int slot) override;
    void reopen(int slot) override;
    // Every slot, for good: waits now and later end Cancelled (the CLI's run is interrupted).
    void cancel();

    // Any thread. Blank labels (an empty line) are ignored; surrounding spaces are trimmed.
    void submit(int slot, QString label);
    void submitToNextWaiting(QString label);

    // The slots waiting for a label right now, lowest first (for a "scan slot N" prompt).
    [[nodiscard]] std::vector<int> waitingSlots() const;

private:
    [[nodiscard]] bool cancelled(int slot) const;

    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    std::map<int, QString> m_addressed;  // slot → label waiting for it
    std::deque<QString> m_unaddressed;   // for whichever slot waits next
    std::set<int> m_waiting;
    std::set<int> m_cancelledSlots;
    bool m_allCancelled = false;
};

}  // namespace imprint::pipeline
