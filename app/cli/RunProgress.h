#pragma once

// How `imprint-cli run` shows the slots: a progress bar redrawn in place on a terminal, one
// line per finished unit otherwise (logs, CI). Called from the slots' worker threads.

#include "core/pipeline/SlotState.h"

#include <QHash>
#include <QTextStream>

#include <mutex>

namespace imprint::cli {

class RunProgress final : public pipeline::SlotObserver
{
public:
    RunProgress(QTextStream& out, bool terminal, int expectedUnits);
    void slotChanged(const pipeline::SlotSnapshot& snapshot) override;
    void finish();

private:
    void printOutcome(const pipeline::SlotSnapshot& snapshot);
    void drawBar();

    std::mutex m_mutex;
    QTextStream& m_out;
    const bool m_terminal;
    const int m_expected;
    int m_passed = 0;
    int m_failed = 0;
    QHash<int, pipeline::SlotSnapshot> m_slots;
};

}  // namespace imprint::cli
