#include "core/registration/OutboxWorker.h"

#include "core/audit/OutboxRecords.h"
#include "core/audit/SqlConnection.h"
#include "core/cloud/AwsIotClient.h"

#include <QEventLoop>
#include <QTimer>

namespace imprint::registration {

OutboxWorker::OutboxWorker(WorkerOptions options, const Clock& clock) : m_options(std::move(options)), m_clock(clock) {}

Result<std::unique_ptr<OutboxWorker>> OutboxWorker::start(WorkerOptions options, const Clock& clock)
{
    if (auto valid = validateSettings(options.sender); !valid)
        return valid.error();
    std::unique_ptr<OutboxWorker> worker(new OutboxWorker(std::move(options), clock));
    // Shared: the thread may still be inside set_value() when start() returns.
    auto opened = std::make_shared<std::promise<Status>>();
    auto ready = opened->get_future();
    OutboxWorker* self = worker.get();
    worker->m_thread.reset(QThread::create([self, opened] { self->run(*opened); }));
    worker->m_thread->setObjectName(QStringLiteral("cloud-outbox"));
    worker->m_thread->start();
    if (Status status = ready.get(); !status) {
        worker->m_thread->wait();
        return status.error();
    }
    return worker;
}

OutboxWorker::~OutboxWorker()
{
    if (m_context)
        QMetaObject::invokeMethod(m_context, m_stopOnThread, Qt::QueuedConnection);
    if (m_thread)
        m_thread->wait();
}

void OutboxWorker::wake()
{
    if (m_context)
        QMetaObject::invokeMethod(m_context, m_wakeOnThread, Qt::QueuedConnection);
}

qint64 OutboxWorker::passes() const
{
    const std::lock_guard lock(m_mutex);
    return m_passes;
}

void OutboxWorker::run(std::promise<Status>& opened)
{
    auto connection = audit::SqlConnection::open(m_options.auditPath);
    if (!connection) {
        opened.set_value(connection.error());
        return;
    }
    auto client = cloud::AwsIotClient::create(std::move(m_options.aws), m_options.client);  // run() runs once
    if (!client) {
        opened.set_value(client.error());
        return;
    }
    OutboxSender sender(*connection.value(), *client.value(), m_options.sender, m_clock);
    const auto reportCounts = [&] {
        if (m_options.onCounts)
            m_options.onCounts(audit::outboxCounts(*connection.value()));
    };
    QEventLoop loop;
    QObject context;
    QTimer timer;
    bool stopping = false;
    bool again = false;  // woken during a pass: run another right after it
    std::function<void()> pass = [&] {
        if (sender.busy()) {
            again = true;
            return;
        }
        sender.runPass([&](Result<PassReport> report) {
            {
                const std::lock_guard lock(m_mutex);
                ++m_passes;
            }
            if (m_options.onPass)
                m_options.onPass(report);
            reportCounts();
            if (stopping)
                loop.quit();
            else if (std::exchange(again, false))
                QTimer::singleShot(0, &context, pass);
        });
    };
    m_wakeOnThread = [&] {
        if (!stopping)
            pass();
    };
    m_stopOnThread = [&] {
        stopping = true;
        timer.stop();
        if (!sender.busy())
            loop.quit();
    };
    QObject::connect(&timer, &QTimer::timeout, &context, pass);
    timer.start(m_options.intervalMs);
    m_context = &context;
    opened.set_value(Status::success());
    reportCounts();
    QTimer::singleShot(0, &context, pass);
    loop.exec();
    m_context = nullptr;
}

}  // namespace imprint::registration
