#pragma once

// Fleet-provisioning claims made by the station (../shared/reference/aws-iot-provisioning.md §3,
// §5): a fleet's shared claim certificate with a claim policy that allows only the
// fleet-provisioning topics of one template — made by AWS (CreateKeysAndCertificate, ACTIVE) or
// issued by the station's CA for a key made on the station and registered (RegisterCertificate
// with the CA, ACTIVE) — or a trusted user's 5-minute claim (CreateProvisioningClaim). Each is recorded in the audit as a station event, so
// `claim list` can show every claim the station made and whether it was deactivated.
// Blocking calls (waitFor): run them from the command line or a worker thread, never a GUI thread.

#include "core/Clock.h"
#include "core/Result.h"
#include "core/SecureBytes.h"

#include <QDateTime>
#include <QString>

#include <functional>
#include <optional>
#include <vector>

namespace imprint::cloud {
class AwsIotClient;
}
namespace imprint::ca {
class CertificateIssuer;
}
namespace imprint::audit {
class AuditStore;
class SqlConnection;
struct Actor;
}

namespace imprint::claims {

enum class ClaimVia { Keys, TrustedUser, StationCa };

[[nodiscard]] QString claimViaName(ClaimVia via);  // "keys", "trusted-user", "station-ca"
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
    std::optional<QDateTime> expiresAt;  // trusted-user: AWS's expiration (5 minutes); station-ca: notAfter
    QString caCertificateId;             // station-ca: AWS's id of the station's CA that issued it
    QString serialHex;                   // station-ca: the serial the station's CA gave it
};

// Makes a claim through AWS. Keys: CreateKeysAndCertificate (setAsActive), CreatePolicy (an
// existing policy of that name is kept), AttachPolicy. TrustedUser: CreateProvisioningClaim.
// StationCa needs the station's CA: createStationCaClaim (here: InvalidInput).
[[nodiscard]] Result<IssuedClaim> createClaim(cloud::AwsIotClient& client, const QString& templateName, ClaimVia via);

// The station's CA as AWS IoT knows it (DescribeCACertificate): registered and ACTIVE.
struct RegisteredCa
{
    QString certificateId;  // AWS's id: SHA-256 of the DER
    QByteArray pem;         // the issuing CA certificate
};

// Finds the station's issuing CA (`caCertificatePem`, the first certificate of its chain) in the
// client's account and region. NotFound, telling to run `imprint-cli cloud register-ca`, when it
// is not registered there; CloudRejected when it is registered but not ACTIVE.
[[nodiscard]] Result<RegisteredCa> requireRegisteredCa(cloud::AwsIotClient& client, const QByteArray& caCertificatePem);

// Issues a claim certificate with the station's CA: a fresh EC P-256 key made on the station
// (handed back once, PKCS#8 PEM in SecureBytes), subject CN=claim-<template>-<8 hex digits>,
// client authentication, valid `validityDays` days. Nothing is sent to AWS.
[[nodiscard]] Result<IssuedClaim> issueStationCaClaim(ca::CertificateIssuer& issuer, const QString& templateName, int validityDays);

// The station-CA claim: issueStationCaClaim, then `recordIssued` (a certificate the station's CA
// issued is on record before it leaves the station: when recording fails, nothing is sent), then
// RegisterCertificate with the CA's PEM (ACTIVE), then the claim policy created (an existing one
// is kept) and attached, as for a keys claim.
[[nodiscard]] Result<IssuedClaim> createStationCaClaim(cloud::AwsIotClient& client, ca::CertificateIssuer& issuer,
                                                       const RegisteredCa& ca, const QString& templateName, int validityDays,
                                                       const std::function<Status(const IssuedClaim&)>& recordIssued);

struct ClaimFiles
{
    QString certificatePath;
    QString keyPath;
};

// Writes <dir>/claim-<id prefix>.crt and .key; the key file is created 0600 before any byte
// goes in. Refuses to overwrite.
[[nodiscard]] Result<ClaimFiles> writeClaimFiles(const IssuedClaim& claim, const QString& directory);

// Audit step "claim-issue": the station's CA issued a claim certificate (its ID = SHA-256 of the
// DER, serial, subject, validity), recorded before the certificate goes to AWS.
[[nodiscard]] Status recordClaimIssued(audit::AuditStore& store, const audit::Actor& actor, const IssuedClaim& claim);
// Audit steps of the station events: "claim-create" and "claim-deactivate".
[[nodiscard]] Status recordClaimCreated(audit::AuditStore& store, const audit::Actor& actor, const IssuedClaim& claim);
[[nodiscard]] Status recordClaimDeactivated(audit::AuditStore& store, const audit::Actor& actor,
                                            const QString& certificateId);

struct ClaimRecord
{
    QString certificateId;
    QString templateName;
    QString via;
    QString caCertificateId;  // station-ca only
    std::optional<QDateTime> expiresAt;
    QString createdAt;
    QString createdBy;
    QString deactivatedAt;  // empty while not deactivated
    QString deactivatedBy;  // the approving supervisor
    QString state;          // active, inactive (deactivated), expired (a trusted-user or station-ca claim past its time)
};

// Every claim on record, oldest first, with its state at `now`.
[[nodiscard]] Result<std::vector<ClaimRecord>> listClaims(audit::SqlConnection& connection, const QDateTime& now);

}  // namespace imprint::claims
