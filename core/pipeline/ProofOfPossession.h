#pragma once

#include "core/Result.h"

#include <QByteArray>

namespace imprint::pipeline {

// A fresh random challenge for the device to sign.
[[nodiscard]] QByteArray makeNonce();

// Checks that `signature` (DER ECDSA, or RSA PKCS#1 v1.5, over SHA-256 of `nonce`) was made
// with the private key whose public key is in `certificateDer`: the device holds the key that
// the station's certificate names.
[[nodiscard]] Status verifyPossession(const QByteArray& certificateDer, const QByteArray& nonce,
                                      const QByteArray& signature);

}  // namespace imprint::pipeline
