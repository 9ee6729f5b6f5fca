#pragma once

// What the provisioning pipeline calls to get a device certificate. Implemented by the HSM
// issuing service (hsm/IssuingService.h); tests may fake it. Every method is thread-safe:
// several per-port workers call at once.

#include "core/Result.h"
#include "core/SecureBytes.h"
#include "core/ca/CertificateProfile.h"

#include <QByteArray>
#include <QDateTime>
#include <QString>

namespace imprint::ca {

struct IssuedCertificate
{
    QByteArray der;
    QByteArray pem;
    QString serialHex;             // upper-case hex, no separators
    QString sha256Fingerprint;     // lower-case hex of SHA-256(DER)
    QString subject;               // RFC 2253, e.g. "CN=thing-1,O=Acme"
    QDateTime notBefore;           // UTC
    QDateTime notAfter;            // UTC
    // SHA-256 of the device's SubjectPublicKeyInfo DER (lower-case hex), so the audit can
    // refuse a public key it has seen before.
    QString publicKeySha256;
};

// Inject mode: the station made the key. The private key is handed over exactly once.
struct IssuedWithKey
{
    IssuedCertificate certificate;
    SecureBytes privateKeyPkcs8Der;
};

class CertificateIssuer
{
public:
    virtual ~CertificateIssuer() = default;

    // Device CSR -> certificate: verifies the CSR signature and the key policy, builds the
    // subject from the profile and request only, never copies CSR extensions.
    [[nodiscard]] virtual Result<IssuedCertificate> issueFromCsr(const IssueRequest& request) = 0;

    // Inject mode: makes a key pair on the station (request.stationKeyType), issues its
    // certificate and returns the private key as PKCS#8 DER. Never written anywhere.
    [[nodiscard]] virtual Result<IssuedWithKey> issueWithStationKey(const IssueRequest& request) = 0;

    // The issuing CA certificate followed by its parents up to the root, PEM.
    [[nodiscard]] virtual QByteArray caChainPem() const = 0;
};

}  // namespace imprint::ca
