#pragma once

// The audit store the provisioning pipeline writes through, from many worker threads at once.
//
// One writer thread owns the only writing connection and runs requests in groups: every request
// queued while the previous group was being committed goes into the next transaction (group
// commit), each inside its own SAVEPOINT so one refused request does not undo the others. A call
// returns only after the transaction holding its data has committed (synchronous=FULL: on disk),
// so "recorded" means recorded. Readers open their own connections (AuditReader).

#include "core/Clock.h"
#include "core/Result.h"
#include "core/audit/AuditTypes.h"

#include <QString>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace imprint::audit {

class SqlConnection;

struct StoreOptions
{
    QString path;       // the audit database file
    QString station;    // this station's name, on every event
    int maxGroup = 512; // requests per transaction at most; 1 = one transaction per request
};

struct StoreStats
{
    qint64 transactions = 0;
    qint64 requests = 0;
};

class AuditStore
{
public:
    // Opens (and migrates) the database and starts the writer thread.
    [[nodiscard]] static Result<std::unique_ptr<AuditStore>> open(StoreOptions options, const Clock& clock);
    // Finishes every queued request, then stops the writer thread.
    ~AuditStore();
    AuditStore(const AuditStore&) = delete;
    AuditStore& operator=(const AuditStore&) = delete;

    // At station start: this station's units still in_progress become interrupted (an event each);
    // returns every interrupted unit whose device has not been provisioned since, to redo.
    [[nodiscard]] Result<std::vector<InterruptedUnit>> recoverInterrupted();

    // Binds a device to its work-order row and starts a unit. Refuses a device already
    // provisioned (hardware ID, serial) or being provisioned, unless `rework` with a supervisor.
    [[nodiscard]] Result<UnitHandle> beginUnit(const BeginUnit& request);
    // The same, queued: the caller does other work (the device's key generation) while it commits.
    [[nodiscard]] std::future<Result<UnitHandle>> beginUnitAsync(const BeginUnit& request);

    // Records the certificate issued for a unit. Returns after the commit: only then may the
    // certificate be written to the device. Refuses a public key already live on another unit,
    // unless the unit is a supervisor-approved rework (the old certificate is superseded).
    [[nodiscard]] Result<qint64> recordCertificate(qint64 unitId, const CertificateRecord& certificate);

    // One step of a unit (identify, issue, write, verify, lock...).
    [[nodiscard]] Status appendEvent(qint64 unitId, const StepEvent& event);
    [[nodiscard]] std::future<Status> appendEventAsync(qint64 unitId, const StepEvent& event);

    // Final record: the unit passed, its certificate active and its cloud registration queued,
    // in one transaction. Returns the cloud_outbox row id.
    // `stepEvents`: the unit passes only if at least that many of its step events (appendEvent*)
    // are on record. Events queued before this call are committed in this transaction or an
    // earlier one (one writer, first in first out), so the caller need not wait for them first.
    // `claimInstalled` (fleet provisioning by claim or trusted user): the station issued no
    // certificate and queues nothing, the device registers itself; returns 0.
    [[nodiscard]] Result<qint64> completePassed(qint64 unitId, std::optional<qint64> durationMs = std::nullopt,
                                                std::optional<qint64> stepEvents = std::nullopt,
                                                bool claimInstalled = false);
    [[nodiscard]] Status completeFailed(qint64 unitId, const QString& step, const QString& reason);

    // An event about the station rather than a unit (configuration change, batch opened...).
    // `detail`: what it used or produced, `key=value` pairs (StepEvent::detail); never a secret.
    [[nodiscard]] Status appendStationEvent(const Actor& actor, const QString& step, const QString& outcome,
                                            std::optional<qint64> batchId = std::nullopt,
                                            std::optional<QString> error = std::nullopt,
                                            std::optional<QString> detail = std::nullopt);

    // Refuses (PermissionDenied) unless `name` is registered with the supervisor role;
    // `forWhat` ("rework"…) names the approval in the message.
    [[nodiscard]] Status requireSupervisor(const QString& name, const QString& forWhat);

    [[nodiscard]] StoreStats stats() const;
    [[nodiscard]] const QString& path() const { return m_options.path; }

private:
    struct Job
    {
        std::function<bool(SqlConnection&)> apply;                   // true: keep its writes
        std::function<void(const std::optional<Error>&)> settle;     // after commit (or failure)
    };

    AuditStore(StoreOptions options, const Clock& clock);
    template <typename T>
    std::future<Result<T>> submit(std::function<Result<T>(SqlConnection&)> work);
    void writerLoop(std::promise<Status> opened);
    void runGroup(SqlConnection& connection, std::vector<Job>& group);

    StoreOptions m_options;
    const Clock& m_clock;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<Job> m_queue;
    bool m_stopping = false;
    std::atomic<qint64> m_transactions{0};
    std::atomic<qint64> m_requests{0};
    std::thread m_writer;
};

}  // namespace imprint::audit
