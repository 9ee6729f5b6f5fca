#pragma once

// Device (leaf) certificates: the CSR checks (proof of possession, key policy) and the
// builder that makes a certificate from the station's profile only. The builder precomputes
// what every certificate shares (issuer, AKI, fixed extensions) and copies the device's
// SubjectPublicKeyInfo bytes from the CSR instead of decoding and re-encoding the key.

#include "core/Result.h"
#include "core/ca/CertificateIssuer.h"
#include "hsm/CsrParser.h"
#include "hsm/OpenSslTypes.h"
#include "hsm/TokenKey.h"

#include <QDateTime>

namespace imprint::hsm {

// Refuses keys the policy does not allow (CsrRejected naming algorithm and size).
[[nodiscard]] Status checkKeyPolicy(EVP_PKEY* key, const ca::KeyPolicy& policy);

// Parses a PEM or DER CSR, enforces the key policy and verifies its signature. Every refusal
// is CsrRejected: malformed, weak or unsupported key, bad signature.
[[nodiscard]] Result<ParsedCsr> checkCsr(const QByteArray& csr, const ca::KeyPolicy& policy);

class DeviceCertificateBuilder
{
public:
    // `caCertificate` is the issuing CA (its subject becomes the issuer, its SKI the AKI).
    [[nodiscard]] static Result<DeviceCertificateBuilder> create(const X509* caCertificate);

    // Builds, signs on the token and describes one device certificate. Thread-safe.
    // `subjectPublicKeyInfo` is the device key's DER, copied into the certificate as is.
    [[nodiscard]] Result<ca::IssuedCertificate> issue(const QByteArray& subjectPublicKeyInfo, const ca::IssueRequest& request,
                                                      const TokenKey& key, const QDateTime& now) const;

private:
    DeviceCertificateBuilder() = default;
    [[nodiscard]] Status addExtensions(X509* certificate, const QByteArray& publicKeyBits,
                                       const ca::IssueRequest& request) const;

    X509NamePtr m_issuer;
    QDateTime m_caNotBefore;
    QDateTime m_caNotAfter;
    std::vector<std::shared_ptr<X509_EXTENSION>> m_fixedExtensions;  // CA:FALSE, keyUsage, EKU, AKI
};

}  // namespace imprint::hsm
