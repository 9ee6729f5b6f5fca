// `imprint-cli claim create|list|deactivate`: fleet-provisioning claims (by claim, by trusted
// user) made through AWS, or issued by the station's CA and registered, and recorded in the
// audit. The private key goes to a 0600 file only: never printed, never logged. AWS settings as
// `aws`: --profile/--region/--endpoint-url. The HSM PIN as for `ca`: pin-source, IMPRINT_HSM_PIN
// or the terminal.
#include "app/cli/Cli.h"
#include "app/cli/TerminalPrompt.h"
#include "app/cli/commands/AwsCliOptions.h"
#include "app/common/CaStation.h"
#include "app/common/CloudStation.h"
#include "core/Clock.h"
#include "core/audit/AuditStore.h"
#include "core/audit/SqlConnection.h"
#include "core/audit/StationIdentity.h"
#include "core/claims/FleetClaims.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>

namespace imprint::cli {

namespace {

using namespace imprint::claims;

QCommandLineOption databaseOption()
{
    return {QStringLiteral("db"), QStringLiteral("Audit database (default: [audit] path in station.ini, else <data dir>/audit.sqlite)."),
            QStringLiteral("file")};
}

Result<std::unique_ptr<audit::AuditStore>> openStore(const QCommandLineParser& parser, const QCommandLineOption& db,
                                                     const Clock& clock)
{
    return audit::AuditStore::open({audit::resolveAuditPath(parser.value(db)), audit::defaultStationName()}, clock);
}

// --via station-ca: the CA must be registered in that account and region before the PIN is asked.
Result<IssuedClaim> createWithStationCa(CommandContext& context, cloud::AwsIotClient& client, audit::AuditStore& store,
                                        const QString& templateName, int days, const Clock& clock)
{
    auto caPem = station::issuingCaPem();
    if (!caPem)
        return caPem.error();
    auto registered = requireRegisteredCa(client, caPem.value());
    if (!registered)
        return registered.error();
    TerminalPrompt prompt(context.err);
    auto issuer = station::openStationCa(&prompt, clock);
    if (!issuer)
        return issuer.error();
    const audit::Actor actor{audit::defaultOperatorName(), std::nullopt};
    return createStationCaClaim(client, *issuer.value(), registered.value(), templateName, days,
                                [&store, &actor](const IssuedClaim& issued) { return recordClaimIssued(store, actor, issued); });
}

int createCommand(CommandContext& context)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Makes a fleet-provisioning claim for a template. --via keys (default): a fleet's shared claim certificate "
        "(CreateKeysAndCertificate, ACTIVE) with the policy imprint-claim-<template>, which allows only the "
        "fleet-provisioning topics of that template. --via station-ca: the same, but the key is made on the station and "
        "the certificate issued by the station's CA (HSM; CN=claim-<template>-<id>) and registered (RegisterCertificate, "
        "ACTIVE; the CA must be registered first: cloud register-ca). --via trusted-user: a 5-minute claim "
        "(CreateProvisioningClaim). Writes claim-<id>.crt and claim-<id>.key (0600); records the claim in the audit."));
    const AwsCliOptions aws;
    const QCommandLineOption db = databaseOption();
    const QCommandLineOption templateName(QStringLiteral("template"), QStringLiteral("The fleet-provisioning template."),
                                          QStringLiteral("name"));
    const QCommandLineOption outDir(QStringLiteral("out-dir"), QStringLiteral("Where the files go (default: current directory)."),
                                    QStringLiteral("dir"), QStringLiteral("."));
    const QCommandLineOption via(QStringLiteral("via"), QStringLiteral("keys, station-ca or trusted-user."), QStringLiteral("how"),
                                 QStringLiteral("keys"));
    const QCommandLineOption days(QStringLiteral("days"), QStringLiteral("station-ca: the claim certificate's validity in days."),
                                  QStringLiteral("n"), QStringLiteral("365"));
    parser.addOptions({db, templateName, outDir, via, days});
    aws.addTo(parser);
    if (auto stop = parseCommandLine(parser, context))
        return *stop;
    if (!parser.isSet(templateName)) {
        context.err << "imprint-cli: claim create needs --template NAME\n";
        return toInt(ExitCode::Usage);
    }
    auto how = parseClaimVia(parser.value(via));
    if (!how)
        return fail(context, how.error());
    bool daysOk = false;
    const int validityDays = parser.value(days).toInt(&daysOk);
    if (parser.isSet(days) && how.value() != ClaimVia::StationCa) {
        context.err << "imprint-cli: --days is for --via station-ca (AWS sets the other claims' validity)\n";
        return toInt(ExitCode::Usage);
    }
    if (!daysOk || validityDays <= 0) {
        context.err << "imprint-cli: --days needs a positive number of days\n";
        return toInt(ExitCode::Usage);
    }
    // Checked before AWS: a claim must not exist without its record or without its key file.
    const QString directory = parser.value(outDir);
    if (!QDir().mkpath(directory) || !QFileInfo(directory).isWritable())
        return fail(context, Error(ErrorCode::Io, QStringLiteral("--out-dir %1: not a writable directory").arg(directory)));
    const SystemClock clock;
    auto store = openStore(parser, db, clock);
    if (!store)
        return fail(context, store.error());
    auto client = aws.client(parser);
    if (!client)
        return fail(context, client.error());
    auto claim = how.value() == ClaimVia::StationCa
                     ? createWithStationCa(context, *client.value(), *store.value(), parser.value(templateName),
                                           validityDays, clock)
                     : createClaim(*client.value(), parser.value(templateName), how.value());
    if (!claim)
        return fail(context, claim.error());
    const audit::Actor actor{audit::defaultOperatorName(), std::nullopt};
    if (auto recorded = recordClaimCreated(*store.value(), actor, claim.value()); !recorded)
        return fail(context, recorded.error().withContext(QStringLiteral("claim %1 was made but not recorded").arg(claim->certificateId)));
    auto files = writeClaimFiles(claim.value(), directory);
    if (!files)
        return fail(context, files.error().withContext(
                                 QStringLiteral("claim %1 is ACTIVE in AWS without its key: deactivate it").arg(claim->certificateId)));
    context.out << "claim created: " << claim->certificateId << "\n  template:    " << claim->templateName
                << "\n  via:         " << claimViaName(claim->via);
    if (!claim->caCertificateId.isEmpty())
        context.out << "\n  issued by:   the station's CA " << claim->caCertificateId;
    if (!claim->policyName.isEmpty())
        context.out << "\n  policy:      " << claim->policyName;
    context.out << "\n  expires:     "
                << (claim->expiresAt ? claim->expiresAt->toString(Qt::ISODate) : QStringLiteral("never (deactivate it with claim deactivate)"))
                << "\n  certificate: " << files->certificatePath << "\n  key:         " << files->keyPath << " (0600)\n";
    return 0;
}

QJsonObject recordJson(const ClaimRecord& r)
{
    return {{QStringLiteral("certificateId"), r.certificateId},
            {QStringLiteral("template"), r.templateName},
            {QStringLiteral("via"), r.via},
            {QStringLiteral("caCertificateId"), r.caCertificateId},
            {QStringLiteral("expiresAt"), r.expiresAt ? r.expiresAt->toString(Qt::ISODate) : QString()},
            {QStringLiteral("createdAt"), r.createdAt},
            {QStringLiteral("createdBy"), r.createdBy},
            {QStringLiteral("deactivatedAt"), r.deactivatedAt},
            {QStringLiteral("deactivatedBy"), r.deactivatedBy},
            {QStringLiteral("state"), r.state}};
}

int listCommand(CommandContext& context)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Lists the claims this station made (from the audit), oldest first, with their state: active, inactive "
        "(deactivated) or expired (a trusted-user claim past its 5 minutes, a station-CA claim past its validity)."));
    const QCommandLineOption db = databaseOption();
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print a JSON array."));
    parser.addOptions({db, json});
    if (auto stop = parseCommandLine(parser, context))
        return *stop;
    auto connection = audit::SqlConnection::open(audit::resolveAuditPath(parser.value(db)));
    if (!connection)
        return fail(context, connection.error());
    const SystemClock clock;
    auto claims = listClaims(*connection.value(), clock.nowUtc());
    if (!claims)
        return fail(context, claims.error());
    if (parser.isSet(json)) {
        QJsonArray array;
        for (const auto& claim : claims.value())
            array.append(recordJson(claim));
        context.out << QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Indented));
        return 0;
    }
    context.out << claims->size() << " claim(s)\n";
    for (const auto& claim : claims.value()) {
        context.out << claim.certificateId << "  " << claim.templateName << "  " << claim.via << "  " << claim.state
                    << "  created " << claim.createdAt << " by " << claim.createdBy;
        if (claim.expiresAt)
            context.out << "  expires " << claim.expiresAt->toString(Qt::ISODate);
        if (!claim.deactivatedAt.isEmpty())
            context.out << "  deactivated " << claim.deactivatedAt << " (supervisor " << claim.deactivatedBy << ')';
        context.out << '\n';
    }
    return 0;
}

int deactivateCommand(CommandContext& context)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Deactivates a claim (UpdateCertificate INACTIVE): it blocks future registrations with this claim; devices "
        "already provisioned keep working. Needs a registered supervisor; asks to confirm unless --yes."));
    const AwsCliOptions aws;
    const QCommandLineOption db = databaseOption();
    const QCommandLineOption certificate(QStringLiteral("certificate-id"), QStringLiteral("The claim's certificate id."),
                                         QStringLiteral("id"));
    const QCommandLineOption supervisor(QStringLiteral("supervisor"), QStringLiteral("The approving supervisor."),
                                        QStringLiteral("name"));
    const QCommandLineOption yes(QStringLiteral("yes"), QStringLiteral("Do not ask (scripts)."));
    parser.addOptions({db, certificate, supervisor, yes});
    aws.addTo(parser);
    if (auto stop = parseCommandLine(parser, context))
        return *stop;
    if (!parser.isSet(certificate)) {
        context.err << "imprint-cli: claim deactivate needs --certificate-id ID\n";
        return toInt(ExitCode::Usage);
    }
    const QString id = parser.value(certificate);
    const SystemClock clock;
    auto store = openStore(parser, db, clock);
    if (!store)
        return fail(context, store.error());
    if (auto approved = store.value()->requireSupervisor(parser.value(supervisor), QStringLiteral("deactivating a claim"));
        !approved)
        return fail(context, approved.error());
    context.out << "Deactivating claim " << id << " blocks future registrations with this claim; "
                << "devices already provisioned keep working.\n";
    context.out.flush();
    TerminalPrompt prompt(context.err);
    if (!parser.isSet(yes) && !prompt.confirm(QStringLiteral("Deactivate claim %1?").arg(id)))
        return fail(context, Error(ErrorCode::Cancelled, QStringLiteral("claim %1 not deactivated: not confirmed "
                                                                        "(--yes to confirm from a script)").arg(id)));
    auto client = aws.client(parser);
    if (!client)
        return fail(context, client.error());
    auto updated = cloud::waitFor([&](cloud::JsonCallback done) { client.value()->updateCertificate(id, QStringLiteral("INACTIVE"), std::move(done)); });
    if (!updated)
        return fail(context, updated.error().withContext(QStringLiteral("claim %1").arg(id)));
    const audit::Actor actor{audit::defaultOperatorName(), parser.value(supervisor)};
    if (auto recorded = recordClaimDeactivated(*store.value(), actor, id); !recorded)
        return fail(context, recorded.error());
    context.out << "claim " << id << " is INACTIVE\n";
    return 0;
}

}  // namespace

std::vector<Command> claimCommands()
{
    const QString group = QStringLiteral("claim");
    return {{group, QStringLiteral("create"), QStringLiteral("make a fleet claim (keys, station-ca) or a 5-minute trusted-user claim"), createCommand},
            {group, QStringLiteral("list"), QStringLiteral("the claims this station made, with their state"), listCommand},
            {group, QStringLiteral("deactivate"), QStringLiteral("deactivate a claim (supervisor): no new registrations with it"),
             deactivateCommand}};
}

}  // namespace imprint::cli
