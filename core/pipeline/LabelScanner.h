#pragma once

// Where the bind step gets a device's scanned barcode label from, when the profile binds by
// label (BindMode::Barcode). core declares it; the CLI (stdin: a USB scanner types one label
// per line) and the GUI (a scan field) feed the implementation, ScannedLabels.

#include "core/Result.h"

#include <QString>

#include <chrono>

namespace imprint::pipeline {

class LabelScanner
{
public:
    virtual ~LabelScanner();

    // The label scanned for `slot` (serial port `port`, named in errors). Called on the slot's
    // worker thread; blocks it until a label arrives. Timeout: no label within `timeout`.
    // Cancelled: the run stops (cancel()).
    [[nodiscard]] virtual Result<QString> waitForLabel(int slot, const QString& port,
                                                       std::chrono::milliseconds timeout) = 0;

    // The slot is stopping: its wait, now and later, ends Cancelled until reopen(slot).
    // (Per slot: the GUI stops one slot while the others go on.)
    virtual void cancel(int slot) = 0;
    // A run starts on the slot: forget an earlier cancel(slot) and a label left over for it.
    virtual void reopen(int slot) = 0;
};

}  // namespace imprint::pipeline
