#pragma once

// The station's main window: the batch panel, the fixture (one tile per slot) and the station
// checks. Every action has a menu entry and a shortcut; work happens in the StationControl,
// whose answers arrive as signals, so the window never waits.

#include "core/SelfCheck.h"
#include "core/audit/AuditQueries.h"
#include "ui/StationControl.h"

#include <QMainWindow>
#include <QPointer>

#include <optional>

class QAction;
class QLabel;
class QTreeWidget;

namespace imprint::ui {

class BatchPanel;
class FixtureView;
class ImportDialog;

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    // `control` may be null (no station: only the checks), else it must outlive the window.
    explicit MainWindow(StationControl* control = nullptr, QWidget* parent = nullptr);
    ~MainWindow() override;

    [[nodiscard]] FixtureView* fixture() const { return m_fixture; }
    [[nodiscard]] BatchPanel* batchPanel() const { return m_batchPanel; }
    [[nodiscard]] ImportDialog* importDialog() const;

public Q_SLOTS:
    void showSelfChecks(const std::vector<imprint::SelfCheckOutcome>& outcomes);
    void openImportDialog();
    void startAll();
    void stopAll();

private:
    void createActions();
    void connectControl();
    void onSlotChanged(const pipeline::SlotSnapshot& snapshot);
    void onBatchChanged(const audit::BatchSummary& batch);
    void onBusyChanged(bool busy, const QString& what);
    void startSelected();
    void stopSelected();
    void updateActions();

    StationControl* m_control = nullptr;
    BatchPanel* m_batchPanel = nullptr;
    FixtureView* m_fixture = nullptr;
    QPointer<ImportDialog> m_importDialog;
    QLabel* m_status = nullptr;
    QLabel* m_summary = nullptr;
    QTreeWidget* m_checks = nullptr;
    QAction* m_importAction = nullptr;
    QAction* m_startAllAction = nullptr;
    QAction* m_stopAllAction = nullptr;
    QAction* m_startSlotAction = nullptr;
    QAction* m_stopSlotAction = nullptr;
    std::optional<audit::BatchSummary> m_batch;
    bool m_busy = false;
};

}  // namespace imprint::ui
