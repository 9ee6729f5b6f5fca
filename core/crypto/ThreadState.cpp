#include "core/crypto/ThreadState.h"

#include <openssl/crypto.h>

namespace imprint::crypto {

void releaseThreadState() noexcept
{
    OPENSSL_thread_stop();
}

}  // namespace imprint::crypto
