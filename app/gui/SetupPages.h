#pragma once

// The supervisor's setup pages (gui-setup's widgets: HSM and CA, CA registration wizard,
// template editor, cloud) composed with their services on the station's real parts, and added
// to the window's Setup menu and tabs with shortcuts. Configuration is a supervisor's: each
// opens only after a supervisor's ID (once per login). Construct before the window and keep it
// until the window is gone: the pages use its services and worker.

#include "app/common/CloudSetupStation.h"
#include "app/common/HsmSetupStation.h"
#include "ui/SetupWorker.h"

#include <QPointer>

namespace imprint::ui {
class CaRegistrationWizard;
class MainWindow;
}  // namespace imprint::ui

namespace imprint::gui {

class SetupPages
{
public:
    SetupPages(const QString& database, const Clock& clock);
    void addTo(ui::MainWindow& window);

private:
    station::HsmSetupStation m_hsm;
    station::CloudSetupStation m_cloud;
    ui::SetupWorker m_worker;  // one thread for every page (one PKCS#11 user at a time)
    QPointer<ui::CaRegistrationWizard> m_wizard;
};

}  // namespace imprint::gui
