#include "app/common/StationSession.h"

#include "app/common/BackgroundCloudSync.h"
#include "app/common/CaStation.h"
#include "core/Log.h"
#include "core/audit/AuditStore.h"
#include "core/audit/SqlConnection.h"
#include "serial/DeviceLinkFactory.h"

namespace imprint::station {

StationSession::StationSession(SessionOptions options, const Clock& clock)
    : m_options(std::move(options)), m_clock(clock)
{
}

StationSession::~StationSession()
{
    stopAll();
    m_cloudSync.reset();  // lets the registrations in flight finish and be recorded
}

Result<std::unique_ptr<StationSession>> StationSession::open(SessionOptions options, OperatorPrompt* prompt,
                                                             const Clock& clock)
{
    std::unique_ptr<StationSession> session(new StationSession(std::move(options), clock));
    if (auto issuer = session->openIssuer(prompt); !issuer)
        return issuer.error();
    auto store = audit::AuditStore::open({session->m_options.database, session->m_options.stationName}, clock);
    if (!store)
        return store.error();
    session->m_audit = std::move(store.value());
    auto interrupted = session->m_audit->recoverInterrupted();
    if (!interrupted)
        return interrupted.error();
    if (!interrupted->empty())
        qCInfo(lcPipeline).noquote() << interrupted->size()
                                     << "unit(s) interrupted by an earlier stop are marked interrupted; their devices "
                                        "will be provisioned again";
    session->m_connector = std::make_unique<serial::SerialDeviceConnector>();
    if (session->m_options.cloudSync) {
        auto sync = BackgroundCloudSync::startForStation(session->m_options.database, {}, clock);
        if (sync)
            session->m_cloudSync = std::move(sync.value());
        else
            qCWarning(lcCloud).noquote() << "background cloud sync is off:" << sync.error().message()
                                         << "(registrations stay queued for 'imprint-cli cloud sync')";
    }
    return session;
}

Status StationSession::openIssuer(OperatorPrompt* prompt)
{
    if (pipeline::installsClaim(m_options.profile.registration) && !m_options.claims) {
        ClaimSource source = m_options.claimSource;
        source.database = m_options.database;
        auto claims = openClaimProvider(m_options.profile, source);
        if (!claims)
            return claims.error();
        m_options.claims = std::move(claims.value());
    }
    auto issuer = openIssuerFor(m_options.profile, prompt, m_clock);
    if (!issuer)
        return issuer.error();
    m_issuer = std::move(issuer.value());
    return {};
}

Result<audit::BatchSummary> StationSession::selectBatch(const QString& batch)
{
    auto connection = audit::SqlConnection::open(m_options.database);
    if (!connection)
        return connection.error();
    auto found = audit::findBatch(*connection.value(), batch);
    if (!found)
        return found.error();
    if (m_batch && m_batch->id != found->id)
        m_quotaOverrideBy.reset();  // an approval is for its batch only
    m_batch = found.value();
    return found;
}

Result<audit::BatchSummary> StationSession::batchSummary()
{
    if (!m_batch)
        return Error(ErrorCode::InvalidInput, QStringLiteral("no batch is selected: import a work order or choose a batch"));
    return selectBatch(QString::number(m_batch->id));
}

Status StationSession::startSlot(const pipeline::SlotConfig& slot, pipeline::SlotObserver* observer)
{
    if (!m_batch)
        return Error(ErrorCode::InvalidInput, QStringLiteral("no batch is selected: import a work order or choose a batch"));
    if (slotRunning(slot.slot))
        return Error(ErrorCode::InvalidInput, QStringLiteral("slot %1 (%2) is running already").arg(slot.slot + 1).arg(slot.port));
    m_runs.erase(slot.slot);  // a finished run: its threads have ended
    auto run = std::make_unique<pipeline::ProvisioningRun>(*m_connector, *m_issuer, *m_audit, m_options.profile,
                                                           m_clock, observer);
    pipeline::RunOptions runOptions;
    runOptions.batchId = m_batch->id;
    runOptions.actor = m_options.actor;
    runOptions.pollInterval = m_options.pollInterval;
    runOptions.hardwareIdAsSerial = m_batch->kind == u"open";
    runOptions.labels = &m_labels;
    runOptions.claims = m_options.claims.get();
    runOptions.quotaOverrideSupervisor = m_quotaOverrideBy;
    if (Status started = run->start({slot}, runOptions); !started)
        return started;
    m_runs.emplace(slot.slot, std::move(run));
    return {};
}

void StationSession::stopSlot(int slot)
{
    const auto found = m_runs.find(slot);
    if (found == m_runs.end())
        return;
    found->second->requestStop();
    static_cast<void>(found->second->wait());
    m_runs.erase(found);
}

void StationSession::stopAll()
{
    // Ask every slot first, so they finish their units together rather than one after another.
    for (auto& [slot, run] : m_runs)
        run->requestStop();
    while (!m_runs.empty())
        stopSlot(m_runs.begin()->first);
}

bool StationSession::slotRunning(int slot) const
{
    const auto found = m_runs.find(slot);
    return found != m_runs.end() && found->second->running();
}

Status StationSession::approveRework(int slot, const QString& supervisorId)
{
    const auto found = m_runs.find(slot);
    if (found == m_runs.end() || !found->second->running())
        return Error(ErrorCode::InvalidInput, QStringLiteral("slot %1 is not running: start it, then approve the rework")
                                                  .arg(slot + 1));
    return found->second->approveRework(slot, supervisorId);
}

Status StationSession::approveQuotaOverride(const QString& supervisorId)
{
    if (!m_batch)
        return Error(ErrorCode::InvalidInput, QStringLiteral("no batch is selected: there is no quota to go past"));
    if (Status allowed = m_audit->requireSupervisor(supervisorId, QStringLiteral("a quota override")); !allowed)
        return allowed;
    for (auto& [slot, run] : m_runs) {
        if (Status approved = run->approveQuotaOverride(supervisorId); !approved)
            return approved;
    }
    m_quotaOverrideBy = supervisorId;
    return {};
}

void StationSession::submitLabel(int slot, const QString& label)
{
    m_labels.submit(slot, label);
}

void StationSession::submitLabelToNextWaiting(const QString& label)
{
    m_labels.submitToNextWaiting(label);
}

Result<batch::ImportSummary> importWorkOrderFile(const QString& database, const QString& path,
                                                 const batch::ImportOptions& options, const Clock& clock,
                                                 const std::function<void(const batch::ImportIssue&)>& onIssue)
{
    auto connection = audit::SqlConnection::open(database);
    if (!connection)
        return connection.error();
    return batch::importWorkOrder(*connection.value(), path, options, clock, onIssue);
}

Status ensureDevelopmentCa(const QString& module, const Clock& clock)
{
    auto token = initDevToken(module, QStringLiteral("imprint-dev"));
    if (!token)
        return token.error();
    if (readCaChain())
        return {};
    CaCreation creation;
    creation.spec.subject = QStringLiteral("CN=Imprint Demo Device CA,O=Imprint Demo");
    auto created = createCa(creation, nullptr, clock);
    if (!created)
        return created.error();
    return {};
}

}  // namespace imprint::station
