#pragma once

// What the audit's two browsers (units: AuditBrowse, events: EventBrowse) build their queries
// from: a text search over several columns, the WHERE clause, and the keyset page itself
// (WHERE id < last id seen ... ORDER BY id DESC LIMIT n + 1), so that the first and the
// ten-thousandth page cost the same. Internal to core/audit.

#include "core/Result.h"
#include "core/audit/SqlConnection.h"

#include <QSqlQuery>
#include <QString>
#include <QStringList>
#include <QVariantList>

#include <initializer_list>
#include <optional>

namespace imprint::audit {

// `text` (trimmed) anywhere in any of `columns`, LIKE's wildcards in it taken literally: one
// OR-ed condition, its values appended. Nothing when the text is blank.
void addTextSearch(QStringList& conditions, QVariantList& values, const QString& text,
                   std::initializer_list<const char*> columns);

// " WHERE a AND b", or nothing.
[[nodiscard]] QString whereClause(const QStringList& conditions);

// One page of `select` (which names its table `alias`) under `conditions`, newest first, below
// `beforeId` when given; `Page` has `rows` and `more`, and `read` makes a row from the query.
template <typename Page, typename Read>
[[nodiscard]] Result<Page> keysetPage(SqlConnection& connection, const QString& select, const char* alias,
                                      QStringList conditions, QVariantList values, std::optional<qint64> beforeId,
                                      int limit, const QString& what, Read read)
{
    if (limit <= 0)
        return Error(ErrorCode::InvalidInput, QStringLiteral("a page of %1 needs a positive size (got %2)").arg(what).arg(limit));
    const QString id = QLatin1String(alias) + QStringLiteral(".id");
    if (beforeId) {
        conditions << id + QStringLiteral(" < ?");
        values << *beforeId;
    }
    values << limit + 1;  // one more than shown: whether there is a next page
    auto query = connection.run(select + whereClause(conditions) + QStringLiteral(" ORDER BY ") + id + QStringLiteral(" DESC LIMIT ?"),
                                values, QStringLiteral("reading a page of %1").arg(what));
    if (!query)
        return query.error();
    Page page;
    QSqlQuery* q = query.value();
    while (q->next()) {
        if (static_cast<int>(page.rows.size()) == limit) {
            page.more = true;
            break;
        }
        page.rows.push_back(read(*q));
    }
    q->finish();
    return page;
}

}  // namespace imprint::audit
