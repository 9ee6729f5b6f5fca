// A quota override from the window, on the real stack (SoftHSM2 CA, simulated devices, SQLite
// audit): an open batch with a quota of 1 takes the first device; the second is refused for the
// quota, and its tile says so and offers "Allow past quota (supervisor)"; a technician's ID is
// not enough, a supervisor's is; the slot then provisions the device it refused, with that
// supervisor on record in the audit.
#include "GuiStationFixture.h"
#include "app/gui/LiveStation.h"
#include "ui/BatchPanel.h"
#include "ui/FixtureView.h"
#include "ui/MainWindow.h"
#include "ui/SlotTile.h"
#include "ui/SupervisorDialog.h"

#include <QAction>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTest>

using namespace imprint;

namespace {

using test::labelText;
using test::scan;

// What the tile and the status line say, for a failure message.
QByteArray said(ui::MainWindow& window, int slot)
{
    QWidget* tile = window.fixture()->tile(slot);
    return QStringList{test::tileOutcome(window, slot), labelText(tile, QStringLiteral("reasonLabel")),
                       labelText(&window, QStringLiteral("statusLabel"))}
        .join(QStringLiteral(" | "))
        .toUtf8();
}

const QString kTechnician = QString::fromLatin1(test::GuiStationFixture::kTechnician);
const QString kSupervisor = QString::fromLatin1(test::GuiStationFixture::kSupervisor);

}  // namespace

class TestQuotaOverride : public QObject
{
    Q_OBJECT

    test::GuiStationFixture m_fixture;
    SystemClock m_clock;

    [[nodiscard]] qint64 count(const QString& sql) const { return test::countRows(m_fixture.database(), sql); }

private Q_SLOTS:
    void initTestCase()
    {
        const QString failure = m_fixture.setUp();
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        const QString opened = m_fixture.openBatch(QStringLiteral("lot"), 1);
        QVERIFY2(opened.isEmpty(), qPrintable(opened));
    }

    void supervisorLetsTheBatchPastItsQuota()
    {
        const QString started = m_fixture.startDevices(2);
        QVERIFY2(started.isEmpty(), qPrintable(started));
        gui::LiveStationOptions options = m_fixture.stationOptions(2);
        options.batch = QStringLiteral("lot");
        gui::LiveStation station(options, m_clock);
        ui::MainWindow window(&station);
        test::showAndLogIn(window, kTechnician);
        if (QTest::currentTestFailed())
            return;

        // Slot 1 takes SIM-0-0, the batch's one unit: the batch is complete and the slot stops.
        QTest::keyClick(&window, Qt::Key_1, Qt::ControlModifier);
        QTRY_COMPARE(window.fixture()->selectedSlot().value_or(-1), 0);
        test::startSelectedSlot(window);
        // (The tile may show STOPPED already: the full batch stops the slot right after its PASS.)
        QTRY_VERIFY2_WITH_TIMEOUT(window.batchPanel()->complete(), said(window, 0).constData(), 60'000);
        QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM units WHERE state = 'passed' AND serial_number = 'SIM-0-0'")), 1);
        QTRY_VERIFY_WITH_TIMEOUT(window.fixture()->runningSlots().isEmpty(), 20'000);

        // Slot 2 started on the full batch: its device is refused for the quota, in plain words,
        // and the slot stays on so the tile can offer the override.
        QTest::keyClick(&window, Qt::Key_2, Qt::ControlModifier);
        QTRY_COMPARE(window.fixture()->selectedSlot().value_or(-1), 1);
        test::startSelectedSlot(window);
        ui::SlotTile* tile = window.fixture()->tile(1);
        QTRY_VERIFY2_WITH_TIMEOUT(test::tileOutcome(window, 1).endsWith(QStringLiteral("FAIL")), said(window, 1).constData(), 60'000);
        QVERIFY2(labelText(tile, QStringLiteral("reasonLabel")).contains(QStringLiteral("reached its quota of 1 units")),
                 qPrintable(labelText(tile, QStringLiteral("reasonLabel"))));
        QVERIFY2(labelText(tile, QStringLiteral("hintLabel")).contains(QStringLiteral("ask a supervisor to allow units past the quota")),
                 qPrintable(labelText(tile, QStringLiteral("hintLabel"))));
        auto* pastQuota = tile->findChild<QPushButton*>(QStringLiteral("pastQuotaButton"));
        QVERIFY(pastQuota->isVisible());
        QVERIFY(pastQuota->isEnabled());
        QVERIFY(!tile->findChild<QPushButton*>(QStringLiteral("reworkButton"))->isVisible());
        QTest::qWait(500);
        QVERIFY(tile->running());  // not stopped by the full batch: the tile keeps its reason
        QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM units")), 1);

        // F9 asks for a supervisor; a technician's ID is refused and nothing is provisioned.
        QTest::keyClick(&window, Qt::Key_F9);
        QTRY_VERIFY(window.supervisorDialog() && window.supervisorDialog()->isVisible());
        ui::SupervisorDialog* dialog = window.supervisorDialog();
        auto* supervisorId = dialog->findChild<QLineEdit*>(QStringLiteral("supervisorIdField"));
        QTRY_VERIFY(supervisorId->hasFocus());
        scan(supervisorId, kTechnician);
        QTRY_VERIFY(labelText(dialog, QStringLiteral("approvalMessage")).contains(QStringLiteral("not a supervisor")));
        QTest::qWait(500);
        QVERIFY(test::tileOutcome(window, 1).endsWith(QStringLiteral("FAIL")));
        QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM units")), 1);

        // The supervisor's badge: the refused device is provisioned past the quota.
        scan(supervisorId, kSupervisor);
        QTRY_VERIFY(!window.supervisorDialog());
        QTRY_VERIFY2_WITH_TIMEOUT(test::tileOutcome(window, 1).endsWith(QStringLiteral("PASS")), said(window, 1).constData(), 60'000);
        QTRY_VERIFY(labelText(&window, QStringLiteral("statusLabel")).contains(QStringLiteral("past its quota")));
        QTRY_COMPARE(count(QStringLiteral("SELECT COUNT(*) FROM units WHERE state = 'passed'")), 2);
        QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM units WHERE state = 'passed' AND serial_number = 'SIM-1-0' "
                                      "AND supervisor = 'sup-1' AND operator = 'tech-1'")),
                 1);
        QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM units WHERE serial_number = 'SIM-0-0' AND supervisor IS NULL")), 1);
        QVERIFY(count(QStringLiteral("SELECT COUNT(*) FROM events e JOIN units u ON u.id = e.unit_id "
                                     "WHERE u.serial_number = 'SIM-1-0' AND e.supervisor = 'sup-1'"))
                > 0);
        // The refusal is on record too, before the approval.
        QVERIFY(count(QStringLiteral("SELECT COUNT(*) FROM events WHERE outcome = 'refused' AND error LIKE '%quota%'")) > 0);
        // Past the quota, the full batch no longer stops the slot.
        QTest::qWait(500);
        QVERIFY(tile->running());

        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        QTest::keyClick(&window, Qt::Key_F5, Qt::ShiftModifier);
        QTRY_VERIFY_WITH_TIMEOUT(window.fixture()->runningSlots().isEmpty(), 20'000);
        m_fixture.harness().stopDevices();
        const test::CliRun verified = m_fixture.harness().cli({QStringLiteral("audit"), QStringLiteral("verify"),
                                                               QStringLiteral("--db"), m_fixture.database()});
        QVERIFY2(verified.exitCode == 0, qPrintable(verified.out + verified.err));
    }
};

QTEST_MAIN(TestQuotaOverride)
#include "tst_quota_override.moc"
