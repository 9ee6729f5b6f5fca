#pragma once

// What the station sends to the cloud for each passed unit, chosen per batch (or per station):
// its mode, the RegisterThing template, the CA for JITR pre-registration, and how hard to push
// (requests in flight, backoff between tries of one registration).

#include "core/Result.h"
#include "core/cloud/RetryPolicy.h"

#include <QByteArray>
#include <QString>

namespace imprint::registration {

enum class SendMode {
    RegisterThing,        // RegisterThing per unit: the template + the unit's parameters (CertificatePem…)
    PreRegisterCertificate,  // JITR pre-registration: RegisterCertificate ACTIVE under the registered CA
    DeviceRegisters,      // JITP or JITR: nothing per unit; the device registers on first connection
    None,                 // offline line: nothing is sent
};

// "register-thing", "pre-register", "device", "none".
[[nodiscard]] QString sendModeName(SendMode mode);
[[nodiscard]] Result<SendMode> parseSendMode(const QString& name);

struct SenderSettings
{
    SendMode mode = SendMode::RegisterThing;
    QByteArray templateBody;      // RegisterThing: the provisioning template (JSON)
    QByteArray caCertificatePem;  // PreRegisterCertificate: the issuing CA, registered with AWS IoT
    int maxInFlight = 8;          // requests outstanding at once (the client's rate limit still paces them)
    int rowsPerPass = 500;        // due rows read per pass
    // Backoff between tries of one registration (the client retries each request briefly on top):
    // full jitter, base 2 s doubling up to 5 min, so an outage of any length costs little.
    cloud::RetryPolicy backoff{0, 2'000, 300'000};
    bool ignoreBackoff = false;   // `cloud sync --now`: every pending row is due
};

// Checks the settings before anything is sent: the template parses and declares what it needs,
// the CA is present for pre-registration.
[[nodiscard]] Status validateSettings(const SenderSettings& settings);

}  // namespace imprint::registration
