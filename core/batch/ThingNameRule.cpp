#include "core/batch/ThingNameRule.h"

namespace imprint::batch {

QString applyThingNameRule(const QString& rule, const QString& serialNumber, const QString& hardwareId,
                           const QString& batchName)
{
    QString name = rule;
    name.replace(QStringLiteral("{serial}"), serialNumber);
    name.replace(QStringLiteral("{hardware_id}"), hardwareId);
    name.replace(QStringLiteral("{batch}"), batchName);
    return name;
}

bool isValidThingName(QStringView name)
{
    if (name.isEmpty() || name.size() > 128)
        return false;
    for (const QChar c : name) {
        const char16_t u = c.unicode();
        const bool ok = (u >= u'a' && u <= u'z') || (u >= u'A' && u <= u'Z') || (u >= u'0' && u <= u'9')
                        || u == u':' || u == u'_' || u == u'-';
        if (!ok)
            return false;
    }
    return true;
}

}  // namespace imprint::batch
