#include "core/pipeline/ProvisioningProfile.h"

namespace imprint::pipeline {

QString keyModeName(KeyMode mode)
{
    switch (mode) {
    case KeyMode::DeviceCsr: return QStringLiteral("device-csr");
    case KeyMode::StationKey: return QStringLiteral("station-key");
    }
    return QStringLiteral("unknown");
}

QString bindModeName(BindMode mode)
{
    switch (mode) {
    case BindMode::Device: return QStringLiteral("device");
    case BindMode::Barcode: return QStringLiteral("barcode");
    }
    return QStringLiteral("unknown");
}

QString registrationModeName(RegistrationMode mode)
{
    switch (mode) {
    case RegistrationMode::None: return QStringLiteral("none");
    case RegistrationMode::Jitp: return QStringLiteral("jitp");
    case RegistrationMode::Jitr: return QStringLiteral("jitr");
    case RegistrationMode::RegisterThing: return QStringLiteral("register-thing");
    case RegistrationMode::Bulk: return QStringLiteral("bulk");
    case RegistrationMode::Claim: return QStringLiteral("claim");
    case RegistrationMode::TrustedUser: return QStringLiteral("trusted-user");
    }
    return QStringLiteral("unknown");
}

Result<RegistrationMode> parseRegistrationMode(const QString& name)
{
    QStringList known;
    for (const RegistrationMode mode : {RegistrationMode::None, RegistrationMode::Jitp, RegistrationMode::Jitr,
                                        RegistrationMode::RegisterThing, RegistrationMode::Bulk, RegistrationMode::Claim,
                                        RegistrationMode::TrustedUser}) {
        if (registrationModeName(mode) == name)
            return mode;
        known << registrationModeName(mode);
    }
    return Error(ErrorCode::InvalidInput,
                 QStringLiteral("registration mode '%1' is not one of: %2").arg(name, known.join(u", ")));
}

bool installsClaim(RegistrationMode mode)
{
    return mode == RegistrationMode::Claim || mode == RegistrationMode::TrustedUser;
}

}  // namespace imprint::pipeline
