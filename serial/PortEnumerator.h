#pragma once

#include <QList>
#include <QString>

namespace imprint::serial {

// A serial port as the station identifies it. `stableId` survives re-plugging (USB serial
// number or physical location), unlike the device node name.
struct PortDescription
{
    QString systemLocation;  // /dev/ttyACM0
    QString stableId;
    QString description;
    QString manufacturer;
    QString serialNumber;
    quint16 vendorId = 0;
    quint16 productId = 0;
    bool hasUsbIds = false;
};

[[nodiscard]] QList<PortDescription> listSerialPorts();

}  // namespace imprint::serial
