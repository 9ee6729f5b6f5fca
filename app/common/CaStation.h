#pragma once

// Composition of the station's certificate authority: where its settings live
// (dataDirectory()/station.ini, groups [hsm], [ca] and [ca.profile.<name>]), how the
// development SoftHSM2 token is made, and how the CA is opened with a PIN from the URI's
// pin-source file, IMPRINT_HSM_PIN or the operator. Never a PIN in station.ini.

#include "core/Clock.h"
#include "core/OperatorPrompt.h"
#include "core/Result.h"
#include "core/ca/CertificateProfile.h"
#include "hsm/CaCertificates.h"
#include "hsm/IssuingService.h"
#include "hsm/TokenKey.h"

#include <QString>

#include <memory>

namespace imprint::station {

struct HsmSettings
{
    QString module;       // PKCS#11 module path
    QString uri;          // pkcs11:token=…;object=…[?pin-source=file:…]
    QString softHsmConf;  // development token only: SOFTHSM2_CONF to use when unset
};

struct CaSettings
{
    QString chainPath;                              // PEM: issuing CA first, then parents
    QString defaultProfile = QStringLiteral("default");
};

[[nodiscard]] QString stationIniPath();
[[nodiscard]] HsmSettings readHsmSettings();
void writeHsmSettings(const HsmSettings& settings);
[[nodiscard]] CaSettings readCaSettings();
void writeCaSettings(const CaSettings& settings);
// The profile `name` from [ca.profile.<name>]; the built-in default when `name` is the default
// profile and the group is absent; NotFound otherwise.
[[nodiscard]] Result<ca::CertificateProfile> readProfile(const QString& name);

// For the development token: exports SOFTHSM2_CONF from [hsm] softhsm2-conf when the
// environment does not set it already. Call before loading the module.
void applyDevTokenEnvironment(const HsmSettings& settings);

struct DevToken
{
    QString uri;
    QString pinFile;
    QString softHsmConf;
    bool created = false;  // false: it existed already
};

// Creates (once) the SoftHSM2 development token `label` in dataDirectory()/softhsm/ with
// random PINs in 0600 files there, and records module, URI and configuration in [hsm].
[[nodiscard]] Result<DevToken> initDevToken(const QString& module, const QString& label);

// An open token with its PIN entered, for the CA set-up commands.
struct OpenToken
{
    std::shared_ptr<hsm::Pkcs11Library> library;
    std::unique_ptr<hsm::Token> token;
    hsm::Pkcs11Uri uri;
};
[[nodiscard]] Result<OpenToken> openStationToken(OperatorPrompt* prompt);

enum class CaShape { SelfSignedRoot, IntermediateRequest };
struct CaCreation
{
    hsm::TokenKeyType keyType = hsm::TokenKeyType::EcP256;
    hsm::CaCertificateSpec spec;
    QString keyLabel = QStringLiteral("imprint-ca");
    CaShape shape = CaShape::SelfSignedRoot;
};
struct CaCreated
{
    QByteArray pem;       // the root certificate, or the intermediate's CSR
    QString chainPath;    // empty for a CSR
};
// Generates the CA key on the token and makes the root (recorded as the station's CA) or the
// intermediate's CSR (to be signed by the offline root, then importCaCertificate).
[[nodiscard]] Result<CaCreated> createCa(const CaCreation& creation, OperatorPrompt* prompt, const Clock& clock);
// Imports the CA certificate (plus its parents) for the key `keyLabel` already on the token,
// after proving they match and that the chain verifies. Records it as the station's CA.
[[nodiscard]] Result<CaCreated> importCaCertificate(const QByteArray& certificatePem, const QByteArray& parentsPem,
                                                    const QString& keyLabel, OperatorPrompt* prompt, const Clock& clock);

// The station's CA chain PEM (no token needed).
[[nodiscard]] Result<QByteArray> readCaChain();
// Opens the issuing service from station.ini.
[[nodiscard]] Result<std::unique_ptr<hsm::IssuingService>> openStationCa(OperatorPrompt* prompt, const Clock& clock);

}  // namespace imprint::station
