#pragma once

// Whether a private key belongs to a certificate: checked by the station before it installs a
// claim (core/claims, the nRF91 driver), since a device that is given a mismatched pair only
// finds out when it first connects.

#include "core/Result.h"

#include <QByteArray>

namespace imprint::crypto {

// Checks that `privateKey` (PEM, or PKCS#8 DER) is the key of the first certificate in
// `certificatePem`; the error (InvalidInput) says which of the two is wrong.
[[nodiscard]] Status checkKeyPair(const QByteArray& certificatePem, const QByteArray& privateKey);

}  // namespace imprint::crypto
