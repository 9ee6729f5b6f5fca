#pragma once

// The station's cloud registrations sent in the background while it provisions (imprint-cli run
// --cloud-sync, the desktop application): the outbox worker (core/registration/OutboxWorker) on
// its own thread with its own audit connection and AWS client, a pass every few seconds and one
// at once after wake() (a unit just passed), and the outbox's counts after every pass for the
// progress display. Nothing here blocks the caller except stop(), which lets the requests in
// flight finish and be recorded (a registration is never abandoned half-way), then returns.

#include "core/Clock.h"
#include "core/Result.h"
#include "core/cloud/AwsConfig.h"
#include "core/cloud/AwsRestClient.h"
#include "core/registration/RegistrationSettings.h"

#include <QMetaType>
#include <QObject>
#include <QString>

#include <memory>
#include <mutex>

namespace imprint::registration {
class OutboxWorker;
}

namespace imprint::station {

// The outbox's rows per state (every batch).
struct CloudSyncCounts
{
    qint64 queued = 0;      // never tried
    qint64 sent = 0;        // tried, waiting for the backoff (network down, throttled)
    qint64 registered = 0;
    qint64 failed = 0;      // refused: see `imprint-cli cloud status`
    [[nodiscard]] qint64 pending() const { return queued + sent; }
    friend bool operator==(const CloudSyncCounts&, const CloudSyncCounts&) = default;
};

struct BackgroundCloudSyncOptions
{
    cloud::AwsSettings aws;           // where and as whom (loadAwsSettings)
    cloud::AwsClientOptions client;   // its clock, if set, must outlive the sync
    int intervalMs = 5'000;           // between passes when nothing wakes it
};

class BackgroundCloudSync : public QObject
{
    Q_OBJECT

public:
    // Starts the worker thread; returns once its database connection and AWS client are open,
    // or with the reason they are not (bad settings, database, region). `clock` must outlive it.
    [[nodiscard]] static Result<std::unique_ptr<BackgroundCloudSync>> start(const QString& database,
                                                                            const registration::SenderSettings& settings,
                                                                            BackgroundCloudSyncOptions options,
                                                                            const Clock& clock);
    // The same from the station's configuration: [cloud] in station.ini (mode, template,
    // limits) and the AWS CLI's chain (`aws`: profile, region, endpoint overrides; may be empty).
    [[nodiscard]] static Result<std::unique_ptr<BackgroundCloudSync>> startForStation(const QString& database,
                                                                                      cloud::AwsSettingsRequest aws,
                                                                                      const Clock& clock);
    ~BackgroundCloudSync() override;  // stop()
    BackgroundCloudSync(const BackgroundCloudSync&) = delete;
    BackgroundCloudSync& operator=(const BackgroundCloudSync&) = delete;

    // A pass now (call it when a unit passed); harmless while one runs. Thread-safe.
    void wake();
    // Lets the pass in flight finish its requests and record them, then ends the thread. No new
    // pass starts. Idempotent. Blocks for as long as those requests take (each has its timeout).
    void stop();
    [[nodiscard]] bool running() const;

    // The latest counts (also sent by countsChanged). Thread-safe.
    [[nodiscard]] CloudSyncCounts counts() const;
    [[nodiscard]] qint64 passes() const;

Q_SIGNALS:
    // Emitted from the worker thread when the counts change: connect with a queued (or auto)
    // connection; receivers run on their own thread.
    void countsChanged(const imprint::station::CloudSyncCounts& counts);
    // A pass could not run or its requests failed (network, database): for the log and the status bar.
    void problem(const QString& message);

private:
    BackgroundCloudSync() = default;
    void recordCounts(const CloudSyncCounts& counts);

    std::unique_ptr<registration::OutboxWorker> m_worker;
    mutable std::mutex m_mutex;
    std::optional<CloudSyncCounts> m_counts;
};

}  // namespace imprint::station

Q_DECLARE_METATYPE(imprint::station::CloudSyncCounts)
