// `imprint-cli ports`, `imprint-cli probe`, `imprint-cli csr`: the device link from a terminal.
#include "app/cli/Cli.h"
#include "core/Paths.h"
#include "serial/DeviceLinkFactory.h"
#include "serial/PortEnumerator.h"
#include "serial/SerialSettings.h"

#include <QDir>
#include <QFile>

namespace imprint::cli {

namespace {

QCommandLineOption portOption()
{
    return {QStringLiteral("port"), QStringLiteral("Serial port: /dev/ttyACM0, /dev/serial/by-path/..., a pseudo-terminal."),
            QStringLiteral("path")};
}

QCommandLineOption protocolOption()
{
    return {QStringLiteral("protocol"),
            QStringLiteral("Device protocol: imprint or nrf91 (default: station.ini [serial] protocol, else imprint)."),
            QStringLiteral("name")};
}

QCommandLineOption baudOption()
{
    return {QStringLiteral("baud"), QStringLiteral("Baud rate (default: station.ini [serial] baud, else 115200)."),
            QStringLiteral("rate")};
}

QCommandLineOption flowOption()
{
    return {QStringLiteral("rtscts"), QStringLiteral("Use RTS/CTS hardware flow control.")};
}

// The station's [serial] settings (station.ini in the data directory; defaults when absent).
Result<serial::SerialSettings> stationSerialSettings()
{
    const QSettings ini(QDir(dataDirectory()).filePath(QStringLiteral("station.ini")), QSettings::IniFormat);
    return serial::readSerialSettings(ini);
}

// station.ini [serial], overridden by --port, --protocol, --baud, --rtscts.
Result<device::LinkSettings> linkSettings(const QCommandLineParser& parser)
{
    const QString port = parser.value(QStringLiteral("port"));
    if (port.isEmpty())
        return Error(ErrorCode::InvalidInput, QStringLiteral("--port is required"));
    auto station = stationSerialSettings();
    if (!station.ok())
        return station.error();
    device::LinkSettings settings = station->linkFor(port);
    if (parser.isSet(QStringLiteral("protocol")))
        settings.protocol = parser.value(QStringLiteral("protocol"));
    if (parser.isSet(QStringLiteral("baud"))) {
        bool ok = false;
        settings.baudRate = parser.value(QStringLiteral("baud")).toInt(&ok);
        if (!ok || settings.baudRate <= 0)
            return Error(ErrorCode::InvalidInput, QStringLiteral("--baud must be a positive number"));
    }
    settings.hardwareFlowControl = settings.hardwareFlowControl || parser.isSet(QStringLiteral("rtscts"));
    return settings;
}

int ports(CommandContext& context)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Lists USB serial ports with their stable identity (USB serial number or physical location), "
        "VID:PID and description. Pseudo-terminals are not listed; give them to probe with --port."));
    const QCommandLineOption allow(QStringLiteral("allow"), QStringLiteral("Only VID:PID (repeatable; PID may be *)."),
                                   QStringLiteral("vid:pid"));
    const QCommandLineOption deny(QStringLiteral("deny"), QStringLiteral("Never VID:PID (repeatable)."),
                                  QStringLiteral("vid:pid"));
    parser.addOptions({allow, deny});
    if (auto stop = parseCommandLine(parser, context))
        return *stop;
    auto station = stationSerialSettings();
    if (!station.ok())
        return fail(context, station.error());
    serial::PortFilter filter = station->filter;
    if (parser.isSet(allow))
        filter.allow = parser.values(allow);
    filter.deny += parser.values(deny);
    for (const QString& pattern : filter.allow + filter.deny) {
        if (auto checked = serial::checkVidPidPattern(pattern); !checked.ok())
            return fail(context, checked.error());
    }
    const auto found = serial::listSerialPorts(filter);
    for (const auto& port : found) {
        context.out << port.systemLocation << "  id=" << port.stableId
                    << "  vid:pid=" << (port.hasUsbIds ? port.vidPid() : QStringLiteral("-"))
                    << "  serial=" << (port.serialNumber.isEmpty() ? QStringLiteral("-") : port.serialNumber)
                    << "  location=" << (port.location.isEmpty() ? QStringLiteral("-") : port.location)
                    << "  " << port.description << '\n';
    }
    for (const QString& port : station->explicitPorts)
        context.out << port << "  id=" << port << "  (explicit, station.ini)\n";
    context.out << "ports: " << found.size() + station->explicitPorts.size() << " found\n";
    return 0;
}

int probe(CommandContext& context)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Opens a port, performs the protocol handshake and prints the device identity."));
    parser.addOptions({portOption(), protocolOption(), baudOption(), flowOption()});
    if (auto stop = parseCommandLine(parser, context))
        return *stop;
    auto settings = linkSettings(parser);
    if (!settings.ok())
        return fail(context, settings.error());
    auto driver = serial::openDevice(settings.value());
    if (!driver.ok())
        return fail(context, driver.error());
    auto identity = driver.value()->identify();
    if (!identity.ok())
        return fail(context, identity.error());
    context.out << "port:         " << settings->port << '\n'
                << "protocol:     " << identity->protocol << '\n'
                << "hardware id:  " << identity->hardwareId << '\n'
                << "model:        " << identity->model << '\n'
                << "firmware:     " << identity->firmware << '\n'
                << "serial:       " << (identity->serialNumber.isEmpty() ? QStringLiteral("-") : identity->serialNumber) << '\n'
                << "capabilities: " << identity->capabilities.join(QStringLiteral(",")) << '\n';
    return 0;
}

int csr(CommandContext& context)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Asks the device to generate a key and return a CSR; checks the CSR and prints it as PEM."));
    const QCommandLineOption subject(QStringLiteral("subject"), QStringLiteral("Subject, e.g. CN=dev-001,O=Acme (default: the device chooses)."),
                                     QStringLiteral("dn"));
    const QCommandLineOption output(QStringLiteral("out"), QStringLiteral("Write the PEM to this file instead of stdout."),
                                    QStringLiteral("file"));
    parser.addOptions({portOption(), protocolOption(), baudOption(), flowOption(), subject, output});
    if (auto stop = parseCommandLine(parser, context))
        return *stop;
    auto settings = linkSettings(parser);
    if (!settings.ok())
        return fail(context, settings.error());
    auto driver = serial::openDevice(settings.value());
    if (!driver.ok())
        return fail(context, driver.error());
    auto identity = driver.value()->identify();
    if (!identity.ok())
        return fail(context, identity.error());
    auto request = driver.value()->generateKeyAndCsr(parser.value(subject));
    if (!request.ok())
        return fail(context, request.error());
    QByteArray pem = "-----BEGIN CERTIFICATE REQUEST-----\n";
    const QByteArray base64 = request->csrDer.toBase64();
    for (qsizetype at = 0; at < base64.size(); at += 64)
        pem += base64.mid(at, 64) + '\n';
    pem += "-----END CERTIFICATE REQUEST-----\n";
    if (parser.isSet(output)) {
        QFile file(parser.value(output));
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(pem) != pem.size())
            return fail(context, Error(ErrorCode::Io, QStringLiteral("cannot write %1").arg(parser.value(output))));
    } else {
        context.out << QString::fromLatin1(pem);
    }
    context.err << "csr: device " << identity->hardwareId << " on " << settings->port;
    if (!request->attestedDeviceUuid.isEmpty())
        context.err << " (attested device UUID " << request->attestedDeviceUuid << ')';
    context.err << '\n';
    return 0;
}

}  // namespace

std::vector<Command> deviceCommands()
{
    return {{QString(), QStringLiteral("ports"), QStringLiteral("list USB serial ports with their stable identity"), ports},
            {QString(), QStringLiteral("probe"), QStringLiteral("handshake with a device and print its identity"), probe},
            {QString(), QStringLiteral("csr"), QStringLiteral("ask a device for a key and a CSR"), csr}};
}

}  // namespace imprint::cli
