#pragma once

// Initialising a token through PKCS#11 (C_InitToken + C_InitPIN), for the development token
// on SoftHSM2; production tokens are initialised with their vendor's tools.

#include "core/Result.h"
#include "core/SecureBytes.h"
#include "hsm/Pkcs11Library.h"

namespace imprint::hsm {

// Initialises the first free (uninitialised) token of the module as `label` with the given
// security officer and user PINs. AlreadyExists when a token with that label is present.
[[nodiscard]] Status initializeToken(Pkcs11Library& library, const QString& label, const SecureBytes& soPin,
                                     const SecureBytes& userPin);

// A random PIN of `digits` decimal digits (for the development token's PIN files).
[[nodiscard]] Result<SecureBytes> randomPin(int digits);

}  // namespace imprint::hsm
