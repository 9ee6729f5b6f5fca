#pragma once

// The station composed for a shift: the CA on its token, the audit store, the serial connector
// and the running slots. Shared by the desktop application (driven from one worker thread) and,
// later, the CLI. Every call may block (HSM login, SQLite, waiting for a unit to finish): never
// call it from a GUI thread. Not thread-safe: one owning thread calls it. Never Widgets here.

#include "app/common/ClaimStation.h"
#include "core/Clock.h"
#include "core/OperatorPrompt.h"
#include "core/Result.h"
#include "core/audit/AuditQueries.h"
#include "core/audit/AuditTypes.h"
#include "core/batch/WorkOrderImport.h"
#include "core/claims/ClaimProvider.h"
#include "core/pipeline/ProvisioningProfile.h"
#include "core/pipeline/ProvisioningRun.h"
#include "core/pipeline/ScannedLabels.h"

#include <QString>

#include <chrono>
#include <functional>
#include <map>
#include <memory>

namespace imprint::station {

class BackgroundCloudSync;

struct SessionOptions
{
    QString database;  // the audit database file (audit::resolveAuditPath for the default)
    QString stationName;
    pipeline::ProvisioningProfile profile;
    audit::Actor actor;
    std::chrono::milliseconds pollInterval{250};
    // Send passed units' cloud registrations in the background ([cloud] in station.ini and the
    // AWS CLI's chain). When it cannot start, the station still provisions: the outbox keeps
    // every registration for `imprint-cli cloud sync`, and the reason is logged.
    bool cloudSync = false;
    // Claim modes (profile.registration claim or trusted-user): the claim every unit gets. When
    // it is not given, open() makes it from `claimSource` (the claim files, or AWS settings for
    // trusted-user), on the calling worker thread.
    std::shared_ptr<claims::ClaimProvider> claims;
    ClaimSource claimSource;
};

class StationSession
{
public:
    // Opens the station's CA (station.ini; the PIN from its pin-source, IMPRINT_HSM_PIN or
    // `prompt`) and the audit store, and marks units interrupted by an earlier stop. In the claim
    // modes no CA is opened (no certificate is issued, no PIN asked): the claim source instead.
    [[nodiscard]] static Result<std::unique_ptr<StationSession>> open(SessionOptions options, OperatorPrompt* prompt,
                                                                      const Clock& clock);
    ~StationSession();  // stops every slot after its current unit, then closes
    StationSession(const StationSession&) = delete;
    StationSession& operator=(const StationSession&) = delete;

    // The batch (id or name) the next slots started will provision.
    [[nodiscard]] Result<audit::BatchSummary> selectBatch(const QString& batch);
    // The selected batch's counts, read again from the audit database.
    [[nodiscard]] Result<audit::BatchSummary> batchSummary();

    // Starts one slot: its own worker, until stopSlot. Fails when it runs already or no batch
    // is selected. Every change goes to `observer` (from the slot's worker thread).
    [[nodiscard]] Status startSlot(const pipeline::SlotConfig& slot, pipeline::SlotObserver* observer);
    // Stops a slot after its current unit and waits for it: a unit is never abandoned half-way.
    void stopSlot(int slot);
    void stopAll();
    [[nodiscard]] bool slotRunning(int slot) const;

    // See ProvisioningRun::approveRework: the slot's refused (already provisioned) device is
    // provisioned again as a rework approved by `supervisorId` (a registered supervisor).
    [[nodiscard]] Status approveRework(int slot, const QString& supervisorId);
    // See ProvisioningRun::approveQuotaOverride: every running slot, and every slot started later
    // on the selected batch, takes units past the open batch's quota, approved by `supervisorId`.
    [[nodiscard]] Status approveQuotaOverride(const QString& supervisorId);

    // Scanned barcode labels, for a profile that binds by barcode (BindMode::Barcode). Unlike
    // the rest of the session these two are thread-safe: call them from the GUI's scan field.
    void submitLabel(int slot, const QString& label);
    void submitLabelToNextWaiting(const QString& label);

    [[nodiscard]] const SessionOptions& options() const { return m_options; }

private:
    StationSession(SessionOptions options, const Clock& clock);
    // The CA on its token, or in the claim modes the claim provider and an issuer that issues nothing.
    [[nodiscard]] Status openIssuer(OperatorPrompt* prompt);

    SessionOptions m_options;
    const Clock& m_clock;
    std::unique_ptr<ca::CertificateIssuer> m_issuer;
    std::unique_ptr<audit::AuditStore> m_audit;
    std::unique_ptr<device::DeviceConnector> m_connector;
    std::optional<audit::BatchSummary> m_batch;
    std::optional<QString> m_quotaOverrideBy;  // for m_batch only
    // One run per slot, so one slot can be stopped while the others go on.
    pipeline::ScannedLabels m_labels;  // before m_runs: the runs use it until they end
    std::map<int, std::unique_ptr<pipeline::ProvisioningRun>> m_runs;
    std::unique_ptr<BackgroundCloudSync> m_cloudSync;  // stopped after the slots, in ~StationSession
};

// Imports a work order into `database` as a new batch (all rows or none); every problem goes
// to onIssue. Opens its own connection: call it on the thread that will use the result.
[[nodiscard]] Result<batch::ImportSummary> importWorkOrderFile(const QString& database, const QString& path,
                                                               const batch::ImportOptions& options, const Clock& clock,
                                                               const std::function<void(const batch::ImportIssue&)>& onIssue);

// For the demo and tests: the development token and a self-signed CA, each made once.
[[nodiscard]] Status ensureDevelopmentCa(const QString& module, const Clock& clock);

}  // namespace imprint::station
