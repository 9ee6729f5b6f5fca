#include "ui/AuditSource.h"

namespace imprint::ui {

void registerAuditTypes()
{
    qRegisterMetaType<audit::BrowseFilter>();
    qRegisterMetaType<audit::UnitPage>();
    qRegisterMetaType<audit::UnitDetail>();
    qRegisterMetaType<BatchChoice>();
    qRegisterMetaType<QList<BatchChoice>>();
    qRegisterMetaType<AuditExportRequest>();
    qRegisterMetaType<audit::EventFilter>();
    qRegisterMetaType<audit::EventPage>();
    qRegisterMetaType<audit::EventVocabulary>();
}

// A source without the events table (a test's fake) says so instead of leaving the view waiting.
void AuditSource::requestEvents(quint64 ticket, const audit::EventFilter&, std::optional<qint64>, int)
{
    Q_EMIT eventsFailed(ticket, tr("this audit source cannot list events"));
}

void AuditSource::requestEventCount(quint64, const audit::EventFilter&) {}

void AuditSource::requestEventVocabulary() {}

}  // namespace imprint::ui
