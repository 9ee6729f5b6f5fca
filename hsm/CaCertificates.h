#pragma once

// The CA's own certificates, signed with its key on the token: a self-signed root, the CSR of
// an intermediate for an offline root, the check that an imported certificate belongs to the
// token key, and AWS IoT's verification certificate.

#include "core/Result.h"
#include "hsm/OpenSslTypes.h"
#include "hsm/TokenKey.h"

#include <QDateTime>
#include <QString>

namespace imprint::hsm {

struct CaCertificateSpec
{
    QString subject = QStringLiteral("CN=Imprint Device CA");
    int validityDays = 3650;
    int pathLength = 0;  // basicConstraints pathLen: 0 = issues only leaves
};

// basicConstraints critical CA:TRUE + pathLen, keyUsage critical keyCertSign/cRLSign, SKI;
// self-signed, so AKI = SKI.
[[nodiscard]] Result<X509Ptr> makeSelfSignedRoot(const TokenKey& key, const CaCertificateSpec& spec,
                                                 const QDateTime& now);
// A PKCS#10 request for an intermediate issuing CA (the offline root decides the extensions;
// the requested ones are a hint).
[[nodiscard]] Result<X509ReqPtr> makeCaRequest(const TokenKey& key, const CaCertificateSpec& spec);

// Proves `certificate` belongs to `key`: the public keys are equal and a fresh signature
// made on the token verifies with the certificate's key. Then checks it is a CA certificate
// valid at `now`. CaInvalid says which part failed.
[[nodiscard]] Status checkCaCertificate(const X509* certificate, const TokenKey& key, const QDateTime& now);

// AWS IoT's verification certificate: subject CN = registration code, a throwaway key made
// here, signed by the CA key on the token.
[[nodiscard]] Result<X509Ptr> makeVerificationCertificate(const X509* caCertificate, const TokenKey& key,
                                                          const QString& registrationCode, const QDateTime& now);

// Sets notBefore/notAfter from Qt date-times (UTC).
[[nodiscard]] Status setValidity(X509* certificate, const QDateTime& notBefore, const QDateTime& notAfter);

}  // namespace imprint::hsm
