#pragma once

// One SQLite connection to the audit database, owned by one thread. Opening it applies the
// durability settings (WAL, synchronous=FULL, foreign keys, busy timeout) and brings the schema
// to the current version, so every reader and writer sees the same rules.

#include "core/Result.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>

#include <QVariant>
#include <QVariantList>

#include <memory>
#include <optional>

namespace imprint::audit {

class SqlConnection
{
public:
    // Opens (creating it, owner-only 0600, and its directory) the audit database at `path` and
    // migrates it.
    [[nodiscard]] static Result<std::unique_ptr<SqlConnection>> open(const QString& path);
    ~SqlConnection();
    SqlConnection(const SqlConnection&) = delete;
    SqlConnection& operator=(const SqlConnection&) = delete;

    [[nodiscard]] QSqlDatabase& db() { return m_db; }
    [[nodiscard]] const QString& path() const { return m_path; }

    // Runs one statement without results; the error names the statement's purpose and the file.
    [[nodiscard]] Status exec(const QString& sql, const QString& purpose);
    [[nodiscard]] Status begin(const QString& purpose);   // BEGIN IMMEDIATE: takes the write lock now
    [[nodiscard]] Status commit(const QString& purpose);
    void rollback();

    // A statement prepared once per connection and reused (bind values, exec).
    [[nodiscard]] Result<QSqlQuery*> prepared(const QString& sql);

    // Prepares (once), binds `values` in order and executes; the query is positioned before its
    // first row. `what` names the operation in the error.
    [[nodiscard]] Result<QSqlQuery*> run(const QString& sql, const QVariantList& values, const QString& what);
    // The first row of a query (its columns), or nothing when there is none.
    [[nodiscard]] Result<std::optional<QVariantList>> one(const QString& sql, const QVariantList& values,
                                                          const QString& what);

    [[nodiscard]] Error databaseError(const QString& what, const QSqlQuery& query) const;

private:
    SqlConnection(QString path, QString connectionName);

    QString m_path;
    QString m_connectionName;
    QSqlDatabase m_db;
    std::vector<std::pair<QString, std::unique_ptr<QSqlQuery>>> m_statements;
};

// The station's audit database: --db when given, else [audit] path in station.ini, else
// dataDirectory()/audit.sqlite.
[[nodiscard]] QString defaultAuditPath();
[[nodiscard]] QString resolveAuditPath(const QString& explicitPath);

// A column's value, NULL as nothing.
[[nodiscard]] inline std::optional<QString> optionalText(const QVariant& value)
{
    return value.isNull() ? std::nullopt : std::optional<QString>(value.toString());
}
[[nodiscard]] inline std::optional<qint64> optionalNumber(const QVariant& value)
{
    return value.isNull() ? std::nullopt : std::optional<qint64>(value.toLongLong());
}

}  // namespace imprint::audit
