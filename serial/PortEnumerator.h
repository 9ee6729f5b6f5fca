#pragma once

// USB serial ports as the station identifies them. A slot's identity must survive re-plugging,
// so `stableId` is the USB serial number or the physical USB location (bus-port path), never
// the device node (/dev/ttyACM0 becomes /dev/ttyACM1 when another board is plugged in first).
// Pseudo-terminals are not listed by QSerialPortInfo: give them as explicit ports.

#include "core/Result.h"

#include <QList>
#include <QObject>
#include <QString>
#include <QTimer>

namespace imprint::serial {

struct PortDescription
{
    QString systemLocation;  // /dev/ttyACM0
    QString stableId;        // usb-serial:<serial>, usb-path:<bus-port.port:config.interface>, or the path
    QString location;        // physical USB location from sysfs, e.g. 1-1.4:1.0 (empty if unknown)
    QString description;
    QString manufacturer;
    QString serialNumber;
    quint16 vendorId = 0;
    quint16 productId = 0;
    bool hasUsbIds = false;

    [[nodiscard]] QString vidPid() const;  // "1915:9100", or "" without USB ids
};

// Allow/deny lists of VID:PID ("1915:9100", or "1915:*" for every product of a vendor).
// An empty allow list allows everything not denied.
struct PortFilter
{
    QStringList allow;
    QStringList deny;

    [[nodiscard]] bool accepts(const PortDescription& port) const;
};

// Checks a VID:PID pattern: four hex digits, ':', four hex digits or '*'.
[[nodiscard]] Status checkVidPidPattern(const QString& pattern);

[[nodiscard]] QList<PortDescription> listSerialPorts(const PortFilter& filter = {});

// Physical USB location of a tty (/dev/ttyACM0 -> "1-1.4:1.0") from sysfs; empty if none.
[[nodiscard]] QString usbLocationOf(const QString& systemLocation);

// Polls the port list and reports ports that come and go (hot-plug), keyed by stableId.
class PortWatcher : public QObject
{
    Q_OBJECT
public:
    explicit PortWatcher(PortFilter filter, std::chrono::milliseconds interval = std::chrono::seconds(1),
                         QObject* parent = nullptr);
    [[nodiscard]] const QList<PortDescription>& ports() const { return m_ports; }
    void refresh();

Q_SIGNALS:
    void portAdded(const imprint::serial::PortDescription& port);
    void portRemoved(const imprint::serial::PortDescription& port);

private:
    PortFilter m_filter;
    QList<PortDescription> m_ports;
    QTimer m_timer;
};

}  // namespace imprint::serial
