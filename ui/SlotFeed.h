#pragma once

// The pipeline's observer for the GUI: called on the slots' worker threads, it only emits a
// signal carrying the snapshot by value; receivers on the GUI thread get it queued.

#include "core/pipeline/SlotState.h"

#include <QObject>

namespace imprint::ui {

class SlotFeed : public QObject, public pipeline::SlotObserver
{
    Q_OBJECT
public:
    using QObject::QObject;
    void slotChanged(const pipeline::SlotSnapshot& snapshot) override { Q_EMIT changed(snapshot); }

Q_SIGNALS:
    void changed(const imprint::pipeline::SlotSnapshot& snapshot);
};

}  // namespace imprint::ui
