#pragma once

// The claim side of a station in the claim modes (profile registration `claim` or `trusted-user`),
// shared by `imprint-cli run` and the window: where each unit's claim comes from, and the CA that
// is not needed then. Never Widgets here.

#include "core/Clock.h"
#include "core/OperatorPrompt.h"
#include "core/Result.h"
#include "core/ca/CertificateIssuer.h"
#include "core/claims/ClaimProvider.h"
#include "core/pipeline/ProvisioningProfile.h"

#include <QString>

#include <memory>

namespace imprint::station {

struct ClaimSource
{
    QString certificatePath;  // claim: the fleet claim's files
    QString keyPath;
    // trusted-user: where CreateProvisioningClaim goes (empty: as the AWS CLI finds them);
    // credentials always come from the AWS CLI's chain, never from here.
    QString awsProfile;
    QString awsRegion;
    QString awsEndpointUrl;
    QString database;  // the audit database, whose record says how a claim was made
};

// A station's claim settings as given on a command line (`imprint-cli run`, `imprint`).
struct ClaimOptions
{
    QString registration;  // the --registration mode's name
    QString templateName;
    QString certificatePath;
    QString keyPath;
};

// The registration mode, once the options agree with it: the claim modes need a template, a
// fleet claim its two files; trusted-user takes no files, the other modes none of these options.
// InvalidInput naming the option otherwise.
[[nodiscard]] Result<pipeline::RegistrationMode> checkClaimOptions(const ClaimOptions& options);

// The claim provider of a claim-mode profile, with its files read and checked (or, for trusted
// user, its AWS settings loaded) before any device is touched; null for the other modes.
[[nodiscard]] Result<std::shared_ptr<claims::ClaimProvider>> openClaimProvider(const pipeline::ProvisioningProfile& profile,
                                                                              const ClaimSource& source);

// The issuer a run of `profile` needs: the station's CA on its token (the PIN from its
// pin-source, IMPRINT_HSM_PIN or `prompt`), or, in the claim modes, which issue no certificate,
// one that refuses should anything ask it: the HSM is not opened and no PIN is asked.
[[nodiscard]] Result<std::unique_ptr<ca::CertificateIssuer>> openIssuerFor(const pipeline::ProvisioningProfile& profile,
                                                                         OperatorPrompt* prompt, const Clock& clock);

}  // namespace imprint::station
