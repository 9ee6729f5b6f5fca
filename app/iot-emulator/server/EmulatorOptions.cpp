#include "app/iot-emulator/server/EmulatorOptions.h"

#include <QCommandLineParser>
#include <QFile>

namespace imprint::emulator {

namespace {

Result<quint16> portOption(const QCommandLineParser& parser, const QString& name)
{
    if (!parser.isSet(name))
        return quint16{0};
    bool ok = false;
    const uint value = parser.value(name).toUInt(&ok);
    if (!ok || value > 65535)
        return Error(ErrorCode::InvalidInput, QStringLiteral("--%1: '%2' is not a port (0-65535)").arg(name, parser.value(name)));
    return static_cast<quint16>(value);
}

}  // namespace

Result<std::shared_ptr<CredentialMap>> readCredentialsFile(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error(ErrorCode::Io, QStringLiteral("cannot read credentials file %1: %2").arg(path, file.errorString()));
    auto credentials = std::make_shared<CredentialMap>();
    QString keyId;
    int lineNumber = 0;
    while (!file.atEnd()) {
        QByteArray line = file.readLine().trimmed();
        ++lineNumber;
        if (line.startsWith('[')) {
            keyId.clear();
            continue;
        }
        const qsizetype equals = line.indexOf('=');
        if (equals < 0)
            continue;
        const QByteArray name = line.left(equals).trimmed();
        const QByteArray value = line.mid(equals + 1).trimmed();
        if (name == "aws_access_key_id") {
            keyId = QString::fromUtf8(value);
        } else if (name == "aws_secret_access_key") {
            if (keyId.isEmpty())
                return Error(ErrorCode::InvalidInput, QStringLiteral("%1:%2: aws_secret_access_key before aws_access_key_id")
                                                          .arg(path)
                                                          .arg(lineNumber));
            credentials->insert_or_assign(keyId, SecureBytes(value.constData(), static_cast<std::size_t>(value.size())));
        }
        line.fill('\0');  // the secret's only other copy
    }
    if (credentials->empty())
        return Error(ErrorCode::InvalidInput, QStringLiteral("%1: no aws_access_key_id/aws_secret_access_key pair").arg(path));
    return credentials;
}

Result<EmulatorOptions> parseEmulatorOptions(const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "A local AWS IoT control plane (HTTP, SigV4-verified) and device endpoint (TLS + MQTT 3.1.1, "
        "JITR/JITP) for tests, demos and offline trials. Prints one ready line with the chosen ports."));
    parser.addHelpOption();
    const auto value = [](const char* name, const char* description, const char* valueName) {
        return QCommandLineOption(QString::fromLatin1(name), QString::fromLatin1(description), QString::fromLatin1(valueName));
    };
    parser.addOptions({
        value("listen", "Address to listen on (default 127.0.0.1).", "address"),
        value("port", "Control-plane HTTP port (default 0: a free port).", "port"),
        value("mqtt-port", "Device endpoint TLS port (default 0: a free port).", "port"),
        value("state", "Registry SQLite file, or :memory: (default).", "file"),
        value("credentials-file", "AWS shared credentials file whose key pairs are accepted.", "file"),
        value("access-key-id", "Accepted access key id (with --secret-access-key).", "id"),
        value("secret-access-key", "Its secret key (prefer --credentials-file: a command line is visible to ps).", "secret"),
        value("region", "Region in ARNs (default us-east-1).", "region"),
        value("account-id", "Account id in ARNs (default 123456789012).", "id"),
        value("fault", "Injected faults, e.g. throttle=0.1,5xx=0.05,latency-ms=20.", "spec"),
        value("tls-dir", "Directory with ca.crt, ca.key, server.crt, server.key; made there when missing.", "dir"),
        value("pre-provisioning-hook", "Answer of templates' pre-provisioning hooks: allow (default), deny, or command:PATH "
              "(reads the hook input JSON on stdin, prints {\"allowProvisioning\": bool, \"parameterOverrides\": {}}).", "rule"),
        value("clock-offset", "Seconds added to the emulator's clock (claims, ownership tokens, certificate validity).", "seconds"),
    });
    if (!parser.parse(arguments))
        return Error(ErrorCode::InvalidInput, parser.errorText());
    if (parser.isSet(QStringLiteral("help")))
        return Error(ErrorCode::Cancelled, parser.helpText());
    if (!parser.positionalArguments().isEmpty())
        return Error(ErrorCode::InvalidInput, QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().first()));

    EmulatorOptions options;
    if (parser.isSet(QStringLiteral("listen")) && !options.listen.setAddress(parser.value(QStringLiteral("listen"))))
        return Error(ErrorCode::InvalidInput, QStringLiteral("--listen: '%1' is not an IP address").arg(parser.value(QStringLiteral("listen"))));
    auto port = portOption(parser, QStringLiteral("port"));
    auto mqttPort = portOption(parser, QStringLiteral("mqtt-port"));
    if (!port || !mqttPort)
        return !port ? port.error() : mqttPort.error();
    options.port = port.value();
    options.mqttPort = mqttPort.value();
    options.state = parser.value(QStringLiteral("state")).isEmpty() ? options.state : parser.value(QStringLiteral("state"));
    options.region = parser.value(QStringLiteral("region")).isEmpty() ? options.region : parser.value(QStringLiteral("region"));
    options.accountId = parser.value(QStringLiteral("account-id")).isEmpty() ? options.accountId : parser.value(QStringLiteral("account-id"));
    options.tlsDirectory = parser.value(QStringLiteral("tls-dir"));
    if (parser.isSet(QStringLiteral("pre-provisioning-hook"))) {
        auto hook = PreProvisioningHook::parseSpec(parser.value(QStringLiteral("pre-provisioning-hook")));
        if (!hook)
            return hook.error();
        options.hookRule = hook->first;
        options.hookCommand = hook->second;
    }
    if (parser.isSet(QStringLiteral("clock-offset"))) {
        bool ok = false;
        options.clockOffsetSeconds = parser.value(QStringLiteral("clock-offset")).toLongLong(&ok);
        if (!ok)
            return Error(ErrorCode::InvalidInput,
                         QStringLiteral("--clock-offset: '%1' is not a whole number of seconds").arg(parser.value(QStringLiteral("clock-offset"))));
    }
    if (parser.isSet(QStringLiteral("fault"))) {
        auto faults = FaultSettings::parse(parser.value(QStringLiteral("fault")));
        if (!faults)
            return faults.error();
        options.faults = faults.value();
    }
    if (parser.isSet(QStringLiteral("credentials-file"))) {
        auto credentials = readCredentialsFile(parser.value(QStringLiteral("credentials-file")));
        if (!credentials)
            return credentials.error();
        options.credentials = credentials.value();
    } else {
        // The flags, or else the environment, as the AWS CLI would use them.
        const QByteArray keyId = parser.isSet(QStringLiteral("access-key-id")) ? parser.value(QStringLiteral("access-key-id")).toUtf8()
                                                                               : qgetenv("AWS_ACCESS_KEY_ID");
        QByteArray secret = parser.isSet(QStringLiteral("secret-access-key"))
                                ? parser.value(QStringLiteral("secret-access-key")).toUtf8()
                                : qgetenv("AWS_SECRET_ACCESS_KEY");
        if (keyId.isEmpty() || secret.isEmpty())
            return Error(ErrorCode::InvalidInput, QStringLiteral("no credentials: give --credentials-file, or --access-key-id and "
                                                                 "--secret-access-key, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"));
        options.credentials = std::make_shared<CredentialMap>();
        options.credentials->insert_or_assign(QString::fromUtf8(keyId), SecureBytes(secret.constData(), static_cast<std::size_t>(secret.size())));
        secret.fill('\0');
    }
    return options;
}

}  // namespace imprint::emulator
