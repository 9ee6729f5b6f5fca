#pragma once

// Where a token PIN comes from, in this order: the URI's pin-source file, the environment
// variable IMPRINT_HSM_PIN (for CI), the operator (masked prompt). Never the station's
// configuration file; the caller wipes the PIN after login (Token::login does).

#include "core/OperatorPrompt.h"
#include "core/Result.h"
#include "core/SecureBytes.h"
#include "hsm/Pkcs11Uri.h"

namespace imprint::hsm {

inline constexpr const char* kPinEnvironmentVariable = "IMPRINT_HSM_PIN";

// `prompt` may be null (non-interactive): then a missing PIN is an error that lists the
// three sources.
[[nodiscard]] Result<SecureBytes> obtainPin(const Pkcs11Uri& uri, OperatorPrompt* prompt);
[[nodiscard]] Result<SecureBytes> readPinFile(const QString& path);

}  // namespace imprint::hsm
