#pragma once

// hsm::takeOpenSslErrors / hsm::openSslFailure: defined once in core for every layer.

#include "core/crypto/OpenSslError.h"

namespace imprint::hsm {
using crypto::openSslFailure;
using crypto::takeOpenSslErrors;
}  // namespace imprint::hsm
