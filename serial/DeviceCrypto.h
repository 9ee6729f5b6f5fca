#pragma once

// The checks the station makes on what a device sends back: a CSR that parses and is signed by
// the key it carries, and a proof-of-possession signature made with that key.

#include "core/Result.h"

#include <QByteArray>

namespace imprint::serial {

// SHA-256 of `data` (32 bytes).
[[nodiscard]] QByteArray sha256(const QByteArray& data);

// Parses a DER CSR, checks its self-signature and that the key is EC P-256; returns the
// SubjectPublicKeyInfo DER. `where` names the port for the error text.
[[nodiscard]] Result<QByteArray> checkCsr(const QByteArray& csrDer, const QString& where);

// Checks an ECDSA-SHA256 DER signature over `message` with a SubjectPublicKeyInfo DER key.
[[nodiscard]] Status verifySignature(const QByteArray& spkiDer, const QByteArray& message,
                                     const QByteArray& signatureDer);

// The public key (SPKI DER) of the first certificate of a PEM chain.
[[nodiscard]] Result<QByteArray> leafPublicKey(const QByteArray& chainPem);

}  // namespace imprint::serial
