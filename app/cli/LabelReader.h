#pragma once

// `run --bind barcode`: reads scanned labels from a file descriptor (stdin: a USB barcode
// scanner is a keyboard, one label per line) on its own thread and feeds them to the run.
// A line `LABEL` goes to the lowest-numbered slot waiting for a label, `N:LABEL` to slot N.

#include "core/pipeline/ScannedLabels.h"

#include <atomic>
#include <thread>

namespace imprint::cli {

class LabelReader
{
public:
    LabelReader(int fd, pipeline::ScannedLabels& labels);
    ~LabelReader();  // stops reading (a line half-typed is dropped)
    LabelReader(const LabelReader&) = delete;
    LabelReader& operator=(const LabelReader&) = delete;

    // One line, as typed: routes it to its slot. Public for tests.
    static void route(const QString& line, pipeline::ScannedLabels& labels);

private:
    void readLoop();

    int m_fd;
    pipeline::ScannedLabels& m_labels;
    std::atomic<bool> m_stopping{false};
    std::thread m_thread;
};

}  // namespace imprint::cli
