#include "ui/MainWindow.h"

#include <QAction>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QTest>
#include <QTreeWidget>

using namespace imprint;

class TestMainWindow : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void showsEveryCheckWithWordAndDetail()
    {
        ui::MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.windowTitle().startsWith(QStringLiteral("Imprint ")));

        window.showSelfChecks({{QStringLiteral("OpenSSL"), true, QStringLiteral("OpenSSL 3.0")},
                               {QStringLiteral("PKCS#11 module"), false, QStringLiteral("no such file")}});
        auto* checks = window.findChild<QTreeWidget*>(QStringLiteral("checksView"));
        QVERIFY(checks);
        QCOMPARE(checks->topLevelItemCount(), 2);
        QCOMPARE(checks->topLevelItem(0)->text(1), QStringLiteral("OK"));
        QCOMPARE(checks->topLevelItem(1)->text(1), QStringLiteral("FAILED"));
        QCOMPARE(checks->topLevelItem(1)->text(2), QStringLiteral("no such file"));
        auto* summary = window.findChild<QLabel*>(QStringLiteral("summaryLabel"));
        QVERIFY(summary->text().contains(QStringLiteral("1 check(s) failed")));
    }

    void everyMenuActionHasAShortcutAndEveryMenuAMnemonic()
    {
        ui::MainWindow window;
        const auto menus = window.menuBar()->actions();
        QVERIFY(menus.size() >= 2);
        int actions = 0;
        for (QAction* menu : menus) {
            QVERIFY2(menu->text().contains(u'&'), qPrintable(menu->text()));
            for (QAction* action : menu->menu()->actions()) {
                if (action->isSeparator())
                    continue;
                ++actions;
                QVERIFY2(!action->shortcut().isEmpty(), qPrintable(action->text()));
            }
        }
        QVERIFY(actions >= 6 + 9);  // import, quit, start/stop all and one, and go to slots 1-9
    }

    void allPassedSaysReady()
    {
        ui::MainWindow window;
        window.showSelfChecks({{QStringLiteral("SQLite database"), true, QStringLiteral("SQLite 3.40")}});
        auto* summary = window.findChild<QLabel*>(QStringLiteral("summaryLabel"));
        QVERIFY(summary->text().startsWith(QStringLiteral("Station ready")));
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
