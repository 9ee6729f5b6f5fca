#pragma once

// The hsm layer names OpenSSL's owning pointers as hsm::X509Ptr etc.; they live in core so
// that every layer shares one definition.

#include "core/crypto/OpenSslTypes.h"

namespace imprint::hsm {
using namespace imprint::crypto;
}  // namespace imprint::hsm
