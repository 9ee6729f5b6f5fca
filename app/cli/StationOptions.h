#pragma once

// Options every station command shares, so they read and mean the same everywhere:
// --db (the audit database) and --operator (who does it).

#include "core/Result.h"
#include "core/audit/SqlConnection.h"

#include <QCommandLineOption>
#include <QCommandLineParser>

#include <memory>

namespace imprint::cli {

// --db FILE; the default is resolved by audit::resolveAuditPath.
[[nodiscard]] QCommandLineOption databaseOption();
// --operator NAME, default: the login name.
[[nodiscard]] QCommandLineOption operatorOption();
// The audit database that --db names (or the station's default).
[[nodiscard]] QString databasePath(const QCommandLineParser& parser, const QCommandLineOption& db);
// Opens (and migrates) that database on this thread.
[[nodiscard]] Result<std::unique_ptr<audit::SqlConnection>> openDatabase(const QCommandLineParser& parser,
                                                                         const QCommandLineOption& db);

}  // namespace imprint::cli
