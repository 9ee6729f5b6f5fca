#include "core/pipeline/ProvisioningRun.h"

#include "core/Log.h"
#include "core/audit/SqlConnection.h"
#include "core/crypto/ThreadState.h"

#include <QSet>

#include <algorithm>
#include <thread>

namespace imprint::pipeline {

ProvisioningRun::ProvisioningRun(device::DeviceConnector& connector, ca::CertificateIssuer& issuer,
                                 audit::AuditStore& audit, ProvisioningProfile profile, const Clock& clock,
                                 SlotObserver* observer)
    : m_connector(connector), m_issuer(issuer), m_audit(audit), m_profile(std::move(profile)), m_clock(clock),
      m_observer(observer)
{
}

ProvisioningRun::~ProvisioningRun()
{
    requestStop();
    static_cast<void>(wait());
}

Status ProvisioningRun::start(const std::vector<SlotConfig>& slots, const RunOptions& options)
{
    if (slots.empty())
        return Error(ErrorCode::InvalidInput, QStringLiteral("no ports given: name at least one port to provision on"));
    QSet<QString> ports;
    for (const auto& slot : slots) {
        if (ports.contains(slot.port))
            return Error(ErrorCode::InvalidInput, QStringLiteral("port %1 is given twice").arg(slot.port));
        ports.insert(slot.port);
    }
    if (installsClaim(m_profile.registration) && !options.claims)
        return Error(ErrorCode::InvalidInput, QStringLiteral("registration mode %1 installs a claim on every device, but "
                                                             "the run has no claim to install")
                                                  .arg(registrationModeName(m_profile.registration)));
    if (m_profile.bind == BindMode::Barcode && !options.labels)
        return Error(ErrorCode::InvalidInput, QStringLiteral("the profile binds by barcode, but the run has no label "
                                                             "scanner to read labels from"));
    m_options = options;
    m_quotaOverrideBy = options.quotaOverrideSupervisor;
    for (const auto& slot : slots) {
        m_slotNumbers.push_back(slot.slot);
        if (m_options.labels)
            m_options.labels->reopen(slot.slot);
    }
    for (const auto& slot : slots) {
        std::unique_ptr<QThread> thread(QThread::create([this, slot] {
            runSlot(slot);
            crypto::releaseThreadState();
        }));
        thread->setObjectName(QStringLiteral("slot-%1").arg(slot.slot));
        thread->start();
        m_threads.push_back(std::move(thread));
    }
    return {};
}

void ProvisioningRun::requestStop()
{
    m_stopping = true;
    if (m_options.labels) {
        for (const int slot : m_slotNumbers)
            m_options.labels->cancel(slot);
    }
}

bool ProvisioningRun::running() const
{
    return std::any_of(m_threads.cbegin(), m_threads.cend(), [](const auto& thread) { return thread->isRunning(); });
}

RunSummary ProvisioningRun::wait()
{
    for (auto& thread : m_threads)
        thread->wait();
    m_threads.clear();
    std::lock_guard lock(m_summaryMutex);
    return m_summary;
}

bool ProvisioningRun::claimUnit()
{
    if (m_options.maxUnits <= 0)
        return true;
    return m_claimed.fetch_add(1) < m_options.maxUnits;
}

bool ProvisioningRun::pause(std::chrono::milliseconds duration) const
{
    // Sleep in short pieces so a stop request is honoured promptly.
    const auto step = std::chrono::milliseconds(20);
    for (auto slept = std::chrono::milliseconds(0); slept < duration; slept += step) {
        if (m_stopping)
            return false;
        std::this_thread::sleep_for(std::min(step, duration - slept));
    }
    return !m_stopping;
}

void ProvisioningRun::publish(SlotSnapshot& snapshot, SlotPhase phase)
{
    snapshot.phase = phase;
    if (m_observer)
        m_observer->slotChanged(snapshot);
}

void ProvisioningRun::account(const UnitOutcome& outcome)
{
    std::lock_guard lock(m_summaryMutex);
    if (outcome.passed) {
        ++m_summary.passed;
        m_summary.timings.push_back({outcome.totalNs, outcome.stationNs()});
    } else if (!outcome.unitId) {
        ++m_summary.refused;
        m_summary.failures.push_back(outcome);
    } else {
        ++m_summary.failed;
        m_summary.failures.push_back(outcome);
    }
}

std::optional<QString> ProvisioningRun::takeReworkApproval(int slot, const QString& hardwareId)
{
    std::lock_guard lock(m_reworkMutex);
    const auto found = m_rework.find(slot);
    if (found == m_rework.end() || !found->second.approvedBy || found->second.refusedHardwareId != hardwareId)
        return std::nullopt;
    auto supervisor = found->second.approvedBy;
    m_rework.erase(found);  // once: a rework that fails again needs a new approval
    return supervisor;
}

void ProvisioningRun::noteRefusal(int slot, const device::DeviceIdentity& identity, const UnitOutcome& outcome)
{
    std::lock_guard lock(m_reworkMutex);
    if (outcome.refusal() == Refusal::AlreadyProvisioned)
        m_rework[slot] = ReworkState{identity.hardwareId, std::nullopt};
    else
        m_rework.erase(slot);
}

void ProvisioningRun::forgetRefusal(int slot)
{
    std::lock_guard lock(m_reworkMutex);
    m_rework.erase(slot);
}

Status ProvisioningRun::approveRework(int slot, const QString& supervisorId)
{
    {
        std::lock_guard lock(m_reworkMutex);
        if (m_rework.find(slot) == m_rework.end())
            return Error(ErrorCode::NotFound, QStringLiteral("slot %1 has no device refused as already provisioned: "
                                                             "there is nothing to rework").arg(slot));
    }
    if (Status allowed = m_audit.requireSupervisor(supervisorId, QStringLiteral("rework")); !allowed)
        return allowed;
    std::lock_guard lock(m_reworkMutex);
    const auto found = m_rework.find(slot);
    if (found == m_rework.end())
        return Error(ErrorCode::NotFound, QStringLiteral("slot %1: the refused device was taken away before the "
                                                         "rework was approved").arg(slot));
    found->second.approvedBy = supervisorId;
    return {};
}

Status ProvisioningRun::approveQuotaOverride(const QString& supervisorId)
{
    if (Status allowed = m_audit.requireSupervisor(supervisorId, QStringLiteral("a quota override")); !allowed)
        return allowed;
    std::lock_guard lock(m_reworkMutex);
    m_quotaOverrideBy = supervisorId;
    return {};
}

std::optional<QString> ProvisioningRun::quotaOverride()
{
    std::lock_guard lock(m_reworkMutex);
    return m_quotaOverrideBy;
}

UnitOutcome ProvisioningRun::provisionUnit(device::DeviceDriver& driver, const device::DeviceIdentity& identity,
                                           const SlotConfig& slot, SlotSnapshot& snapshot,
                                           const std::optional<QString>& reworkBy,
                                           const std::optional<QString>& pastQuotaBy, audit::SqlConnection* reader)
{
    snapshot.hardwareId = identity.hardwareId;
    snapshot.serialNumber = identity.serialNumber;
    snapshot.thingName.clear();
    snapshot.reason.clear();
    snapshot.hint.clear();
    snapshot.refusal = Refusal::None;
    snapshot.stepIndex = 0;
    snapshot.claimExpiresAt.reset();
    publish(snapshot, SlotPhase::Working);

    const qint64 unitStart = m_clock.monotonicNs();
    UnitProvisioner provisioner(driver, m_issuer, m_audit, m_profile, m_clock);
    UnitContext context;
    context.batchId = m_options.batchId;
    context.slot = slot.slot;
    context.actor = m_options.actor;
    if (pastQuotaBy) {
        context.quotaOverride = true;
        context.actor.supervisor = pastQuotaBy;
    }
    if (reworkBy) {
        context.rework = true;
        context.actor.supervisor = reworkBy;
    }
    context.hardwareIdAsSerial = m_options.hardwareIdAsSerial;
    context.labels = m_options.labels;
    context.reader = reader;
    context.claims = m_options.claims;
    auto outcome = provisioner.run(identity, context, [&](const QString& step, int index, int) {
        snapshot.step = step;
        snapshot.stepIndex = index;
        snapshot.claimExpiresAt = provisioner.claimExpiresAt();
        snapshot.elapsedMs = (m_clock.monotonicNs() - unitStart) / 1'000'000;
        publish(snapshot, SlotPhase::Working);
    });
    snapshot.claimExpiresAt.reset();  // counted down only while the unit runs
    return outcome;
}

void ProvisioningRun::runSlot(const SlotConfig& slot)
{
    SlotSnapshot snapshot;
    snapshot.slot = slot.slot;
    snapshot.port = slot.port;
    snapshot.stepCount = static_cast<int>(UnitProvisioner::stepNames(m_profile).size());
    publish(snapshot, SlotPhase::WaitingForDevice);

    device::LinkSettings link;
    link.port = slot.port;
    link.protocol = m_profile.protocol;
    link.baudRate = m_profile.baudRate;
    link.timeouts = m_profile.timeouts;

    // This thread's own read connection, for the bind preview (see UnitContext::reader).
    auto reader = m_options.overlapBind ? audit::SqlConnection::open(m_audit.path())
                                        : Result<std::unique_ptr<audit::SqlConnection>>(
                                              Error(ErrorCode::Cancelled, QStringLiteral("turned off")));
    if (!reader)
        qCWarning(lcPipeline).noquote() << "slot" << slot.slot << "binds without overlap:" << reader.error().message();
    audit::SqlConnection* const readerConnection = reader ? reader.value().get() : nullptr;

    QString lastHardwareId;
    bool refusedBeforeOverride = false;  // the last device may have been refused for the quota
    qint64 idleSince = m_clock.monotonicNs();
    auto idleTooLong = [&] {
        const auto idle = std::chrono::nanoseconds(m_clock.monotonicNs() - idleSince);
        return m_options.idleTimeout.count() > 0 && idle >= m_options.idleTimeout;
    };

    auto allClaimed = [this] { return m_options.maxUnits > 0 && m_claimed.load() >= m_options.maxUnits; };
    while (!m_stopping && !idleTooLong() && !allClaimed()) {
        auto driver = m_connector.open(link);
        auto identity = driver ? driver.value()->identify() : Result<device::DeviceIdentity>(driver.error());
        // The same device still on the slot is left alone, unless a supervisor approved its rework.
        std::optional<QString> reworkBy;
        const bool sameDevice = identity && identity->hardwareId == lastHardwareId;
        if (sameDevice)
            reworkBy = takeReworkApproval(slot.slot, identity->hardwareId);
        std::optional<QString> pastQuotaBy = quotaOverride();
        // ...or unless it was refused before a supervisor let the run past the quota.
        const bool retryPastQuota = sameDevice && refusedBeforeOverride && pastQuotaBy;
        if (!identity || (sameDevice && !reworkBy && !retryPastQuota)) {
            // Nothing new on the port: keep the last outcome on the tile, ask again shortly.
            if (snapshot.phase == SlotPhase::WaitingForDevice && !identity)
                snapshot.reason = identity.error().message();
            if (!identity) {
                forgetRefusal(slot.slot);  // the refused device was taken away
                refusedBeforeOverride = false;
            }
            driver = Error(ErrorCode::Cancelled, QString());  // close the port while waiting
            if (!pause(m_options.pollInterval))
                break;
            continue;
        }
        if (!claimUnit())
            break;

        UnitOutcome outcome = provisionUnit(*driver.value(), identity.value(), slot, snapshot, reworkBy, pastQuotaBy,
                                            readerConnection);
        if (outcome.refusal() == Refusal::AlreadyProvisioned && m_options.reworkSupervisor && !reworkBy) {
            // `run --rework`: the refusal is on record; provision it again, as a rework.
            outcome = provisionUnit(*driver.value(), identity.value(), slot, snapshot, m_options.reworkSupervisor,
                                    pastQuotaBy, readerConnection);
        }

        lastHardwareId = identity->hardwareId;
        refusedBeforeOverride = outcome.refusal() == Refusal::OverQuota && !pastQuotaBy;
        idleSince = m_clock.monotonicNs();
        if (!outcome.unitId && m_options.maxUnits > 0)
            m_claimed.fetch_sub(1);  // turned away before binding: no unit was attempted
        if (outcome.errorCode == ErrorCode::Cancelled && !outcome.unitId)
            break;  // stopped while waiting for a label: nothing was refused
        noteRefusal(slot.slot, identity.value(), outcome);
        account(outcome);
        snapshot.thingName = outcome.thingName;
        snapshot.serialNumber = outcome.serialNumber.isEmpty() ? snapshot.serialNumber : outcome.serialNumber;
        snapshot.elapsedMs = outcome.totalNs / 1'000'000;
        if (outcome.passed) {
            ++snapshot.passed;
            snapshot.stepIndex = snapshot.stepCount;
            publish(snapshot, SlotPhase::Passed);
        } else {
            ++snapshot.failed;
            snapshot.step = outcome.step;
            snapshot.reason = outcome.reason;
            snapshot.hint = outcome.hint;
            snapshot.refusal = outcome.refusal();
            qCWarning(lcPipeline).noquote() << "slot" << slot.slot << slot.port << "failed at" << outcome.step << ":"
                                            << outcome.reason;
            publish(snapshot, SlotPhase::Failed);
        }
    }
    publish(snapshot, SlotPhase::Stopped);
}

}  // namespace imprint::pipeline
