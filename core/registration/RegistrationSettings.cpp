#include "core/registration/RegistrationSettings.h"

#include "core/template/ProvisioningTemplate.h"

namespace imprint::registration {

namespace {

struct ModeName
{
    SendMode mode;
    const char* name;
};

constexpr ModeName kModes[] = {{SendMode::RegisterThing, "register-thing"},
                               {SendMode::PreRegisterCertificate, "pre-register"},
                               {SendMode::DeviceRegisters, "device"},
                               {SendMode::None, "none"}};

}  // namespace

QString sendModeName(SendMode mode)
{
    for (const auto& entry : kModes) {
        if (entry.mode == mode)
            return QString::fromLatin1(entry.name);
    }
    return QStringLiteral("unknown");
}

Result<SendMode> parseSendMode(const QString& name)
{
    QStringList known;
    for (const auto& entry : kModes) {
        if (name == QLatin1String(entry.name))
            return entry.mode;
        known << QString::fromLatin1(entry.name);
    }
    return Error(ErrorCode::InvalidInput, QStringLiteral("unknown cloud registration mode '%1' (use one of: %2)")
                                              .arg(name, known.join(QStringLiteral(", "))));
}

Status validateSettings(const SenderSettings& settings)
{
    if (settings.maxInFlight < 1 || settings.rowsPerPass < 1)
        return Error(ErrorCode::InvalidInput, QStringLiteral("cloud registration: max-in-flight and rows-per-pass must be at least 1"));
    if (settings.mode == SendMode::RegisterThing) {
        if (settings.templateBody.isEmpty())
            return Error(ErrorCode::InvalidInput, QStringLiteral("cloud registration mode register-thing needs a provisioning template"));
        auto parsed = provisioning::ProvisioningTemplate::parse(settings.templateBody);
        if (!parsed)
            return parsed.error().withContext(QStringLiteral("RegisterThing template"));
        bool takesCertificate = false;
        for (const auto& parameter : parsed->parameters())
            takesCertificate = takesCertificate || parameter.name == QStringLiteral("CertificatePem");
        if (!takesCertificate)
            return Error(ErrorCode::InvalidInput, QStringLiteral("RegisterThing template: it declares no CertificatePem "
                                                                 "parameter, so the unit's certificate would not be registered"));
    }
    if (settings.mode == SendMode::PreRegisterCertificate && settings.caCertificatePem.isEmpty())
        return Error(ErrorCode::InvalidInput, QStringLiteral("cloud registration mode pre-register needs the CA certificate (PEM)"));
    return Status::success();
}

}  // namespace imprint::registration
