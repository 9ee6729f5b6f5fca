#pragma once

// The SQLite C API under a SqlConnection, for the few hot paths where QSqlQuery's per-value
// QVariant boxing is the cost (importing a million work-order rows). The handle is the one the
// Qt SQLite driver opened, so transactions and settings are shared with the connection.

#include "core/Result.h"

#include <QByteArray>
#include <QString>
#include <QVariant>

#include <memory>

struct sqlite3;
struct sqlite3_stmt;

namespace imprint::audit {

class SqlConnection;

// The connection's sqlite3* (Internal error when the driver is not SQLite).
[[nodiscard]] Result<sqlite3*> nativeHandle(SqlConnection& connection);

// One prepared statement; finalized when destroyed (before its connection closes).
class SqliteStatement
{
public:
    [[nodiscard]] static Result<SqliteStatement> prepare(sqlite3* db, const QString& sql, const QString& purpose);

    // Parameters are 1-based, as in sqlite3_bind_*. Text is copied (UTF-8) into the statement.
    void bind(int index, qint64 value);
    void bind(int index, const QString& text);
    void bindNull(int index);
    // A filter value: an integer, or text.
    void bind(int index, const QVariant& value);
    // Runs a statement that returns no rows, then resets it for the next binding.
    // On failure: the SQLite message (e.g. which UNIQUE constraint), for the caller to name.
    [[nodiscard]] Status execute();

    // Reading rows: true with a row to read, false when done.
    [[nodiscard]] Result<bool> next();
    [[nodiscard]] int columnCount() const;
    [[nodiscard]] QByteArray columnName(int column) const;
    [[nodiscard]] bool isNull(int column) const;
    [[nodiscard]] bool isInteger(int column) const;
    [[nodiscard]] qint64 integer(int column) const;
    // The value as UTF-8, valid until the next call of next().
    [[nodiscard]] QByteArrayView text(int column) const;

private:
    struct Finalize
    {
        void operator()(sqlite3_stmt* statement) const;
    };
    SqliteStatement(sqlite3* db, sqlite3_stmt* statement, QString purpose);

    sqlite3* m_db = nullptr;
    std::unique_ptr<sqlite3_stmt, Finalize> m_statement;
    QString m_purpose;
    QByteArray m_utf8;  // reused conversion buffer
};

}  // namespace imprint::audit
