#pragma once

// Composition of the station's cloud registration: the [cloud] group of station.ini (mode,
// template file, limits; never a secret: AWS credentials come from the AWS CLI's chain) turned
// into the sender's settings, and the CA registration signed on the station's HSM.

#include "core/Clock.h"
#include "core/OperatorPrompt.h"
#include "core/Result.h"
#include "core/registration/CaRegistration.h"
#include "core/registration/RegistrationSettings.h"

#include <QString>

namespace imprint::station {

struct CloudSettings
{
    QString mode = QStringLiteral("register-thing");  // register-thing | pre-register | device | none | bulk
    QString templatePath;                              // RegisterThing template (JSON file)
    int maxInFlight = 8;
    qint64 retryBaseMs = 2'000;
    qint64 retryMaxMs = 300'000;
    QString bulkBucket;   // bulk: S3 bucket of the input file
    QString bulkRoleArn;  // bulk: the role AWS IoT assumes to read it
};

// [cloud] mode, template, max-in-flight, retry-base-ms, retry-max-ms, bulk-bucket, bulk-role-arn.
[[nodiscard]] CloudSettings readCloudSettings();
void writeCloudSettings(const CloudSettings& settings);

// The sender's settings: the template read from its file, the station's CA chain for pre-registration.
[[nodiscard]] Result<registration::SenderSettings> senderSettings(const CloudSettings& cloud);

// The station's issuing CA (first certificate of [ca] chain) as PEM.
[[nodiscard]] Result<QByteArray> issuingCaPem();

// Signs AWS's verification certificate with the station's CA key on the HSM (PIN from the
// URI's pin-source, IMPRINT_HSM_PIN or `prompt`).
[[nodiscard]] registration::VerificationSigner hsmVerificationSigner(OperatorPrompt* prompt, const Clock& clock);

}  // namespace imprint::station
