#pragma once

// A provisioning profile: everything the station needs to know to provision one kind of
// device, chosen per batch. It names the key mode, the certificate profile, the device
// protocol and the cloud registration mode.

#include "core/ca/CertificateProfile.h"
#include "core/Result.h"
#include "core/device/DeviceDriver.h"

#include <QByteArray>
#include <QString>

#include <chrono>

namespace imprint::pipeline {

enum class KeyMode {
    DeviceCsr,   // default: the device makes its key and returns a CSR; the key never leaves it
    StationKey,  // explicit opt-in: the station makes the key and injects it
};

enum class RegistrationMode {
    None,           // no cloud step (offline lines, tests)
    Jitp,           // the device registers itself on first connection (template on the CA)
    Jitr,           // the device's first connection registers its certificate, a rule activates it
    RegisterThing,  // the station calls RegisterThing per unit
    Bulk,           // the station runs a bulk registration task per batch
    // Fleet provisioning: the station issues no certificate. It installs a claim (certificate and
    // key) with the endpoint and the template's name; the device trades the claim for its own
    // certificate and registers its thing on its first connection (like JITP, nothing is queued).
    Claim,          // one fleet claim for every device (--claim-cert/--claim-key)
    TrustedUser,    // a fresh 5-minute claim per device (CreateProvisioningClaim), just before installing
};

// How the bind step finds a device's work-order row.
enum class BindMode {
    Device,   // default: by what the device reports (serial number, else hardware ID)
    Barcode,  // by the label scanned for the slot (LabelScanner): the label is the serial number
              // of the work-order row; a device that also reports a serial must report the same
};

[[nodiscard]] QString keyModeName(KeyMode mode);
[[nodiscard]] QString bindModeName(BindMode mode);
[[nodiscard]] QString registrationModeName(RegistrationMode mode);
// The inverse of registrationModeName ("jitp", "claim", "trusted-user"…).
[[nodiscard]] Result<RegistrationMode> parseRegistrationMode(const QString& name);
// Claim and trusted user: the device gets a claim instead of a station-issued certificate.
[[nodiscard]] bool installsClaim(RegistrationMode mode);

// How often a step that failed for a transient reason (timeout, corrupted frame) is tried again.
struct RetryPolicy
{
    int attempts = 3;                               // in all, the first try included
    std::chrono::milliseconds backoff{200};         // doubled after each failed try
};

struct ProvisioningProfile
{
    QString name = QStringLiteral("default");
    KeyMode keyMode = KeyMode::DeviceCsr;
    BindMode bind = BindMode::Device;
    // BindMode::Barcode: how long the bind step waits for the slot's label to be scanned.
    std::chrono::milliseconds labelTimeout{60'000};
    ca::StationKeyType stationKeyType = ca::StationKeyType::EcP256;
    ca::CertificateProfile certificate;
    QString protocol = QStringLiteral("imprint");
    RegistrationMode registration = RegistrationMode::Jitp;
    // Claim modes: the fleet-provisioning template the device registers through (written to the
    // device's configuration as template=<name>).
    QString claimTemplate;
    // Trusted user: the time a unit's installation needs, from the claim's request to the lock.
    // A claim with less time left is replaced by a fresh one before it is written.
    std::chrono::milliseconds claimInstallBudget{60'000};
    // Written to the device when set: the server root CA it will trust (e.g. Amazon Root CA 1).
    QByteArray serverRootCaPem;
    // Written as the device's configuration; values may use {thingName}, {serialNumber}, {hardwareId}.
    device::ConfigurationValues configuration;
    device::DeviceTimeouts timeouts;
    RetryPolicy retry;
    qint32 baudRate = 115200;
};

}  // namespace imprint::pipeline
