#include "core/pipeline/ProvisioningRun.h"

#include "core/Log.h"

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
    m_options = options;
    for (const auto& slot : slots) {
        std::unique_ptr<QThread> thread(QThread::create([this, slot] { runSlot(slot); }));
        thread->setObjectName(QStringLiteral("slot-%1").arg(slot.slot));
        thread->start();
        m_threads.push_back(std::move(thread));
    }
    return {};
}

void ProvisioningRun::requestStop()
{
    m_stopping = true;
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

    QString lastHardwareId;
    qint64 idleSince = m_clock.monotonicNs();
    auto idleTooLong = [&] {
        const auto idle = std::chrono::nanoseconds(m_clock.monotonicNs() - idleSince);
        return m_options.idleTimeout.count() > 0 && idle >= m_options.idleTimeout;
    };

    auto allClaimed = [this] { return m_options.maxUnits > 0 && m_claimed.load() >= m_options.maxUnits; };
    while (!m_stopping && !idleTooLong() && !allClaimed()) {
        auto driver = m_connector.open(link);
        auto identity = driver ? driver.value()->identify() : Result<device::DeviceIdentity>(driver.error());
        if (!identity || identity->hardwareId == lastHardwareId) {
            // Nothing new on the port: keep the last outcome on the tile, ask again shortly.
            if (snapshot.phase == SlotPhase::WaitingForDevice && !identity)
                snapshot.reason = identity.error().message();
            driver = Error(ErrorCode::Cancelled, QString());  // close the port while waiting
            if (!pause(m_options.pollInterval))
                break;
            continue;
        }
        if (!claimUnit())
            break;

        snapshot.hardwareId = identity->hardwareId;
        snapshot.serialNumber = identity->serialNumber;
        snapshot.thingName.clear();
        snapshot.reason.clear();
        snapshot.hint.clear();
        snapshot.stepIndex = 0;
        publish(snapshot, SlotPhase::Working);

        const qint64 unitStart = m_clock.monotonicNs();
        UnitProvisioner provisioner(*driver.value(), m_issuer, m_audit, m_profile, m_clock);
        const UnitContext context{m_options.batchId, slot.slot, m_options.actor, false, false,
                                  m_options.hardwareIdAsSerial};
        const UnitOutcome outcome = provisioner.run(identity.value(), context, [&](const QString& step, int index, int) {
            snapshot.step = step;
            snapshot.stepIndex = index;
            snapshot.elapsedMs = (m_clock.monotonicNs() - unitStart) / 1'000'000;
            publish(snapshot, SlotPhase::Working);
        });

        lastHardwareId = identity->hardwareId;
        idleSince = m_clock.monotonicNs();
        if (!outcome.unitId && m_options.maxUnits > 0)
            m_claimed.fetch_sub(1);  // turned away before binding: no unit was attempted
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
            qCWarning(lcPipeline).noquote() << "slot" << slot.slot << slot.port << "failed at" << outcome.step << ":"
                                            << outcome.reason;
            publish(snapshot, SlotPhase::Failed);
        }
    }
    publish(snapshot, SlotPhase::Stopped);
}

}  // namespace imprint::pipeline
