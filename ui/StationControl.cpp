#include "ui/StationControl.h"

namespace imprint::ui {

void registerStationTypes()
{
    qRegisterMetaType<pipeline::SlotSnapshot>();
    qRegisterMetaType<audit::BatchSummary>();
    qRegisterMetaType<ImportResult>();
}

}  // namespace imprint::ui
