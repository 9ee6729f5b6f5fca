#include "serial/PortEnumerator.h"

#include <QSerialPortInfo>

namespace imprint::serial {

QList<PortDescription> listSerialPorts()
{
    QList<PortDescription> ports;
    const auto available = QSerialPortInfo::availablePorts();
    for (const QSerialPortInfo& info : available) {
        PortDescription port;
        port.systemLocation = info.systemLocation();
        port.description = info.description();
        port.manufacturer = info.manufacturer();
        port.serialNumber = info.serialNumber();
        port.hasUsbIds = info.hasVendorIdentifier() && info.hasProductIdentifier();
        port.vendorId = info.vendorIdentifier();
        port.productId = info.productIdentifier();
        port.stableId = port.serialNumber.isEmpty() ? port.systemLocation
                                                    : QStringLiteral("usb-serial:") + port.serialNumber;
        ports.append(port);
    }
    return ports;
}

}  // namespace imprint::serial
