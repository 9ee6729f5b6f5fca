#include "core/audit/SqlConnection.h"

#include "core/Paths.h"
#include "core/audit/Schema.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSettings>
#include <QSqlError>
#include <QSqlRecord>
#include <QUuid>

#include <sys/stat.h>

namespace imprint::audit {

namespace {

// synchronous=FULL: a commit returns only after the WAL is fsynced, so a unit reported passed
// or a certificate recorded survives a power cut, not just a killed process (NORMAL in WAL mode
// may lose the last commits on power loss). Group commit pays that fsync once per group.
const char* const kPragmas[] = {
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA temp_store = MEMORY",
    "PRAGMA cache_size = -65536",  // 64 MiB page cache per connection
};

// A directory with the set-group-ID bit (e.g. /srv/imprint, group imprint, mode 2770) is one the
// station's technicians share: a database created there is for the whole group.
bool isGroupSharedDirectory(const QString& directory)
{
    struct stat info {};
    return ::stat(QFile::encodeName(directory).constData(), &info) == 0 && (info.st_mode & S_ISGID) != 0;
}

// The audit database is the station's evidence and holds every certificate it issued: a new one
// is created owner-only (0600) before SQLite opens it, whatever the umask, or owner and group
// (0660) in a group-shared directory. SQLite gives the -wal and -shm files it makes the database
// file's mode. A file that already exists keeps its mode.
Status createWithRestrictedMode(const QString& path)
{
    if (QFileInfo::exists(path))
        return Status::success();
    QFileDevice::Permissions mode = QFileDevice::ReadOwner | QFileDevice::WriteOwner;
    if (isGroupSharedDirectory(QFileInfo(path).absolutePath()))
        mode |= QFileDevice::ReadGroup | QFileDevice::WriteGroup;
    QFile file(path);
    // The umask can only take bits away: the group's write bit is set again explicitly.
    if (file.open(QIODevice::WriteOnly | QIODevice::NewOnly, mode) && file.setPermissions(mode))
        return Status::success();
    if (file.isOpen())
        return Error(ErrorCode::Database, QStringLiteral("cannot give the new audit database %1 its mode: %2")
                                              .arg(path, file.errorString()));
    if (QFileInfo::exists(path))
        return Status::success();  // another process created it first
    return Error(ErrorCode::Database,
                 QStringLiteral("cannot create the audit database %1: %2").arg(path, file.errorString()));
}

}  // namespace

SqlConnection::SqlConnection(QString path, QString connectionName)
    : m_path(std::move(path)), m_connectionName(std::move(connectionName))
{
}

SqlConnection::~SqlConnection()
{
    m_statements.clear();
    if (m_db.isOpen())
        m_db.close();
    m_db = QSqlDatabase();
    QSqlDatabase::removeDatabase(m_connectionName);
}

Result<std::unique_ptr<SqlConnection>> SqlConnection::open(const QString& path)
{
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QSQLITE")))
        return Error(ErrorCode::Database, QStringLiteral("the Qt SQLite driver (QSQLITE) is not installed "
                                                         "(Debian package libqt6sql6-sqlite)"));
    const QString directory = QFileInfo(path).absolutePath();
    if (!QDir().mkpath(directory))
        return Error(ErrorCode::Database, QStringLiteral("cannot create the directory %1 for the audit "
                                                         "database").arg(directory));
    if (auto created = createWithRestrictedMode(path); !created)
        return created.error();
    std::unique_ptr<SqlConnection> connection(
        new SqlConnection(path, QStringLiteral("audit-") + QUuid::createUuid().toString(QUuid::WithoutBraces)));
    connection->m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection->m_connectionName);
    connection->m_db.setDatabaseName(path);
    // A long import holds the write lock for seconds: writers wait for it rather than fail.
    connection->m_db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=60000"));
    if (!connection->m_db.open())
        return Error(ErrorCode::Database, QStringLiteral("cannot open the audit database %1: %2")
                                              .arg(path, connection->m_db.lastError().text()));
    for (const char* pragma : kPragmas) {
        if (auto done = connection->exec(QString::fromLatin1(pragma), QStringLiteral("setting up")); !done)
            return done.error();
    }
    if (auto migrated = migrate(connection->m_db, path); !migrated)
        return migrated.error();
    return connection;
}

Error SqlConnection::databaseError(const QString& what, const QSqlQuery& query) const
{
    return Error(ErrorCode::Database,
                 QStringLiteral("audit database %1: %2: %3").arg(m_path, what, query.lastError().text()));
}

Status SqlConnection::exec(const QString& sql, const QString& purpose)
{
    QSqlQuery query(m_db);
    if (!query.exec(sql))
        return databaseError(purpose + QStringLiteral(" (") + sql.left(60) + QStringLiteral(")"), query);
    return Status::success();
}

Status SqlConnection::begin(const QString& purpose)
{
    return exec(QStringLiteral("BEGIN IMMEDIATE"), purpose);
}

Status SqlConnection::commit(const QString& purpose)
{
    return exec(QStringLiteral("COMMIT"), purpose);
}

void SqlConnection::rollback()
{
    QSqlQuery query(m_db);
    (void)query.exec(QStringLiteral("ROLLBACK"));
}

Result<QSqlQuery*> SqlConnection::prepared(const QString& sql)
{
    for (auto& [text, statement] : m_statements) {
        if (text == sql)
            return statement.get();
    }
    auto statement = std::make_unique<QSqlQuery>(m_db);
    statement->setForwardOnly(true);
    if (!statement->prepare(sql))
        return databaseError(QStringLiteral("preparing ") + sql.left(60), *statement);
    QSqlQuery* raw = statement.get();
    m_statements.emplace_back(sql, std::move(statement));
    return raw;
}

Result<QSqlQuery*> SqlConnection::run(const QString& sql, const QVariantList& values, const QString& what)
{
    auto statement = prepared(sql);
    if (!statement)
        return statement.error();
    QSqlQuery* query = statement.value();
    for (const QVariant& value : values)
        query->addBindValue(value);
    if (!query->exec())
        return databaseError(what, *query);
    return query;
}

Result<std::optional<QVariantList>> SqlConnection::one(const QString& sql, const QVariantList& values,
                                                       const QString& what)
{
    auto query = run(sql, values, what);
    if (!query)
        return query.error();
    QSqlQuery* q = query.value();
    std::optional<QVariantList> row;
    if (q->next()) {
        QVariantList columns;
        const int count = q->record().count();
        for (int i = 0; i < count; ++i)
            columns.append(q->value(i));
        row = std::move(columns);
    }
    q->finish();
    return row;
}

QString defaultAuditPath()
{
    const QString directory = dataDirectory();
    const QSettings settings(QDir(directory).filePath(QStringLiteral("station.ini")), QSettings::IniFormat);
    const QString configured = settings.value(QStringLiteral("audit/path")).toString();
    if (!configured.isEmpty())
        return QDir(directory).absoluteFilePath(configured);
    return QDir(directory).filePath(QStringLiteral("audit.sqlite"));
}

QString resolveAuditPath(const QString& explicitPath)
{
    return explicitPath.isEmpty() ? defaultAuditPath() : explicitPath;
}

}  // namespace imprint::audit
