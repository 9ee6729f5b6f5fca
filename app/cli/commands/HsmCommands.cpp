// `imprint-cli hsm …`: the PKCS#11 tokens the station can see, and the development token.
#include "app/cli/Cli.h"
#include "app/common/CaStation.h"
#include "core/Version.h"
#include "hsm/Pkcs11Module.h"
#include "hsm/Pkcs11Uri.h"

namespace imprint::cli {

namespace {

QCommandLineOption moduleOption()
{
    return {QStringLiteral("module"),
            QStringLiteral("PKCS#11 module (default: [hsm] module in station.ini, else %1).")
                .arg(QString::fromLatin1(kDefaultPkcs11Module)),
            QStringLiteral("path")};
}

QString chosenModule(const QCommandLineParser& parser, const QCommandLineOption& option)
{
    if (parser.isSet(option))
        return parser.value(option);
    const QString configured = station::readHsmSettings().module;
    return configured.isEmpty() ? QString::fromLatin1(kDefaultPkcs11Module) : configured;
}

int tokens(CommandContext& context)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Lists the tokens of the PKCS#11 module (through libp11) with the "
                                                    "URI that selects each."));
    const QCommandLineOption module = moduleOption();
    parser.addOption(module);
    if (auto stop = parseCommandLine(parser, context))
        return *stop;
    station::applyDevTokenEnvironment(station::readHsmSettings());
    auto loaded = hsm::Pkcs11Module::load(chosenModule(parser, module));
    if (!loaded)
        return fail(context, loaded.error());
    auto found = loaded->tokens();
    if (!found)
        return fail(context, found.error());
    context.out << loaded->path() << " (" << loaded->description() << ")\n";
    int listed = 0;
    for (const auto& token : found.value()) {
        if (!token.initialized)
            continue;
        hsm::Pkcs11Uri uri;
        uri.token = token.label;
        context.out << "  " << token.label << "  " << token.manufacturer << ' ' << token.model << "  serial "
                    << token.serialNumber << "\n    " << uri.format() << '\n';
        ++listed;
    }
    if (listed == 0)
        context.out << "  no initialised token\n";
    return 0;
}

int initDevToken(CommandContext& context)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Creates (once) a SoftHSM2 development token in the station's data directory (softhsm/), with a random "
        "user PIN in a 0600 file there, records it in station.ini [hsm] and prints its PKCS#11 URI. "
        "For development and the demo only: a production token's PIN is never stored."));
    const QCommandLineOption module = moduleOption();
    const QCommandLineOption label(QStringLiteral("label"), QStringLiteral("Token label (default: imprint-dev)."),
                                   QStringLiteral("label"), QStringLiteral("imprint-dev"));
    parser.addOptions({module, label});
    if (auto stop = parseCommandLine(parser, context))
        return *stop;
    auto token = station::initDevToken(chosenModule(parser, module), parser.value(label));
    if (!token)
        return fail(context, token.error());
    context.out << (token->created ? "created" : "exists ") << " development token '" << parser.value(label) << "'\n"
                << "  uri:          " << token->uri << '\n'
                << "  PIN file:     " << token->pinFile << " (0600; development token only)\n"
                << "  SOFTHSM2_CONF " << token->softHsmConf << " (imprint-cli sets it from station.ini; for other "
                << "tools: export SOFTHSM2_CONF=" << token->softHsmConf << ")\n";
    return 0;
}

}  // namespace

std::vector<Command> hsmCommands()
{
    return {{QStringLiteral("hsm"), QStringLiteral("tokens"), QStringLiteral("list the PKCS#11 module's tokens and their URIs"), tokens},
            {QStringLiteral("hsm"), QStringLiteral("init-dev-token"),
             QStringLiteral("create (once) the SoftHSM2 development token and print its URI"), initDevToken}};
}

}  // namespace imprint::cli
