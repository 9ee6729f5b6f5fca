#pragma once

// The outbox sender in the background: its own thread with an event loop, its own audit
// connection and AWS client, a pass every `intervalMs` and one at once after wake() (a unit just
// passed). For the station (GUI or `imprint-cli run`): nothing here blocks the caller.

#include "core/Clock.h"
#include "core/Result.h"
#include "core/cloud/AwsConfig.h"
#include "core/cloud/AwsRestClient.h"
#include "core/registration/OutboxSender.h"

#include <QThread>

#include <functional>
#include <map>
#include <future>
#include <memory>
#include <mutex>

namespace imprint::registration {

struct WorkerOptions
{
    QString auditPath;
    cloud::AwsSettings aws;
    cloud::AwsClientOptions client;  // its clock must outlive the worker
    SenderSettings sender;
    int intervalMs = 5'000;
    // Called on the worker's thread after each pass (counts, problems); may be empty.
    std::function<void(const Result<PassReport>&)> onPass;
    // Called on the worker's thread once it started and after each pass, with the outbox's rows
    // per state ("queued", "sent", "registered", "failed"), read on the worker's connection.
    std::function<void(const Result<std::map<QString, qint64>>&)> onCounts;
};

class OutboxWorker
{
public:
    // Starts the thread; returns once its connection and client are open (or failed to open).
    [[nodiscard]] static Result<std::unique_ptr<OutboxWorker>> start(WorkerOptions options, const Clock& clock);
    // Lets the pass in flight finish its requests, then stops the thread.
    ~OutboxWorker();
    OutboxWorker(const OutboxWorker&) = delete;
    OutboxWorker& operator=(const OutboxWorker&) = delete;

    // Run a pass now (e.g. a unit just passed); harmless when one is already running.
    void wake();
    [[nodiscard]] qint64 passes() const;

private:
    OutboxWorker(WorkerOptions options, const Clock& clock);
    void run(std::promise<Status>& opened);

    WorkerOptions m_options;
    const Clock& m_clock;
    std::unique_ptr<QThread> m_thread;
    QObject* m_context = nullptr;        // lives on the worker thread; receives wake() and stop
    std::function<void()> m_wakeOnThread;  // set by the thread before start() returns
    std::function<void()> m_stopOnThread;
    mutable std::mutex m_mutex;
    qint64 m_passes = 0;
};

}  // namespace imprint::registration
