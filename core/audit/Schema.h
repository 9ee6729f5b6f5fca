#pragma once

// The versioned schema of the audit database (PRAGMA user_version) and its migrations.

#include "core/Result.h"

#include <QSqlDatabase>

namespace imprint::audit {

inline constexpr int kSchemaVersion = 3;

// Brings the database to kSchemaVersion in one transaction per migration step. Refuses a
// database written by a newer Imprint (a higher user_version).
[[nodiscard]] Status migrate(QSqlDatabase& db, const QString& path);

}  // namespace imprint::audit
