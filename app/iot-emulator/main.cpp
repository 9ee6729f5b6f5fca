// imprint-iot-emulator: a local AWS IoT control plane and device endpoint (docs/emulator.md).
#include "app/iot-emulator/server/ControlPlane.h"
#include "app/iot-emulator/server/DeviceEndpoint.h"
#include "app/iot-emulator/server/EmulatorOptions.h"
#include "core/Log.h"

#include <QCoreApplication>
#include <QTextStream>

#include <csignal>

using namespace imprint;
using namespace imprint::emulator;

namespace {

int failWith(const Error& error)
{
    QTextStream(stderr) << "imprint-iot-emulator: " << error.message() << '\n';
    return toInt(error.code() == ErrorCode::InvalidInput ? ExitCode::Usage : exitCodeFor(error.code()));
}

}  // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("imprint-iot-emulator"));
    installLogFormat();
    // SIGTERM/SIGINT end the event loop so the registry is closed cleanly.
    std::signal(SIGTERM, [](int) { QCoreApplication::quit(); });
    std::signal(SIGINT, [](int) { QCoreApplication::quit(); });

    auto options = parseEmulatorOptions(QCoreApplication::arguments());
    if (!options) {
        if (options.error().code() == ErrorCode::Cancelled) {
            QTextStream(stdout) << options.error().message();
            return 0;
        }
        return failWith(options.error());
    }
    auto registry = Registry::open(options->state);
    if (!registry)
        return failWith(registry.error());
    auto ca = EmulatorCa::loadOrCreate(options->tlsDirectory);
    if (!ca)
        return failWith(ca.error());

    IotService service(*registry.value(), ca.value(), options->region, options->accountId);
    service.setClockOffsetSeconds(options->clockOffsetSeconds);
    ControlPlane controlPlane(service, options->credentials, options->faults);
    const quint16 port = controlPlane.listen(options->listen, options->port);
    if (port == 0)
        return failWith(Error(ErrorCode::Network, QStringLiteral("cannot listen on %1:%2 (in use?)")
                                                      .arg(options->listen.toString())
                                                      .arg(options->port)));
    PreProvisioningHook hook(options->hookRule, options->hookCommand);
    FleetProvisioning fleet(service, hook);
    DeviceEndpoint devices(service, ca.value(), fleet);
    auto mqttPort = devices.listen(options->listen, options->mqttPort);
    if (!mqttPort)
        return failWith(mqttPort.error());

    QTextStream(stdout) << QStringLiteral("imprint-iot-emulator ready: http=http://%1:%2 mqtt=%1:%3 region=%4 state=%5\n")
                               .arg(options->listen.toString())
                               .arg(port)
                               .arg(mqttPort.value())
                               .arg(options->region, options->state)
                        << Qt::flush;
    return QCoreApplication::exec();
}
