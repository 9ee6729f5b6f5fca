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
    }
    return QStringLiteral("unknown");
}

}  // namespace imprint::pipeline
