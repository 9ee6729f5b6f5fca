#include "ui/MainWindow.h"

#include "core/Version.h"
#include "ui/AuditSource.h"
#include "ui/AuditView.h"
#include "ui/BatchPanel.h"
#include "ui/EventBrowser.h"
#include "ui/EventTableModel.h"
#include "ui/FixtureView.h"
#include "ui/GuiOperatorPrompt.h"
#include "ui/ImportDialog.h"
#include "ui/LoginPanel.h"
#include "ui/PinPromptPanel.h"
#include "ui/SupervisorDialog.h"
#include "ui/UnitTableModel.h"

#include <QAction>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QScrollArea>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabWidget>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace imprint::ui {

namespace {

QString roleWord(const QString& role)
{
    return role == QLatin1String("supervisor") ? MainWindow::tr("supervisor") : MainWindow::tr("technician");
}

}  // namespace

MainWindow::MainWindow(StationControl* control, AuditSource* audit, QWidget* parent)
    : QMainWindow(parent), m_control(control), m_audit(audit), m_prompt(std::make_shared<GuiOperatorPrompt>())
{
    registerStationTypes();
    setWindowTitle(QStringLiteral("Imprint %1").arg(QString::fromLatin1(kVersion)));
    setObjectName(QStringLiteral("mainWindow"));

    m_pages = new QStackedWidget(this);
    m_login = new LoginPanel(m_pages);
    m_tabs = new QTabWidget(m_pages);
    m_tabs->setObjectName(QStringLiteral("pageTabs"));
    m_tabs->setFocusPolicy(Qt::NoFocus);  // pages change by shortcut; Tab stays inside the page
    m_stationPage = createStationPage();
    m_tabs->addTab(m_stationPage, tr("Fixture"));
    if (m_audit) {
        m_auditView = new AuditView(m_audit, m_tabs);
        m_tabs->addTab(m_auditView, tr("Audit"));
        m_eventBrowser = new EventBrowser(m_audit, m_tabs);
        m_tabs->addTab(m_eventBrowser, tr("Audit events"));
    }
    m_pages->addWidget(m_login);
    m_pages->addWidget(m_tabs);
    setCentralWidget(m_pages);
    m_operatorLabel = new QLabel(tr("Nobody is logged in"), this);
    m_operatorLabel->setObjectName(QStringLiteral("operatorLabel"));
    statusBar()->addPermanentWidget(m_operatorLabel);
    resize(1280, 1040);

    createActions();
    connect(m_tabs, &QTabWidget::currentChanged, this, &MainWindow::onTabChanged);
    connect(m_login, &LoginPanel::loginRequested, this, &MainWindow::login);
    if (m_control) {
        connectControl();
        m_pages->setCurrentWidget(m_login);
        m_login->reset();
    } else {
        m_pages->setCurrentWidget(m_tabs);
    }
    updateActions();
}

MainWindow::~MainWindow()
{
    // A question still open on the station's thread is declined, so that thread does not wait
    // for a window that is gone; the station keeps the prompt itself alive until it returns.
    m_prompt->detach();
}

QWidget* MainWindow::createStationPage()
{
    auto* page = new QWidget(m_tabs);
    auto* layout = new QVBoxLayout(page);

    m_batchPanel = new BatchPanel(page);
    m_pinPanel = new PinPromptPanel(*m_prompt, page);
    m_pinPanel->setObjectName(QStringLiteral("stationPinPanel"));
    m_fixture = new FixtureView(page);
    auto* fixtureScroll = new QScrollArea(page);
    fixtureScroll->setWidget(m_fixture);
    fixtureScroll->setWidgetResizable(true);
    fixtureScroll->setFocusPolicy(Qt::NoFocus);

    auto* scanRow = new QHBoxLayout;
    auto* scanLabel = new QLabel(tr("Scan a label (F2):"), page);
    m_scan = new QLineEdit(page);
    m_scan->setObjectName(QStringLiteral("scanField"));
    m_scan->setAccessibleName(tr("Scanned label"));
    m_scan->setPlaceholderText(tr("scan or type a device label, then Enter"));
    scanLabel->setBuddy(m_scan);
    m_scanTarget = new QLabel(page);
    m_scanTarget->setObjectName(QStringLiteral("scanTarget"));
    scanRow->addWidget(scanLabel);
    scanRow->addWidget(m_scan, 1);
    scanRow->addWidget(m_scanTarget, 1);
    connect(m_scan, &QLineEdit::returnPressed, this, &MainWindow::submitScan);
    m_scanTarget->setText(tr("goes to the next slot waiting for a label"));

    m_status = new QLabel(page);
    m_status->setObjectName(QStringLiteral("statusLabel"));
    m_status->setWordWrap(true);

    m_summary = new QLabel(tr("Checking the station…"), page);
    m_summary->setObjectName(QStringLiteral("summaryLabel"));
    QFont big = m_summary->font();
    big.setPointSizeF(big.pointSizeF() * 1.2);
    m_summary->setFont(big);
    m_checks = new QTreeWidget(page);
    m_checks->setObjectName(QStringLiteral("checksView"));
    m_checks->setHeaderLabels({tr("Check"), tr("Result"), tr("Details")});
    m_checks->setRootIsDecorated(false);
    m_checks->header()->setSectionResizeMode(2, QHeaderView::Stretch);
    m_checks->setMaximumHeight(90);

    layout->addWidget(m_batchPanel);
    layout->addWidget(m_pinPanel);
    layout->addLayout(scanRow);
    layout->addWidget(m_status);
    layout->addWidget(fixtureScroll, 1);
    layout->addWidget(m_summary);
    layout->addWidget(m_checks);
    return page;
}

ImportDialog* MainWindow::importDialog() const
{
    return m_importDialog.data();
}

SupervisorDialog* MainWindow::supervisorDialog() const
{
    return m_supervisorDialog.data();
}

QAction* MainWindow::addAction(QMenu* menu, const QString& text, const QKeySequence& key, const QString& name,
                               std::function<void()> slot)
{
    auto* action = menu->addAction(text);
    action->setShortcut(key);
    action->setObjectName(name);
    connect(action, &QAction::triggered, this, [slot = std::move(slot)] { slot(); });
    return action;
}

void MainWindow::createActions()
{
    QMenu* station = menuBar()->addMenu(tr("&Station"));
    m_importAction = addAction(station, tr("&Import work order…"), QKeySequence(Qt::CTRL | Qt::Key_I),
                               QStringLiteral("importAction"), [this] { openImportDialog(); });
    m_logoutAction = addAction(station, tr("&Change operator (log out)"), QKeySequence(Qt::CTRL | Qt::Key_L),
                               QStringLiteral("logoutAction"), [this] { logout(); });
    station->addSeparator();
    addAction(station, tr("&Quit"), QKeySequence(Qt::CTRL | Qt::Key_Q), QStringLiteral("quitAction"), [this] { close(); });

    QMenu* slots = menuBar()->addMenu(tr("S&lots"));
    m_startAllAction = addAction(slots, tr("&Start all slots"), QKeySequence(Qt::Key_F5),
                                 QStringLiteral("startAllAction"), [this] { startAll(); });
    m_stopAllAction = addAction(slots, tr("S&top all slots"), QKeySequence(Qt::SHIFT | Qt::Key_F5),
                                QStringLiteral("stopAllAction"), [this] { stopAll(); });
    m_startSlotAction = addAction(slots, tr("Start the &selected slot"), QKeySequence(Qt::Key_F6),
                                  QStringLiteral("startSlotAction"), [this] { startSelected(); });
    m_stopSlotAction = addAction(slots, tr("Stop the selected slo&t"), QKeySequence(Qt::SHIFT | Qt::Key_F6),
                                 QStringLiteral("stopSlotAction"), [this] { stopSelected(); });
    m_reworkAction = addAction(slots, tr("&Rework the selected slot's device…"), QKeySequence(Qt::Key_F7),
                               QStringLiteral("reworkAction"), [this] {
                                   if (const auto slot = m_fixture->selectedSlot())
                                       requestRework(*slot);
                               });
    m_quotaOverrideAction = addAction(slots, tr("Allow the batch past its &quota (supervisor)…"), QKeySequence(Qt::Key_F9),
                                      QStringLiteral("quotaOverrideAction"), [this] {
                                          if (const auto slot = m_fixture->selectedSlot())
                                              requestQuotaOverride(*slot);
                                      });
    addAction(slots, tr("&Automatic start for the selected slot"), QKeySequence(Qt::Key_F8),
              QStringLiteral("autoStartAction"), [this] { toggleAutoSelected(); });
    addAction(slots, tr("S&can a label"), QKeySequence(Qt::Key_F2), QStringLiteral("scanAction"),
              [this] { focusScanField(); });
    slots->addSeparator();
    // Ctrl+1 … Ctrl+9 select a slot directly; arrows and Tab move between tiles.
    for (int slot = 0; slot < 9; ++slot) {
        addAction(slots, tr("Go to slot %1").arg(slot + 1), QKeySequence(QKeyCombination(Qt::CTRL, Qt::Key(Qt::Key_1 + slot))),
                  QStringLiteral("goToSlot%1").arg(slot + 1), [this, slot] {
                      showTab(m_stationPage);
                      m_fixture->selectSlot(slot);
                  });
    }

    m_viewMenu = menuBar()->addMenu(tr("&View"));
    addAction(m_viewMenu, tr("&Fixture"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F), QStringLiteral("showFixtureAction"),
              [this] { showTab(m_stationPage); });
    if (m_auditView) {
        addAction(m_viewMenu, tr("&Audit"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_A), QStringLiteral("showAuditAction"),
                  [this] { showTab(m_auditView); });
        addAction(m_viewMenu, tr("Audit &events"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E),
                  QStringLiteral("showEventsAction"), [this] { showTab(m_eventBrowser); });
        QMenu* audit = menuBar()->addMenu(tr("&Audit"));
        // Find and Refresh act on the events page when it is the one shown, else on the units.
        addAction(audit, tr("&Find units or events"), QKeySequence(Qt::CTRL | Qt::Key_F), QStringLiteral("findUnitsAction"),
                  [this] {
                      if (m_tabs->currentWidget() == m_eventBrowser)
                          return m_eventBrowser->focusSearch();
                      showTab(m_auditView);
                      m_auditView->focusSearch();
                  });
        addAction(audit, tr("&Refresh"), QKeySequence(Qt::CTRL | Qt::Key_R), QStringLiteral("refreshAuditAction"), [this] {
            if (m_tabs->currentWidget() == m_eventBrowser)
                return m_eventBrowser->refresh();
            showTab(m_auditView);
            m_auditView->refresh();
        });
        addAction(audit, tr("&Export…"), QKeySequence(Qt::CTRL | Qt::Key_E), QStringLiteral("exportAuditAction"), [this] {
            showTab(m_auditView);
            m_auditView->chooseExportFile();
        });
        addAction(audit, tr("&Verify the hash chain"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_V),
                  QStringLiteral("verifyChainAction"), [this] {
                      showTab(m_auditView);
                      m_auditView->verifyChain();
                  });
        addAction(audit, tr("Copy the certificate &PEM"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P),
                  QStringLiteral("copyPemAction"), [this] { m_auditView->copyPem(); });
    }
}

void MainWindow::addPage(QWidget* page, const QString& title, const QKeySequence& key, bool supervisorOnly)
{
    m_tabs->addTab(page, title);
    if (supervisorOnly)
        m_supervisorPages.append(page);
    addAction(supervisorOnly ? setupMenu() : m_viewMenu, title, key, QStringLiteral("show_%1").arg(page->objectName()),
              [this, page] { showTab(page); });
}

void MainWindow::addSetupAction(const QString& text, const QKeySequence& key, std::function<void()> open)
{
    QString plain = text;
    plain.remove(u'&');
    addAction(setupMenu(), text, key, QString(), [this, plain, open = std::move(open)] {
        if (loggedIn() || !m_control)
            withConfigurationApproval(plain.toLower(), open);
    });
}

QMenu* MainWindow::setupMenu()
{
    if (!m_setupMenu)
        m_setupMenu = menuBar()->addMenu(tr("Set&up"));
    return m_setupMenu;
}

void MainWindow::withConfigurationApproval(const QString& action, std::function<void()> then)
{
    if (!m_control || !m_configApprovedBy.isEmpty()) {
        then();
        return;
    }
    askSupervisor(tr("%1 (station configuration)").arg(action), [this, then = std::move(then)](const QString& supervisor) {
        m_configApprovedBy = supervisor;
        then();
    });
}

void MainWindow::showTab(QWidget* page)
{
    if (m_pages->currentWidget() != m_tabs)
        return;  // nobody logged in
    m_tabs->setCurrentWidget(page);
}

void MainWindow::onTabChanged(int index)
{
    QWidget* page = m_tabs->widget(index);
    const bool approved = !m_control || !m_configApprovedBy.isEmpty();
    if (m_supervisorPages.contains(page) && !approved) {
        // Configuration is a supervisor's: back to where we were until one approves.
        const QSignalBlocker quiet(m_tabs);
        m_tabs->setCurrentIndex(m_lastTab);
        withConfigurationApproval(tr("open the %1 page").arg(m_tabs->tabText(index)),
                                  [this, page] { m_tabs->setCurrentWidget(page); });
        return;
    }
    m_lastTab = index;
    if (page == m_auditView && m_auditView->model()->pagesLoaded() == 0)
        m_auditView->refresh();
    if (page == m_eventBrowser && m_eventBrowser->model()->pagesLoaded() == 0)
        m_eventBrowser->refresh();
    page->setFocus(Qt::OtherFocusReason);
}

void MainWindow::connectControl()
{
    m_fixture->setSlots(m_control->fixtureSlots());
    m_control->setOperatorPrompt(m_prompt);
    // The station asks when it opens the CA (the first start of a login): the fixture comes to
    // the front, with the PIN field focused.
    connect(m_prompt.get(), &GuiOperatorPrompt::secretRequested, this, [this] {
        showTab(m_stationPage);
        m_pinPanel->pinField()->setFocus(Qt::OtherFocusReason);  // after the tab's own focus
    });
    connect(m_control, &StationControl::slotChanged, this, &MainWindow::onSlotChanged);
    connect(m_control, &StationControl::slotRunningChanged, this, [this](int slot, bool running) {
        m_fixture->setSlotRunning(slot, running);
        updateActions();
    });
    connect(m_control, &StationControl::batchChanged, this, &MainWindow::onBatchChanged);
    connect(m_control, &StationControl::busyChanged, this, &MainWindow::onBusyChanged);
    connect(m_control, &StationControl::problem, this, [this](const QString& message) {
        m_status->setText(tr("Problem: %1").arg(message));
    });
    connect(m_control, &StationControl::importFinished, this, [this](const ImportResult& result) {
        if (ImportDialog* dialog = m_importDialog.data())
            dialog->showImportResult(result);
        if (result.ok)
            m_status->setText(tr("Imported batch '%1' (%2 devices).").arg(result.batchName).arg(result.devices));
    });
    connect(m_control, &StationControl::operatorChecked, this, &MainWindow::onOperatorChecked);
    connect(m_control, &StationControl::reworkAnswered, this, [this](int slot, bool approved, const QString& message) {
        m_status->setText(approved ? tr("Slot %1: rework approved; the device is provisioned again.").arg(slot + 1)
                                   : tr("Slot %1: rework refused: %2").arg(slot + 1).arg(message));
    });
    connect(m_control, &StationControl::quotaOverrideAnswered, this, &MainWindow::onQuotaOverrideAnswered);
    connect(m_control, &StationControl::notice, m_status, &QLabel::setText);
    connect(m_control, &StationControl::autoStartWaiting, m_fixture, &FixtureView::setAutoWaiting);
    connect(m_control, &StationControl::autoStartChanged, m_fixture, &FixtureView::setAutoStart);
    connect(m_fixture, &FixtureView::startRequested, this, [this](int slot) {
        if (m_startSlotAction->isEnabled())
            m_control->startSlots({slot});
    });
    connect(m_fixture, &FixtureView::stopRequested, this, [this](int slot) { m_control->stopSlots({slot}); });
    connect(m_fixture, &FixtureView::unitFinished, this, [this](int, bool passed) {
        m_batchPanel->recordUnit(passed);
        m_control->refreshBatch();
    });
    connect(m_fixture, &FixtureView::reworkRequested, this, &MainWindow::requestRework);
    connect(m_fixture, &FixtureView::quotaOverrideRequested, this, &MainWindow::requestQuotaOverride);
    connect(m_fixture, &FixtureView::autoStartToggled, this,
            [this](int slot, bool automatic) { m_control->setAutoStart(slot, automatic); });
    // A batch the station selected before this window listened: ask again.
    m_control->refreshBatch();
    connect(m_fixture, &FixtureView::labelTyped, this, [this](int slot, const QString& text) {
        m_scanSlot = slot;
        m_scanTarget->setText(tr("goes to slot %1").arg(slot + 1));
        m_scan->setText(m_scan->text() + text);
        m_scan->setFocus(Qt::OtherFocusReason);
    });
}

void MainWindow::login(const QString& id)
{
    if (!m_control || id.trimmed().isEmpty())
        return;
    m_login->showChecking(id.trimmed());
    m_loginTicket = ++m_ticket;
    m_control->checkOperator(m_loginTicket, id.trimmed());
}

void MainWindow::logout()
{
    if (!m_control || !loggedIn())
        return;
    // Nobody on record: no new unit may start. Running slots finish the unit they have.
    if (!m_fixture->runningSlots().isEmpty())
        m_control->stopSlots(m_fixture->runningSlots());
    m_control->setOperator(QString());
    const QString was = m_operator;
    m_operator.clear();
    m_role.clear();
    m_configApprovedBy.clear();
    m_operatorLabel->setText(tr("Nobody is logged in"));
    m_pages->setCurrentWidget(m_login);
    m_login->reset(tr("%1 logged out; running slots stop after their current unit.").arg(was));
    updateActions();
}

void MainWindow::onOperatorChecked(const OperatorCheck& check)
{
    if (check.ticket == m_loginTicket) {
        if (!check.known()) {
            m_login->showRefused(check.message);
            return;
        }
        m_operator = check.id;
        m_role = check.role;
        m_control->setOperator(check.id);
        m_operatorLabel->setText(tr("Operator: %1 (%2) · Ctrl+L to change").arg(check.id, roleWord(check.role)));
        m_pages->setCurrentWidget(m_tabs);
        showTab(m_stationPage);
        m_scan->setFocus(Qt::OtherFocusReason);  // ready for the first scan of the shift
        updateActions();
        return;
    }
    if (check.ticket != m_supervisorTicket)
        return;
    SupervisorDialog* dialog = m_supervisorDialog.data();
    if (!dialog)
        return;  // cancelled meanwhile
    if (!check.supervisor()) {
        dialog->showRefused(check.known() ? tr("%1 is registered as a %2, not a supervisor.")
                                                .arg(check.id, roleWord(check.role))
                                          : check.message);
        return;
    }
    auto approved = std::move(m_approved);
    m_approved = nullptr;
    dialog->accept();
    if (approved)
        approved(check.id);
}

void MainWindow::askSupervisor(const QString& action, std::function<void(const QString&)> approved)
{
    if (!m_control)
        return;
    if (SupervisorDialog* open = m_supervisorDialog.data())
        open->close();  // one approval at a time: the newest request replaces the old one
    auto* dialog = new SupervisorDialog(action, this);
    m_supervisorDialog = dialog;
    m_approved = std::move(approved);
    connect(dialog, &SupervisorDialog::supervisorEntered, this, [this, dialog](const QString& id) {
        dialog->showChecking(id);
        m_supervisorTicket = ++m_ticket;
        m_control->checkOperator(m_supervisorTicket, id);
    });
    dialog->open();  // window-modal, no nested event loop
}

void MainWindow::requestRework(int slot)
{
    SlotTile* tile = m_fixture->tile(slot);
    if (!m_control || !loggedIn() || !tile || !offersRework(tile->snapshot())) {
        m_status->setText(tr("Rework is for a device a slot refused as already provisioned; slot %1 has none.").arg(slot + 1));
        return;
    }
    const QString device = tile->snapshot().serialNumber.isEmpty() ? tile->snapshot().hardwareId
                                                                   : tile->snapshot().serialNumber;
    askSupervisor(tr("rework of device %1 on slot %2 (it is provisioned again and its old certificate superseded)")
                      .arg(device)
                      .arg(slot + 1),
                  [this, slot](const QString& supervisor) {
                      m_status->setText(tr("Slot %1: asking the station to rework the device…").arg(slot + 1));
                      m_control->approveRework(slot, supervisor);
                  });
}

void MainWindow::requestQuotaOverride(int slot)
{
    SlotTile* tile = m_fixture->tile(slot);
    if (!m_control || !loggedIn() || !tile || !offersQuotaOverride(tile->snapshot()) || !m_batch) {
        m_status->setText(tr("A quota override is for a device a slot refused because the batch is full; slot %1 has none.")
                              .arg(slot + 1));
        return;
    }
    askSupervisor(tr("units past the quota of batch '%1' (starting with the device on slot %2); you are on record "
                     "for each of them")
                      .arg(m_batch->name)
                      .arg(slot + 1),
                  [this, slot](const QString& supervisor) {
                      m_status->setText(tr("Slot %1: asking the station to go past the quota…").arg(slot + 1));
                      m_control->approveQuotaOverride(slot, supervisor);
                  });
}

void MainWindow::onQuotaOverrideAnswered(int slot, bool approved, const QString& message)
{
    m_status->setText(approved ? tr("Slot %1: the batch may go past its quota; the device is provisioned.").arg(slot + 1)
                               : tr("Slot %1: quota override refused: %2").arg(slot + 1).arg(message));
}

void MainWindow::focusScanField()
{
    showTab(m_stationPage);
    m_scanSlot = m_fixture->selectedSlot();
    m_scanTarget->setText(m_scanSlot ? tr("goes to slot %1").arg(*m_scanSlot + 1)
                                     : tr("goes to the next slot waiting for a label"));
    m_scan->setFocus(Qt::ShortcutFocusReason);
    m_scan->selectAll();
}

void MainWindow::submitScan()
{
    const QString label = m_scan->text().trimmed();
    m_scan->clear();
    if (label.isEmpty() || !m_control)
        return;
    if (!loggedIn()) {
        m_status->setText(tr("Log in before scanning labels."));
        return;
    }
    m_control->submitLabel(m_scanSlot, label);
    m_status->setText(m_scanSlot ? tr("Label %1 → slot %2.").arg(label).arg(*m_scanSlot + 1)
                                 : tr("Label %1 → the next slot waiting for a label.").arg(label));
    m_scanSlot.reset();  // the next scan goes to whichever slot waits next
    m_scanTarget->setText(tr("goes to the next slot waiting for a label"));
}

void MainWindow::onSlotChanged(const pipeline::SlotSnapshot& snapshot)
{
    m_fixture->applySnapshot(snapshot);
}

void MainWindow::onBatchChanged(const audit::BatchSummary& batch)
{
    m_batch = batch;
    m_batchPanel->showBatch(batch);  // a batch just completed stops its slots in the station (notice)
    updateActions();
}

void MainWindow::onBusyChanged(bool busy, const QString& what)
{
    m_busy = busy;
    if (busy)
        m_status->setText(what);
    else if (m_status->text() == what)
        m_status->clear();
    updateActions();
}

void MainWindow::openImportDialog()
{
    if (!m_control || !m_importAction->isEnabled())
        return;
    ImportDialog* dialog = m_importDialog.data();
    if (!dialog) {
        dialog = new ImportDialog(this);
        connect(dialog, &ImportDialog::importRequested, m_control, &StationControl::importWorkOrder);
        m_importDialog = dialog;
    }
    dialog->open();  // window-modal, no nested event loop
    dialog->raise();
}

void MainWindow::startAll()
{
    if (m_control && m_startAllAction->isEnabled())
        m_control->startSlots(m_fixture->slotNumbers());
}

void MainWindow::stopAll()
{
    if (m_control)
        m_control->stopSlots(m_fixture->runningSlots());
}

void MainWindow::startSelected()
{
    const auto slot = m_fixture->selectedSlot();
    if (m_control && slot && m_startSlotAction->isEnabled())
        m_control->startSlots({*slot});
}

void MainWindow::stopSelected()
{
    const auto slot = m_fixture->selectedSlot();
    if (m_control && slot)
        m_control->stopSlots({*slot});
}

void MainWindow::toggleAutoSelected()
{
    const auto slot = m_fixture->selectedSlot();
    SlotTile* tile = slot ? m_fixture->tile(*slot) : nullptr;
    if (!m_control || !tile || !loggedIn())
        return;
    const bool automatic = !tile->autoStart();
    tile->setAutoStart(automatic);
    m_control->setAutoStart(*slot, automatic);
}

void MainWindow::updateActions()
{
    const bool station = m_control != nullptr;
    const bool anyRunning = !m_fixture->runningSlots().isEmpty();
    const bool canStart = station && loggedIn() && m_batch.has_value() && !m_busy;
    // A new work order while slots run would change the batch under them: one job at a time.
    m_importAction->setEnabled(station && loggedIn() && !m_busy && !anyRunning);
    m_startAllAction->setEnabled(canStart);
    m_startSlotAction->setEnabled(canStart);
    m_stopAllAction->setEnabled(station && anyRunning);
    m_stopSlotAction->setEnabled(station && anyRunning);
    m_reworkAction->setEnabled(station && loggedIn());
    m_quotaOverrideAction->setEnabled(station && loggedIn());
    m_logoutAction->setEnabled(station && loggedIn());
    m_fixture->setControlsEnabled((canStart || anyRunning) && loggedIn());
}

void MainWindow::showSelfChecks(const std::vector<SelfCheckOutcome>& outcomes)
{
    m_checks->clear();
    int failed = 0;
    for (const auto& outcome : outcomes) {
        auto* item = new QTreeWidgetItem(m_checks);
        item->setText(0, outcome.name);
        // Word and colour both: readable for colour-blind technicians.
        item->setText(1, outcome.ok ? tr("OK") : tr("FAILED"));
        item->setForeground(1, outcome.ok ? QColor(0, 110, 0) : QColor(170, 0, 0));
        item->setText(2, outcome.detail);
        failed += outcome.ok ? 0 : 1;
    }
    m_summary->setText(failed == 0 ? tr("Station ready: all %n check(s) passed", nullptr,
                                        static_cast<int>(outcomes.size()))
                                   : tr("%n check(s) failed: see the details below", nullptr,
                                        failed));
}

}  // namespace imprint::ui
