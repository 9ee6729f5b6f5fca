#pragma once

// The emulator's certificate work, on OpenSSL: checking that a certificate was signed by a
// CA (RegisterCACertificate's verification certificate, RegisterCertificate, JITR/JITP on
// connect), and the emulator's own small CA, which stands in for AWS's: it signs the TLS
// server certificate of the device endpoint, provisioning-claim certificates and CSRs from
// RegisterThing. Keys made here are the emulator's own, never a station secret.

#include "core/Result.h"
#include "hsm/OpenSslTypes.h"

#include <QByteArray>
#include <QDateTime>
#include <QString>

namespace imprint::emulator {

[[nodiscard]] Result<hsm::X509Ptr> parseCertificatePem(const QByteArray& pem);

// True when `certificate`'s issuer is `ca`'s subject and `ca`'s key verifies its signature.
[[nodiscard]] bool isIssuedBy(X509* certificate, X509* ca);
[[nodiscard]] bool isCaCertificate(X509* certificate);
[[nodiscard]] QString subjectCommonName(X509* certificate);
[[nodiscard]] QString subjectText(X509* certificate);  // one-line RFC 2253
[[nodiscard]] QDateTime notBefore(X509* certificate);
[[nodiscard]] QDateTime notAfter(X509* certificate);
[[nodiscard]] Result<QByteArray> toPem(X509* certificate);

struct IssuedCertificate
{
    QByteArray certificatePem;
    QByteArray privateKeyPem;  // empty when the caller supplied the key (CSR)
    QByteArray publicKeyPem;
};

class EmulatorCa
{
public:
    // Loads ca.crt/ca.key and server.crt/server.key from `directory` when all are there,
    // otherwise makes them (EC P-256) and, if `directory` is not empty, writes them there.
    [[nodiscard]] static Result<EmulatorCa> loadOrCreate(const QString& directory);

    [[nodiscard]] const QByteArray& caPem() const { return m_caPem; }
    [[nodiscard]] const QByteArray& serverCertificatePem() const { return m_serverPem; }
    [[nodiscard]] const QByteArray& serverKeyPem() const { return m_serverKeyPem; }

    // A new key pair and a certificate for it (claims). Valid for `validSeconds`.
    [[nodiscard]] Result<IssuedCertificate> issueWithNewKey(const QString& commonName, qint64 validSeconds) const;
    // A certificate for the key in a PEM CSR (RegisterThing's CertificateSigningRequest).
    [[nodiscard]] Result<IssuedCertificate> issueForCsr(const QByteArray& csrPem, qint64 validSeconds) const;

private:
    hsm::X509Ptr m_ca;
    hsm::EvpPkeyPtr m_caKey;
    QByteArray m_caPem;
    QByteArray m_serverPem;
    QByteArray m_serverKeyPem;
};

}  // namespace imprint::emulator
