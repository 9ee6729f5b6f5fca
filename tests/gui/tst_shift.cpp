// A technician's shift on the real stack (SoftHSM2 CA, simulated devices, SQLite audit), from
// the window: log in by operator ID (strangers refused), rework of an already provisioned
// device refused without a supervisor and done with one, a slot on automatic start waiting for
// its device, a scanned label binding a device, and the audit view listing the shift's units,
// filtering, showing a unit's certificate and timeline, exporting and verifying the chain.
#include "GuiStationFixture.h"
#include "app/gui/AuditService.h"
#include "app/gui/LiveStation.h"
#include "ui/AuditView.h"
#include "ui/BatchPanel.h"
#include "ui/FixtureView.h"
#include "ui/MainWindow.h"
#include "ui/SupervisorDialog.h"
#include "ui/UnitTableModel.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QTableView>
#include <QTest>
#include <QTreeWidget>

using namespace imprint;

namespace {

using test::labelText;
using test::scan;

const QString kTechnician = QString::fromLatin1(test::GuiStationFixture::kTechnician);
const QString kSupervisor = QString::fromLatin1(test::GuiStationFixture::kSupervisor);

}  // namespace

class TestShift : public QObject
{
    Q_OBJECT

    test::GuiStationFixture m_fixture;
    SystemClock m_clock;

    gui::LiveStationOptions options(bool barcode) const
    {
        gui::LiveStationOptions options = m_fixture.stationOptions(2);
        options.batch = QStringLiteral("shift");
        if (barcode)
            options.session.profile.bind = pipeline::BindMode::Barcode;
        return options;
    }

private Q_SLOTS:
    void initTestCase()
    {
        const QString failure = m_fixture.setUp();
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        const test::CliRun imported = m_fixture.harness().importOrder(m_fixture.database(), QStringLiteral("shift"), 2, 1);
        QVERIFY2(imported.exitCode == 0, qPrintable(imported.err));
    }

    void loginTakesRegisteredPeopleOnly()
    {
        gui::LiveStation station(options(false), m_clock);
        ui::MainWindow window(&station);
        window.show();
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        auto* id = window.findChild<QLineEdit*>(QStringLiteral("operatorIdField"));
        QTRY_VERIFY(id->hasFocus());
        QVERIFY(!window.findChild<QAction*>(QStringLiteral("startAllAction"))->isEnabled());

        scan(id, QStringLiteral("nobody-42"));
        QTRY_VERIFY(labelText(&window, QStringLiteral("loginMessage")).contains(QStringLiteral("not a registered operator")));
        QVERIFY(!window.loggedIn());
        QTRY_VERIFY(id->hasFocus());

        scan(id, kTechnician);
        QTRY_VERIFY(window.loggedIn());
        QCOMPARE(window.operatorId(), kTechnician);
        QVERIFY(labelText(&window, QStringLiteral("operatorLabel")).contains(QStringLiteral("tech-1 (technician)")));
        QTRY_VERIFY(window.findChild<QLineEdit*>(QStringLiteral("scanField"))->hasFocus());  // ready to scan
        QTRY_VERIFY2(window.findChild<QAction*>(QStringLiteral("startAllAction"))->isEnabled(),
                     qPrintable(labelText(&window, QStringLiteral("statusLabel")) + u'|'
                                + labelText(&window, QStringLiteral("batchNameLabel"))));

        // A configuration page opens only with a supervisor's approval (once per login).
        auto* setupPage = new QWidget;
        setupPage->setObjectName(QStringLiteral("setupPage"));
        window.addPage(setupPage, QStringLiteral("Setup test"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_U), true);
        QTest::keyClick(&window, Qt::Key_U, Qt::ControlModifier | Qt::ShiftModifier);
        QTRY_VERIFY(window.supervisorDialog() && window.supervisorDialog()->isVisible());
        QVERIFY(window.tabs()->currentWidget() != setupPage);
        auto* supervisorId = window.supervisorDialog()->findChild<QLineEdit*>(QStringLiteral("supervisorIdField"));
        scan(supervisorId, kTechnician);
        QTRY_VERIFY(labelText(window.supervisorDialog(), QStringLiteral("approvalMessage")).contains(QStringLiteral("not a supervisor")));
        scan(supervisorId, kSupervisor);
        QTRY_COMPARE(window.tabs()->currentWidget(), setupPage);
        QVERIFY(!window.supervisorDialog());
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        QTest::keyClick(&window, Qt::Key_F, Qt::ControlModifier | Qt::ShiftModifier);  // the fixture again
        QTRY_VERIFY(window.tabs()->currentWidget() != setupPage);
        QTest::keyClick(&window, Qt::Key_U, Qt::ControlModifier | Qt::ShiftModifier);  // approved already
        QTRY_COMPARE(window.tabs()->currentWidget(), setupPage);
        QVERIFY(!window.supervisorDialog());

        // Ctrl+L: change operator. The login panel is back, nothing can start.
        QTest::keyClick(&window, Qt::Key_L, Qt::ControlModifier);
        QVERIFY(!window.loggedIn());
        QVERIFY(!window.findChild<QAction*>(QStringLiteral("startAllAction"))->isEnabled());
        QTRY_VERIFY(id->hasFocus());
    }

    void reworkNeedsASupervisor()
    {
        QString started = m_fixture.startDevices(2);
        QVERIFY2(started.isEmpty(), qPrintable(started));
        gui::LiveStation station(options(false), m_clock);
        ui::MainWindow window(&station);
        test::showAndLogIn(window, kTechnician);
        if (QTest::currentTestFailed())
            return;

        // Slot 1 provisions SIM-0-0, then stops.
        QTest::keyClick(&window, Qt::Key_1, Qt::ControlModifier);
        QTRY_COMPARE(window.fixture()->selectedSlot().value_or(-1), 0);
        test::startSelectedSlot(window);
        QTRY_VERIFY_WITH_TIMEOUT(test::tileOutcome(window, 0).endsWith(QStringLiteral("PASS")), 60'000);
        QTest::keyClick(&window, Qt::Key_F6, Qt::ShiftModifier);
        QTRY_VERIFY_WITH_TIMEOUT(!window.fixture()->tile(0)->running(), 20'000);

        // The same device comes back (a fresh simulator with the same devices): refused.
        m_fixture.harness().stopDevices();
        started = m_fixture.startDevices(2);
        QVERIFY2(started.isEmpty(), qPrintable(started));
        window.fixture()->selectSlot(0);
        test::startSelectedSlot(window);
        QTRY_VERIFY_WITH_TIMEOUT(test::tileOutcome(window, 0).endsWith(QStringLiteral("FAIL")), 60'000);
        QVERIFY2(labelText(window.fixture()->tile(0), QStringLiteral("reasonLabel")).contains(QStringLiteral("already provisioned")),
                 qPrintable(labelText(window.fixture()->tile(0), QStringLiteral("reasonLabel"))));
        auto* rework = window.fixture()->tile(0)->findChild<QPushButton*>(QStringLiteral("reworkButton"));
        QVERIFY(rework->isVisible());

        // F7 asks for a supervisor; a technician's ID is not enough, and nothing happens meanwhile.
        window.fixture()->selectSlot(0);
        QTest::keyClick(&window, Qt::Key_F7);
        QTRY_VERIFY(window.supervisorDialog() && window.supervisorDialog()->isVisible());
        ui::SupervisorDialog* dialog = window.supervisorDialog();
        auto* supervisorId = dialog->findChild<QLineEdit*>(QStringLiteral("supervisorIdField"));
        QTRY_VERIFY(supervisorId->hasFocus());
        scan(supervisorId, kTechnician);
        QTRY_VERIFY(labelText(dialog, QStringLiteral("approvalMessage")).contains(QStringLiteral("not a supervisor")));
        QVERIFY(dialog->isVisible());
        QTest::qWait(500);
        QVERIFY(test::tileOutcome(window, 0).endsWith(QStringLiteral("FAIL")));
        QCOMPARE(test::countRows(m_fixture.database(), QStringLiteral("SELECT COUNT(*) FROM units WHERE rework = 1")), 0);

        // The supervisor's badge: the slot provisions the device again as a rework.
        scan(supervisorId, kSupervisor);
        QTRY_VERIFY(!window.supervisorDialog());
        QTRY_VERIFY_WITH_TIMEOUT(test::tileOutcome(window, 0).endsWith(QStringLiteral("PASS")), 60'000);
        QTRY_COMPARE(test::countRows(m_fixture.database(),
                                     QStringLiteral("SELECT COUNT(*) FROM units WHERE rework = 1 AND state = 'passed' "
                                                    "AND supervisor = 'sup-1' AND serial_number = 'SIM-0-0'")),
                     1);
        QCOMPARE(test::countRows(m_fixture.database(),
                                 QStringLiteral("SELECT COUNT(*) FROM units WHERE state = 'superseded' AND serial_number = 'SIM-0-0'")),
                 1);
        window.activateWindow();  // back from the dialog (the offscreen platform does not do it)
        QVERIFY(QTest::qWaitForWindowActive(&window));
        QTest::keyClick(&window, Qt::Key_F5, Qt::ShiftModifier);
        QTRY_VERIFY_WITH_TIMEOUT(window.fixture()->runningSlots().isEmpty(), 20'000);
        m_fixture.harness().stopDevices();
    }

    void automaticSlotWaitsThenAScannedLabelBindsItsDevice()
    {
        gui::LiveStation station(options(true), m_clock);
        ui::MainWindow window(&station);
        test::showAndLogIn(window, kTechnician);
        if (QTest::currentTestFailed())
            return;

        // Slot 2 on automatic: no device on its port yet, it says so.
        ui::SlotTile* tile = window.fixture()->tile(1);
        window.fixture()->selectSlot(1);
        QTest::keyClick(&window, Qt::Key_F8);
        QVERIFY(tile->findChild<QCheckBox*>(QStringLiteral("autoStartBox"))->isChecked());
        QTRY_VERIFY(tile->findChild<QLabel*>(QStringLiteral("autoWaitingLabel"))->isVisible());
        QVERIFY(labelText(tile, QStringLiteral("autoWaitingLabel")).contains(QStringLiteral("waiting for a device")));
        QVERIFY(!tile->running());

        // The device is plugged in: the slot starts by itself and waits for its label.
        const QString started = m_fixture.startDevices(2);
        QVERIFY2(started.isEmpty(), qPrintable(started));
        QTRY_VERIFY_WITH_TIMEOUT(tile->running(), 20'000);
        QTRY_VERIFY(!tile->findChild<QLabel*>(QStringLiteral("autoWaitingLabel"))->isVisible());
        QTRY_VERIFY_WITH_TIMEOUT(test::tileOutcome(window, 1).endsWith(QStringLiteral("WORKING")), 30'000);
        QTest::qWait(500);
        QVERIFY(test::tileOutcome(window, 1).endsWith(QStringLiteral("WORKING")));  // no label, no binding

        // The scanner types on the selected tile: the label goes to the scan field for slot 2.
        window.fixture()->selectSlot(1);
        QTRY_VERIFY(tile->hasFocus());
        // (QTest sends keys to the widget named, so the rest goes to wherever the focus went.)
        QTest::keyClick(tile, 'S');
        QTRY_VERIFY(window.findChild<QLineEdit*>(QStringLiteral("scanField"))->hasFocus());
        QCOMPARE(labelText(&window, QStringLiteral("scanTarget")), QStringLiteral("goes to slot 2"));
        scan(QApplication::focusWidget(), QStringLiteral("IM-1-0"));
        QVERIFY(labelText(&window, QStringLiteral("statusLabel")).contains(QStringLiteral("SIM-1-0")));
        // It passes; that was the batch's last device, so every slot then stops (batch complete).
        QTRY_VERIFY2_WITH_TIMEOUT(tile->snapshot().passed == 1,
                                  qPrintable(test::tileOutcome(window, 1) + u'|' + labelText(tile, QStringLiteral("stepLabel")) + u'|'
                                             + labelText(tile, QStringLiteral("reasonLabel")) + u'|'
                                             + labelText(&window, QStringLiteral("statusLabel"))),
                                  60'000);
        QCOMPARE(tile->snapshot().failed, 0);
        // The batch panel's counts are read again after the unit's final record: they follow the tile.
        QTRY_COMPARE(labelText(window.batchPanel(), QStringLiteral("remainingCount")), QStringLiteral("0"));
        QCOMPARE(test::countRows(m_fixture.database(),
                                 QStringLiteral("SELECT COUNT(*) FROM units WHERE serial_number = 'SIM-1-0' AND state = 'passed'")),
                 1);
        // Every event of the shift's units names the person logged in.
        QCOMPARE(test::countRows(m_fixture.database(),
                                 QStringLiteral("SELECT COUNT(*) FROM events WHERE unit_id IS NOT NULL AND operator <> 'tech-1'")),
                 0);
        QTest::keyClick(&window, Qt::Key_F5, Qt::ShiftModifier);
        QTRY_VERIFY_WITH_TIMEOUT(window.fixture()->runningSlots().isEmpty(), 20'000);
        QVERIFY(!tile->findChild<QCheckBox*>(QStringLiteral("autoStartBox"))->isChecked());  // stopped by hand
        m_fixture.harness().stopDevices();
    }

    void auditViewShowsTheShift()
    {
        gui::LiveStation station(options(false), m_clock);
        gui::AuditService audit(m_fixture.database());
        ui::MainWindow window(&station, &audit);
        test::showAndLogIn(window, kTechnician);
        if (QTest::currentTestFailed())
            return;
        QTest::keyClick(&window, Qt::Key_A, Qt::ControlModifier | Qt::ShiftModifier);
        ui::AuditView* view = window.auditView();
        QTRY_COMPARE(window.tabs()->currentWidget(), view);
        ui::UnitTableModel* model = view->model();
        QTRY_VERIFY(model->complete());
        // SIM-0-0 twice (superseded, then passed by rework) and SIM-1-0.
        QCOMPARE(model->rowCount(), 3);
        QCOMPARE(model->unitAt(0)->serialNumber, QStringLiteral("SIM-1-0"));

        auto* outcomeFilter = view->findChild<QComboBox*>(QStringLiteral("outcomeFilter"));
        outcomeFilter->setCurrentIndex(outcomeFilter->findData(QStringLiteral("superseded")));
        QTRY_VERIFY(model->complete() && model->filter().outcome);
        QCOMPARE(model->rowCount(), 1);
        QCOMPARE(model->unitAt(0)->serialNumber, QStringLiteral("SIM-0-0"));
        outcomeFilter->setCurrentIndex(outcomeFilter->findData(QStringLiteral("passed")));
        QTRY_VERIFY(model->complete() && model->filter().outcome == QStringLiteral("passed"));
        QCOMPARE(model->rowCount(), 2);

        view->table()->setFocus();
        view->table()->selectRow(1);  // the rework of SIM-0-0
        QTRY_VERIFY(view->shownDetail() && view->shownDetail()->unit.id == model->unitAt(1)->id);
        QVERIFY(view->shownDetail()->unit.rework);
        QVERIFY(labelText(view, QStringLiteral("certSubject")).contains(QStringLiteral("SIM-0-0")));
        QCOMPARE(labelText(view, QStringLiteral("certFingerprint")).size(), 32 * 3 - 1);
        QVERIFY(labelText(view, QStringLiteral("certValidity")).contains(QStringLiteral("valid now")));
        QVERIFY(labelText(view, QStringLiteral("unitSummary")).contains(QStringLiteral("approved by sup-1")));
        QVERIFY(view->findChild<QTreeWidget*>(QStringLiteral("timelineView"))->topLevelItemCount() >= 5);

        const QString path = m_fixture.harness().path(QStringLiteral("passed.jsonl"));
        view->findChild<QComboBox*>(QStringLiteral("exportFormat"))->setCurrentIndex(1);  // units, JSON Lines
        view->startExport(path);
        QTRY_VERIFY_WITH_TIMEOUT(!view->exporting(), 20'000);
        QFile file(path);
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(labelText(view, QStringLiteral("exportResult"))));
        const QByteArray exported = file.readAll();
        QCOMPARE(exported.count('\n'), 2);
        QVERIFY(exported.contains("\"serial_number\":\"SIM-1-0\""));

        QTest::keyClick(&window, Qt::Key_V, Qt::ControlModifier | Qt::ShiftModifier);
        QTRY_VERIFY_WITH_TIMEOUT(labelText(view, QStringLiteral("chainVerdict")).contains(QStringLiteral("The audit verifies")), 20'000);
    }
};

QTEST_MAIN(TestShift)
#include "tst_shift.moc"
