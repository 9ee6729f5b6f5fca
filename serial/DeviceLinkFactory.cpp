#include "serial/DeviceLinkFactory.h"

#include "serial/ImprintDriver.h"
#include "serial/Nrf91Driver.h"

#include <QFileInfo>

namespace imprint::serial {

QStringList supportedProtocols() { return {QStringLiteral("imprint"), QStringLiteral("nrf91")}; }

Result<std::unique_ptr<QSerialPort>> openSerialPort(const device::LinkSettings& settings)
{
    if (settings.port.isEmpty())
        return Error(ErrorCode::InvalidInput, QStringLiteral("no serial port given"));
    if (!QFileInfo::exists(settings.port) && settings.port.startsWith(u'/'))
        return Error(ErrorCode::NotFound, QStringLiteral("port %1: no such device (unplugged?)").arg(settings.port));
    auto port = std::make_unique<QSerialPort>();
    // A symlink (DIR/slot3, /dev/serial/by-path/...) is resolved so the lock file and the
    // error messages agree on the node, while errors still name what the user gave.
    const QFileInfo info(settings.port);
    port->setPortName(info.isSymLink() ? info.canonicalFilePath() : settings.port);
    if (!port->open(QIODevice::ReadWrite))
        return Error(port->error() == QSerialPort::PermissionError ? ErrorCode::PermissionDenied : ErrorCode::Io,
                     QStringLiteral("port %1: cannot open (%2)").arg(settings.port, port->errorString()));
    const bool configured = port->setBaudRate(settings.baudRate) && port->setDataBits(QSerialPort::Data8)
                            && port->setParity(QSerialPort::NoParity) && port->setStopBits(QSerialPort::OneStop)
                            && port->setFlowControl(settings.hardwareFlowControl ? QSerialPort::HardwareControl
                                                                                 : QSerialPort::NoFlowControl);
    if (!configured)
        return Error(ErrorCode::Io, QStringLiteral("port %1: cannot set %2 baud 8N1 (%3)")
                                        .arg(settings.port)
                                        .arg(settings.baudRate)
                                        .arg(port->errorString()));
    port->clear();
    return port;
}

Result<std::unique_ptr<device::DeviceDriver>> makeDriver(const QString& protocol, std::unique_ptr<LineLink> link,
                                                         const device::DeviceTimeouts& timeouts)
{
    if (protocol == QLatin1String("imprint"))
        return std::unique_ptr<device::DeviceDriver>(std::make_unique<ImprintDriver>(std::move(link), timeouts));
    if (protocol == QLatin1String("nrf91"))
        return std::unique_ptr<device::DeviceDriver>(std::make_unique<Nrf91Driver>(std::move(link), timeouts));
    return Error(ErrorCode::InvalidInput, QStringLiteral("unknown device protocol '%1' (known: %2)")
                                              .arg(protocol, supportedProtocols().join(QStringLiteral(", "))));
}

Result<std::unique_ptr<device::DeviceDriver>> openDevice(const device::LinkSettings& settings)
{
    if (!supportedProtocols().contains(settings.protocol))
        return makeDriver(settings.protocol, nullptr, settings.timeouts);
    auto port = openSerialPort(settings);
    if (!port.ok())
        return port.error();
    auto link = std::make_unique<LineLink>(std::move(port.value()), settings.port);
    return makeDriver(settings.protocol, std::move(link), settings.timeouts);
}

}  // namespace imprint::serial
