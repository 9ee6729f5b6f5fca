#pragma once

// N slots provisioning at once: one worker thread per port, all sharing one issuing service
// (the HSM) and one audit writer. Each worker waits for a device on its port, provisions it
// (UnitProvisioner), waits for the device to be swapped, and goes on until the run stops.

#include "core/Clock.h"
#include "core/Result.h"
#include "core/audit/AuditStore.h"
#include "core/ca/CertificateIssuer.h"
#include "core/device/DeviceDriver.h"
#include "core/pipeline/LabelScanner.h"
#include "core/pipeline/ProvisioningProfile.h"
#include "core/pipeline/SlotState.h"
#include "core/pipeline/UnitProvisioner.h"

#include <QThread>

#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <memory>
#include <mutex>
#include <vector>

namespace imprint::pipeline {

struct SlotConfig
{
    int slot = 0;
    QString port;
};

struct RunOptions
{
    qint64 batchId = 0;
    audit::Actor actor;
    // How often an empty or unchanged port is asked again.
    std::chrono::milliseconds pollInterval{250};
    // A slot with no new device for this long stops (0: wait for ever, until stopped).
    std::chrono::milliseconds idleTimeout{0};
    // The run stops after this many units were attempted in all (0: no limit).
    int maxUnits = 0;
    // For open batches: devices without a serial number are taken by their hardware ID.
    bool hardwareIdAsSerial = false;
    // Where scanned labels come from when the profile binds by barcode (required then; the run
    // calls its reopen(slot) at start and cancel(slot) on requestStop()). Not owned.
    LabelScanner* labels = nullptr;
    // `run --rework`: a device refused as already provisioned is provisioned again at once as a
    // rework approved by this supervisor (checked by the audit on every unit).
    std::optional<QString> reworkSupervisor;
    // `run --quota-override`: an open batch takes units past its quota, approved by this
    // supervisor (checked by the audit on every unit past the quota).
    std::optional<QString> quotaOverrideSupervisor;
    // The bind commits while the device makes its key (UnitContext::reader). Off only to measure
    // what it saves (bench_station).
    bool overlapBind = true;
    // Claim modes: where each unit's claim comes from (required then; see UnitContext). Not owned.
    claims::ClaimProvider* claims = nullptr;
};

struct UnitTiming
{
    qint64 totalNs = 0;
    qint64 stationNs = 0;  // the station's own time: total less waiting for the device
};

struct RunSummary
{
    int passed = 0;
    int failed = 0;
    int refused = 0;  // devices turned away before binding (duplicate, not in the work order)
    std::vector<UnitTiming> timings;
    std::vector<UnitOutcome> failures;
};

class ProvisioningRun
{
public:
    ProvisioningRun(device::DeviceConnector& connector, ca::CertificateIssuer& issuer, audit::AuditStore& audit,
                    ProvisioningProfile profile, const Clock& clock, SlotObserver* observer = nullptr);
    ~ProvisioningRun();
    ProvisioningRun(const ProvisioningRun&) = delete;
    ProvisioningRun& operator=(const ProvisioningRun&) = delete;

    // Starts one worker thread per slot. Fails (InvalidInput) on an empty or duplicated port list.
    [[nodiscard]] Status start(const std::vector<SlotConfig>& slots, const RunOptions& options);
    // Asks every slot to stop after its current unit; a unit is never abandoned half-written.
    void requestStop();
    // A supervisor approves rework of the device the slot last refused as already provisioned
    // (and that is still on it): it is provisioned once more, superseding its old certificate,
    // with the supervisor on record. Fails (PermissionDenied) when `supervisorId` is not a
    // registered supervisor, (NotFound) when the slot has no such refused device. Any thread.
    [[nodiscard]] Status approveRework(int slot, const QString& supervisorId);
    // A supervisor lets an open batch take units past its quota for the rest of this run, as
    // RunOptions::quotaOverrideSupervisor does from its start; a device refused for the quota
    // and still on its slot is taken at once. Fails (PermissionDenied) when `supervisorId` is
    // not a registered supervisor. Any thread.
    [[nodiscard]] Status approveQuotaOverride(const QString& supervisorId);
    // True while any slot is still working or waiting.
    [[nodiscard]] bool running() const;
    // Waits for every worker to end, then returns what the run did.
    [[nodiscard]] RunSummary wait();

private:
    // What a slot remembers of the device it last refused as already provisioned.
    struct ReworkState
    {
        QString refusedHardwareId;
        std::optional<QString> approvedBy;
    };

    void runSlot(const SlotConfig& slot);
    [[nodiscard]] UnitOutcome provisionUnit(device::DeviceDriver& driver, const device::DeviceIdentity& identity,
                                            const SlotConfig& slot, SlotSnapshot& snapshot,
                                            const std::optional<QString>& reworkBy,
                                            const std::optional<QString>& pastQuotaBy, audit::SqlConnection* reader);
    // The supervisor who let this run past the quota, if any.
    [[nodiscard]] std::optional<QString> quotaOverride();
    // The supervisor who approved rework of this device on this slot, taken (once) if any.
    [[nodiscard]] std::optional<QString> takeReworkApproval(int slot, const QString& hardwareId);
    void forgetRefusal(int slot);
    void noteRefusal(int slot, const device::DeviceIdentity& identity, const UnitOutcome& outcome);
    [[nodiscard]] bool claimUnit();
    void publish(SlotSnapshot& snapshot, SlotPhase phase);
    void account(const UnitOutcome& outcome);
    [[nodiscard]] bool pause(std::chrono::milliseconds duration) const;  // false when stopping

    device::DeviceConnector& m_connector;
    ca::CertificateIssuer& m_issuer;
    audit::AuditStore& m_audit;
    const ProvisioningProfile m_profile;
    const Clock& m_clock;
    SlotObserver* m_observer;
    RunOptions m_options;

    std::vector<std::unique_ptr<QThread>> m_threads;
    std::vector<int> m_slotNumbers;
    std::atomic<bool> m_stopping{false};
    std::atomic<int> m_claimed{0};
    std::mutex m_reworkMutex;
    std::map<int, ReworkState> m_rework;
    std::optional<QString> m_quotaOverrideBy;  // under m_reworkMutex
    std::mutex m_summaryMutex;
    RunSummary m_summary;
};

}  // namespace imprint::pipeline
