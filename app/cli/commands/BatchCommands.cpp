// `imprint-cli batch import|open|list|show`: work orders in the audit database.
#include "app/cli/Cli.h"
#include "app/cli/StationOptions.h"
#include "core/Clock.h"
#include "core/audit/AuditQueries.h"
#include "core/audit/SqlConnection.h"
#include "core/audit/StationIdentity.h"
#include "core/batch/WorkOrderImport.h"

#include <QFile>
#include <QFileInfo>

namespace imprint::cli {

namespace {

int importBatch(CommandContext& context)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Imports a work order (CSV with a header row, or JSON Lines) as a new batch. Every row is checked and "
        "every problem reported as FILE:LINE:COLUMN: field: reason; with any problem nothing is imported."));
    parser.addPositionalArgument(QStringLiteral("file"), QStringLiteral("The work order (.csv, or .jsonl)."));
    const QCommandLineOption name(QStringLiteral("name"), QStringLiteral("Batch name (default: the file's base name)."),
                                  QStringLiteral("name"));
    const QCommandLineOption rule(QStringLiteral("thing-name-rule"),
                                  QStringLiteral("Thing name for rows without one, e.g. sensor-{serial} "
                                                 "({serial}, {hardware_id}, {batch})."),
                                  QStringLiteral("rule"));
    const QCommandLineOption format(QStringLiteral("format"), QStringLiteral("csv or jsonl (default: by extension)."),
                                    QStringLiteral("format"));
    const QCommandLineOption db = databaseOption();
    const QCommandLineOption who = operatorOption();
    parser.addOptions({name, rule, format, db, who});
    if (auto stop = parseCommandLine(parser, context))
        return *stop;
    if (parser.positionalArguments().size() != 1) {
        context.err << "imprint-cli: batch import needs exactly one FILE\n";
        return toInt(ExitCode::Usage);
    }
    const QString path = parser.positionalArguments().constFirst();
    batch::ImportOptions options;
    options.batchName = parser.isSet(name) ? parser.value(name) : QFileInfo(path).completeBaseName();
    options.thingNameRule = parser.value(rule);
    options.format = batch::formatForPath(path);
    if (parser.isSet(format)) {
        if (parser.value(format) != QLatin1String("csv") && parser.value(format) != QLatin1String("jsonl")) {
            context.err << "imprint-cli: --format is csv or jsonl\n";
            return toInt(ExitCode::Usage);
        }
        options.format = parser.value(format) == QLatin1String("csv") ? batch::WorkOrderFormat::Csv
                                                                        : batch::WorkOrderFormat::JsonLines;
    }
    options.actor.operatorName = parser.value(who);
    options.station = audit::defaultStationName();
    if (!QFile::exists(path))
        return fail(context, Error(ErrorCode::NotFound, QStringLiteral("the work order %1 does not exist").arg(path)));
    auto connection = openDatabase(parser, db);
    if (!connection)
        return fail(context, connection.error());
    const SystemClock clock;
    auto imported = batch::importWorkOrder(*connection.value(), path, options, clock, [&](const batch::ImportIssue& issue) {
        context.err << path << ':' << issue.line << ':' << issue.column << ": "
                    << (issue.field.isEmpty() ? QString() : issue.field + QStringLiteral(": ")) << issue.reason << '\n';
    });
    if (!imported)
        return fail(context, imported.error());
    context.out << "imported " << imported->devices << " devices from " << path << " as batch " << imported->batchId
                << " '" << options.batchName << "'\n";
    return 0;
}

int openBatch(CommandContext& context)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Creates an open batch: no device list, any device up to a quota of units (a supervisor can override)."));
    parser.addPositionalArgument(QStringLiteral("name"), QStringLiteral("Batch name."));
    const QCommandLineOption quota(QStringLiteral("quota"), QStringLiteral("Lot size: units that may pass."),
                                   QStringLiteral("n"));
    const QCommandLineOption rule(QStringLiteral("thing-name-rule"),
                                  QStringLiteral("Thing names of its devices (default: {serial})."), QStringLiteral("rule"));
    const QCommandLineOption db = databaseOption();
    const QCommandLineOption who = operatorOption();
    parser.addOptions({quota, rule, db, who});
    if (auto stop = parseCommandLine(parser, context))
        return *stop;
    bool numeric = false;
    const qint64 lot = parser.value(quota).toLongLong(&numeric);
    if (parser.positionalArguments().size() != 1 || !numeric) {
        context.err << "imprint-cli: batch open needs NAME and --quota N\n";
        return toInt(ExitCode::Usage);
    }
    auto connection = openDatabase(parser, db);
    if (!connection)
        return fail(context, connection.error());
    const SystemClock clock;
    auto created = batch::createOpenBatch(*connection.value(), parser.positionalArguments().constFirst(), lot,
                                          parser.value(rule), audit::Actor{parser.value(who), std::nullopt},
                                          audit::defaultStationName(), clock);
    if (!created)
        return fail(context, created.error());
    context.out << "opened batch " << created.value() << " '" << parser.positionalArguments().constFirst()
                << "' with a quota of " << lot << " units\n";
    return 0;
}

int listBatches(CommandContext& context)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Lists the batches with their progress."));
    const QCommandLineOption db = databaseOption();
    parser.addOption(db);
    if (auto stop = parseCommandLine(parser, context))
        return *stop;
    auto connection = openDatabase(parser, db);
    if (!connection)
        return fail(context, connection.error());
    auto batches = audit::listBatches(*connection.value());
    if (!batches)
        return fail(context, batches.error());
    context.out << QStringLiteral("%1  %2  %3  %4  %5  %6  %7\n")
                       .arg(QStringLiteral("id"), 5).arg(QStringLiteral("name"), -24).arg(QStringLiteral("kind"), -4)
                       .arg(QStringLiteral("devices"), 8).arg(QStringLiteral("passed"), 8).arg(QStringLiteral("failed"), 7)
                       .arg(QStringLiteral("interrupted"), 11);
    for (const auto& b : batches.value()) {
        context.out << QStringLiteral("%1  %2  %3  %4  %5  %6  %7\n")
                           .arg(b.id, 5).arg(b.name, -24).arg(b.kind, -4).arg(b.devices, 8).arg(b.passed, 8)
                           .arg(b.failed, 7).arg(b.interrupted, 11);
    }
    return 0;
}

int showBatch(CommandContext& context)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Shows one batch's summary."));
    parser.addPositionalArgument(QStringLiteral("batch"), QStringLiteral("Batch id or name."));
    const QCommandLineOption db = databaseOption();
    parser.addOption(db);
    if (auto stop = parseCommandLine(parser, context))
        return *stop;
    if (parser.positionalArguments().size() != 1) {
        context.err << "imprint-cli: batch show needs a batch id or name\n";
        return toInt(ExitCode::Usage);
    }
    auto connection = openDatabase(parser, db);
    if (!connection)
        return fail(context, connection.error());
    auto batch = audit::findBatch(*connection.value(), parser.positionalArguments().constFirst());
    if (!batch)
        return fail(context, batch.error());
    context.out << audit::formatBatchSummary(batch.value());
    return 0;
}

}  // namespace

std::vector<Command> batchCommands()
{
    return {
        {QStringLiteral("batch"), QStringLiteral("import"), QStringLiteral("import a work order (CSV or JSON Lines) as a batch"), importBatch},
        {QStringLiteral("batch"), QStringLiteral("open"), QStringLiteral("create an open batch with a lot quota"), openBatch},
        {QStringLiteral("batch"), QStringLiteral("list"), QStringLiteral("list the batches and their progress"), listBatches},
        {QStringLiteral("batch"), QStringLiteral("show"), QStringLiteral("show one batch's summary"), showBatch},
    };
}

}  // namespace imprint::cli
