#include "ui/MainWindow.h"

#include "core/Version.h"
#include "ui/BatchPanel.h"
#include "ui/FixtureView.h"
#include "ui/ImportDialog.h"

#include <QAction>
#include <QHeaderView>
#include <QLabel>
#include <QMenuBar>
#include <QScrollArea>
#include <QSplitter>
#include <QStatusBar>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace imprint::ui {

MainWindow::MainWindow(StationControl* control, QWidget* parent) : QMainWindow(parent), m_control(control)
{
    registerStationTypes();
    setWindowTitle(QStringLiteral("Imprint %1").arg(QString::fromLatin1(kVersion)));
    setObjectName(QStringLiteral("mainWindow"));

    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);

    m_batchPanel = new BatchPanel(central);
    m_fixture = new FixtureView(central);
    auto* fixtureScroll = new QScrollArea(central);
    fixtureScroll->setWidget(m_fixture);
    fixtureScroll->setWidgetResizable(true);
    fixtureScroll->setFocusPolicy(Qt::NoFocus);

    m_status = new QLabel(central);
    m_status->setObjectName(QStringLiteral("statusLabel"));
    m_status->setWordWrap(true);

    m_summary = new QLabel(tr("Checking the station…"), central);
    m_summary->setObjectName(QStringLiteral("summaryLabel"));
    QFont big = m_summary->font();
    big.setPointSizeF(big.pointSizeF() * 1.2);
    m_summary->setFont(big);
    m_checks = new QTreeWidget(central);
    m_checks->setObjectName(QStringLiteral("checksView"));
    m_checks->setHeaderLabels({tr("Check"), tr("Result"), tr("Details")});
    m_checks->setRootIsDecorated(false);
    m_checks->header()->setSectionResizeMode(2, QHeaderView::Stretch);
    m_checks->setMaximumHeight(90);

    layout->addWidget(m_batchPanel);
    layout->addWidget(m_status);
    layout->addWidget(fixtureScroll, 1);
    layout->addWidget(m_summary);
    layout->addWidget(m_checks);
    setCentralWidget(central);
    resize(1280, 1040);

    createActions();
    if (m_control)
        connectControl();
    updateActions();
}

MainWindow::~MainWindow() = default;

ImportDialog* MainWindow::importDialog() const
{
    return m_importDialog.data();
}

void MainWindow::createActions()
{
    auto add = [this](QMenu* menu, const QString& text, const QKeySequence& key, const QString& name, auto slot) {
        auto* action = menu->addAction(text);
        action->setShortcut(key);
        action->setObjectName(name);
        connect(action, &QAction::triggered, this, slot);
        return action;
    };
    QMenu* station = menuBar()->addMenu(tr("&Station"));
    m_importAction = add(station, tr("&Import work order…"), QKeySequence(Qt::CTRL | Qt::Key_I),
                         QStringLiteral("importAction"), &MainWindow::openImportDialog);
    station->addSeparator();
    add(station, tr("&Quit"), QKeySequence(Qt::CTRL | Qt::Key_Q), QStringLiteral("quitAction"), &QWidget::close);

    QMenu* slots = menuBar()->addMenu(tr("S&lots"));
    m_startAllAction = add(slots, tr("&Start all slots"), QKeySequence(Qt::Key_F5), QStringLiteral("startAllAction"),
                           &MainWindow::startAll);
    m_stopAllAction = add(slots, tr("S&top all slots"), QKeySequence(Qt::SHIFT | Qt::Key_F5),
                          QStringLiteral("stopAllAction"), &MainWindow::stopAll);
    m_startSlotAction = add(slots, tr("Start the &selected slot"), QKeySequence(Qt::Key_F6),
                            QStringLiteral("startSlotAction"), &MainWindow::startSelected);
    m_stopSlotAction = add(slots, tr("Stop the selected slo&t"), QKeySequence(Qt::SHIFT | Qt::Key_F6),
                           QStringLiteral("stopSlotAction"), &MainWindow::stopSelected);
    slots->addSeparator();
    // Ctrl+1 … Ctrl+9 select a slot directly; arrows and Tab move between tiles.
    for (int slot = 0; slot < 9; ++slot) {
        auto* go = slots->addAction(tr("Go to slot %1").arg(slot + 1));
        go->setShortcut(QKeySequence(QKeyCombination(Qt::CTRL, Qt::Key(Qt::Key_1 + slot))));
        connect(go, &QAction::triggered, this, [this, slot] { m_fixture->selectSlot(slot); });
    }
}

void MainWindow::connectControl()
{
    m_fixture->setSlots(m_control->fixtureSlots());
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
    connect(m_fixture, &FixtureView::startRequested, this, [this](int slot) {
        if (m_startSlotAction->isEnabled())
            m_control->startSlots({slot});
    });
    connect(m_fixture, &FixtureView::stopRequested, this, [this](int slot) { m_control->stopSlots({slot}); });
    connect(m_fixture, &FixtureView::unitFinished, this, [this](int, bool passed) {
        m_batchPanel->recordUnit(passed);
        m_control->refreshBatch();
    });
}

void MainWindow::onSlotChanged(const pipeline::SlotSnapshot& snapshot)
{
    m_fixture->applySnapshot(snapshot);
}

void MainWindow::onBatchChanged(const audit::BatchSummary& batch)
{
    m_batch = batch;
    m_batchPanel->showBatch(batch);
    // The work order is complete: stop the slots, so no device is taken beyond the quota.
    if (m_batchPanel->complete() && !m_fixture->runningSlots().isEmpty()) {
        m_status->setText(tr("Batch '%1' is complete: every slot stops.").arg(batch.name));
        m_control->stopSlots(m_fixture->runningSlots());
    }
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

void MainWindow::updateActions()
{
    const bool station = m_control != nullptr;
    const bool anyRunning = !m_fixture->runningSlots().isEmpty();
    const bool canStart = station && m_batch.has_value() && !m_busy;
    // A new work order while slots run would change the batch under them: one job at a time.
    m_importAction->setEnabled(station && !m_busy && !anyRunning);
    m_startAllAction->setEnabled(canStart);
    m_startSlotAction->setEnabled(canStart);
    m_stopAllAction->setEnabled(station && anyRunning);
    m_stopSlotAction->setEnabled(station && anyRunning);
    m_fixture->setControlsEnabled(canStart || anyRunning);
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
