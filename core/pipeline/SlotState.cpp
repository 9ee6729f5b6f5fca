#include "core/pipeline/SlotState.h"

namespace imprint::pipeline {

QString slotPhaseName(SlotPhase phase)
{
    switch (phase) {
    case SlotPhase::Idle: return QStringLiteral("idle");
    case SlotPhase::WaitingForDevice: return QStringLiteral("waiting for device");
    case SlotPhase::Working: return QStringLiteral("working");
    case SlotPhase::Passed: return QStringLiteral("passed");
    case SlotPhase::Failed: return QStringLiteral("failed");
    case SlotPhase::Stopped: return QStringLiteral("stopped");
    }
    return QStringLiteral("unknown");
}

}  // namespace imprint::pipeline
