// `imprint-cli cloud status|sync|register-ca`: the station's cloud registrations (the outbox in
// the audit database) and the CA's registration with AWS IoT. AWS settings as `aws`: the AWS
// CLI's chain, --profile/--region/--endpoint-url (e.g. the emulator).
#include "app/cli/Cli.h"
#include "app/cli/InputFiles.h"
#include "app/cli/TerminalPrompt.h"
#include "app/cli/commands/AwsCliOptions.h"
#include "app/common/CloudStation.h"
#include "core/Clock.h"
#include "core/audit/AuditStore.h"
#include "core/audit/EventChain.h"
#include "core/audit/OutboxRecords.h"
#include "core/audit/SqlConnection.h"
#include "core/audit/StationIdentity.h"
#include "core/cloud/AwsConfig.h"
#include "core/cloud/AwsIotClient.h"
#include "core/registration/BulkRegistration.h"
#include "core/registration/CaRegistration.h"
#include "core/registration/OutboxSender.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QProcessEnvironment>

namespace imprint::cli {

namespace {

using namespace imprint::registration;

struct CommonOptions : AwsCliOptions
{
    QCommandLineOption db{QStringLiteral("db"),
                          QStringLiteral("Audit database (default: [audit] path in station.ini, else <data dir>/audit.sqlite)."),
                          QStringLiteral("file")};
};

Result<std::unique_ptr<audit::SqlConnection>> openDatabase(const QCommandLineParser& parser, const CommonOptions& common)
{
    return audit::SqlConnection::open(audit::resolveAuditPath(parser.value(common.db)));
}

QJsonObject rowJson(const audit::OutboxRow& row)
{
    return {{QStringLiteral("thingName"), row.thingName},     {QStringLiteral("serialNumber"), row.serialNumber},
            {QStringLiteral("batch"), row.batchName},         {QStringLiteral("action"), row.action},
            {QStringLiteral("state"), row.state},             {QStringLiteral("attempts"), row.attempts},
            {QStringLiteral("nextAttemptAt"), row.nextAttemptAt}, {QStringLiteral("lastError"), row.lastError},
            {QStringLiteral("certificateSerial"), row.certificateSerial}, {QStringLiteral("updatedAt"), row.updatedAt}};
}

int statusCommand(CommandContext& context)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Shows each unit's cloud registration: queued (never sent), sent (tried; retried after the backoff), "
        "registered, or failed with AWS's reason."));
    const CommonOptions common;
    const QCommandLineOption batch(QStringLiteral("batch"), QStringLiteral("Only this batch (name or id)."), QStringLiteral("batch"));
    const QCommandLineOption state(QStringLiteral("state"), QStringLiteral("Only this state (queued, sent, registered, failed)."),
                                   QStringLiteral("state"));
    const QCommandLineOption thing(QStringLiteral("thing"), QStringLiteral("Only this thing name."), QStringLiteral("name"));
    const QCommandLineOption limit(QStringLiteral("limit"), QStringLiteral("At most N rows (default 200)."), QStringLiteral("n"),
                                   QStringLiteral("200"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print JSON: {\"counts\":{…},\"units\":[…]}."));
    parser.addOptions({common.db, batch, state, thing, limit, json});
    if (auto stop = parseCommandLine(parser, context))
        return *stop;
    auto connection = openDatabase(parser, common);
    if (!connection)
        return fail(context, connection.error());
    auto counts = audit::outboxCounts(*connection.value());
    if (!counts)
        return fail(context, counts.error());
    auto rows = audit::listOutbox(*connection.value(), {parser.value(state), parser.value(batch), parser.value(thing),
                                                        parser.value(limit).toInt()});
    if (!rows)
        return fail(context, rows.error());
    if (parser.isSet(json)) {
        QJsonObject countsJson;
        for (const auto& [name, count] : counts.value())
            countsJson.insert(name, count);
        QJsonArray units;
        for (const auto& row : rows.value())
            units.append(rowJson(row));
        context.out << QString::fromUtf8(QJsonDocument(QJsonObject{{QStringLiteral("counts"), countsJson},
                                                                   {QStringLiteral("units"), units}})
                                             .toJson(QJsonDocument::Indented));
        return 0;
    }
    const auto& c = counts.value();
    context.out << "cloud registrations: " << c.at(QStringLiteral("registered")) << " registered, "
                << c.at(QStringLiteral("queued")) << " queued, " << c.at(QStringLiteral("sent")) << " sent (awaiting retry), "
                << c.at(QStringLiteral("failed")) << " failed\n";
    for (const auto& row : rows.value()) {
        context.out << row.thingName << "  " << row.action << "  " << row.state << "  attempts " << row.attempts;
        if (row.state == QStringLiteral("queued") || row.state == QStringLiteral("sent"))
            context.out << "  next " << row.nextAttemptAt;
        if (!row.lastError.isEmpty())
            context.out << "  last error: " << row.lastError;
        context.out << '\n';
    }
    return 0;
}

struct BulkOptions
{
    QCommandLineOption batch{QStringLiteral("batch"), QStringLiteral("bulk: the batch (name or id) to register."),
                             QStringLiteral("batch")};
    QCommandLineOption bucket{QStringLiteral("bucket"),
                              QStringLiteral("bulk: S3 bucket for the input file (default: [cloud] bulk-bucket)."),
                              QStringLiteral("name")};
    QCommandLineOption key{QStringLiteral("key"),
                           QStringLiteral("bulk: S3 key of the input file (default: imprint-bulk/<batch>-<time>.jsonl)."),
                           QStringLiteral("key")};
    QCommandLineOption role{QStringLiteral("role-arn"),
                            QStringLiteral("bulk: role AWS IoT assumes to read the file (default: [cloud] bulk-role-arn)."),
                            QStringLiteral("arn")};
    QCommandLineOption poll{QStringLiteral("poll-ms"), QStringLiteral("bulk: milliseconds between task polls (default 2000)."),
                            QStringLiteral("ms")};
};

// `cloud sync --mode bulk`: one StartThingRegistrationTask for the batch, polled, its reports
// mapped back to the units.
int bulkSync(CommandContext& context, const QCommandLineParser& parser, const CommonOptions& common,
             const BulkOptions& options, const station::CloudSettings& cloudSettings)
{
    BulkSettings settings;
    settings.batch = parser.value(options.batch);
    settings.bucket = parser.isSet(options.bucket) ? parser.value(options.bucket) : cloudSettings.bulkBucket;
    settings.roleArn = parser.isSet(options.role) ? parser.value(options.role) : cloudSettings.bulkRoleArn;
    settings.key = parser.value(options.key);
    if (parser.isSet(options.poll))
        settings.pollIntervalMs = parser.value(options.poll).toInt();
    if (cloudSettings.templatePath.isEmpty())
        return fail(context, Error(ErrorCode::InvalidInput, QStringLiteral("bulk registration needs a template: --template FILE "
                                                                           "or [cloud] template in station.ini")));
    auto body = readInputFile(cloudSettings.templatePath, QStringLiteral("template"));
    if (!body)
        return fail(context, body.error());
    settings.templateBody = body.value();
    if (auto valid = validateBulkSettings(settings); !valid)
        return fail(context, valid.error());
    auto connection = openDatabase(parser, common);
    if (!connection)
        return fail(context, connection.error());
    auto client = common.client(parser);
    if (!client)
        return fail(context, client.error());
    const SystemClock clock;
    BulkProgress last;
    auto report = runBulkRegistration(*connection.value(), *client.value(), settings, clock, [&](const BulkProgress& now) {
        if (now.status == last.status && now.percentage == last.percentage && now.taskId == last.taskId)
            return;
        last = now;
        context.out << "task " << now.taskId << ": " << now.status << ' ' << now.percentage << "% (" << now.successCount
                    << " registered, " << now.failureCount << " failed)\n";
        context.out.flush();
    });
    if (!report)
        return fail(context, report.error());
    const BulkReport& r = report.value();
    context.out << "cloud sync (bulk): batch " << settings.batch << ", " << r.lines << " lines";
    if (!r.taskId.isEmpty())
        context.out << " in s3://" << settings.bucket << '/' << r.inputKey << ", task " << r.taskId;
    context.out << ": " << r.registered << " registered, " << r.failed << " failed";
    if (r.failedLocally > 0)
        context.out << " (" << r.failedLocally << " refused by the template before sending)";
    if (r.unreported > 0)
        context.out << ", " << r.unreported << " in neither report (retried later)";
    if (r.supersedesLeft > 0)
        context.out << ", " << r.supersedesLeft << " certificate retirement(s) left to a per-unit sync";
    context.out << '\n';
    for (const auto& problem : r.problems)
        context.out << "  " << problem << '\n';
    if (r.failed > 0)
        return toInt(ExitCode::PartialFailure);
    return r.unreported > 0 ? toInt(ExitCode::Cloud) : 0;
}

int syncCommand(CommandContext& context)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Sends the due cloud registrations once (mode and template from [cloud] in station.ini unless given). "
        "--mode bulk registers one batch with a bulk registration task (S3 input file, StartThingRegistrationTask, "
        "its reports mapped back to the units). "
        "Exit 0: nothing left to retry; 7: some will be retried (network, throttling); 9: some were refused."));
    const CommonOptions common;
    const QCommandLineOption mode(QStringLiteral("mode"), QStringLiteral("register-thing, pre-register, device, none or bulk."),
                                  QStringLiteral("mode"));
    const QCommandLineOption templateFile(QStringLiteral("template"), QStringLiteral("RegisterThing template (JSON file)."),
                                          QStringLiteral("file"));
    const QCommandLineOption inFlight(QStringLiteral("max-in-flight"), QStringLiteral("Requests outstanding at once."),
                                      QStringLiteral("n"));
    const QCommandLineOption now(QStringLiteral("now"), QStringLiteral("Send every pending registration now, ignoring the backoff."));
    const QCommandLineOption retryFailed(QStringLiteral("retry-failed"),
                                         QStringLiteral("Queue the failed registrations again first (after fixing the cause)."));
    const BulkOptions bulk;
    parser.addOptions({common.db, common.profile, common.region, common.endpoint, mode, templateFile, inFlight, now, retryFailed,
                       bulk.batch, bulk.bucket, bulk.key, bulk.role, bulk.poll});
    if (auto stop = parseCommandLine(parser, context))
        return *stop;
    station::CloudSettings cloudSettings = station::readCloudSettings();
    if (parser.isSet(mode))
        cloudSettings.mode = parser.value(mode);
    if (parser.isSet(templateFile))
        cloudSettings.templatePath = parser.value(templateFile);
    if (cloudSettings.mode == QStringLiteral("bulk")) {
        if (!parser.isSet(bulk.batch)) {
            context.err << "imprint-cli: cloud sync --mode bulk needs --batch NAME\n";
            return toInt(ExitCode::Usage);
        }
        return bulkSync(context, parser, common, bulk, cloudSettings);
    }
    if (parser.isSet(inFlight))
        cloudSettings.maxInFlight = parser.value(inFlight).toInt();
    auto settings = station::senderSettings(cloudSettings);
    if (!settings)
        return fail(context, settings.error());
    settings->ignoreBackoff = parser.isSet(now);
    auto connection = openDatabase(parser, common);
    if (!connection)
        return fail(context, connection.error());
    const SystemClock clock;
    if (parser.isSet(retryFailed)) {
        auto requeued = audit::requeueFailedOutbox(*connection.value(), audit::auditTime(clock.nowUtc()));
        if (!requeued)
            return fail(context, requeued.error());
        context.out << requeued.value() << " failed registration(s) queued again\n";
        settings->ignoreBackoff = true;
    }
    auto client = common.client(parser);
    if (!client)
        return fail(context, client.error());
    OutboxSender sender(*connection.value(), *client.value(), std::move(settings.value()), clock);
    auto report = sender.runPassAndWait();
    if (!report)
        return fail(context, report.error());
    const PassReport& r = report.value();
    context.out << "cloud sync (" << sendModeName(sender.settings().mode) << "): " << r.due << " due, " << r.registered
                << " registered (" << r.reconciled << " found already registered), " << r.retrying << " to retry, "
                << r.failed << " failed";
    if (r.skipped > 0)
        context.out << ", " << r.skipped << " left to the devices' first connection";
    context.out << '\n';
    for (const auto& problem : r.problems)
        context.out << "  " << problem << '\n';
    if (r.failed > 0)
        return toInt(ExitCode::PartialFailure);
    return r.retrying > 0 ? toInt(ExitCode::Cloud) : 0;
}

int registerCaCommand(CommandContext& context)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Registers the station's CA with AWS IoT: registration code, verification certificate signed on the HSM, "
        "RegisterCACertificate. A CA already registered is reported (id, state), not registered again."));
    const CommonOptions common;
    const QCommandLineOption mode(QStringLiteral("mode"), QStringLiteral("jitp, jitr or sni-only."), QStringLiteral("mode"));
    const QCommandLineOption templateName(QStringLiteral("template-name"), QStringLiteral("JITP: a JITP template already created."),
                                          QStringLiteral("name"));
    const QCommandLineOption templateFile(QStringLiteral("template-file"), QStringLiteral("JITP: the template body (JSON file)."),
                                          QStringLiteral("file"));
    const QCommandLineOption role(QStringLiteral("role-arn"), QStringLiteral("JITP with --template-file: the provisioning role."),
                                  QStringLiteral("arn"));
    const QCommandLineOption inactive(QStringLiteral("inactive"), QStringLiteral("Register it INACTIVE (activate later)."));
    parser.addOptions({common.db, common.profile, common.region, common.endpoint, mode, templateName, templateFile, role, inactive});
    if (auto stop = parseCommandLine(parser, context))
        return *stop;
    if (!parser.isSet(mode)) {
        context.err << "imprint-cli: --mode is required (jitp, jitr or sni-only)\n";
        return toInt(ExitCode::Usage);
    }
    CaRegistrationRequest request;
    auto caMode = parseCaMode(parser.value(mode));
    if (!caMode)
        return fail(context, caMode.error());
    request.mode = caMode.value();
    request.templateName = parser.value(templateName);
    request.roleArn = parser.value(role);
    request.setAsActive = !parser.isSet(inactive);
    if (parser.isSet(templateFile)) {
        auto body = readInputFile(parser.value(templateFile), QStringLiteral("template"));
        if (!body)
            return fail(context, body.error());
        request.templateBody = body.value();
    }
    auto ca = station::issuingCaPem();
    if (!ca)
        return fail(context, ca.error());
    request.caCertificatePem = ca.value();
    if (auto valid = validateCaRequest(request); !valid)
        return fail(context, valid.error());
    auto client = common.client(parser);
    if (!client)
        return fail(context, client.error());
    TerminalPrompt prompt(context.err);
    const SystemClock clock;
    auto registered = registration::registerCa(*client.value(), request, station::hsmVerificationSigner(&prompt, clock));
    if (!registered)
        return fail(context, registered.error());
    const CaRegistration& r = registered.value();
    context.out << (r.alreadyRegistered ? "CA already registered: " : "CA registered: ") << r.certificateId
                << "\n  ARN:               " << r.certificateArn << "\n  status:            " << r.status
                << "\n  auto-registration: " << r.autoRegistrationStatus << "\n  mode:              " << r.certificateMode
                << '\n';
    auto store = audit::AuditStore::open({audit::resolveAuditPath(parser.value(common.db)), audit::defaultStationName()}, clock);
    if (!store)
        return fail(context, store.error());
    const QString outcome = (r.alreadyRegistered ? QStringLiteral("already-registered ") : QStringLiteral("registered "))
                            + r.certificateId + u' ' + caModeName(request.mode);
    if (auto recorded = store.value()->appendStationEvent({audit::defaultOperatorName(), std::nullopt},
                                                          QStringLiteral("cloud-ca"), outcome);
        !recorded)
        return fail(context, recorded.error());
    return 0;
}

}  // namespace

std::vector<Command> cloudCommands()
{
    const QString group = QStringLiteral("cloud");
    return {{group, QStringLiteral("status"), QStringLiteral("each unit's cloud registration: queued, sent, registered, failed"), statusCommand},
            {group, QStringLiteral("sync"), QStringLiteral("send the due cloud registrations now"), syncCommand},
            {group, QStringLiteral("register-ca"), QStringLiteral("register the station's CA with AWS IoT (JITP, JITR, SNI_ONLY)"), registerCaCommand}};
}

}  // namespace imprint::cli
