#include "core/audit/KeysetPage.h"

namespace imprint::audit {

void addTextSearch(QStringList& conditions, QVariantList& values, const QString& text,
                   std::initializer_list<const char*> columns)
{
    QString escaped = text.trimmed();
    if (escaped.isEmpty())
        return;
    for (const QChar special : {u'\\', u'%', u'_'})
        escaped.replace(special, QString(u'\\') + special);
    const QString pattern = u'%' + escaped + u'%';
    QStringList any;
    for (const char* column : columns) {
        any << QLatin1String(column) + QStringLiteral(" LIKE ? ESCAPE '\\'");
        values << pattern;
    }
    conditions << u'(' + any.join(QStringLiteral(" OR ")) + u')';
}

QString whereClause(const QStringList& conditions)
{
    return conditions.isEmpty() ? QString() : QStringLiteral(" WHERE ") + conditions.join(QStringLiteral(" AND "));
}

}  // namespace imprint::audit
