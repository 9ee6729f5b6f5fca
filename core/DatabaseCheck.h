#pragma once

#include "core/Result.h"

#include <QString>

namespace imprint {

// Opens (creating it) a SQLite database file in `directory` through Qt Sql, writes and reads
// a row, and reports the SQLite version. Used by `imprint-cli selftest`.
[[nodiscard]] Result<QString> checkSqlite(const QString& directory);

}  // namespace imprint
