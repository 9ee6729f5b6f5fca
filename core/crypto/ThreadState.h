#pragma once

namespace imprint::crypto {

// OpenSSL keeps per-thread state (its random generators, the error queue) and frees it from a
// thread-exit hook. QThread::wait() returns before that hook has run, so a worker that is still
// exiting when the process ends can find the hook already removed by OpenSSL's own clean-up at
// exit, and its state is never freed. A worker thread that did crypto calls this as its last step.
void releaseThreadState() noexcept;

}  // namespace imprint::crypto
