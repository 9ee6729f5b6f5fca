#include "core/audit/SqliteStatement.h"

#include "core/audit/SqlConnection.h"

#include <QSqlDriver>

#include <sqlite3.h>

namespace imprint::audit {

Result<sqlite3*> nativeHandle(SqlConnection& connection)
{
    const QVariant handle = connection.db().driver()->handle();
    if (!handle.isValid() || qstrcmp(handle.typeName(), "sqlite3*") != 0)
        return Error(ErrorCode::Internal, QStringLiteral("%1: the Qt SQL driver gives no SQLite handle (it gives %2)")
                                              .arg(connection.path(), QString::fromLatin1(handle.typeName())));
    sqlite3* db = *static_cast<sqlite3* const*>(handle.constData());
    if (!db)
        return Error(ErrorCode::Internal, QStringLiteral("%1: the SQLite connection is not open").arg(connection.path()));
    return db;
}

void SqliteStatement::Finalize::operator()(sqlite3_stmt* statement) const
{
    sqlite3_finalize(statement);
}

SqliteStatement::SqliteStatement(sqlite3* db, sqlite3_stmt* statement, QString purpose)
    : m_db(db), m_statement(statement), m_purpose(std::move(purpose))
{
}

Result<SqliteStatement> SqliteStatement::prepare(sqlite3* db, const QString& sql, const QString& purpose)
{
    const QByteArray text = sql.toUtf8();
    sqlite3_stmt* statement = nullptr;
    const int rc = sqlite3_prepare_v3(db, text.constData(), static_cast<int>(text.size()), SQLITE_PREPARE_PERSISTENT,
                                      &statement, nullptr);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(statement);
        return Error(ErrorCode::Database, QStringLiteral("%1: sqlite3_prepare_v3 failed (%2): %3")
                                              .arg(purpose, QString::fromUtf8(sqlite3_errstr(rc)),
                                                   QString::fromUtf8(sqlite3_errmsg(db))));
    }
    return SqliteStatement(db, statement, purpose);
}

void SqliteStatement::bind(int index, qint64 value)
{
    sqlite3_bind_int64(m_statement.get(), index, value);
}

void SqliteStatement::bind(int index, const QString& text)
{
    m_utf8 = text.toUtf8();
    sqlite3_bind_text(m_statement.get(), index, m_utf8.constData(), static_cast<int>(m_utf8.size()), SQLITE_TRANSIENT);
}

void SqliteStatement::bindNull(int index)
{
    sqlite3_bind_null(m_statement.get(), index);
}

void SqliteStatement::bind(int index, const QVariant& value)
{
    const int type = value.metaType().id();
    if (value.isNull())
        bindNull(index);
    else if (type == QMetaType::LongLong || type == QMetaType::Int)
        bind(index, value.toLongLong());
    else
        bind(index, value.toString());
}

Result<bool> SqliteStatement::next()
{
    const int rc = sqlite3_step(m_statement.get());
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    return Error(ErrorCode::Database, QStringLiteral("%1: %2").arg(m_purpose, QString::fromUtf8(sqlite3_errmsg(m_db))));
}

int SqliteStatement::columnCount() const
{
    return sqlite3_column_count(m_statement.get());
}

QByteArray SqliteStatement::columnName(int column) const
{
    return QByteArray(sqlite3_column_name(m_statement.get(), column));
}

bool SqliteStatement::isNull(int column) const
{
    return sqlite3_column_type(m_statement.get(), column) == SQLITE_NULL;
}

bool SqliteStatement::isInteger(int column) const
{
    return sqlite3_column_type(m_statement.get(), column) == SQLITE_INTEGER;
}

qint64 SqliteStatement::integer(int column) const
{
    return sqlite3_column_int64(m_statement.get(), column);
}

QByteArrayView SqliteStatement::text(int column) const
{
    const auto* bytes = sqlite3_column_text(m_statement.get(), column);
    const int size = sqlite3_column_bytes(m_statement.get(), column);
    return QByteArrayView(reinterpret_cast<const char*>(bytes), size);
}

Status SqliteStatement::execute()
{
    const int rc = sqlite3_step(m_statement.get());
    // reset() repeats step()'s error code; the message must be read before it.
    const QString message = rc == SQLITE_DONE ? QString() : QString::fromUtf8(sqlite3_errmsg(m_db));
    sqlite3_reset(m_statement.get());
    sqlite3_clear_bindings(m_statement.get());
    if (rc == SQLITE_DONE)
        return Status::success();
    return Error(ErrorCode::Database, QStringLiteral("%1: %2").arg(m_purpose, message));
}

}  // namespace imprint::audit
