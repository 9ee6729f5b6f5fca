#include "app/cli/Cli.h"

#include "core/Version.h"

#include <QMap>

#include <algorithm>

namespace imprint::cli {

namespace {

const QString kProgram = QStringLiteral("imprint-cli");

QString exitCodeTable()
{
    return QStringLiteral(
        "Exit codes:\n"
        "  0  success\n"
        "  1  the operation failed (I/O, timeout, cancelled, internal error)\n"
        "  2  usage error (unknown command or option, missing argument)\n"
        "  3  invalid input (bad file, row or field; not found; already exists)\n"
        "  4  HSM or CA error (module, token, PIN, key, certificate, CSR)\n"
        "  5  device error (protocol, link lost, device refused)\n"
        "  6  audit database error\n"
        "  7  cloud or network error\n"
        "  8  integrity violation (the audit's hash chain does not verify)\n"
        "  9  completed with failures (some checks or units failed)\n");
}

void printOverview(const std::vector<Command>& commands, QTextStream& out)
{
    out << "Usage: " << kProgram << " <group> <command> [options]\n"
        << "       " << kProgram << " <command> [options]\n\n"
        << "Imprint " << kVersion << ": factory provisioning station for IoT fleets.\n\n"
        << "Commands:\n";
    for (const auto& command : commands) {
        const QString name = command.group.isEmpty() ? command.name
                                                     : command.group + u' ' + command.name;
        out << "  " << name.leftJustified(28) << command.summary << '\n';
    }
    out << "\nOptions:\n  --help, -h                  this help; `<group> <command> --help` for a command\n"
        << "  --version, -v               print the version\n\n"
        << exitCodeTable();
}

void printGroup(const QString& group, const std::vector<Command>& commands, QTextStream& out)
{
    out << "Usage: " << kProgram << ' ' << group << " <command> [options]\n\nCommands:\n";
    for (const auto& command : commands) {
        if (command.group == group)
            out << "  " << command.name.leftJustified(24) << command.summary << '\n';
    }
}

bool isHelp(const QString& argument)
{
    return argument == u"--help" || argument == u"-h" || argument == u"help";
}

}  // namespace

int dispatch(const QStringList& argv, QTextStream& out, QTextStream& err)
{
    const std::vector<Command> commands = allCommands();
    const QStringList args = argv.mid(1);
    if (args.isEmpty() || isHelp(args.first())) {
        printOverview(commands, args.isEmpty() ? err : out);
        return args.isEmpty() ? toInt(ExitCode::Usage) : 0;
    }
    if (args.first() == u"--version" || args.first() == u"-v") {
        out << kProgram << ' ' << kVersion << '\n';
        return 0;
    }

    const QString& first = args.first();
    const bool isGroup = std::any_of(commands.begin(), commands.end(),
                                     [&](const Command& c) { return c.group == first; });
    const QString name = isGroup ? args.value(1) : first;
    if (isGroup && (name.isEmpty() || isHelp(name))) {
        printGroup(first, commands, name.isEmpty() ? err : out);
        return name.isEmpty() ? toInt(ExitCode::Usage) : 0;
    }
    const QString group = isGroup ? first : QString();
    const auto found = std::find_if(commands.begin(), commands.end(), [&](const Command& c) {
        return c.group == group && c.name == name;
    });
    if (found == commands.end()) {
        err << kProgram << ": unknown command '" << (isGroup ? group + u' ' + name : name)
            << "'; run '" << kProgram << " --help' for the list\n";
        return toInt(ExitCode::Usage);
    }

    const qsizetype consumed = isGroup ? 2 : 1;
    const QString invocation = kProgram + u' ' + args.mid(0, consumed).join(u' ');
    CommandContext context{QStringList{invocation} + args.mid(consumed), out, err};
    return found->run(context);
}

std::optional<int> parseCommandLine(QCommandLineParser& parser, CommandContext& context)
{
    parser.setApplicationDescription(parser.applicationDescription());
    const QCommandLineOption help(QStringList{QStringLiteral("h"), QStringLiteral("help")},
                                  QStringLiteral("Show this help."));
    parser.addOption(help);
    if (!parser.parse(context.arguments)) {
        context.err << kProgram << ": " << parser.errorText() << "\n";
        return toInt(ExitCode::Usage);
    }
    if (parser.isSet(help)) {
        // QCommandLineParser names the program after argv[0]; show the full command instead.
        QString text = parser.helpText();
        const QString argv0 = QCoreApplication::arguments().value(0);
        const qsizetype at = text.indexOf(argv0);
        if (!argv0.isEmpty() && at >= 0)
            text.replace(at, argv0.size(), context.arguments.first());
        context.out << text;
        return 0;
    }
    return std::nullopt;
}

int fail(CommandContext& context, const Error& error)
{
    context.err << kProgram << ": " << error.message() << "\n";
    return toInt(exitCodeFor(error.code()));
}

}  // namespace imprint::cli
