#pragma once

// imprint-iot-emulator's command line and credentials.

#include "app/iot-emulator/server/ControlPlane.h"
#include "app/iot-emulator/server/PreProvisioningHook.h"
#include "core/SecureBytes.h"

#include <QHostAddress>
#include <QStringList>

#include <memory>

namespace imprint::emulator {

struct EmulatorOptions
{
    QHostAddress listen{QHostAddress::LocalHost};
    quint16 port = 0;      // 0: a free port, printed on the ready line
    quint16 mqttPort = 0;
    QString state = QStringLiteral(":memory:");
    QString region = QStringLiteral("us-east-1");
    QString accountId = QStringLiteral("123456789012");
    QString tlsDirectory;
    FaultSettings faults;
    std::shared_ptr<CredentialMap> credentials;
    PreProvisioningHook::Rule hookRule = PreProvisioningHook::Rule::Allow;
    QString hookCommand;  // for Rule::Command
    qint64 clockOffsetSeconds = 0;
};

// Parses argv. Errors are usage errors, in plain words; `--help` text is returned as an
// Error with code Cancelled so main can print it and exit 0.
[[nodiscard]] Result<EmulatorOptions> parseEmulatorOptions(const QStringList& arguments);

// Every profile's aws_access_key_id / aws_secret_access_key pair of an AWS shared credentials file.
[[nodiscard]] Result<std::shared_ptr<CredentialMap>> readCredentialsFile(const QString& path);

}  // namespace imprint::emulator
