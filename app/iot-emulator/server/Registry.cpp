#include "app/iot-emulator/server/Registry.h"

#include <QJsonDocument>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>
#include <QVariant>

namespace imprint::emulator {

namespace {

Error sqlFailure(const QString& what, const QSqlError& error)
{
    return Error(ErrorCode::Database, QStringLiteral("registry: %1: %2").arg(what, error.text()));
}

Status exec(QSqlQuery& query, const QString& what)
{
    if (!query.exec())
        return sqlFailure(what, query.lastError());
    return {};
}

}  // namespace

Result<std::unique_ptr<Registry>> Registry::open(const QString& path)
{
    const QString name = QStringLiteral("imprint-iot-emulator-") + QUuid::createUuid().toString(QUuid::WithoutBraces);
    std::unique_ptr<Registry> registry(new Registry(name));
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
    db.setDatabaseName(path);
    if (!db.open())
        return sqlFailure(QStringLiteral("cannot open %1").arg(path), db.lastError());
    const QStringList schema{
        QStringLiteral("CREATE TABLE IF NOT EXISTS documents (kind TEXT NOT NULL, id TEXT NOT NULL, "
                       "body TEXT NOT NULL, PRIMARY KEY (kind, id))"),
        QStringLiteral("CREATE TABLE IF NOT EXISTS objects (bucket TEXT NOT NULL, key TEXT NOT NULL, "
                       "data BLOB NOT NULL, PRIMARY KEY (bucket, key))"),
        QStringLiteral("CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
                       "topic TEXT NOT NULL, payload BLOB NOT NULL)"),
        QStringLiteral("PRAGMA journal_mode=WAL")};
    for (const auto& statement : schema) {
        QSqlQuery query(db);
        if (!query.exec(statement))
            return sqlFailure(QStringLiteral("schema of %1").arg(path), query.lastError());
    }
    return registry;
}

Registry::~Registry()
{
    {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        db.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
}

std::optional<QJsonObject> Registry::get(const QString& kind, const QString& id) const
{
    QSqlQuery query(QSqlDatabase::database(m_connectionName));
    query.prepare(QStringLiteral("SELECT body FROM documents WHERE kind = ? AND id = ?"));
    query.addBindValue(kind);
    query.addBindValue(id);
    if (!query.exec() || !query.next())
        return std::nullopt;
    return QJsonDocument::fromJson(query.value(0).toByteArray()).object();
}

Status Registry::put(const QString& kind, const QString& id, const QJsonObject& document)
{
    QSqlQuery query(QSqlDatabase::database(m_connectionName));
    // An upsert that keeps the row (and so the creation order) of an existing document.
    query.prepare(QStringLiteral("INSERT INTO documents (kind, id, body) VALUES (?, ?, ?) "
                                 "ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body"));
    query.addBindValue(kind);
    query.addBindValue(id);
    query.addBindValue(QString::fromUtf8(QJsonDocument(document).toJson(QJsonDocument::Compact)));
    return exec(query, QStringLiteral("store %1 %2").arg(kind, id));
}

Status Registry::remove(const QString& kind, const QString& id)
{
    QSqlQuery query(QSqlDatabase::database(m_connectionName));
    query.prepare(QStringLiteral("DELETE FROM documents WHERE kind = ? AND id = ?"));
    query.addBindValue(kind);
    query.addBindValue(id);
    return exec(query, QStringLiteral("delete %1 %2").arg(kind, id));
}

QList<QJsonObject> Registry::list(const QString& kind) const
{
    QSqlQuery query(QSqlDatabase::database(m_connectionName));
    query.prepare(QStringLiteral("SELECT body FROM documents WHERE kind = ? ORDER BY rowid"));
    query.addBindValue(kind);
    QList<QJsonObject> documents;
    if (!query.exec())
        return documents;
    while (query.next())
        documents << QJsonDocument::fromJson(query.value(0).toByteArray()).object();
    return documents;
}

Status Registry::putObject(const QString& bucket, const QString& key, const QByteArray& data)
{
    QSqlQuery query(QSqlDatabase::database(m_connectionName));
    query.prepare(QStringLiteral("INSERT OR REPLACE INTO objects (bucket, key, data) VALUES (?, ?, ?)"));
    query.addBindValue(bucket);
    query.addBindValue(key);
    query.addBindValue(data);
    return exec(query, QStringLiteral("store s3://%1/%2").arg(bucket, key));
}

std::optional<QByteArray> Registry::object(const QString& bucket, const QString& key) const
{
    QSqlQuery query(QSqlDatabase::database(m_connectionName));
    query.prepare(QStringLiteral("SELECT data FROM objects WHERE bucket = ? AND key = ?"));
    query.addBindValue(bucket);
    query.addBindValue(key);
    if (!query.exec() || !query.next())
        return std::nullopt;
    return query.value(0).toByteArray();
}

Status Registry::recordEvent(const QString& topic, const QByteArray& payload)
{
    QSqlQuery query(QSqlDatabase::database(m_connectionName));
    query.prepare(QStringLiteral("INSERT INTO events (topic, payload) VALUES (?, ?)"));
    query.addBindValue(topic);
    query.addBindValue(payload);
    return exec(query, QStringLiteral("record event on %1").arg(topic));
}

QList<std::pair<QString, QByteArray>> Registry::events() const
{
    QSqlQuery query(QSqlDatabase::database(m_connectionName));
    QList<std::pair<QString, QByteArray>> out;
    if (!query.exec(QStringLiteral("SELECT topic, payload FROM events ORDER BY seq")))
        return out;
    while (query.next())
        out.push_back({query.value(0).toString(), query.value(1).toByteArray()});
    return out;
}

}  // namespace imprint::emulator
