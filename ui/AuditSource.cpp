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
}

}  // namespace imprint::ui
