// The window on the real stack, driven from the keyboard as a technician would: import a work
// order (its bad rows shown first, nothing imported), run a batch on three slots of simulated
// devices with one injected fault, and read the tiles and the batch panel.
#include "GuiStationFixture.h"
#include "app/gui/LiveStation.h"
#include "ui/BatchPanel.h"
#include "ui/FixtureView.h"
#include "ui/ImportDialog.h"
#include "ui/MainWindow.h"

#include <QAction>
#include <QFile>
#include <QLabel>
#include <QPushButton>
#include <QTableView>
#include <QTest>

using namespace imprint;

namespace {

QString labelText(QWidget* parent, const QString& name)
{
    auto* label = parent->findChild<QLabel*>(name);
    return label ? label->text() : QStringLiteral("<no %1>").arg(name);
}

}  // namespace

class TestStationWindow : public QObject
{
    Q_OBJECT

    test::GuiStationFixture m_fixture;
    SystemClock m_clock;

private Q_SLOTS:
    void initTestCase()
    {
        const QString failure = m_fixture.setUp();
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
    }

    void importsRunsAndShowsPassAndFail()
    {
        const QString started = m_fixture.startDevices(3, {QStringLiteral("2:corrupt-always")});
        QVERIFY2(started.isEmpty(), qPrintable(started));
        gui::LiveStation station(m_fixture.stationOptions(3), m_clock);
        ui::MainWindow window(&station);
        window.show();
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        QCOMPARE(window.fixture()->slotNumbers(), (QList<int>{0, 1, 2}));

        // The shift starts with a login: nothing can be imported before it.
        QVERIFY(!window.findChild<QAction*>(QStringLiteral("importAction"))->isEnabled());
        window.login(QString::fromLatin1(test::GuiStationFixture::kTechnician));
        QTRY_VERIFY(window.loggedIn());

        // Nothing to start before a work order is imported.
        QVERIFY(!window.findChild<QAction*>(QStringLiteral("startAllAction"))->isEnabled());

        // Ctrl+I opens the import dialog (never a nested event loop: open(), not exec()).
        QTest::keyClick(&window, Qt::Key_I, Qt::ControlModifier);
        QTRY_VERIFY(window.importDialog() && window.importDialog()->isVisible());
        ui::ImportDialog* dialog = window.importDialog();
        auto* importButton = dialog->findChild<QPushButton*>(QStringLiteral("importButton"));

        // A file with two bad rows: both are listed with their reasons, the import stays off.
        const QString bad = m_fixture.harness().path(QStringLiteral("bad.csv"));
        {
            QFile file(bad);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("serial_number,hardware_id\nSIM-0-0,\n,\nSIM-0-0,\n");
        }
        dialog->setThingNameRule(QStringLiteral("sensor-{serial}"));
        dialog->setPath(bad);
        QTRY_VERIFY(dialog->preview().path == bad && !dialog->previewing());
        auto* issues = dialog->findChild<QTableView*>(QStringLiteral("issuesTable"));
        QVERIFY2(issues->model()->rowCount() >= 2, qPrintable(labelText(dialog, QStringLiteral("previewSummary"))));
        QVERIFY(!importButton->isEnabled());
        QVERIFY(labelText(dialog, QStringLiteral("previewSummary")).contains(QStringLiteral("problem")));

        // The good file: previewed, imported, the batch panel shows it.
        const QString good = m_fixture.writeWorkOrder(QStringLiteral("shift-1"), 3);
        dialog->setPath(good);
        QTRY_VERIFY(dialog->preview().path == good && !dialog->previewing());
        QCOMPARE(dialog->preview().validRows, 3);
        QCOMPARE(issues->model()->rowCount(), 0);
        QVERIFY(importButton->isEnabled());
        QTest::mouseClick(importButton, Qt::LeftButton);
        QTRY_VERIFY(!dialog->isVisible());
        QTRY_COMPARE(labelText(&window, QStringLiteral("batchNameLabel")), QStringLiteral("shift-1"));
        QCOMPARE(labelText(&window, QStringLiteral("remainingCount")), QStringLiteral("3"));
        QCOMPARE(labelText(&window, QStringLiteral("quotaCount")), QStringLiteral("3"));

        // F5 starts every slot; two pass, the faulty device fails with a reason and a hint.
        QTRY_VERIFY(window.findChild<QAction*>(QStringLiteral("startAllAction"))->isEnabled());
        window.activateWindow();  // back from the dialog (the offscreen platform does not do it)
        QVERIFY(QTest::qWaitForWindowActive(&window));
        QTest::keyClick(&window, Qt::Key_F5);
        QTRY_VERIFY2(window.fixture()->runningSlots().size() == 3, qPrintable(labelText(&window, QStringLiteral("statusLabel"))));
        QVERIFY(!window.findChild<QAction*>(QStringLiteral("importAction"))->isEnabled());
        ui::SlotTile* tiles[] = {window.fixture()->tile(0), window.fixture()->tile(1), window.fixture()->tile(2)};
        QTRY_VERIFY_WITH_TIMEOUT(labelText(tiles[0], QStringLiteral("outcomeLabel")).endsWith(QStringLiteral("PASS")), 60'000);
        QTRY_VERIFY_WITH_TIMEOUT(labelText(tiles[1], QStringLiteral("outcomeLabel")).endsWith(QStringLiteral("PASS")), 60'000);
        QTRY_VERIFY_WITH_TIMEOUT(labelText(tiles[2], QStringLiteral("outcomeLabel")).endsWith(QStringLiteral("FAIL")), 60'000);
        QVERIFY(labelText(tiles[0], QStringLiteral("identityLabel")).contains(QStringLiteral("sensor-SIM-0-0")));
        QVERIFY(labelText(tiles[2], QStringLiteral("identityLabel")).contains(QStringLiteral("SIM-2-0")));
        QVERIFY2(labelText(tiles[2], QStringLiteral("reasonLabel")).startsWith(QStringLiteral("Why: ")),
                 qPrintable(labelText(tiles[2], QStringLiteral("reasonLabel"))));
        QVERIFY(labelText(tiles[2], QStringLiteral("reasonLabel")).size() > 10);
        QVERIFY(labelText(tiles[2], QStringLiteral("hintLabel")).startsWith(QStringLiteral("What to do: ")));
        QVERIFY(labelText(tiles[2], QStringLiteral("stepLabel")).contains(QStringLiteral("generate key")));
        QTRY_COMPARE(labelText(&window, QStringLiteral("passedCount")), QStringLiteral("2"));
        QTRY_COMPARE(labelText(&window, QStringLiteral("failedCount")), QStringLiteral("1"));
        QCOMPARE(labelText(&window, QStringLiteral("remainingCount")), QStringLiteral("1"));

        // Keyboard: Ctrl+2 selects slot 2, Enter stops it; Shift+F5 stops the rest.
        QTest::keyClick(&window, Qt::Key_2, Qt::ControlModifier);
        QTRY_COMPARE(window.fixture()->selectedSlot().value_or(-1), 1);
        QTest::keyClick(window.fixture()->tile(1), Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(!window.fixture()->tile(1)->running(), 20'000);
        QVERIFY(window.fixture()->tile(0)->running());
        QTest::keyClick(&window, Qt::Key_F5, Qt::ShiftModifier);
        QTRY_VERIFY_WITH_TIMEOUT(window.fixture()->runningSlots().isEmpty(), 20'000);
        QTRY_VERIFY(window.findChild<QAction*>(QStringLiteral("importAction"))->isEnabled());

        // What the tiles said is what the audit holds.
        QCOMPARE(test::countRows(m_fixture.database(), QStringLiteral("SELECT COUNT(*) FROM units WHERE state = 'passed'")), 2);
        QCOMPARE(test::countRows(m_fixture.database(), QStringLiteral("SELECT COUNT(*) FROM units WHERE state = 'failed'")), 1);
        m_fixture.harness().stopDevices();
    }
};

QTEST_MAIN(TestStationWindow)
#include "tst_stationwindow.moc"
