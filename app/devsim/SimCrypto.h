#pragma once

// The simulated device's own cryptography: real EC P-256 keys, CSRs and signatures (OpenSSL),
// and real checks of what the station writes.

#include "core/Result.h"
#include "core/crypto/OpenSslTypes.h"

#include <QByteArray>
#include <QString>

namespace imprint::devsim {

using crypto::EvpPkeyPtr;

[[nodiscard]] Result<EvpPkeyPtr> generateP256();
[[nodiscard]] QByteArray privateKeyPem(EVP_PKEY* key);
// PKCS#8 (or traditional) PEM, or PKCS#8 DER.
[[nodiscard]] Result<EvpPkeyPtr> loadPrivateKey(const QByteArray& encoded);
[[nodiscard]] QByteArray publicKeyDer(EVP_PKEY* key);

// A PKCS#10 request for `subject` ("CN=x,O=y"), signed by `signer` but carrying `subjectKey`'s
// public key (the two differ only for the "CSR signed by another key" fault).
[[nodiscard]] Result<QByteArray> makeCsr(EVP_PKEY* subjectKey, EVP_PKEY* signer, const QString& subject,
                                         bool withKeyUsage);
// ECDSA-SHA256, DER encoded.
[[nodiscard]] Result<QByteArray> signDer(EVP_PKEY* key, const QByteArray& message);
// ECDSA-SHA256 as raw r||s (64 bytes), as COSE carries it.
[[nodiscard]] Result<QByteArray> signRaw(EVP_PKEY* key, const QByteArray& message);

// The number of PEM certificates in `pem` (0 when none parses).
[[nodiscard]] int countCertificates(const QByteArray& pem);

}  // namespace imprint::devsim
