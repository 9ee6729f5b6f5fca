#include "GuiStationFixture.h"

#include "core/audit/StationIdentity.h"
#include "ui/FixtureView.h"
#include "ui/MainWindow.h"
#include "ui/SlotTile.h"

#include <QDir>
#include <QFile>
#include <QAction>
#include <QLabel>
#include <QLineEdit>
#include <QTest>

namespace imprint::test {

GuiStationFixture::GuiStationFixture() : m_devices(m_harness.path(QStringLiteral("devices"))) {}

QString GuiStationFixture::setUp()
{
    // This process is the station: it finds station.ini (and through it the token's SoftHSM2
    // configuration) in the harness's data directory, as imprint-cli does.
    qputenv("IMPRINT_DATA_DIR", m_harness.environment().value(QStringLiteral("IMPRINT_DATA_DIR")).toUtf8());
    qunsetenv("SOFTHSM2_CONF");
    if (QString failure = m_harness.setUpCa(); !failure.isEmpty())
        return failure;
    return registerPeople();
}

QString GuiStationFixture::registerPeople()
{
    const QString supervisor = QString::fromLatin1(kSupervisor);
    const QStringList runs[] = {
        {QStringLiteral("audit"), QStringLiteral("add-operator"), supervisor, QStringLiteral("--role"),
         QStringLiteral("supervisor"), QStringLiteral("--db"), database()},
        {QStringLiteral("audit"), QStringLiteral("add-operator"), QString::fromLatin1(kTechnician), QStringLiteral("--role"),
         QStringLiteral("operator"), QStringLiteral("--supervisor"), supervisor, QStringLiteral("--db"), database()},
    };
    for (const QStringList& arguments : runs) {
        const CliRun run = m_harness.cli(arguments);
        if (run.exitCode != 0)
            return QStringLiteral("imprint-cli %1: %2").arg(arguments.join(u' '), run.err);
    }
    return {};
}

QString GuiStationFixture::startDevices(int ports, const QStringList& faults, int perPort)
{
    QStringList arguments{QStringLiteral("--ports"), QString::number(ports), QStringLiteral("--protocol"),
                          QStringLiteral("imprint"), QStringLiteral("--queue"), QString::number(perPort)};
    if (!faults.isEmpty())
        arguments << QStringLiteral("--fault") << faults.join(u',');
    return m_harness.startDevices(m_devices, arguments);
}

QString GuiStationFixture::writeWorkOrder(const QString& name, int ports, int perPort) const
{
    const QString path = m_harness.path(name + QStringLiteral(".csv"));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return {};
    file.write("serial_number\n");
    for (int slot = 0; slot < ports; ++slot) {
        for (int position = 0; position < perPort; ++position)
            file.write(QStringLiteral("SIM-%1-%2\n").arg(slot).arg(position).toUtf8());
    }
    return path;
}

QString GuiStationFixture::openBatch(const QString& name, int quota)
{
    const CliRun opened = m_harness.cli({QStringLiteral("batch"), QStringLiteral("open"), name, QStringLiteral("--quota"),
                                         QString::number(quota), QStringLiteral("--db"), database()});
    return opened.exitCode == 0 ? QString() : QStringLiteral("batch open %1: %2").arg(name, opened.err);
}

gui::LiveStationOptions GuiStationFixture::stationOptions(int ports) const
{
    gui::LiveStationOptions options;
    options.session.database = database();
    options.session.stationName = audit::defaultStationName();
    options.session.actor = {QString(), std::nullopt};  // the window logs someone in
    options.session.profile.configuration = {{QStringLiteral("thing"), QStringLiteral("{thingName}")}};
    options.session.pollInterval = std::chrono::milliseconds(100);
    for (int slot = 0; slot < ports; ++slot)
        options.slots.append({slot, QDir(m_devices).filePath(QStringLiteral("slot%1").arg(slot))});
    return options;
}

QString labelText(QWidget* parent, const QString& name)
{
    auto* label = parent->findChild<QLabel*>(name);
    return label ? label->text() : QStringLiteral("<no %1>").arg(name);
}

QString tileOutcome(ui::MainWindow& window, int slot)
{
    return labelText(window.fixture()->tile(slot), QStringLiteral("outcomeLabel"));
}

void scan(QWidget* target, const QString& text)
{
    QTest::keyClicks(target, text);
    QTest::keyClick(target, Qt::Key_Return);
}

void showAndLogIn(ui::MainWindow& window, const QString& operatorId)
{
    window.show();
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    auto* id = window.findChild<QLineEdit*>(QStringLiteral("operatorIdField"));
    QVERIFY(id);
    QTRY_VERIFY(id->hasFocus());
    scan(id, operatorId);
    QTRY_VERIFY(window.loggedIn());
    QTRY_VERIFY(window.findChild<QAction*>(QStringLiteral("startSlotAction"))->isEnabled());
}

void startSelectedSlot(ui::MainWindow& window)
{
    QTRY_VERIFY_WITH_TIMEOUT(window.findChild<QAction*>(QStringLiteral("startSlotAction"))->isEnabled(), 20'000);
    QTest::keyClick(&window, Qt::Key_F6);
}

}  // namespace imprint::test
