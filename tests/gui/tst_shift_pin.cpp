// The token's PIN asked in the window when a shift opens the CA and nothing else gives it (no
// pin-source in station.ini, no IMPRINT_HSM_PIN), on the real stack (SoftHSM2 CA, simulated
// devices, SQLite audit): the fixture's PIN field appears on the first start, a wrong PIN is
// refused with the token's own reason and nothing is provisioned, Esc declines, the right PIN
// provisions; the PIN is in no widget and in no byte of the audit afterwards, and the next
// person to log in is asked again.
#include "GuiStationFixture.h"
#include "app/gui/LiveStation.h"
#include "ui/FixtureView.h"
#include "ui/MainWindow.h"
#include "ui/PinPromptPanel.h"
#include "ui/SlotTile.h"

#include <QAction>
#include <QDir>
#include <QFile>
#include <QLineEdit>
#include <QRegularExpression>
#include <QTest>

using namespace imprint;

namespace {

using test::labelText;

const QString kTechnician = QString::fromLatin1(test::GuiStationFixture::kTechnician);
const QString kSupervisor = QString::fromLatin1(test::GuiStationFixture::kSupervisor);

QString statusOf(ui::MainWindow& window)
{
    return labelText(&window, QStringLiteral("statusLabel"));
}

// Every byte of the audit database and its journal files.
QByteArray auditBytes(const QString& database)
{
    QByteArray all;
    for (const QString& suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-journal")}) {
        QFile file(database + suffix);
        if (file.open(QIODevice::ReadOnly))
            all += file.readAll();
    }
    return all;
}

}  // namespace

class TestShiftPin : public QObject
{
    Q_OBJECT

    test::GuiStationFixture m_fixture;
    SystemClock m_clock;
    QByteArray m_pin;

    [[nodiscard]] qint64 count(const QString& sql) const { return test::countRows(m_fixture.database(), sql); }

    // The station as a factory would set it up for people: the token's URI without a pin-source.
    [[nodiscard]] QString dropPinSource()
    {
        const QDir data(m_fixture.harness().environment().value(QStringLiteral("IMPRINT_DATA_DIR")));
        QFile pinFile(data.filePath(QStringLiteral("softhsm/user.pin")));
        if (!pinFile.open(QIODevice::ReadOnly))
            return QStringLiteral("cannot read the development PIN: ") + pinFile.errorString();
        m_pin = pinFile.readAll().trimmed();
        QFile ini(data.filePath(QStringLiteral("station.ini")));
        if (!ini.open(QIODevice::ReadOnly))
            return QStringLiteral("cannot read station.ini: ") + ini.errorString();
        QString text = QString::fromUtf8(ini.readAll());
        ini.close();
        const qsizetype before = text.size();
        text.remove(QRegularExpression(QStringLiteral("\\?pin-source=[^\"\\n]*")));
        if (text.size() == before)
            return QStringLiteral("station.ini names no pin-source:\n") + text;
        if (!ini.open(QIODevice::WriteOnly | QIODevice::Truncate) || ini.write(text.toUtf8()) < 0)
            return QStringLiteral("cannot write station.ini: ") + ini.errorString();
        return {};
    }

    [[nodiscard]] gui::LiveStationOptions lotOnOneSlot() const
    {
        gui::LiveStationOptions options = m_fixture.stationOptions(1);
        options.batch = QStringLiteral("lot");
        return options;
    }

    // F6 on slot 1, then the PIN field: shown, asking for the token, focused.
    void startAndExpectPinQuestion(ui::MainWindow& window)
    {
        window.fixture()->selectSlot(0);
        test::startSelectedSlot(window);
        ui::PinPromptPanel* panel = window.pinPanel();
        QTRY_VERIFY2_WITH_TIMEOUT(panel->isVisible(), qPrintable(statusOf(window)), 20'000);
        QVERIFY2(panel->question().contains(QStringLiteral("PIN of token 'imprint-dev'")), qPrintable(panel->question()));
        QTRY_VERIFY(panel->pinField()->hasFocus());
        QCOMPARE(panel->pinField()->echoMode(), QLineEdit::Password);
    }

private Q_SLOTS:
    void initTestCase()
    {
        qunsetenv("IMPRINT_HSM_PIN");
        const QString failure = m_fixture.setUp();
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        const QString dropped = dropPinSource();
        QVERIFY2(dropped.isEmpty(), qPrintable(dropped));
        QVERIFY(!m_pin.isEmpty());
        const QString opened = m_fixture.openBatch(QStringLiteral("lot"), 10);
        QVERIFY2(opened.isEmpty(), qPrintable(opened));
    }

    void pinIsAskedInTheWindowWhenTheShiftOpensTheCa()
    {
        const QString started = m_fixture.startDevices(1);
        QVERIFY2(started.isEmpty(), qPrintable(started));
        gui::LiveStation station(lotOnOneSlot(), m_clock);
        ui::MainWindow window(&station);
        QVERIFY(!window.pinPanel()->isVisible());
        test::showAndLogIn(window, kTechnician);
        if (QTest::currentTestFailed())
            return;

        // A wrong PIN: the token's reason, in the window; nothing provisioned, the slot not running.
        startAndExpectPinQuestion(window);
        if (QTest::currentTestFailed())
            return;
        test::scan(window.pinPanel()->pinField(), QStringLiteral("0000wrong"));
        QTRY_VERIFY(!window.pinPanel()->isVisible());
        QTRY_VERIFY2_WITH_TIMEOUT(statusOf(window).contains(QStringLiteral("CKR_PIN_INCORRECT")), qPrintable(statusOf(window)), 20'000);
        QVERIFY2(statusOf(window).contains(QStringLiteral("imprint-dev")), qPrintable(statusOf(window)));
        QVERIFY(window.pinPanel()->pinField()->text().isEmpty());
        QVERIFY(!window.fixture()->tile(0)->running());
        QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM units")), 0);

        // Esc declines: the station says so and does nothing.
        startAndExpectPinQuestion(window);
        if (QTest::currentTestFailed())
            return;
        QTest::keyClick(window.pinPanel()->pinField(), Qt::Key_Escape);
        QTRY_VERIFY(!window.pinPanel()->isVisible());
        QTRY_VERIFY2(statusOf(window).contains(QStringLiteral("was not entered")), qPrintable(statusOf(window)));
        QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM units")), 0);

        // The right PIN: the slot provisions its device.
        startAndExpectPinQuestion(window);
        if (QTest::currentTestFailed())
            return;
        test::scan(window.pinPanel()->pinField(), QString::fromUtf8(m_pin));
        QTRY_VERIFY(!window.pinPanel()->isVisible());
        QVERIFY(window.pinPanel()->pinField()->text().isEmpty());
        QTRY_VERIFY2_WITH_TIMEOUT(test::tileOutcome(window, 0).endsWith(QStringLiteral("PASS")), qPrintable(statusOf(window)), 60'000);
        QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM units WHERE state = 'passed' AND operator = 'tech-1'")), 1);

        // The next person logs in: the CA is opened again for them, so the PIN is asked again.
        QTest::keyClick(&window, Qt::Key_L, Qt::ControlModifier);
        QTRY_VERIFY(!window.loggedIn());
        test::showAndLogIn(window, kSupervisor);
        if (QTest::currentTestFailed())
            return;
        startAndExpectPinQuestion(window);
        if (QTest::currentTestFailed())
            return;
        QTest::keyClick(window.pinPanel()->pinField(), Qt::Key_Escape);
        QTRY_VERIFY(!window.pinPanel()->isVisible());

        m_fixture.harness().stopDevices();
        QTest::qWait(200);
        QVERIFY2(!auditBytes(m_fixture.database()).contains(m_pin), "the PIN is somewhere in the audit database");
        const test::CliRun verified = m_fixture.harness().cli({QStringLiteral("audit"), QStringLiteral("verify"),
                                                               QStringLiteral("--db"), m_fixture.database()});
        QVERIFY2(verified.exitCode == 0, qPrintable(verified.out + verified.err));
    }

    void windowClosedWhileThePinIsAskedEndsCleanly()
    {
        const QString started = m_fixture.startDevices(1);
        QVERIFY2(started.isEmpty(), qPrintable(started));
        gui::LiveStation station(lotOnOneSlot(), m_clock);
        {
            ui::MainWindow window(&station);
            test::showAndLogIn(window, kTechnician);
            if (QTest::currentTestFailed())
                return;
            startAndExpectPinQuestion(window);
            if (QTest::currentTestFailed())
                return;
        }
        // The window is gone with the question open: the station's thread is not left waiting
        // for it, so the station ends (this function returning is the check) and provisions nothing
        // (the one unit is the first test's).
        QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM units")), 1);
        m_fixture.harness().stopDevices();
    }
};

QTEST_MAIN(TestShiftPin)
#include "tst_shift_pin.moc"
