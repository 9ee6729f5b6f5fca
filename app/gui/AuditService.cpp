#include "app/gui/AuditService.h"

#include "core/audit/EventChain.h"
#include "core/audit/SqlConnection.h"

#include <QElapsedTimer>
#include <QMetaObject>
#include <QSaveFile>

#include <algorithm>
#include <climits>

namespace imprint::gui {

namespace {

// Passes the export through to its file, counting the lines (one per row) for the progress and
// refusing further writes once cancelled: the export then ends as a write failure and the file
// (a QSaveFile) is never put in place.
class CountingDevice : public QIODevice
{
public:
    CountingDevice(QIODevice& target, const std::atomic<bool>& cancel, std::function<void(qint64)> progress)
        : m_target(target), m_cancel(cancel), m_progress(std::move(progress))
    {
        m_clock.start();
    }
    [[nodiscard]] qint64 lines() const { return m_lines; }

protected:
    qint64 readData(char*, qint64) override { return -1; }
    qint64 writeData(const char* data, qint64 size) override
    {
        if (m_cancel)
            return -1;
        m_lines += std::count(data, data + size, '\n');
        if (m_clock.elapsed() >= 100) {  // a few updates a second, whatever the speed
            m_progress(m_lines);
            m_clock.restart();
        }
        return m_target.write(data, size);
    }

private:
    QIODevice& m_target;
    const std::atomic<bool>& m_cancel;
    std::function<void(qint64)> m_progress;
    QElapsedTimer m_clock;
    qint64 m_lines = 0;
};

QString chainVerdict(const audit::ChainReport& report)
{
    if (!report.firstBadId)
        return AuditService::tr("The audit verifies: all %n event(s) are intact and in order.", nullptr,
                                static_cast<int>(std::min<qint64>(report.rowsChecked, INT_MAX)));
    return AuditService::tr("The audit does NOT verify: the first bad row is event %1 (%2). Every event before it "
                            "is intact; from it on, the audit cannot be trusted.")
        .arg(*report.firstBadId)
        .arg(report.problem);
}

}  // namespace

AuditService::AuditService(QString database, QObject* parent) : ui::AuditSource(parent), m_database(std::move(database))
{
    ui::registerAuditTypes();
    for (Worker* worker : {&m_browse, &m_jobs}) {
        worker->thread.setObjectName(worker == &m_browse ? QStringLiteral("audit-browse") : QStringLiteral("audit-jobs"));
        worker->context = new QObject;
        worker->context->moveToThread(&worker->thread);
        worker->thread.start();
    }
}

AuditService::~AuditService()
{
    m_cancel = true;
    stop(m_browse);
    stop(m_jobs);
}

void AuditService::stop(Worker& worker)
{
    // The connection closes on the thread that opened it, after the jobs already queued.
    QMetaObject::invokeMethod(
        worker.context,
        [&worker] {
            worker.connection.reset();
            worker.thread.quit();
        },
        Qt::QueuedConnection);
    worker.thread.wait();
    delete worker.context;
}

void AuditService::post(Worker& worker, std::function<void(audit::SqlConnection&)> job)
{
    QMetaObject::invokeMethod(
        worker.context,
        [this, &worker, job = std::move(job)] {
            if (!worker.connection) {
                auto opened = audit::SqlConnection::open(m_database);
                if (!opened) {
                    Q_EMIT problem(opened.error().message());
                    return;
                }
                worker.connection = std::move(opened.value());
            }
            job(*worker.connection);
        },
        Qt::QueuedConnection);
}

void AuditService::onBrowse(std::function<void(audit::SqlConnection&)> job)
{
    post(m_browse, std::move(job));
}

void AuditService::onJobs(std::function<void(audit::SqlConnection&)> job)
{
    post(m_jobs, std::move(job));
}

void AuditService::requestUnits(quint64 ticket, const audit::BrowseFilter& filter, std::optional<qint64> beforeId,
                                int limit)
{
    onBrowse([this, ticket, filter, beforeId, limit](audit::SqlConnection& connection) {
        auto page = audit::unitPage(connection, filter, beforeId, limit);
        if (page)
            Q_EMIT unitsReady(ticket, page.value());
        else
            Q_EMIT unitsFailed(ticket, page.error().message());
    });
}

void AuditService::requestEvents(quint64 ticket, const audit::EventFilter& filter, std::optional<qint64> beforeId,
                                 int limit)
{
    onBrowse([this, ticket, filter, beforeId, limit](audit::SqlConnection& connection) {
        auto page = audit::eventPage(connection, filter, beforeId, limit);
        if (page)
            Q_EMIT eventsReady(ticket, page.value());
        else
            Q_EMIT eventsFailed(ticket, page.error().message());
    });
}

void AuditService::requestEventCount(quint64 ticket, const audit::EventFilter& filter)
{
    onBrowse([this, ticket, filter](audit::SqlConnection& connection) {
        auto count = audit::countEvents(connection, filter);
        if (count)
            Q_EMIT eventCountReady(ticket, count.value());
        else
            Q_EMIT problem(count.error().message());
    });
}

void AuditService::requestEventVocabulary()
{
    onBrowse([this](audit::SqlConnection& connection) {
        auto vocabulary = audit::eventVocabulary(connection);
        if (vocabulary)
            Q_EMIT eventVocabularyReady(vocabulary.value());
        else
            Q_EMIT problem(vocabulary.error().message());
    });
}

void AuditService::requestDetail(qint64 unitId)
{
    onBrowse([this, unitId](audit::SqlConnection& connection) {
        auto detail = audit::unitDetail(connection, unitId);
        if (detail)
            Q_EMIT detailReady(detail.value());
        else
            Q_EMIT problem(detail.error().message());
    });
}

void AuditService::requestBatches()
{
    onBrowse([this](audit::SqlConnection& connection) {
        auto batches = audit::batchNames(connection);
        if (!batches) {
            Q_EMIT problem(batches.error().message());
            return;
        }
        QList<ui::BatchChoice> choices;
        for (const auto& batch : batches.value())
            choices.append({batch.id, batch.name});
        Q_EMIT batchesReady(choices);
    });
}

void AuditService::exportAudit(const ui::AuditExportRequest& request)
{
    m_cancel = false;
    onJobs([this, request](audit::SqlConnection& connection) { runExport(connection, request); });
}

void AuditService::runExport(audit::SqlConnection& connection, const ui::AuditExportRequest& request)
{
    qint64 total = -1;
    if (request.subject == audit::ExportSubject::Units) {
        audit::BrowseFilter counted = request.filter;
        counted.text.clear();  // the export does not search text
        if (request.format == audit::ExportFormat::AwsBulk && !counted.outcome)
            counted.outcome = QStringLiteral("passed");
        if (auto units = audit::countUnits(connection, counted))
            total = units.value();
    }
    Q_EMIT exportProgress(0, total);
    QSaveFile file(request.path);
    if (!file.open(QIODevice::WriteOnly)) {
        Q_EMIT exportFinished(false, tr("cannot write %1: %2").arg(request.path, file.errorString()));
        return;
    }
    CountingDevice counting(file, m_cancel, [this, total](qint64 rows) { Q_EMIT exportProgress(rows, total); });
    counting.open(QIODevice::WriteOnly);
    auto rows = audit::exportAudit(connection, request.format, request.subject, audit::exportFilterFor(request.filter),
                                   counting);
    if (m_cancel) {
        file.cancelWriting();
        Q_EMIT exportFinished(false, tr("cancelled; %1 was not written").arg(request.path));
        return;
    }
    if (!rows) {
        file.cancelWriting();
        Q_EMIT exportFinished(false, rows.error().message());
        return;
    }
    if (!file.commit()) {
        Q_EMIT exportFinished(false, tr("cannot write %1: %2").arg(request.path, file.errorString()));
        return;
    }
    Q_EMIT exportProgress(rows.value(), rows.value());
    Q_EMIT exportFinished(true, tr("Exported %n row(s) to %1.", nullptr, static_cast<int>(rows.value())).arg(request.path));
}

void AuditService::cancelExport()
{
    m_cancel = true;
}

void AuditService::verifyChain()
{
    onJobs([this](audit::SqlConnection& connection) {
        auto report = audit::verifyChain(connection);
        if (!report) {
            Q_EMIT chainVerified(false, tr("The chain could not be read: %1").arg(report.error().message()), 0);
            return;
        }
        Q_EMIT chainVerified(!report->firstBadId, chainVerdict(report.value()), report->firstBadId.value_or(0));
    });
}

}  // namespace imprint::gui
