// `imprint-cli selftest`: is this machine able to run the station?
#include "app/cli/Cli.h"
#include "app/common/CaStation.h"
#include "app/common/StationChecks.h"
#include "core/Paths.h"
#include "core/Version.h"

namespace imprint::cli {

namespace {

int selftest(CommandContext& context)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Checks OpenSSL, loads the PKCS#11 module through libp11 and opens a SQLite database "
        "with Qt Sql; prints each as ok or failed with the reason."));
    const QCommandLineOption module(QStringLiteral("module"),
                                    QStringLiteral("PKCS#11 module to load (default: %1).")
                                        .arg(QString::fromLatin1(kDefaultPkcs11Module)),
                                    QStringLiteral("path"), QString::fromLatin1(kDefaultPkcs11Module));
    const QCommandLineOption dataDir(QStringLiteral("data-dir"),
                                     QStringLiteral("Directory for the test database (default: the "
                                                    "station's data directory)."),
                                     QStringLiteral("dir"));
    parser.addOptions({module, dataDir});
    if (auto stop = parseCommandLine(parser, context))
        return *stop;

    const QString directory = parser.isSet(dataDir) ? parser.value(dataDir) : dataDirectory();
    // The development token's SOFTHSM2_CONF from station.ini, as every other command does: a
    // technician cannot read SoftHSM2's system configuration (group softhsm).
    station::applyDevTokenEnvironment(station::readHsmSettings());
    const auto outcomes = runSelfChecks(station::stationChecks(parser.value(module), directory));
    int failed = 0;
    for (const auto& outcome : outcomes) {
        context.out << (outcome.ok ? "ok      " : "FAILED  ") << outcome.name << ": "
                    << outcome.detail << '\n';
        failed += outcome.ok ? 0 : 1;
    }
    context.out << (failed == 0 ? QStringLiteral("selftest: all %1 checks passed\n").arg(outcomes.size())
                                : QStringLiteral("selftest: %1 of %2 checks failed\n")
                                      .arg(failed)
                                      .arg(outcomes.size()));
    return failed == 0 ? 0 : toInt(ExitCode::PartialFailure);
}

}  // namespace

std::vector<Command> selftestCommands()
{
    return {{QString(), QStringLiteral("selftest"),
             QStringLiteral("check OpenSSL, the PKCS#11 module and the SQLite database"), selftest}};
}

}  // namespace imprint::cli
