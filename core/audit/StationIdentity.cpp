#include "core/audit/StationIdentity.h"

#include "core/Paths.h"

#include <QDir>
#include <QSettings>
#include <QSysInfo>

namespace imprint::audit {

QString defaultStationName()
{
    const QSettings settings(QDir(dataDirectory()).filePath(QStringLiteral("station.ini")), QSettings::IniFormat);
    const QString configured = settings.value(QStringLiteral("station/name")).toString();
    return configured.isEmpty() ? QSysInfo::machineHostName() : configured;
}

QString defaultOperatorName()
{
    const QString user = qEnvironmentVariable("USER", qEnvironmentVariable("LOGNAME"));
    return user.isEmpty() ? QStringLiteral("unknown") : user;
}

}  // namespace imprint::audit
