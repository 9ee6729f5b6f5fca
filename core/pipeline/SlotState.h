#pragma once

// What a slot (one port of the fixture) is doing, as the technician's tile and the CLI's
// progress line show it. Snapshots are values: they cross threads by copy.

#include <QDateTime>
#include <QMetaType>
#include <QString>

#include <optional>

namespace imprint::pipeline {

enum class SlotPhase {
    Idle,             // not started
    WaitingForDevice, // nothing answering on the port yet
    Working,          // a unit is being provisioned
    Passed,           // the last unit passed; waiting for it to be swapped
    Failed,           // the last unit failed; reason and hint say why and what to do
    Stopped,          // the slot has finished (stopped, batch complete, idle too long)
};

[[nodiscard]] QString slotPhaseName(SlotPhase phase);

// Why a slot turned its device away before binding it, when a supervisor's approval can let it
// through: the tile offers that approval by this, not by the words of the reason.
enum class Refusal {
    None,
    AlreadyProvisioned,  // the device (or its key) is on record: a supervisor may approve rework
    OverQuota,           // the open batch is full: a supervisor may let it past its quota
};

struct SlotSnapshot
{
    int slot = 0;
    QString port;
    SlotPhase phase = SlotPhase::Idle;
    QString step;          // current or failed step ("identify", "issue", "write chain"…)
    int stepIndex = 0;     // for a progress bar: stepIndex of stepCount
    int stepCount = 0;
    QString hardwareId;
    QString serialNumber;
    QString thingName;
    qint64 elapsedMs = 0;  // of the current or last unit
    QString reason;        // on failure: what went wrong, in plain words
    QString hint;          // on failure: what the technician should do
    Refusal refusal = Refusal::None;  // on failure: the approval that could let the device through
    // Trusted user: when the claim being installed expires (the tile counts down); unset otherwise
    // and once the unit has ended.
    std::optional<QDateTime> claimExpiresAt;
    int passed = 0;        // units this slot has passed in this run
    int failed = 0;
};

// Receives every change of every slot, from the slots' worker threads: implementations must
// be thread-safe and quick (post to their own thread; never block the worker).
class SlotObserver
{
public:
    virtual ~SlotObserver() = default;
    virtual void slotChanged(const SlotSnapshot& snapshot) = 0;
};

}  // namespace imprint::pipeline

Q_DECLARE_METATYPE(imprint::pipeline::SlotSnapshot)
