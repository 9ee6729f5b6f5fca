#pragma once

// The real station behind the window, for the GUI tests and the stall benchmark: a development
// SoftHSM2 token and CA (made through imprint-cli, as a line engineer would), simulated devices
// from imprint-devsim on pseudo-terminals, a SQLite audit in a temporary directory, and the
// application's own LiveStation composition in this process.

#include "StationHarness.h"
#include "app/gui/LiveStation.h"

#include <QString>
#include <QStringList>

class QWidget;

namespace imprint::ui {
class MainWindow;
}

namespace imprint::test {

class GuiStationFixture
{
public:
    GuiStationFixture();

    // Token, CA, this process's environment (data directory, SoftHSM2) and the shift's people in
    // the audit (kSupervisor, then kTechnician, through imprint-cli). Empty or why not.
    [[nodiscard]] QString setUp();
    static constexpr const char* kTechnician = "tech-1";
    static constexpr const char* kSupervisor = "sup-1";
    // imprint-devsim with `ports` ports, `perPort` devices one after another on each, and
    // optional faults ("2:corrupt-always").
    [[nodiscard]] QString startDevices(int ports, const QStringList& faults = {}, int perPort = 1);
    // A CSV work order of SIM-<slot>-<position> (the serials devsim gives its devices).
    [[nodiscard]] QString writeWorkOrder(const QString& name, int ports, int perPort = 1) const;
    // An open batch `name` (any device) of at most `quota` units, through imprint-cli. Empty or why not.
    [[nodiscard]] QString openBatch(const QString& name, int quota);
    // The LiveStation options for `ports` slots on the simulated devices.
    [[nodiscard]] gui::LiveStationOptions stationOptions(int ports) const;

    [[nodiscard]] QString database() const { return m_harness.path(QStringLiteral("audit.sqlite")); }
    [[nodiscard]] StationHarness& harness() { return m_harness; }

private:
    [[nodiscard]] QString registerPeople();

    StationHarness m_harness;
    QString m_devices;
};

// The text of the QLabel `name` inside `parent` ("<no name>" when there is none).
[[nodiscard]] QString labelText(QWidget* parent, const QString& name);
// The outcome band of the window's tile `slot` ("✔ PASS"…).
[[nodiscard]] QString tileOutcome(ui::MainWindow& window, int slot);
// Types into `target` as a barcode scanner would: the characters, then Enter.
void scan(QWidget* target, const QString& text);
// Shows the window and logs `operatorId` in by scanning it at the login panel; returns once the
// slot actions are enabled. Fails the running test (QVERIFY) when any of that does not happen.
void showAndLogIn(ui::MainWindow& window, const QString& operatorId);
// Presses F6 for the selected slot once the window accepts it: after a stop, the action stays
// disabled until the station has finished stopping, and a key pressed before is ignored.
void startSelectedSlot(ui::MainWindow& window);

}  // namespace imprint::test
