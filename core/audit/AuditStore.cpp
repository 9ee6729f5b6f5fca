#include "core/audit/AuditStore.h"

#include "core/Log.h"
#include "core/audit/SqlConnection.h"
#include "core/audit/UnitRecords.h"

namespace imprint::audit {

AuditStore::AuditStore(StoreOptions options, const Clock& clock) : m_options(std::move(options)), m_clock(clock) {}

Result<std::unique_ptr<AuditStore>> AuditStore::open(StoreOptions options, const Clock& clock)
{
    if (options.station.isEmpty())
        return Error(ErrorCode::InvalidInput, QStringLiteral("the audit store needs the station's name"));
    options.maxGroup = std::max(1, options.maxGroup);
    std::unique_ptr<AuditStore> store(new AuditStore(std::move(options), clock));
    std::promise<Status> opened;
    auto openedFuture = opened.get_future();
    store->m_writer = std::thread([raw = store.get(), promise = std::move(opened)]() mutable {
        raw->writerLoop(std::move(promise));
    });
    Status status = openedFuture.get();
    if (!status) {
        store->m_writer.join();
        return status.error();
    }
    return store;
}

AuditStore::~AuditStore()
{
    {
        const std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_writer.joinable())
        m_writer.join();
}

void AuditStore::writerLoop(std::promise<Status> opened)
{
    auto connection = SqlConnection::open(m_options.path);
    if (!connection) {
        opened.set_value(connection.error());
        return;
    }
    opened.set_value(Status::success());
    std::vector<Job> group;
    for (;;) {
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
            if (m_queue.empty())
                return;  // stopping, and everything queued has been committed
            while (!m_queue.empty() && group.size() < static_cast<size_t>(m_options.maxGroup)) {
                group.push_back(std::move(m_queue.front()));
                m_queue.pop_front();
            }
        }
        runGroup(*connection.value(), group);
        group.clear();
    }
}

// One transaction for the whole group; each request in its own savepoint. Callers hear back
// only after COMMIT returned (or with the reason the group could not be committed).
void AuditStore::runGroup(SqlConnection& connection, std::vector<Job>& group)
{
    if (auto begun = connection.begin(QStringLiteral("starting a group commit")); !begun) {
        for (Job& job : group)
            job.settle(begun.error());
        return;
    }
    for (Job& job : group) {
        (void)connection.exec(QStringLiteral("SAVEPOINT request"), QStringLiteral("savepoint"));
        if (!job.apply(connection))
            (void)connection.exec(QStringLiteral("ROLLBACK TO request"), QStringLiteral("undoing a refused request"));
        (void)connection.exec(QStringLiteral("RELEASE request"), QStringLiteral("savepoint"));
    }
    std::optional<Error> commitError;
    if (auto committed = connection.commit(QStringLiteral("committing a group")); !committed) {
        commitError = committed.error();
        connection.rollback();
        qCWarning(lcAudit).noquote() << committed.error().message();
    }
    m_transactions.fetch_add(1);
    m_requests.fetch_add(static_cast<qint64>(group.size()));
    for (Job& job : group)
        job.settle(commitError);
}

template <typename T>
std::future<Result<T>> AuditStore::submit(std::function<Result<T>(SqlConnection&)> work)
{
    auto promise = std::make_shared<std::promise<Result<T>>>();
    auto staged = std::make_shared<std::optional<Result<T>>>();
    std::future<Result<T>> future = promise->get_future();
    Job job{[work = std::move(work), staged](SqlConnection& connection) {
                staged->emplace(work(connection));
                return (*staged)->ok();
            },
            [promise, staged](const std::optional<Error>& commitError) {
                if (!staged->has_value())
                    promise->set_value(commitError.value_or(Error(ErrorCode::Internal, QStringLiteral("request not run"))));
                else if (commitError && (*staged)->ok())
                    promise->set_value(*commitError);
                else
                    promise->set_value(std::move(**staged));
            }};
    {
        const std::lock_guard lock(m_mutex);
        if (m_stopping) {
            promise->set_value(Error(ErrorCode::Cancelled, QStringLiteral("the audit store is closing")));
            return future;
        }
        m_queue.push_back(std::move(job));
    }
    m_wake.notify_one();
    return future;
}

Result<std::vector<InterruptedUnit>> AuditStore::recoverInterrupted()
{
    return submit<std::vector<InterruptedUnit>>([this](SqlConnection& connection) {
               WriteContext context{connection, m_clock, m_options.station};
               return recoverInterruptedIn(context);
           })
        .get();
}

Result<UnitHandle> AuditStore::beginUnit(const BeginUnit& request)
{
    return beginUnitAsync(request).get();
}

std::future<Result<UnitHandle>> AuditStore::beginUnitAsync(const BeginUnit& request)
{
    return submit<UnitHandle>([this, request](SqlConnection& connection) {
        WriteContext context{connection, m_clock, m_options.station};
        return beginUnitIn(context, request);
    });
}

Result<qint64> AuditStore::recordCertificate(qint64 unitId, const CertificateRecord& certificate)
{
    return submit<qint64>([this, unitId, certificate](SqlConnection& connection) {
               WriteContext context{connection, m_clock, m_options.station};
               return recordCertificateIn(context, unitId, certificate);
           })
        .get();
}

std::future<Status> AuditStore::appendEventAsync(qint64 unitId, const StepEvent& event)
{
    auto inner = submit<qint64>([this, unitId, event](SqlConnection& connection) {
        WriteContext context{connection, m_clock, m_options.station};
        return appendUnitEventIn(context, unitId, event);
    });
    return std::async(std::launch::deferred, [future = std::move(inner)]() mutable -> Status {
        auto result = future.get();
        return result ? Status::success() : Status(result.error());
    });
}

Status AuditStore::appendEvent(qint64 unitId, const StepEvent& event)
{
    return appendEventAsync(unitId, event).get();
}

Result<qint64> AuditStore::completePassed(qint64 unitId, std::optional<qint64> durationMs,
                                          std::optional<qint64> stepEvents, bool claimInstalled)
{
    return submit<qint64>([this, unitId, durationMs, stepEvents, claimInstalled](SqlConnection& connection) {
               WriteContext context{connection, m_clock, m_options.station};
               return completePassedIn(context, unitId, durationMs, stepEvents, claimInstalled);
           })
        .get();
}

Status AuditStore::completeFailed(qint64 unitId, const QString& step, const QString& reason)
{
    auto result = submit<qint64>([this, unitId, step, reason](SqlConnection& connection) {
                      WriteContext context{connection, m_clock, m_options.station};
                      return completeFailedIn(context, unitId, step, reason);
                  })
                      .get();
    return result ? Status::success() : Status(result.error());
}

Status AuditStore::appendStationEvent(const Actor& actor, const QString& step, const QString& outcome,
                                      std::optional<qint64> batchId, std::optional<QString> error,
                                      std::optional<QString> detail)
{
    auto result = submit<qint64>([this, actor, step, outcome, batchId, error, detail](SqlConnection& connection) {
                      WriteContext context{connection, m_clock, m_options.station};
                      return appendStationEventIn(context, actor, step, outcome, batchId, error, detail);
                  })
                      .get();
    return result ? Status::success() : Status(result.error());
}

Status AuditStore::requireSupervisor(const QString& name, const QString& forWhat)
{
    auto result = submit<bool>([name, forWhat](SqlConnection& connection) -> Result<bool> {
                      if (Status allowed = audit::requireSupervisor(connection, name, forWhat); !allowed)
                          return allowed.error();
                      return true;
                  })
                      .get();
    return result ? Status::success() : Status(result.error());
}

StoreStats AuditStore::stats() const
{
    return StoreStats{m_transactions.load(), m_requests.load()};
}

}  // namespace imprint::audit
