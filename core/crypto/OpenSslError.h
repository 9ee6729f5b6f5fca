#pragma once

#include "core/Result.h"

#include <QString>

namespace imprint::crypto {

// Empties OpenSSL's thread-local error queue and returns its entries as one line
// ("" when empty). Call it right at the failure, never "later".
[[nodiscard]] QString takeOpenSslErrors();

// An Error that names the failed call and carries OpenSSL's own reasons.
[[nodiscard]] Error openSslFailure(const char* call, ErrorCode code = ErrorCode::Crypto);

}  // namespace imprint::crypto
