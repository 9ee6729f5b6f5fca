#pragma once

// Opens a serial port (USB or pseudo-terminal) and returns the driver for a protocol name.

#include "core/device/DeviceDriver.h"
#include "serial/LineLink.h"

#include <QSerialPort>
#include <QStringList>

namespace imprint::serial {

// The protocol names openDevice() accepts: "imprint", "nrf91".
[[nodiscard]] QStringList supportedProtocols();

// Opens `settings.port` read-write at the baud rate and flow control asked for, 8N1.
[[nodiscard]] Result<std::unique_ptr<QSerialPort>> openSerialPort(const device::LinkSettings& settings);

// The driver for `protocol` over an already open link.
[[nodiscard]] Result<std::unique_ptr<device::DeviceDriver>> makeDriver(const QString& protocol,
                                                                       std::unique_ptr<LineLink> link,
                                                                       const device::DeviceTimeouts& timeouts);

// openSerialPort() + makeDriver(); call it on the thread that will use the driver.
[[nodiscard]] Result<std::unique_ptr<device::DeviceDriver>> openDevice(const device::LinkSettings& settings);

class SerialDeviceConnector final : public device::DeviceConnector
{
public:
    [[nodiscard]] Result<std::unique_ptr<device::DeviceDriver>> open(const device::LinkSettings& settings) override
    {
        return openDevice(settings);
    }
};

}  // namespace imprint::serial
