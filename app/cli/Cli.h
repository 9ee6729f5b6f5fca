#pragma once

// The command framework of imprint-cli: `imprint-cli <group> <command> [options]`, or
// `imprint-cli <command>` for commands without a group (group empty).

#include "core/Result.h"

#include <QCommandLineParser>
#include <QStringList>
#include <QTextStream>

#include <functional>
#include <optional>
#include <vector>

namespace imprint::cli {

struct CommandContext
{
    // argv from the command's own name on: {"imprint-cli hsm tokens", "--module", "x"}.
    QStringList arguments;
    QTextStream& out;
    QTextStream& err;
};

struct Command
{
    QString group;    // "" for a top-level command
    QString name;
    QString summary;  // one line, shown by --help
    std::function<int(CommandContext&)> run;
};

// Every command of every group (generated from app/cli/commands/).
[[nodiscard]] std::vector<Command> allCommands();

// Runs the command line; returns the process exit code.
[[nodiscard]] int dispatch(const QStringList& argv, QTextStream& out, QTextStream& err);

// Parses a command's options. Returns an exit code when the command must stop now
// (--help printed: 0; a usage error printed: 2), nothing when it should go on.
[[nodiscard]] std::optional<int> parseCommandLine(QCommandLineParser& parser, CommandContext& context);

// Prints "imprint-cli: <message>" on stderr and returns the exit code for the error.
[[nodiscard]] int fail(CommandContext& context, const Error& error);

}  // namespace imprint::cli
