#include "serial/PortEnumerator.h"

#include <QFileInfo>
#include <QRegularExpression>
#include <QSerialPortInfo>

namespace imprint::serial {

QString PortDescription::vidPid() const
{
    if (!hasUsbIds)
        return {};
    return QStringLiteral("%1:%2").arg(vendorId, 4, 16, QLatin1Char('0')).arg(productId, 4, 16, QLatin1Char('0'));
}

Status checkVidPidPattern(const QString& pattern)
{
    static const QRegularExpression shape(QStringLiteral("^[0-9a-fA-F]{4}:([0-9a-fA-F]{4}|\\*)$"));
    if (!shape.match(pattern).hasMatch())
        return Error(ErrorCode::InvalidInput,
                     QStringLiteral("'%1' is not a VID:PID (four hex digits, ':', four hex digits or *)").arg(pattern));
    return Status::success();
}

namespace {

bool matches(const QString& pattern, const PortDescription& port)
{
    const QString vidPid = port.vidPid();
    if (vidPid.isEmpty())
        return false;
    if (pattern.endsWith(u'*'))
        return vidPid.startsWith(pattern.chopped(1), Qt::CaseInsensitive);
    return vidPid.compare(pattern, Qt::CaseInsensitive) == 0;
}

}  // namespace

bool PortFilter::accepts(const PortDescription& port) const
{
    for (const QString& pattern : deny) {
        if (matches(pattern, port))
            return false;
    }
    if (allow.isEmpty())
        return true;
    for (const QString& pattern : allow) {
        if (matches(pattern, port))
            return true;
    }
    return false;
}

QString usbLocationOf(const QString& systemLocation)
{
    // /sys/class/tty/ttyACM0/device -> .../usb1/1-1/1-1.4/1-1.4:1.0 (the interface directory)
    const QString name = QFileInfo(systemLocation).fileName();
    const QString device = QFileInfo(QStringLiteral("/sys/class/tty/%1/device").arg(name)).canonicalFilePath();
    static const QRegularExpression usbInterface(QStringLiteral("^\\d+-[\\d.]+:\\d+\\.\\d+$"));
    QString path = device;
    while (!path.isEmpty() && path != QLatin1String("/")) {
        const QString component = QFileInfo(path).fileName();
        if (usbInterface.match(component).hasMatch())
            return component;
        path = QFileInfo(path).path();
    }
    return {};
}

QList<PortDescription> listSerialPorts(const PortFilter& filter)
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
        port.location = usbLocationOf(port.systemLocation);
        // A board with several interfaces (nRF9160-DK: three ports, one serial) needs the
        // interface number too, hence location alongside the serial number.
        if (!port.serialNumber.isEmpty())
            port.stableId = QStringLiteral("usb-serial:") + port.serialNumber
                            + (port.location.contains(u':') ? u'#' + port.location.section(u':', 1) : QString());
        else if (!port.location.isEmpty())
            port.stableId = QStringLiteral("usb-path:") + port.location;
        else
            port.stableId = port.systemLocation;
        if (filter.accepts(port))
            ports.append(port);
    }
    return ports;
}

PortWatcher::PortWatcher(PortFilter filter, std::chrono::milliseconds interval, QObject* parent)
    : QObject(parent), m_filter(std::move(filter))
{
    m_ports = listSerialPorts(m_filter);
    m_timer.setInterval(interval);
    connect(&m_timer, &QTimer::timeout, this, &PortWatcher::refresh);
    m_timer.start();
}

void PortWatcher::refresh()
{
    const QList<PortDescription> now = listSerialPorts(m_filter);
    auto contains = [](const QList<PortDescription>& list, const PortDescription& port) {
        return std::any_of(list.cbegin(), list.cend(), [&](const PortDescription& other) {
            return other.stableId == port.stableId && other.systemLocation == port.systemLocation;
        });
    };
    const QList<PortDescription> before = m_ports;
    m_ports = now;
    for (const PortDescription& port : before) {
        if (!contains(now, port))
            Q_EMIT portRemoved(port);
    }
    for (const PortDescription& port : now) {
        if (!contains(before, port))
            Q_EMIT portAdded(port);
    }
}

}  // namespace imprint::serial
