#pragma once

// Where the pipeline gets the claim it installs on a device in the claim modes (fleet
// provisioning by claim or by trusted user, ../shared/reference/aws-iot-provisioning.md §3, §5).
// Implementations (core/claims/ClaimProviders.h): one fleet claim loaded from files, or a
// fresh trusted-user claim per unit. Called from the slots' worker threads, several at once.

#include "core/Result.h"
#include "core/SecureBytes.h"
#include "core/claims/FleetClaims.h"

#include <QByteArray>
#include <QDateTime>
#include <QString>

#include <optional>

namespace imprint::claims {

// One claim as it goes into one device. The key is the caller's: it wipes it once written.
struct UnitClaim
{
    QString certificateId;               // AWS's ID: hex SHA-256 of the certificate's DER
    QByteArray certificatePem;
    SecureBytes privateKeyPem;
    ClaimVia via = ClaimVia::Keys;
    std::optional<QDateTime> expiresAt;  // trusted-user claims expire (5 minutes); fleet claims do not
};

// "claim=<certificate id> via=<keys|trusted-user> expires=<ISO time|never>": the audit's detail
// of the step that wrote the claim. Never the key.
[[nodiscard]] QString claimDetail(const UnitClaim& claim);

class ClaimProvider
{
public:
    virtual ~ClaimProvider() = default;
    // The claim for the next unit. Thread-safe; may block (a request to AWS): worker threads only.
    [[nodiscard]] virtual Result<UnitClaim> claimForUnit() = 0;
    [[nodiscard]] virtual ClaimVia via() const = 0;
};

}  // namespace imprint::claims
