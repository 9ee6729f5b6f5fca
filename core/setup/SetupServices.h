#pragma once

// What the supervisor's set-up pages (HSM and CA, CA registration, cloud) ask of the station.
// Declared here so the widgets (ui/) and the station's implementation (app/common/SetupStation)
// meet without the widgets ever seeing the HSM, SQL or the network. Every call blocks (token
// login, SQLite, HTTP): the pages run them on a worker thread (ui/SetupWorker), never the GUI's.

#include "core/OperatorPrompt.h"
#include "core/Result.h"
#include "core/registration/CaRegistration.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

#include <map>

namespace imprint::setup {

// The module and token the station uses ([hsm] in station.ini).
struct HsmChoice
{
    QString module;
    QString tokenLabel;
};

// The station's issuing CA, as read from its certificate after the key on the token was found.
struct CaDetails
{
    QString subject;
    QString issuer;
    QString serial;          // hex
    QDateTime notBefore;     // UTC
    QDateTime notAfter;      // UTC
    qint64 daysLeft = 0;     // whole days until notAfter (negative once expired)
    QString keyType;         // "EC P-256", "RSA 3072"…
    QString sha256;          // fingerprint of the DER, upper-case hex
    QString chainPath;
    QString tokenLabel;
    QString keyLabel;
};

class HsmSetupService
{
public:
    virtual ~HsmSetupService() = default;
    // The module and token station.ini names (the module's default when none).
    [[nodiscard]] virtual HsmChoice configured() = 0;
    // The labels of the initialised tokens of `module`.
    [[nodiscard]] virtual Result<QStringList> tokenLabels(const QString& module) = 0;
    // Logs in to the chosen token (PIN from `prompt` unless the token's pin-source file gives
    // it), finds the CA key, checks it matches the station's CA certificate, records the choice
    // in station.ini and answers the CA's details. A wrong PIN fails with PinIncorrect.
    [[nodiscard]] virtual Result<CaDetails> openCa(const HsmChoice& choice, OperatorPrompt& prompt) = 0;
    // The demo's development token and self-signed CA (each made once).
    [[nodiscard]] virtual Result<CaDetails> createDevelopmentCa(const QString& module) = 0;
};

// Where the station reaches AWS IoT ([cloud] in station.ini). Never a secret: credentials come
// from the AWS CLI's chain (environment, ~/.aws files).
struct CloudConfig
{
    QString profile;      // empty: AWS_PROFILE, then "default"
    QString region;       // empty: the AWS CLI's chain
    QString endpointUrl;  // empty: AWS's public endpoint (e.g. http://127.0.0.1:PORT for the emulator)
};

struct OutboxFailure
{
    QString thingName;
    QString action;
    int attempts = 0;
    QString reason;
    QString updatedAt;
};

struct OutboxState
{
    std::map<QString, qint64> counts;  // queued, sent, registered, failed
    QList<OutboxFailure> failed;       // the most recent first, at most kMaxFailedShown
    QString database;
};

struct SyncOutcome
{
    qint64 requeued = 0;  // failed rows queued again first (retry failed)
    int due = 0;
    int registered = 0;
    int retrying = 0;
    int failed = 0;
    int skipped = 0;  // JITP/JITR or offline: left to the devices' first connection
    QStringList problems;
};

// A JITP/JITR/SNI_ONLY registration of the station's CA; the CA certificate is the station's.
struct CaRegistrationOrder
{
    registration::CaMode mode = registration::CaMode::Jitp;
    QString templateName;   // JITP: an existing template…
    QByteArray templateBody; // …or a body (with roleArn)
    QString roleArn;
    bool setAsActive = true;
};

class CloudSetupService
{
public:
    static constexpr int kMaxFailedShown = 200;

    virtual ~CloudSetupService() = default;
    [[nodiscard]] virtual CloudConfig config() = 0;
    [[nodiscard]] virtual Status saveConfig(const CloudConfig& config) = 0;
    // Resolves the settings as the AWS CLI would and makes one signed, read-only call
    // (ListCACertificates); answers a line saying where it reached and with which credentials.
    [[nodiscard]] virtual Result<QString> testConnection(const CloudConfig& config) = 0;
    [[nodiscard]] virtual Result<OutboxState> outboxState() = 0;
    // Sends the due registrations once (every pending one, ignoring the backoff); with
    // `retryFailed`, the failed rows are queued again first.
    [[nodiscard]] virtual Result<SyncOutcome> sync(const CloudConfig& config, bool retryFailed) = 0;
    // Registration code, verification certificate signed on the HSM (PIN through `prompt`),
    // RegisterCACertificate; a CA registered already is reported, not registered twice.
    [[nodiscard]] virtual Result<registration::CaRegistration> registerCa(const CloudConfig& config,
                                                                        const CaRegistrationOrder& order,
                                                                        OperatorPrompt& prompt) = 0;
    // The names of the account's provisioning templates (for the wizard's choice).
    [[nodiscard]] virtual Result<QStringList> templateNames(const CloudConfig& config) = 0;
};

}  // namespace imprint::setup
