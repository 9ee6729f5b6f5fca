// imprint: the technician's desktop application. Wires core, hsm and serial into the UI;
// every check and job runs off the GUI thread.
#include "app/common/CaStation.h"
#include "app/common/ClaimStation.h"
#include "app/common/StationChecks.h"
#include "app/gui/AuditService.h"
#include "app/gui/DemoRunner.h"
#include "app/gui/SetupPages.h"
#include "app/gui/LiveStation.h"
#include "core/Log.h"
#include "core/Paths.h"
#include "core/Version.h"
#include "core/audit/SqlConnection.h"
#include "core/audit/StationIdentity.h"
#include "ui/MainWindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QPointer>
#include <QSettings>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <optional>

namespace {

using namespace imprint;

struct Options
{
    QCommandLineOption module{QStringLiteral("module"), QStringLiteral("PKCS#11 module."), QStringLiteral("path"),
                              QString::fromLatin1(kDefaultPkcs11Module)};
    QCommandLineOption quitAfter{QStringLiteral("quit-after"),
                                 QStringLiteral("Quit after this many milliseconds (demo, smoke tests)."),
                                 QStringLiteral("ms")};
    QCommandLineOption quitWhenDone{QStringLiteral("quit-when-done"),
                                    QStringLiteral("Quit once every device of the batch is provisioned (demo, tests).")};
    QCommandLineOption screenshot{QStringLiteral("screenshot"),
                                  QStringLiteral("Save a PNG of the window just before quitting (with --quit-after)."),
                                  QStringLiteral("file")};
    QCommandLineOption demo{QStringLiteral("demo"),
                            QStringLiteral("Run the sample batch on simulated devices (imprint-devsim, 8 ports x 2).")};
    QCommandLineOption devsim{QStringLiteral("devsim"), QStringLiteral("The imprint-devsim program (demo)."),
                              QStringLiteral("path")};
    QCommandLineOption fault{QStringLiteral("demo-fault"),
                             QStringLiteral("Demo: inject a device fault, SLOT:KIND (imprint-devsim --fault)."),
                             QStringLiteral("slot:kind")};
    QCommandLineOption workOrder{QStringLiteral("work-order"), QStringLiteral("The demo's work order (CSV)."),
                                 QStringLiteral("file")};
    QCommandLineOption port{QStringLiteral("port"), QStringLiteral("A slot's serial port (repeatable; default: "
                                                                   "[serial] ports in station.ini)."),
                            QStringLiteral("port")};
    QCommandLineOption batch{QStringLiteral("batch"), QStringLiteral("Batch to provision (id or name)."),
                             QStringLiteral("batch")};
    QCommandLineOption db{QStringLiteral("db"), QStringLiteral("Audit database (default: [audit] path in station.ini)."),
                          QStringLiteral("file")};
    QCommandLineOption operatorName{QStringLiteral("operator"),
                                    QStringLiteral("Log this registered operator in at start (else the login panel asks)."),
                                    QStringLiteral("id")};
    QCommandLineOption bind{QStringLiteral("bind"),
                            QStringLiteral("How a device finds its work-order row: device (what it reports, the default) "
                                           "or barcode (the label scanned for its slot)."),
                            QStringLiteral("mode"), QStringLiteral("device")};
    QCommandLineOption registration{QStringLiteral("registration"),
                                    QStringLiteral("Cloud registration mode of the batch: jitp (default), jitr, "
                                                   "register-thing, bulk, none, or claim / trusted-user (the station "
                                                   "installs a fleet-provisioning claim instead of a certificate)."),
                                    QStringLiteral("mode"), QStringLiteral("jitp")};
    QCommandLineOption claimTemplate{QStringLiteral("template"),
                                     QStringLiteral("Claim modes: the fleet-provisioning template the devices register through."),
                                     QStringLiteral("name")};
    QCommandLineOption claimCert{QStringLiteral("claim-cert"),
                                 QStringLiteral("--registration claim: the fleet's claim certificate (PEM)."),
                                 QStringLiteral("file")};
    QCommandLineOption claimKey{QStringLiteral("claim-key"),
                                QStringLiteral("--registration claim: the claim certificate's private key (PEM)."),
                                QStringLiteral("file")};
    QCommandLineOption cloudSync{QStringLiteral("cloud-sync"),
                                 QStringLiteral("Send passed units' cloud registrations in the background "
                                                "([cloud] in station.ini).")};
};

QList<pipeline::SlotConfig> configuredSlots(const QStringList& ports)
{
    QStringList chosen = ports;
    if (chosen.isEmpty())
        chosen = QSettings(station::stationIniPath(), QSettings::IniFormat).value(QStringLiteral("serial/ports")).toStringList();
    QList<pipeline::SlotConfig> slots;
    for (int slot = 0; slot < chosen.size(); ++slot)
        slots.append({slot, chosen.at(slot)});
    return slots;
}

gui::LiveStationOptions stationOptions(const QCommandLineParser& parser, const Options& o, const QString& demoDir)
{
    gui::LiveStationOptions options;
    auto& session = options.session;
    session.stationName = audit::defaultStationName();
    session.actor = {QString(), std::nullopt};  // nobody until someone logs in
    const QString profileName = station::readCaSettings().defaultProfile;
    if (auto profile = station::readProfile(profileName))
        session.profile.certificate = profile.value();
    session.profile.name = profileName;
    session.cloudSync = parser.isSet(o.cloudSync);
    if (parser.value(o.bind) == QLatin1String("barcode"))
        session.profile.bind = pipeline::BindMode::Barcode;
    // Checked in main() (usageProblem); the claim files are read when the station opens, on its
    // worker thread, and a problem with them shows in the window's problem line.
    if (auto mode = pipeline::parseRegistrationMode(parser.value(o.registration)))
        session.profile.registration = mode.value();
    session.profile.claimTemplate = parser.value(o.claimTemplate);
    session.claimSource.certificatePath = parser.value(o.claimCert);
    session.claimSource.keyPath = parser.value(o.claimKey);
    if (demoDir.isEmpty()) {
        session.database = audit::resolveAuditPath(parser.value(o.db));
        options.slots = configuredSlots(parser.values(o.port));
        options.batch = parser.value(o.batch);
    } else {
        session.database = QDir(demoDir).filePath(QStringLiteral("audit.sqlite"));
        for (const char* suffix : {"", "-wal", "-shm"})
            QFile::remove(session.database + QLatin1String(suffix));
        // The demo's technician is on record from the start (the window logs them in as well):
        // its slots start as soon as the devices are ready.
        session.actor = {gui::DemoSettings().operatorId, std::nullopt};
        session.profile.configuration = {{QStringLiteral("endpoint"), QStringLiteral("iot.demo.invalid")},
                                         {QStringLiteral("thing"), QStringLiteral("{thingName}")}};
        options.slots = gui::demoSlots(QDir(demoDir).filePath(QStringLiteral("devices")), 8);
    }
    return options;
}

// What is wrong with the command line, in plain words; empty when nothing is.
QString usageProblem(const QCommandLineParser& parser, const Options& o)
{
    auto claims = station::checkClaimOptions({parser.value(o.registration), parser.value(o.claimTemplate),
                                              parser.value(o.claimCert), parser.value(o.claimKey)});
    return claims ? QString() : claims.error().message();
}

// Without a display the demo still runs, headless, and ends when the batch is done.
bool headlessDemo(int argc, char* argv[])
{
    const bool demo = std::any_of(argv + 1, argv + argc, [](const char* arg) { return std::strcmp(arg, "--demo") == 0; });
    const bool display = qEnvironmentVariableIsSet("DISPLAY") || qEnvironmentVariableIsSet("WAYLAND_DISPLAY")
                         || qEnvironmentVariableIsSet("QT_QPA_PLATFORM");
    return demo && !display;
}

}  // namespace

int main(int argc, char* argv[])
{
    const bool headless = headlessDemo(argc, argv);
    if (headless)
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("imprint"));
    QApplication::setOrganizationName(QStringLiteral("imprint"));
    QApplication::setApplicationVersion(QString::fromLatin1(imprint::kVersion));
    imprint::installLogFormat();

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Imprint provisioning station"));
    parser.addHelpOption();
    parser.addVersionOption();
    const Options o;
    parser.addOptions({o.module, o.quitAfter, o.quitWhenDone, o.screenshot, o.demo, o.devsim, o.fault, o.workOrder, o.port, o.batch, o.db,
                       o.operatorName, o.bind, o.cloudSync, o.registration, o.claimTemplate, o.claimCert, o.claimKey});
    parser.process(app);
    if (const QString problem = usageProblem(parser, o); !problem.isEmpty()) {
        std::fprintf(stderr, "imprint: %s\n", qPrintable(problem));
        return 2;
    }

    const QString demoDir = parser.isSet(o.demo) ? QDir(dataDirectory()).filePath(QStringLiteral("demo-gui")) : QString();
    SystemClock clock;
    const gui::LiveStationOptions options = stationOptions(parser, o, demoDir);
    auto station = std::make_unique<gui::LiveStation>(options, clock);
    gui::AuditService audit(options.session.database);
    gui::SetupPages setup(options.session.database, clock);  // outlives the window, which uses it
    ui::MainWindow window(station.get(), &audit);
    setup.addTo(window);
    // Problems also go to the log: a headless demo or a supervisor's terminal sees them.
    QObject::connect(station.get(), &ui::StationControl::problem, &window,
                     [](const QString& message) { qCWarning(lcUi).noquote() << message; });
    window.show();

    std::optional<gui::DemoRunner> demo;
    if (!demoDir.isEmpty()) {
        gui::DemoSettings settings;
        settings.devsim = parser.isSet(o.devsim) ? parser.value(o.devsim) : gui::findDevsim();
        settings.workOrder = parser.isSet(o.workOrder) ? parser.value(o.workOrder) : gui::findSampleWorkOrder();
        settings.deviceDir = QDir(demoDir).filePath(QStringLiteral("devices"));
        settings.module = parser.value(o.module);
        settings.faults = parser.values(o.fault);
        settings.database = options.session.database;
        demo.emplace(settings, *station);
        QObject::connect(&*demo, &gui::DemoRunner::failed, &window,
                         [](const QString& message) { qCritical().noquote() << "demo:" << message; });
        demo->start();
        window.login(settings.operatorId);  // queued after the demo's people are registered
    } else if (parser.isSet(o.operatorName)) {
        window.login(parser.value(o.operatorName));
    }

    // The station checks load the PKCS#11 module: on the station's thread, never beside its work.
    const QString modulePath = parser.value(o.module);
    const QString dataDir = imprint::dataDirectory();
    QPointer<ui::MainWindow> shown(&window);
    station->post(QString(), [modulePath, dataDir, shown] {
        auto outcomes = imprint::runSelfChecks(imprint::station::stationChecks(modulePath, dataDir));
        QMetaObject::invokeMethod(
            qApp,
            [shown, outcomes = std::move(outcomes)] {
                if (shown)
                    shown->showSelfChecks(outcomes);
            },
            Qt::QueuedConnection);
    });

    const QString shot = parser.value(o.screenshot);
    auto quit = [&window, shot] {
        if (!shot.isEmpty() && !window.grab().save(shot))
            qCritical().noquote() << "cannot save the screenshot to" << shot;
        QCoreApplication::quit();
    };
    if (parser.isSet(o.quitAfter))
        QTimer::singleShot(parser.value(o.quitAfter).toInt(), &app, quit);
    if (headless)
        qCInfo(lcUi) << "demo: no display, running headless until the batch is done";
    if (parser.isSet(o.quitWhenDone) || headless) {
        QObject::connect(station.get(), &ui::StationControl::batchChanged, &app, [quit](const audit::BatchSummary& batch) {
            if (batch.devices > 0 && batch.provisioned >= batch.devices)
                QTimer::singleShot(500, qApp, quit);  // the last tile painted first
        });
    }
    const int code = QApplication::exec();
    station.reset();  // the slots finish their units while the simulated devices still answer
    demo.reset();
    return code;
}
