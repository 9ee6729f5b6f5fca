#include "app/cli/StationOptions.h"

#include "core/audit/StationIdentity.h"

namespace imprint::cli {

QCommandLineOption databaseOption()
{
    return {QStringLiteral("db"),
            QStringLiteral("Audit database (default: [audit] path in station.ini, else <data dir>/audit.sqlite)."),
            QStringLiteral("file")};
}

QCommandLineOption operatorOption()
{
    return {QStringLiteral("operator"), QStringLiteral("Who does it (default: the login name)."),
            QStringLiteral("name"), audit::defaultOperatorName()};
}

QString databasePath(const QCommandLineParser& parser, const QCommandLineOption& db)
{
    return audit::resolveAuditPath(parser.value(db));
}

Result<std::unique_ptr<audit::SqlConnection>> openDatabase(const QCommandLineParser& parser,
                                                           const QCommandLineOption& db)
{
    return audit::SqlConnection::open(databasePath(parser, db));
}

}  // namespace imprint::cli
