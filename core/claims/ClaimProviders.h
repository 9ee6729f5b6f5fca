#pragma once

// The two ClaimProviders: a fleet's shared claim read from its files, and trusted-user claims
// requested from AWS (CreateProvisioningClaim) one per unit.

#include "core/claims/ClaimProvider.h"

#include <functional>
#include <memory>

namespace imprint::cloud {
class AwsIotClient;
}

namespace imprint::claims {

// One fleet claim for every device (`claim create` made it, or the station's CA issued it).
class FleetClaimProvider final : public ClaimProvider
{
public:
    // Reads both files; refuses a key that does not belong to the certificate. Errors name the file.
    [[nodiscard]] static Result<std::unique_ptr<FleetClaimProvider>> fromFiles(const QString& certificatePath,
                                                                               const QString& keyPath);
    [[nodiscard]] Result<UnitClaim> claimForUnit() override;
    [[nodiscard]] ClaimVia via() const override { return m_via; }
    [[nodiscard]] const QString& certificateId() const { return m_certificateId; }
    // How the claim was made, as the station's record says (`claim create --via`); AWS-made
    // (keys) until told otherwise.
    void setVia(ClaimVia via) { m_via = via; }

private:
    FleetClaimProvider(QString certificateId, QByteArray certificatePem, SecureBytes key);

    QString m_certificateId;
    QByteArray m_certificatePem;
    SecureBytes m_key;  // copied for each unit; this copy is wiped when the provider goes
    ClaimVia m_via = ClaimVia::Keys;
};

// A 5-minute claim per unit, from CreateProvisioningClaim for the template. Each request makes
// its own AWS client on the calling thread (`makeClient`; the request runs in that thread's own
// event loop), so N slots ask at once and share nothing but the factory.
class TrustedUserClaimProvider final : public ClaimProvider
{
public:
    using ClientFactory = std::function<Result<std::unique_ptr<cloud::AwsIotClient>>()>;

    TrustedUserClaimProvider(QString templateName, ClientFactory makeClient);

    [[nodiscard]] Result<UnitClaim> claimForUnit() override;
    [[nodiscard]] ClaimVia via() const override { return ClaimVia::TrustedUser; }

private:
    const QString m_templateName;
    const ClientFactory m_makeClient;  // called from any slot's thread: must be thread-safe
};

}  // namespace imprint::claims
