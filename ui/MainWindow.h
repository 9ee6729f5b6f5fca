#pragma once

// The station's main window. A shift starts at the login panel (operator ID, scanned or typed);
// then the fixture (batch panel, one tile per slot, a scan field, the station checks) and the
// audit view, each a tab with a shortcut, plus any setup page the application adds. Every action
// has a menu entry and a shortcut; work happens in the StationControl and AuditSource, whose
// answers arrive as signals, so the window never waits. Supervisor-only actions (rework,
// quota overrides, configuration pages) ask for a supervisor's ID in a non-nested dialog.

#include "core/SelfCheck.h"
#include "core/audit/AuditQueries.h"
#include "ui/StationControl.h"

#include <QKeySequence>
#include <QMainWindow>
#include <QPointer>

#include <functional>
#include <memory>
#include <optional>

class QAction;
class QLabel;
class QLineEdit;
class QMenu;
class QStackedWidget;
class QTabWidget;
class QTreeWidget;

namespace imprint::ui {

class AuditSource;
class AuditView;
class BatchPanel;
class EventBrowser;
class FixtureView;
class GuiOperatorPrompt;
class ImportDialog;
class LoginPanel;
class PinPromptPanel;
class SupervisorDialog;

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    // `control` may be null (no station: only the checks, no login), else it must outlive the
    // window; so must `audit` (null: no audit view).
    explicit MainWindow(StationControl* control = nullptr, AuditSource* audit = nullptr, QWidget* parent = nullptr);
    ~MainWindow() override;

    [[nodiscard]] FixtureView* fixture() const { return m_fixture; }
    [[nodiscard]] BatchPanel* batchPanel() const { return m_batchPanel; }
    [[nodiscard]] AuditView* auditView() const { return m_auditView; }
    [[nodiscard]] EventBrowser* eventBrowser() const { return m_eventBrowser; }
    [[nodiscard]] ImportDialog* importDialog() const;
    [[nodiscard]] SupervisorDialog* supervisorDialog() const;
    // Where the station asks for the token's PIN (hidden unless it is asking).
    [[nodiscard]] PinPromptPanel* pinPanel() const { return m_pinPanel; }
    [[nodiscard]] QTabWidget* tabs() const { return m_tabs; }
    // The person on record ("" before login), and whether they are a supervisor.
    [[nodiscard]] QString operatorId() const { return m_operator; }
    [[nodiscard]] bool loggedIn() const { return !m_operator.isEmpty(); }

    // A page of the application (setup pages): a tab, a View menu entry with `key`, and when
    // `supervisorOnly` a supervisor's approval before it opens (once per login).
    void addPage(QWidget* page, const QString& title, const QKeySequence& key, bool supervisorOnly);
    // A configuration action of the application (e.g. a wizard opened with open()) in the Setup
    // menu; it runs after a supervisor's approval (once per login).
    void addSetupAction(const QString& text, const QKeySequence& key, std::function<void()> open);

public Q_SLOTS:
    void showSelfChecks(const std::vector<imprint::SelfCheckOutcome>& outcomes);
    void openImportDialog();
    void startAll();
    void stopAll();
    // Logs in as `id` once the station knows the person (as if scanned on the login panel).
    void login(const QString& id);
    // Ends the shift of the person on record: running slots stop after their unit; login panel.
    void logout();
    void focusScanField();
    void requestRework(int slot);
    // A supervisor lets the batch go past its quota, for the device `slot` refused as over it.
    void requestQuotaOverride(int slot);

private:
    enum class Check { Login, Supervisor };

    void createActions();
    QAction* addAction(QMenu* menu, const QString& text, const QKeySequence& key, const QString& name,
                       std::function<void()> slot);
    void connectControl();
    void onSlotChanged(const pipeline::SlotSnapshot& snapshot);
    void onBatchChanged(const audit::BatchSummary& batch);
    void onBusyChanged(bool busy, const QString& what);
    void onQuotaOverrideAnswered(int slot, bool approved, const QString& message);
    void onOperatorChecked(const OperatorCheck& check);
    void askSupervisor(const QString& action, std::function<void(const QString&)> approved);
    // Runs `then` at once when a supervisor has approved configuration during this login, else
    // after one does.
    void withConfigurationApproval(const QString& action, std::function<void()> then);
    [[nodiscard]] QMenu* setupMenu();
    void showTab(QWidget* page);
    void onTabChanged(int index);
    void submitScan();
    void startSelected();
    void stopSelected();
    void toggleAutoSelected();
    void updateActions();
    QWidget* createStationPage();

    StationControl* m_control = nullptr;
    AuditSource* m_audit = nullptr;
    QStackedWidget* m_pages = nullptr;
    LoginPanel* m_login = nullptr;
    QTabWidget* m_tabs = nullptr;
    QWidget* m_stationPage = nullptr;
    QMenu* m_viewMenu = nullptr;
    QMenu* m_setupMenu = nullptr;
    BatchPanel* m_batchPanel = nullptr;
    FixtureView* m_fixture = nullptr;
    AuditView* m_auditView = nullptr;
    EventBrowser* m_eventBrowser = nullptr;
    QPointer<ImportDialog> m_importDialog;
    QPointer<SupervisorDialog> m_supervisorDialog;
    std::shared_ptr<GuiOperatorPrompt> m_prompt;  // shared with the station, which asks from its thread
    PinPromptPanel* m_pinPanel = nullptr;
    QLabel* m_status = nullptr;
    QLabel* m_summary = nullptr;
    QLabel* m_operatorLabel = nullptr;
    QLineEdit* m_scan = nullptr;
    QLabel* m_scanTarget = nullptr;
    std::optional<int> m_scanSlot;
    QTreeWidget* m_checks = nullptr;
    QAction* m_importAction = nullptr;
    QAction* m_startAllAction = nullptr;
    QAction* m_stopAllAction = nullptr;
    QAction* m_startSlotAction = nullptr;
    QAction* m_stopSlotAction = nullptr;
    QAction* m_reworkAction = nullptr;
    QAction* m_quotaOverrideAction = nullptr;
    QAction* m_logoutAction = nullptr;
    std::optional<audit::BatchSummary> m_batch;
    bool m_busy = false;
    QString m_operator;
    QString m_role;
    QString m_configApprovedBy;  // a supervisor opened the configuration pages for this login
    QList<QWidget*> m_supervisorPages;
    int m_lastTab = 0;
    quint64 m_ticket = 0;
    quint64 m_loginTicket = 0;
    quint64 m_supervisorTicket = 0;
    std::function<void(const QString&)> m_approved;
};

}  // namespace imprint::ui
