#pragma once

// Runs imprint-iot-emulator for a test (ports chosen by the emulator, so tests run in
// parallel) and drives it the way users do: the real AWS CLI (/usr/bin/aws) and the
// mosquitto clients.

#include <QJsonObject>
#include <QProcess>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>

namespace imprint::test {

inline constexpr auto kAccessKeyId = "AKIDIMPRINTTEST";
inline constexpr auto kSecretAccessKey = "imprint/test+secret/EXAMPLEKEY";

struct CommandResult
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
    [[nodiscard]] QJsonObject json() const;
    [[nodiscard]] bool ok() const { return exitCode == 0; }
    [[nodiscard]] QString describe() const;  // for failure messages
};

struct MqttAnswer
{
    CommandResult run;
    QString topic;       // empty when nothing came back
    QByteArray payload;  // raw bytes (JSON or CBOR)
    [[nodiscard]] QJsonObject json() const;  // payload as JSON, or CBOR decoded to JSON
};

class EmulatorProcess
{
public:
    EmulatorProcess();
    ~EmulatorProcess();
    EmulatorProcess(const EmulatorProcess&) = delete;
    EmulatorProcess& operator=(const EmulatorProcess&) = delete;

    // Starts the emulator with these extra arguments; returns an error message, empty on success.
    [[nodiscard]] QString start(const QStringList& extraArguments = {});
    void stop();

    [[nodiscard]] quint16 httpPort() const { return m_httpPort; }
    [[nodiscard]] quint16 mqttPort() const { return m_mqttPort; }
    [[nodiscard]] QString endpoint() const;
    [[nodiscard]] QString tlsDirectory() const { return m_dir.path() + QStringLiteral("/tls"); }
    [[nodiscard]] QString path(const QString& name) const { return m_dir.path() + u'/' + name; }
    [[nodiscard]] QByteArray log();

    // `/usr/bin/aws --endpoint-url … --no-cli-pager --output json <arguments>`; `secret` overrides the key.
    [[nodiscard]] CommandResult aws(const QStringList& arguments, const QByteArray& secret = {},
                                    const QByteArray& accessKeyId = {}) const;
    // `aws iot describe-certificate`'s certificateDescription (empty when it fails).
    [[nodiscard]] QJsonObject describeCertificate(const QString& certificateId) const;
    // mosquitto_pub with TLS client certificate `certificate`/`key`; publishes one message.
    [[nodiscard]] CommandResult publish(const QString& certificate, const QString& key, const QString& topic,
                                        const QString& message) const;
    // mosquitto_sub receiving `count` messages on `topic`, started (and subscribed) before returning.
    // It prints each message as a line "MSG <payload>" among its debug lines.
    [[nodiscard]] std::unique_ptr<QProcess> subscribe(const QString& certificate, const QString& key,
                                                      const QString& topic, int count) const;
    // mosquitto_rr over MQTT 3.1.1: one connection that subscribes to `answerTopic` (no wildcards:
    // mosquitto_rr refuses them), publishes `payload` on `topic` (a null message when empty; no NUL
    // bytes) and waits up to `waitSeconds` for one answer.
    [[nodiscard]] MqttAnswer request(const QString& certificate, const QString& key, const QString& topic,
                                     const QString& answerTopic, const QByteArray& payload, int waitSeconds = 15) const;

private:
    QTemporaryDir m_dir;
    QProcess m_process;
    quint16 m_httpPort = 0;
    quint16 m_mqttPort = 0;
    QByteArray m_output;
};

}  // namespace imprint::test
