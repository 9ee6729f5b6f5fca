// imprint: the technician's desktop application. Wires core, hsm and serial into the UI;
// every check and job runs off the GUI thread.
#include "app/common/StationChecks.h"
#include "core/Log.h"
#include "core/Paths.h"
#include "core/Version.h"
#include "ui/MainWindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFutureWatcher>
#include <QTimer>
#include <QtConcurrent>

int main(int argc, char* argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("imprint"));
    QApplication::setOrganizationName(QStringLiteral("imprint"));
    QApplication::setApplicationVersion(QString::fromLatin1(imprint::kVersion));
    imprint::installLogFormat();

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Imprint provisioning station"));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption module(QStringLiteral("module"), QStringLiteral("PKCS#11 module."),
                                    QStringLiteral("path"),
                                    QString::fromLatin1(imprint::kDefaultPkcs11Module));
    const QCommandLineOption quitAfter(QStringLiteral("quit-after"),
                                       QStringLiteral("Quit after this many milliseconds (demo, smoke tests)."),
                                       QStringLiteral("ms"));
    parser.addOptions({module, quitAfter});
    parser.process(app);

    imprint::ui::MainWindow window;
    window.show();

    auto* watcher = new QFutureWatcher<std::vector<imprint::SelfCheckOutcome>>(&window);
    QObject::connect(watcher, &QFutureWatcherBase::finished, &window,
                     [watcher, &window] { window.showSelfChecks(watcher->result()); });
    const QString modulePath = parser.value(module);
    const QString dataDir = imprint::dataDirectory();
    watcher->setFuture(QtConcurrent::run([modulePath, dataDir] {
        return imprint::runSelfChecks(imprint::station::stationChecks(modulePath, dataDir));
    }));

    if (parser.isSet(quitAfter))
        QTimer::singleShot(parser.value(quitAfter).toInt(), &app, &QCoreApplication::quit);
    return QApplication::exec();
}
