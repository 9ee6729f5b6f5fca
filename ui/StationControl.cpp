#include "ui/StationControl.h"

namespace imprint::ui {

void registerStationTypes()
{
    qRegisterMetaType<pipeline::SlotSnapshot>();
    qRegisterMetaType<audit::BatchSummary>();
    qRegisterMetaType<ImportResult>();
    qRegisterMetaType<OperatorCheck>();
}

}  // namespace imprint::ui
