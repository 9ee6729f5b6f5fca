// `imprint-cli run`: provision a batch on the fixture's ports, N slots at once.
#include "app/cli/Cli.h"
#include "app/cli/LabelReader.h"
#include "app/cli/RunProgress.h"
#include "app/cli/StationOptions.h"
#include "app/cli/TerminalPrompt.h"
#include "app/common/BackgroundCloudSync.h"
#include "app/common/CaStation.h"
#include "app/common/ClaimStation.h"
#include "core/Clock.h"
#include "core/audit/AuditQueries.h"
#include "core/audit/AuditStore.h"
#include "core/audit/SqlConnection.h"
#include "core/audit/StationIdentity.h"
#include "core/audit/UnitRecords.h"
#include "core/cloud/AwsConfig.h"
#include "core/pipeline/ProvisioningRun.h"
#include "core/pipeline/ScannedLabels.h"
#include "serial/DeviceLinkFactory.h"

#include <QFile>
#include <QThread>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <map>
#include <optional>
#include <unistd.h>

namespace imprint::cli {

namespace {

// Set by SIGINT/SIGTERM: the run stops after the units in progress, never half-way through one.
std::atomic<bool> g_interrupted{false};
void onInterrupt(int)
{
    g_interrupted = true;
}

struct RunRequest
{
    QString batch;
    QStringList ports;
    pipeline::ProvisioningProfile profile;
    pipeline::RunOptions options;
    QString database;
    QString claimCertificate;  // --registration claim
    QString claimKey;
};

// Claim modes: --template, and for a fleet claim its two files (station::checkClaimOptions, shared
// with the window), and --claim-budget. Errors name the option.
Status readClaimOptions(QCommandLineParser& parser, const std::map<QString, QCommandLineOption>& o, RunRequest& request)
{
    auto mode = station::checkClaimOptions({parser.value(o.at(QStringLiteral("registration"))),
                                            parser.value(o.at(QStringLiteral("template"))),
                                            parser.value(o.at(QStringLiteral("claim-cert"))),
                                            parser.value(o.at(QStringLiteral("claim-key")))});
    if (!mode)
        return mode.error();
    auto& profile = request.profile;
    profile.registration = mode.value();
    if (!pipeline::installsClaim(profile.registration))
        return {};
    profile.claimTemplate = parser.value(o.at(QStringLiteral("template")));
    request.claimCertificate = parser.value(o.at(QStringLiteral("claim-cert")));
    request.claimKey = parser.value(o.at(QStringLiteral("claim-key")));
    bool ok = false;
    const double budget = parser.value(o.at(QStringLiteral("claim-budget"))).toDouble(&ok);
    if (!ok || budget <= 0)
        return Error(ErrorCode::InvalidInput, QStringLiteral("--claim-budget needs a positive number of seconds"));
    profile.claimInstallBudget = std::chrono::milliseconds(static_cast<qint64>(budget * 1000.0));
    return {};
}

Result<RunRequest> readRequest(QCommandLineParser& parser, const std::map<QString, QCommandLineOption>& o)
{
    RunRequest request;
    request.batch = parser.value(o.at(QStringLiteral("batch")));
    request.ports = parser.values(o.at(QStringLiteral("port")));
    if (request.batch.isEmpty())
        return Error(ErrorCode::InvalidInput, QStringLiteral("--batch is required (a batch id or name; see 'batch list')"));
    if (request.ports.isEmpty())
        return Error(ErrorCode::InvalidInput, QStringLiteral("--port is required (repeat it for each slot)"));

    auto certificateProfile = station::readProfile(parser.value(o.at(QStringLiteral("profile"))));
    if (!certificateProfile)
        return certificateProfile.error();
    auto& profile = request.profile;
    profile.name = parser.value(o.at(QStringLiteral("profile")));
    profile.certificate = certificateProfile.value();
    profile.protocol = parser.value(o.at(QStringLiteral("protocol")));
    if (!serial::supportedProtocols().contains(profile.protocol))
        return Error(ErrorCode::InvalidInput, QStringLiteral("--protocol %1 is not one of: %2")
                                                  .arg(profile.protocol, serial::supportedProtocols().join(u", ")));
    const QString keyMode = parser.value(o.at(QStringLiteral("key-mode")));
    if (keyMode != u"device-csr" && keyMode != u"station-key")
        return Error(ErrorCode::InvalidInput, QStringLiteral("--key-mode must be device-csr or station-key, not %1").arg(keyMode));
    profile.keyMode = keyMode == u"station-key" ? pipeline::KeyMode::StationKey : pipeline::KeyMode::DeviceCsr;
    bool ok = false;
    profile.baudRate = parser.value(o.at(QStringLiteral("baud"))).toInt(&ok);
    if (!ok || profile.baudRate <= 0)
        return Error(ErrorCode::InvalidInput, QStringLiteral("--baud needs a positive number"));
    for (const QString& pair : parser.values(o.at(QStringLiteral("config")))) {
        const qsizetype equals = pair.indexOf(u'=');
        if (equals <= 0)
            return Error(ErrorCode::InvalidInput, QStringLiteral("--config %1: expected key=value").arg(pair));
        profile.configuration.append({pair.left(equals), pair.mid(equals + 1)});
    }
    if (parser.isSet(o.at(QStringLiteral("root-ca")))) {
        QFile file(parser.value(o.at(QStringLiteral("root-ca"))));
        if (!file.open(QIODevice::ReadOnly))
            return Error(ErrorCode::NotFound, QStringLiteral("--root-ca %1: cannot read it").arg(file.fileName()));
        profile.serverRootCaPem = file.readAll();
    }

    if (Status claim = readClaimOptions(parser, o, request); !claim)
        return claim.error();

    if (parser.isSet(o.at(QStringLiteral("timeout-ms")))) {
        const int limit = parser.value(o.at(QStringLiteral("timeout-ms"))).toInt(&ok);
        if (!ok || limit <= 0)
            return Error(ErrorCode::InvalidInput, QStringLiteral("--timeout-ms needs a positive number"));
        profile.timeouts = {std::chrono::milliseconds(limit), std::chrono::milliseconds(limit),
                            std::chrono::milliseconds(limit)};
    }

    auto& options = request.options;
    options.actor = {parser.value(o.at(QStringLiteral("operator"))), std::nullopt};
    options.maxUnits = parser.value(o.at(QStringLiteral("units"))).toInt();
    options.overlapBind = !parser.isSet(o.at(QStringLiteral("no-bind-overlap")));
    options.idleTimeout = std::chrono::milliseconds(
        static_cast<qint64>(parser.value(o.at(QStringLiteral("idle-timeout"))).toDouble() * 1000.0));
    request.database = databasePath(parser, o.at(QStringLiteral("db")));

    const QString bind = parser.value(o.at(QStringLiteral("bind")));
    if (bind != u"device" && bind != u"barcode")
        return Error(ErrorCode::InvalidInput, QStringLiteral("--bind must be device or barcode, not %1").arg(bind));
    profile.bind = bind == u"barcode" ? pipeline::BindMode::Barcode : pipeline::BindMode::Device;
    const double labelSeconds = parser.value(o.at(QStringLiteral("label-timeout"))).toDouble(&ok);
    if (!ok || labelSeconds <= 0)
        return Error(ErrorCode::InvalidInput, QStringLiteral("--label-timeout needs a positive number of seconds"));
    profile.labelTimeout = std::chrono::milliseconds(static_cast<qint64>(labelSeconds * 1000.0));

    const QString supervisor = parser.value(o.at(QStringLiteral("supervisor")));
    const bool rework = parser.isSet(o.at(QStringLiteral("rework")));
    const bool quotaOverride = parser.isSet(o.at(QStringLiteral("quota-override")));
    if (rework && supervisor.isEmpty())
        return Error(ErrorCode::PermissionDenied,
                     QStringLiteral("--rework needs --supervisor NAME: a registered supervisor approves rework"));
    if (quotaOverride && supervisor.isEmpty())
        return Error(ErrorCode::PermissionDenied, QStringLiteral("--quota-override needs --supervisor NAME: a registered "
                                                                 "supervisor approves units past the batch's quota"));
    if (!rework && !quotaOverride && !supervisor.isEmpty())
        return Error(ErrorCode::InvalidInput, QStringLiteral("--supervisor is only for --rework and --quota-override"));
    if (rework)
        options.reworkSupervisor = supervisor;
    if (quotaOverride)
        options.quotaOverrideSupervisor = supervisor;
    return request;
}

qint64 percentile(std::vector<qint64> values, double fraction)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    const auto index = static_cast<size_t>(fraction * static_cast<double>(values.size() - 1) + 0.5);
    return values[std::min(index, values.size() - 1)];
}

void printSummary(QTextStream& out, const pipeline::RunSummary& summary, qint64 elapsedNs)
{
    const double hours = double(elapsedNs) / 3.6e12;
    std::vector<qint64> station;
    for (const auto& timing : summary.timings)
        station.push_back(timing.stationNs);
    out << QStringLiteral("run: %1 passed, %2 failed, %3 refused in %4 s (%5 units/hour)\n")
               .arg(summary.passed)
               .arg(summary.failed)
               .arg(summary.refused)
               .arg(double(elapsedNs) / 1e9, 0, 'f', 1)
               .arg(hours > 0 ? double(summary.passed) / hours : 0.0, 0, 'f', 0);
    out << QStringLiteral("run: station time per unit (excluding the device): p50 %1 ms, p99 %2 ms\n")
               .arg(double(percentile(station, 0.5)) / 1e6, 0, 'f', 2)
               .arg(double(percentile(station, 0.99)) / 1e6, 0, 'f', 2);
}

int run(CommandContext& context)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Provisions the devices of a batch on the given ports, one slot per port, all at once. Each device is "
        "keyed, certified by the station's CA, written, verified, locked and recorded in the audit."));
    std::map<QString, QCommandLineOption> o;
    auto add = [&](const QString& name, const QString& help, const QString& value = {}, const QString& fallback = {}) {
        o.emplace(name, QCommandLineOption(name, help, value, fallback));
    };
    add(QStringLiteral("batch"), QStringLiteral("Batch id or name (see 'batch list')."), QStringLiteral("batch"));
    add(QStringLiteral("port"), QStringLiteral("A slot's serial port (repeatable)."), QStringLiteral("port"));
    add(QStringLiteral("profile"), QStringLiteral("Certificate profile from station.ini (default: default)."),
        QStringLiteral("name"), station::readCaSettings().defaultProfile);
    add(QStringLiteral("protocol"), QStringLiteral("Device protocol: imprint or nrf91 (default: imprint)."),
        QStringLiteral("name"), QStringLiteral("imprint"));
    add(QStringLiteral("key-mode"), QStringLiteral("device-csr (default) or station-key (inject a station-made key)."),
        QStringLiteral("mode"), QStringLiteral("device-csr"));
    add(QStringLiteral("baud"), QStringLiteral("Baud rate (default: 115200)."), QStringLiteral("rate"), QStringLiteral("115200"));
    add(QStringLiteral("config"), QStringLiteral("Configuration written to each device, key=value (repeatable; "
                                                 "{thingName}, {serialNumber}, {hardwareId} are filled in)."),
        QStringLiteral("key=value"));
    add(QStringLiteral("root-ca"), QStringLiteral("Server root CA (PEM) to write to each device."), QStringLiteral("file"));
    o.emplace(QStringLiteral("operator"), operatorOption());
    add(QStringLiteral("bind"), QStringLiteral("How a device finds its work-order row: device (the serial number or "
                                               "hardware ID it reports; default) or barcode (a label scanned per "
                                               "device, read from stdin: LABEL for the next waiting slot, N:LABEL "
                                               "for slot N)."),
        QStringLiteral("mode"), QStringLiteral("device"));
    add(QStringLiteral("label-timeout"), QStringLiteral("--bind barcode: seconds to wait for a device's label "
                                                        "(default: 60)."),
        QStringLiteral("s"), QStringLiteral("60"));
    add(QStringLiteral("rework"), QStringLiteral("Provision again devices already provisioned, superseding their "
                                                 "certificates (needs --supervisor)."));
    add(QStringLiteral("quota-override"), QStringLiteral("An open batch takes units past its quota (needs --supervisor)."));
    add(QStringLiteral("supervisor"), QStringLiteral("The registered supervisor approving --rework or --quota-override."),
        QStringLiteral("name"));
    add(QStringLiteral("units"), QStringLiteral("Stop after this many units (default: no limit)."), QStringLiteral("n"),
        QStringLiteral("0"));
    add(QStringLiteral("idle-timeout"), QStringLiteral("A slot with no new device for this many seconds stops "
                                                       "(default: 0, wait until interrupted)."),
        QStringLiteral("s"), QStringLiteral("0"));
    add(QStringLiteral("timeout-ms"), QStringLiteral("Time limit of every device step, in ms (default: 3000 for short "
                                                     "exchanges, 20000 for key generation, 10000 for writes)."),
        QStringLiteral("ms"));
    o.emplace(QStringLiteral("db"), databaseOption());
    o.emplace(QStringLiteral("cloud-sync"),
              QCommandLineOption(QStringLiteral("cloud-sync"),
                                 QStringLiteral("Send passed units' cloud registrations in the background while the "
                                                "batch runs ([cloud] in station.ini; see 'cloud sync').")));
    add(QStringLiteral("registration"),
        QStringLiteral("How devices get into AWS IoT: jitp (default), jitr, register-thing, bulk, none (the station issues "
                       "each device's certificate), or claim / trusted-user (the station installs a fleet-provisioning "
                       "claim; the device gets its certificate on its first connection)."),
        QStringLiteral("mode"), QStringLiteral("jitp"));
    add(QStringLiteral("template"), QStringLiteral("claim, trusted-user: the fleet-provisioning template (written to "
                                                   "each device as template=NAME)."),
        QStringLiteral("name"));
    add(QStringLiteral("claim-cert"), QStringLiteral("claim: the fleet's claim certificate (PEM; see 'claim create')."),
        QStringLiteral("file"));
    add(QStringLiteral("claim-key"), QStringLiteral("claim: the claim certificate's private key (PEM)."), QStringLiteral("file"));
    add(QStringLiteral("claim-budget"), QStringLiteral("trusted-user: seconds a device's installation needs; a claim with "
                                                       "less time left is replaced by a fresh one (default: 60)."),
        QStringLiteral("s"), QStringLiteral("60"));
    o.emplace(QStringLiteral("aws-profile"), QCommandLineOption(QStringLiteral("aws-profile"),
                                                                QStringLiteral("--cloud-sync, trusted-user: AWS profile."),
                                                                QStringLiteral("name")));
    o.emplace(QStringLiteral("region"), QCommandLineOption(QStringLiteral("region"),
                                                           QStringLiteral("--cloud-sync, trusted-user: AWS region."),
                                                           QStringLiteral("region")));
    o.emplace(QStringLiteral("endpoint-url"),
              QCommandLineOption(QStringLiteral("endpoint-url"),
                                 QStringLiteral("--cloud-sync, trusted-user: AWS IoT endpoint, e.g. the emulator's."),
                                 QStringLiteral("url")));
    // For bench_station's same-run comparison only.
    QCommandLineOption serialBind(QStringLiteral("no-bind-overlap"),
                                  QStringLiteral("Commit the bind before the device makes its key (slower)."));
    serialBind.setFlags(QCommandLineOption::HiddenFromHelp);
    o.emplace(QStringLiteral("no-bind-overlap"), serialBind);
    for (const auto& [name, option] : o)
        parser.addOption(option);
    if (auto stop = parseCommandLine(parser, context))
        return *stop;

    auto request = readRequest(parser, o);
    if (!request)
        return fail(context, request.error());

    SystemClock clock;
    {
        auto connection = audit::SqlConnection::open(request->database);
        if (!connection)
            return fail(context, connection.error());
        auto batch = audit::findBatch(*connection.value(), request->batch);
        if (!batch)
            return fail(context, batch.error());
        request->options.batchId = batch->id;
        request->options.hardwareIdAsSerial = batch->kind == u"open";
        // A rework run takes devices already counted as provisioned: it ends by --units,
        // --idle-timeout or an interrupt, not by the batch's remaining count.
        if (request->options.maxUnits == 0 && batch->kind == u"list" && !request->options.reworkSupervisor)
            request->options.maxUnits = static_cast<int>(std::max<qint64>(0, batch->devices - batch->provisioned));
        // Checked before the HSM is opened: a wrong name fails at once, in plain words.
        if (request->options.reworkSupervisor || request->options.quotaOverrideSupervisor) {
            if (Status allowed = audit::requireSupervisor(
                    *connection.value(),
                    request->options.reworkSupervisor ? request->options.reworkSupervisor
                                                      : request->options.quotaOverrideSupervisor,
                    request->options.reworkSupervisor ? QStringLiteral("--rework") : QStringLiteral("--quota-override"));
                !allowed)
                return fail(context, allowed.error());
        }
    }

    cloud::AwsSettingsRequest aws;
    aws.profile = parser.value(o.at(QStringLiteral("aws-profile")));
    aws.region = parser.value(o.at(QStringLiteral("region")));
    aws.endpointUrl = parser.value(o.at(QStringLiteral("endpoint-url")));
    // Files and AWS checked before the HSM opens.
    auto claimProvider = station::openClaimProvider(
        request->profile, {request->claimCertificate, request->claimKey, aws.profile, aws.region, aws.endpointUrl,
                           request->database});
    if (!claimProvider)
        return fail(context, claimProvider.error());
    request->options.claims = claimProvider.value().get();

    TerminalPrompt prompt(context.err);
    auto issuer = station::openIssuerFor(request->profile, &prompt, clock);
    if (!issuer)
        return fail(context, issuer.error());
    auto store = audit::AuditStore::open({request->database, audit::defaultStationName()}, clock);
    if (!store)
        return fail(context, store.error());
    auto interrupted = store.value()->recoverInterrupted();
    if (!interrupted)
        return fail(context, interrupted.error());
    if (!interrupted->empty())
        context.out << QStringLiteral("run: %1 unit(s) were interrupted by an earlier stop; they are marked "
                                      "interrupted and their devices will be provisioned again\n")
                           .arg(interrupted->size());

    std::vector<pipeline::SlotConfig> slots;
    for (int i = 0; i < request->ports.size(); ++i)
        slots.push_back({i, request->ports.at(i)});

    serial::SerialDeviceConnector connector;
    pipeline::ScannedLabels labels;  // outlives the run, which uses it until it ends
    request->options.labels = &labels;
    RunProgress progress(context.out, isatty(STDOUT_FILENO) == 1, request->options.maxUnits);
    pipeline::ProvisioningRun provisioning(connector, *issuer.value(), *store.value(), request->profile, clock, &progress);
    const qint64 started = clock.monotonicNs();
    g_interrupted = false;
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
    // Registrations go out while the batch runs; the outbox keeps them durable either way.
    std::unique_ptr<station::BackgroundCloudSync> cloudSync;
    if (parser.isSet(o.at(QStringLiteral("cloud-sync")))) {
        auto sync = station::BackgroundCloudSync::startForStation(request->database, std::move(aws), clock);
        if (!sync)
            return fail(context, sync.error());
        cloudSync = std::move(sync.value());
    }
    if (Status ok = provisioning.start(slots, request->options); !ok)
        return fail(context, ok.error());
    std::optional<LabelReader> labelReader;
    if (request->profile.bind == pipeline::BindMode::Barcode)
        labelReader.emplace(STDIN_FILENO, labels);
    for (int tick = 1; provisioning.running(); ++tick) {
        if (g_interrupted)
            provisioning.requestStop();
        if (cloudSync && tick % 20 == 0)
            cloudSync->wake();  // units passed in the last second go out now, not at the next interval
        QThread::msleep(50);
    }
    const pipeline::RunSummary summary = provisioning.wait();
    labelReader.reset();
    progress.finish();
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    printSummary(context.out, summary, clock.monotonicNs() - started);
    if (cloudSync) {
        cloudSync->wake();
        cloudSync->stop();  // the requests in flight finish and are recorded; the rest stay queued
        const station::CloudSyncCounts counts = cloudSync->counts();
        context.out << QStringLiteral("cloud: %1 registered, %2 pending, %3 failed (see 'imprint-cli cloud status')\n")
                           .arg(counts.registered)
                           .arg(counts.pending())
                           .arg(counts.failed);
    }
    return summary.failed + summary.refused == 0 ? 0 : toInt(ExitCode::PartialFailure);
}

}  // namespace

std::vector<Command> runCommands()
{
    return {{QString(), QStringLiteral("run"), QStringLiteral("provision a batch on the given ports, all slots at once"), run}};
}

}  // namespace imprint::cli
