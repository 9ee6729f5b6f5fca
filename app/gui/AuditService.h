#pragma once

// The audit view's AuditSource on the audit database: pages and details are read on one worker
// thread with its own read connection, exports and the chain verification on a second one (so
// browsing goes on during a long export). Requests return at once; answers are queued signals.

#include "ui/AuditSource.h"

#include <QThread>

#include <atomic>
#include <functional>
#include <memory>

namespace imprint::audit {
class SqlConnection;
}

namespace imprint::gui {

class AuditService : public ui::AuditSource
{
    Q_OBJECT
public:
    explicit AuditService(QString database, QObject* parent = nullptr);
    ~AuditService() override;  // cancels an export, waits for both threads

    void requestUnits(quint64 ticket, const audit::BrowseFilter& filter, std::optional<qint64> beforeId,
                      int limit) override;
    void requestDetail(qint64 unitId) override;
    void requestBatches() override;
    void exportAudit(const ui::AuditExportRequest& request) override;
    void cancelExport() override;
    void verifyChain() override;
    void requestEvents(quint64 ticket, const audit::EventFilter& filter, std::optional<qint64> beforeId,
                       int limit) override;
    void requestEventCount(quint64 ticket, const audit::EventFilter& filter) override;
    void requestEventVocabulary() override;

private:
    // Runs `job` on `thread`'s context with that thread's connection (opened on first use).
    void onBrowse(std::function<void(audit::SqlConnection&)> job);
    void onJobs(std::function<void(audit::SqlConnection&)> job);
    void runExport(audit::SqlConnection& connection, const ui::AuditExportRequest& request);

    struct Worker
    {
        QThread thread;
        QObject* context = nullptr;
        std::unique_ptr<audit::SqlConnection> connection;  // touched only on `thread`
    };
    void post(Worker& worker, std::function<void(audit::SqlConnection&)> job);
    void stop(Worker& worker);

    QString m_database;
    Worker m_browse;
    Worker m_jobs;
    std::atomic<bool> m_cancel{false};
};

}  // namespace imprint::gui
