#include "app/common/BackgroundCloudSync.h"

#include "app/common/CloudStation.h"
#include "core/registration/OutboxWorker.h"

#include <QProcessEnvironment>

namespace imprint::station {

namespace {

CloudSyncCounts countsFrom(const std::map<QString, qint64>& rows)
{
    const auto of = [&rows](const char* state) {
        const auto it = rows.find(QString::fromLatin1(state));
        return it == rows.end() ? qint64{0} : it->second;
    };
    return {of("queued"), of("sent"), of("registered"), of("failed")};
}

}  // namespace

Result<std::unique_ptr<BackgroundCloudSync>> BackgroundCloudSync::start(const QString& database,
                                                                        const registration::SenderSettings& settings,
                                                                        BackgroundCloudSyncOptions options,
                                                                        const Clock& clock)
{
    std::unique_ptr<BackgroundCloudSync> sync(new BackgroundCloudSync());
    BackgroundCloudSync* self = sync.get();
    registration::WorkerOptions worker;
    worker.auditPath = database;
    worker.aws = std::move(options.aws);
    worker.client = std::move(options.client);
    worker.sender = settings;
    worker.intervalMs = options.intervalMs;
    // Both run on the worker thread; `self` outlives it (stop() joins the thread first).
    worker.onPass = [self](const Result<registration::PassReport>& report) {
        if (!report) {
            Q_EMIT self->problem(report.error().message());
            return;
        }
        for (const QString& problem : report->problems)
            Q_EMIT self->problem(problem);
    };
    worker.onCounts = [self](const Result<std::map<QString, qint64>>& rows) {
        if (!rows)
            Q_EMIT self->problem(rows.error().message());
        else
            self->recordCounts(countsFrom(rows.value()));
    };
    auto started = registration::OutboxWorker::start(std::move(worker), clock);
    if (!started)
        return started.error().withContext(QStringLiteral("starting the background cloud sync"));
    sync->m_worker = std::move(started.value());
    return sync;
}

Result<std::unique_ptr<BackgroundCloudSync>> BackgroundCloudSync::startForStation(const QString& database,
                                                                                  cloud::AwsSettingsRequest aws,
                                                                                  const Clock& clock)
{
    const CloudSettings cloud = readCloudSettings();
    if (cloud.mode == QStringLiteral("bulk"))
        return Error(ErrorCode::InvalidInput,
                     QStringLiteral("[cloud] mode bulk registers a whole batch at once (imprint-cli cloud sync --mode bulk "
                                    "--batch B); the background sync needs register-thing, pre-register, device or none"));
    auto settings = senderSettings(cloud);
    if (!settings)
        return settings.error();
    auto awsSettings = cloud::loadAwsSettings(QProcessEnvironment::systemEnvironment(), std::move(aws));
    if (!awsSettings)
        return awsSettings.error();
    BackgroundCloudSyncOptions options;
    options.aws = std::move(awsSettings.value());
    return start(database, settings.value(), std::move(options), clock);
}

BackgroundCloudSync::~BackgroundCloudSync()
{
    stop();
}

void BackgroundCloudSync::wake()
{
    const std::lock_guard lock(m_mutex);
    if (m_worker)
        m_worker->wake();
}

void BackgroundCloudSync::stop()
{
    std::unique_ptr<registration::OutboxWorker> worker;
    {
        const std::lock_guard lock(m_mutex);
        worker = std::move(m_worker);
    }
    worker.reset();  // outside the lock: the last pass still reports its counts
}

bool BackgroundCloudSync::running() const
{
    const std::lock_guard lock(m_mutex);
    return static_cast<bool>(m_worker);
}

CloudSyncCounts BackgroundCloudSync::counts() const
{
    const std::lock_guard lock(m_mutex);
    return m_counts.value_or(CloudSyncCounts{});
}

qint64 BackgroundCloudSync::passes() const
{
    const std::lock_guard lock(m_mutex);
    return m_worker ? m_worker->passes() : 0;
}

void BackgroundCloudSync::recordCounts(const CloudSyncCounts& counts)
{
    {
        const std::lock_guard lock(m_mutex);
        if (m_counts == counts)
            return;
        m_counts = counts;
    }
    Q_EMIT countsChanged(counts);
}

}  // namespace imprint::station
