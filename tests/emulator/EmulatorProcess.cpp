#include "EmulatorProcess.h"

#include <QCborMap>
#include <QCborValue>
#include <QElapsedTimer>
#include <QTemporaryFile>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QThread>

namespace imprint::test {

namespace {

CommandResult run(const QString& program, const QStringList& arguments, const QProcessEnvironment& environment)
{
    QProcess process;
    process.setProcessEnvironment(environment);
    process.start(program, arguments);
    CommandResult result;
    if (!process.waitForFinished(60000)) {
        process.kill();
        process.waitForFinished();
        result.err = "timed out";
        return result;
    }
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    result.out = process.readAllStandardOutput();
    result.err = process.readAllStandardError();
    return result;
}

QStringList tlsArguments(const QString& caFile, const QString& certificate, const QString& key, quint16 port)
{
    return {QStringLiteral("-h"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"), QString::number(port),
            QStringLiteral("--cafile"), caFile, QStringLiteral("--cert"), certificate, QStringLiteral("--key"), key};
}

}  // namespace

QJsonObject CommandResult::json() const
{
    return QJsonDocument::fromJson(out).object();
}

QString CommandResult::describe() const
{
    return QStringLiteral("exit %1; stdout: %2; stderr: %3")
        .arg(exitCode)
        .arg(QString::fromUtf8(out.left(2000)), QString::fromUtf8(err.left(2000)));
}

EmulatorProcess::EmulatorProcess() = default;

EmulatorProcess::~EmulatorProcess()
{
    stop();
}

QString EmulatorProcess::start(const QStringList& extraArguments)
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    m_output.clear();
    environment.insert(QStringLiteral("QT_LOGGING_RULES"), QStringLiteral("imprint.cloud.info=true"));
    m_process.setProcessEnvironment(environment);
    m_process.setProcessChannelMode(QProcess::MergedChannels);
    m_process.start(QStringLiteral(IMPRINT_EMULATOR_PATH),
                    QStringList{QStringLiteral("--access-key-id"), QString::fromLatin1(kAccessKeyId),
                                QStringLiteral("--secret-access-key"), QString::fromLatin1(kSecretAccessKey),
                                QStringLiteral("--tls-dir"), tlsDirectory()}
                        + extraArguments);
    static const QRegularExpression ready(QStringLiteral(R"(ready: http=http://127\.0\.0\.1:(\d+) mqtt=127\.0\.0\.1:(\d+))"));
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < 20000) {
        if (!m_process.waitForReadyRead(200) && m_process.state() == QProcess::NotRunning)
            break;
        m_output += m_process.readAll();
        const auto match = ready.match(QString::fromUtf8(m_output));
        if (match.hasMatch()) {
            m_httpPort = static_cast<quint16>(match.captured(1).toUInt());
            m_mqttPort = static_cast<quint16>(match.captured(2).toUInt());
            return {};
        }
    }
    return QStringLiteral("the emulator did not print its ready line: ") + QString::fromUtf8(m_output);
}

void EmulatorProcess::stop()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    m_process.terminate();
    if (!m_process.waitForFinished(5000)) {
        m_process.kill();
        m_process.waitForFinished();
    }
}

QString EmulatorProcess::endpoint() const
{
    return QStringLiteral("http://127.0.0.1:%1").arg(m_httpPort);
}

QByteArray EmulatorProcess::log()
{
    // The emulator logs as it goes; collect what it wrote until it has been quiet briefly.
    while (m_process.waitForReadyRead(200))
        m_output += m_process.readAll();
    m_output += m_process.readAll();
    return m_output;
}

CommandResult EmulatorProcess::aws(const QStringList& arguments, const QByteArray& secret, const QByteArray& accessKeyId) const
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("AWS_ACCESS_KEY_ID"), QString::fromLatin1(accessKeyId.isEmpty() ? QByteArray(kAccessKeyId) : accessKeyId));
    environment.insert(QStringLiteral("AWS_SECRET_ACCESS_KEY"),
                       QString::fromLatin1(secret.isEmpty() ? QByteArray(kSecretAccessKey) : secret));
    environment.insert(QStringLiteral("AWS_DEFAULT_REGION"), QStringLiteral("us-east-1"));
    environment.insert(QStringLiteral("AWS_MAX_ATTEMPTS"), QStringLiteral("1"));  // faults must show, not be retried away
    environment.insert(QStringLiteral("AWS_CONFIG_FILE"), m_dir.path() + QStringLiteral("/no-aws-config"));
    environment.insert(QStringLiteral("AWS_SHARED_CREDENTIALS_FILE"), m_dir.path() + QStringLiteral("/no-aws-credentials"));
    environment.remove(QStringLiteral("AWS_PROFILE"));
    return run(QStringLiteral("/usr/bin/aws"),
               QStringList{QStringLiteral("--endpoint-url"), endpoint(), QStringLiteral("--no-cli-pager"),
                           QStringLiteral("--output"), QStringLiteral("json")}
                   + arguments,
               environment);
}

QJsonObject EmulatorProcess::describeCertificate(const QString& certificateId) const
{
    return aws({QStringLiteral("iot"), QStringLiteral("describe-certificate"), QStringLiteral("--certificate-id"), certificateId})
        .json()
        .value(QStringLiteral("certificateDescription"))
        .toObject();
}

CommandResult EmulatorProcess::publish(const QString& certificate, const QString& key, const QString& topic,
                                       const QString& message) const
{
    return run(QStringLiteral("mosquitto_pub"),
               tlsArguments(tlsDirectory() + QStringLiteral("/ca.crt"), certificate, key, m_mqttPort)
                   + QStringList{QStringLiteral("-q"), QStringLiteral("1"), QStringLiteral("-t"), topic,
                                 QStringLiteral("-m"), message},
               QProcessEnvironment::systemEnvironment());
}

std::unique_ptr<QProcess> EmulatorProcess::subscribe(const QString& certificate, const QString& key, const QString& topic,
                                                     int count) const
{
    auto process = std::make_unique<QProcess>();
    process->setProcessChannelMode(QProcess::MergedChannels);
    // -d prints the SUBACK, so we know the subscription is in place before returning.
    // stdbuf: mosquitto_sub's stdout is block-buffered on a pipe, and we wait for its SUBACK line.
    process->start(QStringLiteral("stdbuf"),
                   QStringList{QStringLiteral("-oL"), QStringLiteral("mosquitto_sub")}
                       + tlsArguments(tlsDirectory() + QStringLiteral("/ca.crt"), certificate, key, m_mqttPort)
                       + QStringList{QStringLiteral("-d"), QStringLiteral("-t"), topic, QStringLiteral("-C"),
                                     QString::number(count), QStringLiteral("-W"), QStringLiteral("30"),
                                     QStringLiteral("-F"), QStringLiteral("MSG %p")});
    QByteArray seen;
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < 10000 && !seen.contains("SUBACK")) {
        if (!process->waitForReadyRead(200) && process->state() == QProcess::NotRunning)
            break;
        seen += process->readAllStandardOutput();
    }
    process->setProperty("seen", seen);
    return process;
}

QJsonObject MqttAnswer::json() const
{
    if (topic.contains(QStringLiteral("/cbor/")))
        return QCborValue::fromCbor(payload).toMap().toJsonObject();
    return QJsonDocument::fromJson(payload).object();
}

MqttAnswer EmulatorProcess::request(const QString& certificate, const QString& key, const QString& topic,
                                    const QString& answerTopic, const QByteArray& payload, int waitSeconds) const
{
    const QStringList arguments = tlsArguments(tlsDirectory() + QStringLiteral("/ca.crt"), certificate, key, m_mqttPort)
                                  + QStringList{QStringLiteral("-V"), QStringLiteral("mqttv311"), QStringLiteral("-q"),
                                                QStringLiteral("1"), QStringLiteral("-t"), topic, QStringLiteral("-e"), answerTopic,
                                                QStringLiteral("-W"), QString::number(waitSeconds), QStringLiteral("-F"),
                                                QStringLiteral("%t %x")};
    MqttAnswer answer;
    if (payload.isEmpty()) {
        answer.run = run(QStringLiteral("mosquitto_rr"), arguments + QStringList{QStringLiteral("-n")},
                         QProcessEnvironment::systemEnvironment());
    } else {
        // mosquitto_rr 2.0.11 sends an empty message for -f and -s; -m carries any bytes but NUL,
        // so the shell passes the file as -m (the x keeps a payload's trailing newlines).
        QTemporaryFile file(m_dir.path() + QStringLiteral("/request-XXXXXX"));
        if (!file.open() || file.write(payload) != payload.size() || !file.flush())
            return answer;
        answer.run = run(QStringLiteral("/bin/sh"),
                         QStringList{QStringLiteral("-c"),
                                     QStringLiteral(R"(file=$1; shift; m=$(cat "$file"; printf x); exec mosquitto_rr "$@" -m "${m%x}")"),
                                     QStringLiteral("sh"), file.fileName()}
                             + arguments,
                         QProcessEnvironment::systemEnvironment());
    }
    const QByteArray line = answer.run.out.trimmed();
    const qsizetype space = line.indexOf(' ');
    if (answer.run.ok() && space > 0) {
        answer.topic = QString::fromUtf8(line.left(space));
        answer.payload = QByteArray::fromHex(line.mid(space + 1));
    }
    return answer;
}

}  // namespace imprint::test
