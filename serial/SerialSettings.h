#pragma once

// The [serial] group of station.ini: how the station finds and talks to the fixture's ports.
//
//   [serial]
//   protocol=imprint            ; imprint | nrf91
//   baud=115200
//   rtscts=false
//   allow=1915:*, 0403:6001     ; VID:PID patterns (empty: every port)
//   deny=
//   ports=/tmp/fixture/slot0, /tmp/fixture/slot1   ; explicit ports (pseudo-terminals)
//   command_timeout_ms=3000
//   keygen_timeout_ms=20000
//   write_timeout_ms=10000

#include "core/device/DeviceDriver.h"
#include "serial/PortEnumerator.h"

#include <QSettings>

namespace imprint::serial {

struct SerialSettings
{
    QString protocol = QStringLiteral("imprint");
    qint32 baudRate = 115200;
    bool hardwareFlowControl = false;
    PortFilter filter;
    QStringList explicitPorts;
    device::DeviceTimeouts timeouts;

    // Link settings for one port with these defaults.
    [[nodiscard]] device::LinkSettings linkFor(const QString& port) const;
};

// Reads [serial]; every missing key keeps its default. Errors name the key and the value.
[[nodiscard]] Result<SerialSettings> readSerialSettings(const QSettings& settings);

}  // namespace imprint::serial
