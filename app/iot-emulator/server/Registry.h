#pragma once

// The emulator's registry: every AWS IoT resource (CAs, certificates, things, policies,
// templates and their versions, claims, registration tasks) as a JSON document keyed by
// kind and id, plus the S3 objects of the bulk-registration endpoint and the recorded MQTT
// events. SQLite through Qt Sql, in a file or in memory; one connection, used only on the
// thread that opened it (the emulator's main thread).

#include "core/Result.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <memory>
#include <optional>

namespace imprint::emulator {

class Registry
{
public:
    // `path` is a file or ":memory:".
    [[nodiscard]] static Result<std::unique_ptr<Registry>> open(const QString& path);
    ~Registry();
    Registry(const Registry&) = delete;
    Registry& operator=(const Registry&) = delete;

    [[nodiscard]] std::optional<QJsonObject> get(const QString& kind, const QString& id) const;
    [[nodiscard]] Status put(const QString& kind, const QString& id, const QJsonObject& document);
    [[nodiscard]] Status remove(const QString& kind, const QString& id);
    // In creation order.
    [[nodiscard]] QList<QJsonObject> list(const QString& kind) const;

    [[nodiscard]] Status putObject(const QString& bucket, const QString& key, const QByteArray& data);
    [[nodiscard]] std::optional<QByteArray> object(const QString& bucket, const QString& key) const;

    [[nodiscard]] Status recordEvent(const QString& topic, const QByteArray& payload);
    [[nodiscard]] QList<std::pair<QString, QByteArray>> events() const;

private:
    explicit Registry(QString connectionName) : m_connectionName(std::move(connectionName)) {}
    QString m_connectionName;
};

}  // namespace imprint::emulator
