#pragma once

// Fleet-provisioning claims made by the station (../shared/reference/aws-iot-provisioning.md §3,
// §5): a fleet's shared claim certificate (CreateKeysAndCertificate, ACTIVE, with a claim policy
// that allows only the fleet-provisioning topics of one template) or a trusted user's 5-minute
// claim (CreateProvisioningClaim). Each is recorded in the audit as a station event, so
// `claim list` can show every claim the station made and whether it was deactivated.
// Blocking calls (waitFor): run them from the command line or a worker thread, never a GUI thread.

#include "core/Clock.h"
#include "core/Result.h"
#include "core/SecureBytes.h"

#include <QDateTime>
#include <QString>

#include <optional>
#include <vector>

namespace imprint::cloud {
class AwsIotClient;
}
namespace imprint::audit {
class AuditStore;
class SqlConnection;
struct Actor;
}

namespace imprint::claims {

enum class ClaimVia { Keys, TrustedUser };

[[nodiscard]] QString claimViaName(ClaimVia via);  // "keys", "trusted-user"
[[nodiscard]] Result<ClaimVia> parseClaimVia(const QString& name);

// The policy a fleet claim gets: connect, and only the fleet-provisioning request/answer topics
// (certificates/create, certificates/create-from-csr, provisioning-templates/<template>/provision).
[[nodiscard]] QString claimPolicyName(const QString& templateName);
[[nodiscard]] QString claimPolicyDocument(const QString& templateName);

struct IssuedClaim
{
    QString certificateId;
    QString certificatePem;
    SecureBytes privateKeyPem;
    QString templateName;
    ClaimVia via = ClaimVia::Keys;
    QString policyName;                  // keys: the attached claim policy
    std::optional<QDateTime> expiresAt;  // trusted-user: AWS's expiration (5 minutes)
};

// Makes a claim through AWS. Keys: CreateKeysAndCertificate (setAsActive), CreatePolicy (an
// existing policy of that name is kept), AttachPolicy. TrustedUser: CreateProvisioningClaim.
[[nodiscard]] Result<IssuedClaim> createClaim(cloud::AwsIotClient& client, const QString& templateName, ClaimVia via);

struct ClaimFiles
{
    QString certificatePath;
    QString keyPath;
};

// Writes <dir>/claim-<id prefix>.crt and .key; the key file is created 0600 before any byte
// goes in. Refuses to overwrite.
[[nodiscard]] Result<ClaimFiles> writeClaimFiles(const IssuedClaim& claim, const QString& directory);

// Audit steps of the station events: "claim-create" and "claim-deactivate".
[[nodiscard]] Status recordClaimCreated(audit::AuditStore& store, const audit::Actor& actor, const IssuedClaim& claim);
[[nodiscard]] Status recordClaimDeactivated(audit::AuditStore& store, const audit::Actor& actor,
                                            const QString& certificateId);

struct ClaimRecord
{
    QString certificateId;
    QString templateName;
    QString via;
    std::optional<QDateTime> expiresAt;
    QString createdAt;
    QString createdBy;
    QString deactivatedAt;  // empty while not deactivated
    QString deactivatedBy;  // the approving supervisor
    QString state;          // active, inactive (deactivated), expired (a trusted-user claim past its time)
};

// Every claim on record, oldest first, with its state at `now`.
[[nodiscard]] Result<std::vector<ClaimRecord>> listClaims(audit::SqlConnection& connection, const QDateTime& now);

}  // namespace imprint::claims
