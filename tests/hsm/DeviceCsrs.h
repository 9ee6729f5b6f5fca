#pragma once

// Device CSRs made the way a device would: a fresh key pair and a signed PKCS#10 request,
// optionally with extensions a device must not get (CA:TRUE, keyCertSign) or a broken
// signature. Shared by the issuing tests and bench_issuing.

#include "hsm/OpenSslTypes.h"

#include <QByteArray>
#include <QString>

namespace imprint::test {

struct CsrOptions
{
    QString keyType = QStringLiteral("ec-p256");  // ec-p256, ec-p384, rsa-1024, rsa-2048, ed25519
    QString commonName = QStringLiteral("device-from-csr");
    bool requestCaExtensions = false;              // basicConstraints CA:TRUE + keyCertSign
    bool breakSignature = false;
};

[[nodiscard]] hsm::EvpPkeyPtr makeKey(const QString& keyType);
// DER of a CSR; empty when OpenSSL failed (the test then fails on it).
[[nodiscard]] QByteArray makeCsrDer(const CsrOptions& options, EVP_PKEY* key = nullptr);
[[nodiscard]] QByteArray toPem(const QByteArray& der, const char* label);

}  // namespace imprint::test
