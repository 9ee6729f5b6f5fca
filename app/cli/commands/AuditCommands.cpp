// `imprint-cli audit export|verify|add-operator`: the audit database for auditors and supervisors.
#include "app/cli/Cli.h"
#include "app/cli/StationOptions.h"
#include "core/Clock.h"
#include "core/audit/AuditExport.h"
#include "core/audit/AuditQueries.h"
#include "core/audit/EventChain.h"
#include "core/audit/SqlConnection.h"
#include "core/audit/StationIdentity.h"
#include "core/audit/UnitRecords.h"

#include <QSaveFile>

namespace imprint::cli {

namespace {

Result<std::optional<QDateTime>> timeOption(const QCommandLineParser& parser, const QCommandLineOption& option)
{
    if (!parser.isSet(option))
        return std::optional<QDateTime>();
    QDateTime time = QDateTime::fromString(parser.value(option), Qt::ISODateWithMs);
    if (!time.isValid())
        time = QDateTime::fromString(parser.value(option), Qt::ISODate);
    if (!time.isValid())
        return Error(ErrorCode::InvalidInput, QStringLiteral("--%1: '%2' is not an ISO 8601 time (2026-01-31T08:00:00Z)")
                                                  .arg(option.names().constFirst(), parser.value(option)));
    return std::optional<QDateTime>(time);
}

int exportAudit(CommandContext& context)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Exports units (the results) or events (the audit trail) as CSV or JSON Lines, or the AWS IoT "
        "bulk-registration input file (passed units), then prints the summary of the batches concerned."));
    const QCommandLineOption format(QStringLiteral("format"), QStringLiteral("csv, jsonl or aws-bulk."), QStringLiteral("format"));
    const QCommandLineOption what(QStringLiteral("what"), QStringLiteral("units (default) or events."),
                                  QStringLiteral("units|events"), QStringLiteral("units"));
    const QCommandLineOption batch(QStringLiteral("batch"), QStringLiteral("Only this batch (id or name)."), QStringLiteral("id"));
    const QCommandLineOption from(QStringLiteral("from"), QStringLiteral("Only from this time on (ISO 8601)."), QStringLiteral("time"));
    const QCommandLineOption until(QStringLiteral("until"), QStringLiteral("Only before this time (ISO 8601)."), QStringLiteral("time"));
    const QCommandLineOption outcome(QStringLiteral("outcome"),
                                     QStringLiteral("Only this unit state (passed, failed, interrupted, superseded, "
                                                    "in_progress) or event outcome."),
                                     QStringLiteral("outcome"));
    const QCommandLineOption out(QStringLiteral("out"), QStringLiteral("Output file."), QStringLiteral("file"));
    const QCommandLineOption db = databaseOption();
    parser.addOptions({format, what, batch, from, until, outcome, out, db});
    if (auto stop = parseCommandLine(parser, context))
        return *stop;
    const auto exportFormat = audit::exportFormatFromName(parser.value(format));
    const QString subjectName = parser.value(what);
    if (!exportFormat || !parser.isSet(out)
        || (subjectName != QLatin1String("units") && subjectName != QLatin1String("events"))) {
        context.err << "imprint-cli: audit export needs --format csv|jsonl|aws-bulk and --out FILE "
                       "(--what units|events)\n";
        return toInt(ExitCode::Usage);
    }
    auto connection = openDatabase(parser, db);
    if (!connection)
        return fail(context, connection.error());
    audit::ExportFilter filter;
    std::optional<audit::BatchSummary> only;
    if (parser.isSet(batch)) {
        auto found = audit::findBatch(*connection.value(), parser.value(batch));
        if (!found)
            return fail(context, found.error());
        only = found.value();
        filter.batchId = found->id;
    }
    auto fromTime = timeOption(parser, from);
    auto untilTime = timeOption(parser, until);
    if (!fromTime)
        return fail(context, fromTime.error());
    if (!untilTime)
        return fail(context, untilTime.error());
    filter.from = fromTime.value();
    filter.until = untilTime.value();
    if (parser.isSet(outcome))
        filter.outcome = parser.value(outcome);

    QSaveFile file(parser.value(out));  // all or nothing: a failed export leaves no half file
    if (!file.open(QIODevice::WriteOnly))
        return fail(context, Error(ErrorCode::Io, QStringLiteral("cannot write %1: %2").arg(parser.value(out), file.errorString())));
    const auto subject = subjectName == QLatin1String("events") ? audit::ExportSubject::Events : audit::ExportSubject::Units;
    auto rows = audit::exportAudit(*connection.value(), *exportFormat, subject, filter, file);
    if (!rows)
        return fail(context, rows.error().withContext(parser.value(out)));
    if (!file.commit())
        return fail(context, Error(ErrorCode::Io, QStringLiteral("cannot write %1: %2").arg(parser.value(out), file.errorString())));
    context.out << "exported " << rows.value() << ' ' << subjectName << " to " << parser.value(out) << '\n';
    if (only) {
        context.out << audit::formatBatchSummary(*only);
        return 0;
    }
    auto batches = audit::listBatches(*connection.value());
    if (!batches)
        return fail(context, batches.error());
    for (const auto& summary : batches.value())
        context.out << audit::formatBatchSummary(summary);
    return 0;
}

int verifyAudit(CommandContext& context)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Recomputes the audit's hash chain and names the first event that was edited, deleted or reordered "
        "(exit code 8), or prints how many events verify."));
    const QCommandLineOption db = databaseOption();
    parser.addOption(db);
    if (auto stop = parseCommandLine(parser, context))
        return *stop;
    auto connection = openDatabase(parser, db);
    if (!connection)
        return fail(context, connection.error());
    auto report = audit::verifyChain(*connection.value());
    if (!report)
        return fail(context, report.error());
    if (report->firstBadId)
        return fail(context, Error(ErrorCode::IntegrityViolation,
                                   QStringLiteral("audit verify: %1 FAILS at event %2: %3 (%4 events before it verify)")
                                       .arg(connection.value()->path())
                                       .arg(*report->firstBadId)
                                       .arg(report->problem)
                                       .arg(report->rowsChecked)));
    context.out << "audit verify: " << report->rowsChecked << " events verify; chain head " << report->lastHash << '\n';
    return 0;
}

int addOperator(CommandContext& context)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Registers an operator or a supervisor. Once a supervisor exists, only a supervisor (--supervisor) may "
        "add or change people."));
    parser.addPositionalArgument(QStringLiteral("name"), QStringLiteral("The person's name."));
    const QCommandLineOption role(QStringLiteral("role"), QStringLiteral("operator or supervisor."), QStringLiteral("role"),
                                  QStringLiteral("operator"));
    const QCommandLineOption supervisor(QStringLiteral("supervisor"), QStringLiteral("The approving supervisor."),
                                        QStringLiteral("name"));
    const QCommandLineOption db = databaseOption();
    parser.addOptions({role, supervisor, db});
    if (auto stop = parseCommandLine(parser, context))
        return *stop;
    if (parser.positionalArguments().size() != 1) {
        context.err << "imprint-cli: audit add-operator needs NAME\n";
        return toInt(ExitCode::Usage);
    }
    auto connection = openDatabase(parser, db);
    if (!connection)
        return fail(context, connection.error());
    const SystemClock clock;
    const QString station = audit::defaultStationName();
    audit::WriteContext write{*connection.value(), clock, station};
    const audit::Actor by{audit::defaultOperatorName(),
                          parser.isSet(supervisor) ? std::optional<QString>(parser.value(supervisor)) : std::nullopt};
    if (auto begun = connection.value()->begin(QStringLiteral("registering an operator")); !begun)
        return fail(context, begun.error());
    if (auto added = audit::addOperatorIn(write, parser.positionalArguments().constFirst(), parser.value(role), by); !added) {
        connection.value()->rollback();
        return fail(context, added.error());
    }
    if (auto committed = connection.value()->commit(QStringLiteral("registering an operator")); !committed)
        return fail(context, committed.error());
    context.out << "registered " << parser.positionalArguments().constFirst() << " as " << parser.value(role) << '\n';
    return 0;
}

}  // namespace

std::vector<Command> auditCommands()
{
    return {
        {QStringLiteral("audit"), QStringLiteral("export"), QStringLiteral("export units or events (csv, jsonl, aws-bulk)"), exportAudit},
        {QStringLiteral("audit"), QStringLiteral("verify"), QStringLiteral("verify the audit's hash chain"), verifyAudit},
        {QStringLiteral("audit"), QStringLiteral("add-operator"), QStringLiteral("register an operator or supervisor"), addOperator},
    };
}

}  // namespace imprint::cli
