#pragma once

#include "core/Result.h"

namespace imprint::hsm {

// The OpenSSL library in use, checked to be 3.0 or newer (what the HSM layer is written for).
[[nodiscard]] Result<QString> checkOpenSslVersion();

}  // namespace imprint::hsm
