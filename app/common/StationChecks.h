#pragma once

#include "core/SelfCheck.h"

namespace imprint::station {

// The checks `imprint-cli selftest` and the GUI's start page run: OpenSSL, the PKCS#11
// module (through libp11) and SQLite (through Qt Sql) in `dataDir`.
[[nodiscard]] std::vector<SelfCheck> stationChecks(const QString& pkcs11Module, const QString& dataDir);

}  // namespace imprint::station
