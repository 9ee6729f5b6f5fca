#include "core/DatabaseCheck.h"

#include <QDir>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>

namespace imprint {

namespace {

Result<QString> probe(QSqlDatabase& db, const QString& path)
{
    if (!db.open())
        return Error(ErrorCode::Database,
                     QStringLiteral("cannot open %1: %2").arg(path, db.lastError().text()));
    QSqlQuery query(db);
    const bool wrote = query.exec(QStringLiteral("CREATE TABLE IF NOT EXISTS selftest (x INTEGER)"))
                       && query.exec(QStringLiteral("INSERT INTO selftest VALUES (1)"));
    if (!wrote)
        return Error(ErrorCode::Database,
                     QStringLiteral("cannot write to %1: %2").arg(path, query.lastError().text()));
    if (!query.exec(QStringLiteral("SELECT sqlite_version()")) || !query.next())
        return Error(ErrorCode::Database,
                     QStringLiteral("cannot query %1: %2").arg(path, query.lastError().text()));
    return QStringLiteral("SQLite %1 (Qt driver QSQLITE), wrote %2")
        .arg(query.value(0).toString(), path);
}

}  // namespace

Result<QString> checkSqlite(const QString& directory)
{
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QSQLITE")))
        return Error(ErrorCode::Database,
                     QStringLiteral("the Qt SQLite driver (QSQLITE) is not installed "
                                    "(Debian package libqt6sql6-sqlite)"));
    if (!QDir().mkpath(directory))
        return Error(ErrorCode::Database,
                     QStringLiteral("cannot create the directory %1").arg(directory));

    const QString path = QDir(directory).filePath(QStringLiteral("selftest.sqlite"));
    const QString connection = QStringLiteral("selftest-") + QUuid::createUuid().toString();
    Result<QString> outcome = Error(ErrorCode::Internal, QString());
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
        db.setDatabaseName(path);
        outcome = probe(db, path);
        db.close();
    }
    QSqlDatabase::removeDatabase(connection);
    QFile::remove(path);
    return outcome;
}

}  // namespace imprint
