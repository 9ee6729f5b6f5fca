#include "serial/SerialSettings.h"

#include "serial/DeviceLinkFactory.h"

namespace imprint::serial {

namespace {

Error badValue(const QString& key, const QString& value, const QString& expected)
{
    return Error(ErrorCode::InvalidInput,
                 QStringLiteral("station.ini [serial] %1=%2: expected %3").arg(key, value, expected));
}

QStringList listValue(const QSettings& settings, const QString& key)
{
    // QSettings returns a comma-separated INI value as a QStringList already.
    QStringList items;
    for (const QString& item : settings.value(key).toStringList()) {
        if (!item.trimmed().isEmpty())
            items << item.trimmed();
    }
    return items;
}

Result<std::chrono::milliseconds> milliseconds(const QSettings& settings, const QString& key,
                                               std::chrono::milliseconds fallback)
{
    const QString text = settings.value(key).toString();
    if (text.isEmpty())
        return fallback;
    bool ok = false;
    const int value = text.toInt(&ok);
    if (!ok || value < 50 || value > 600000)
        return badValue(key, text, QStringLiteral("milliseconds from 50 to 600000"));
    return std::chrono::milliseconds(value);
}

}  // namespace

device::LinkSettings SerialSettings::linkFor(const QString& port) const
{
    device::LinkSettings link = device::linkSettings(port, protocol);
    link.baudRate = baudRate;
    link.hardwareFlowControl = hardwareFlowControl;
    link.timeouts = timeouts;
    return link;
}

Result<SerialSettings> readSerialSettings(const QSettings& settings)
{
    SerialSettings result;
    const QString group = QStringLiteral("serial/");
    const QString protocol = settings.value(group + QStringLiteral("protocol"), result.protocol).toString();
    if (!supportedProtocols().contains(protocol))
        return badValue(QStringLiteral("protocol"), protocol, supportedProtocols().join(QStringLiteral(" or ")));
    result.protocol = protocol;
    const QString baud = settings.value(group + QStringLiteral("baud"), QString::number(result.baudRate)).toString();
    bool ok = false;
    result.baudRate = baud.toInt(&ok);
    if (!ok || result.baudRate < 300)
        return badValue(QStringLiteral("baud"), baud, QStringLiteral("a baud rate of at least 300"));
    const QString rtscts = settings.value(group + QStringLiteral("rtscts"), QStringLiteral("false")).toString();
    if (rtscts != QLatin1String("true") && rtscts != QLatin1String("false"))
        return badValue(QStringLiteral("rtscts"), rtscts, QStringLiteral("true or false"));
    result.hardwareFlowControl = rtscts == QLatin1String("true");
    result.filter.allow = listValue(settings, group + QStringLiteral("allow"));
    result.filter.deny = listValue(settings, group + QStringLiteral("deny"));
    for (const QString& pattern : result.filter.allow + result.filter.deny) {
        if (auto checked = checkVidPidPattern(pattern); !checked.ok())
            return Error(ErrorCode::InvalidInput, QStringLiteral("station.ini [serial]: ") + checked.error().message());
    }
    result.explicitPorts = listValue(settings, group + QStringLiteral("ports"));
    const struct
    {
        const char* key;
        std::chrono::milliseconds* target;
    } timeouts[] = {{"command_timeout_ms", &result.timeouts.command},
                    {"keygen_timeout_ms", &result.timeouts.keygen},
                    {"write_timeout_ms", &result.timeouts.write}};
    for (const auto& timeout : timeouts) {
        const QString key = QString::fromLatin1(timeout.key);
        auto value = milliseconds(settings, group + key, *timeout.target);
        if (!value.ok())
            return badValue(key, settings.value(group + key).toString(), QStringLiteral("milliseconds from 50 to 600000"));
        *timeout.target = value.value();
    }
    return result;
}

}  // namespace imprint::serial
