#pragma once

// What the audit view asks of the audit database, and what it hears back. The application
// implements it with its own read connections on worker threads (app/gui/AuditService); every
// call returns at once and every answer arrives as a signal on the GUI thread.

#include "core/audit/AuditBrowse.h"
#include "core/audit/EventBrowse.h"

#include <QList>
#include <QObject>
#include <QString>

#include <optional>

namespace imprint::ui {

struct BatchChoice
{
    qint64 id = 0;
    QString name;
};

struct AuditExportRequest
{
    QString path;
    audit::ExportFormat format = audit::ExportFormat::Csv;
    audit::ExportSubject subject = audit::ExportSubject::Units;
    audit::BrowseFilter filter;
};

class AuditSource : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    // A page of units older than `beforeId` (none: the newest); the answer carries `ticket`, so a
    // page asked for before the filter changed is recognised and dropped.
    virtual void requestUnits(quint64 ticket, const audit::BrowseFilter& filter, std::optional<qint64> beforeId,
                              int limit) = 0;
    virtual void requestDetail(qint64 unitId) = 0;
    virtual void requestBatches() = 0;
    // One export at a time; progress, then exportFinished.
    virtual void exportAudit(const AuditExportRequest& request) = 0;
    virtual void cancelExport() = 0;
    virtual void verifyChain() = 0;
    // Every event of the audit, a page at a time, like requestUnits (answer: eventsReady).
    virtual void requestEvents(quint64 ticket, const audit::EventFilter& filter, std::optional<qint64> beforeId,
                               int limit);
    // How many events match (answer: eventCountReady), asked apart from the pages.
    virtual void requestEventCount(quint64 ticket, const audit::EventFilter& filter);
    // The steps and outcomes on record, for the filter (answer: eventVocabularyReady).
    virtual void requestEventVocabulary();

Q_SIGNALS:
    void unitsReady(quint64 ticket, const imprint::audit::UnitPage& page);
    void unitsFailed(quint64 ticket, const QString& message);
    void detailReady(const imprint::audit::UnitDetail& detail);
    void batchesReady(const QList<imprint::ui::BatchChoice>& batches);
    // `total` is negative when not known.
    void exportProgress(qint64 rows, qint64 total);
    void exportFinished(bool ok, const QString& message);
    // The hash chain's verdict in plain words; `firstBadId` (0 when it verifies) is the first
    // event that does not.
    void chainVerified(bool ok, const QString& message, qint64 firstBadId);
    void problem(const QString& message);
    void eventsReady(quint64 ticket, const imprint::audit::EventPage& page);
    void eventsFailed(quint64 ticket, const QString& message);
    void eventCountReady(quint64 ticket, qint64 count);
    void eventVocabularyReady(const imprint::audit::EventVocabulary& vocabulary);
};

void registerAuditTypes();

}  // namespace imprint::ui

Q_DECLARE_METATYPE(imprint::ui::BatchChoice)
Q_DECLARE_METATYPE(imprint::ui::AuditExportRequest)
