#pragma once

// Registering the station's CA with AWS IoT, so devices it issued can register themselves (JITP,
// JITR) or be pre-registered: registration code -> verification certificate (CN = the code,
// signed by the CA key: the caller signs, on the HSM) -> RegisterCACertificate.
// A re-run finds the CA already registered (its id is AWS's: SHA-256 of the DER) and reports its
// id and state instead of failing. Blocking (waitFor): call it from the command line or a worker
// thread, never the GUI thread.

#include "core/Result.h"

#include <QByteArray>
#include <QString>

#include <functional>

namespace imprint::cloud {
class AwsIotClient;
}

namespace imprint::registration {

enum class CaMode {
    Jitp,     // auto-registration on, with a JITP template (by name, or its body) and role
    Jitr,     // auto-registration on, no template: a rule activates PENDING_ACTIVATION certificates
    SniOnly,  // no verification certificate: the same CA in several accounts (multi-account)
};

[[nodiscard]] QString caModeName(CaMode mode);  // "jitp", "jitr", "sni-only"
[[nodiscard]] Result<CaMode> parseCaMode(const QString& name);

// Signs AWS's verification certificate: subject CN = `registrationCode`, signed by the CA key.
// Implemented by the HSM layer (IssuingService::verificationCertificatePem).
using VerificationSigner = std::function<Result<QByteArray>(const QString& registrationCode)>;

struct CaRegistrationRequest
{
    QByteArray caCertificatePem;  // the issuing CA (the first certificate of the chain)
    CaMode mode = CaMode::Jitp;
    QString templateName;         // JITP: a template of type JITP…
    QByteArray templateBody;      // …or its body
    QString roleArn;              // JITP: the provisioning role (with a body)
    bool setAsActive = true;
};

struct CaRegistration
{
    QString certificateId;
    QString certificateArn;
    QString status;                    // ACTIVE, INACTIVE
    QString autoRegistrationStatus;    // ENABLE, DISABLE
    QString certificateMode;           // DEFAULT, SNI_ONLY
    bool alreadyRegistered = false;    // found, not registered by this call
};

[[nodiscard]] Status validateCaRequest(const CaRegistrationRequest& request);
[[nodiscard]] Result<CaRegistration> registerCa(cloud::AwsIotClient& client, const CaRegistrationRequest& request,
                                                const VerificationSigner& signVerification);

}  // namespace imprint::registration
