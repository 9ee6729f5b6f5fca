#include "core/Paths.h"

#include <QDir>
#include <QStandardPaths>

namespace imprint {

QString dataDirectory()
{
    QString dir = qEnvironmentVariable("IMPRINT_DATA_DIR");
    if (dir.isEmpty()) {
        dir = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation)
              + QStringLiteral("/imprint");
    }
    QDir().mkpath(dir);
    return dir;
}

}  // namespace imprint
