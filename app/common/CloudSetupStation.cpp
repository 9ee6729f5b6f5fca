#include "app/common/CloudSetupStation.h"

#include "app/common/CaStation.h"
#include "app/common/CloudStation.h"
#include "core/audit/AuditStore.h"
#include "core/audit/EventChain.h"
#include "core/audit/OutboxRecords.h"
#include "core/audit/SqlConnection.h"
#include "core/audit/StationIdentity.h"
#include "core/cloud/AwsConfig.h"
#include "core/cloud/AwsIotClient.h"
#include "core/registration/OutboxSender.h"

#include <QJsonArray>
#include <QProcessEnvironment>
#include <QSettings>
#include <QUrl>

namespace imprint::station {

namespace {

const QString kGroup = QStringLiteral("cloud");
const QString kProfile = QStringLiteral("profile");
const QString kRegion = QStringLiteral("region");
const QString kEndpoint = QStringLiteral("endpoint-url");

Result<cloud::AwsSettings> awsSettings(const setup::CloudConfig& config)
{
    cloud::AwsSettingsRequest request;
    request.profile = config.profile;
    request.region = config.region;
    request.endpointUrl = config.endpointUrl;
    return cloud::loadAwsSettings(QProcessEnvironment::systemEnvironment(), std::move(request));
}

Result<std::unique_ptr<cloud::AwsIotClient>> clientFor(const setup::CloudConfig& config)
{
    auto settings = awsSettings(config);
    if (!settings)
        return settings.error();
    return cloud::AwsIotClient::create(std::move(settings.value()));
}

}  // namespace

setup::CloudConfig readCloudConfig()
{
    QSettings ini(stationIniPath(), QSettings::IniFormat);
    ini.beginGroup(kGroup);
    return {ini.value(kProfile).toString(), ini.value(kRegion).toString(), ini.value(kEndpoint).toString()};
}

Status writeCloudConfig(const setup::CloudConfig& config)
{
    const QString endpoint = config.endpointUrl.trimmed();
    if (!endpoint.isEmpty()) {
        const QUrl url(endpoint, QUrl::StrictMode);
        if (!url.isValid() || (url.scheme() != u"https" && url.scheme() != u"http") || url.host().isEmpty())
            return Error(ErrorCode::InvalidInput,
                         QStringLiteral("endpoint URL '%1' is not an http(s) URL such as https://iot.eu-west-1.amazonaws.com")
                             .arg(endpoint));
        if (!url.userInfo().isEmpty())
            return Error(ErrorCode::InvalidInput,
                         QStringLiteral("endpoint URL: no user name or password in it (station.ini never holds a secret)"));
    }
    QSettings ini(stationIniPath(), QSettings::IniFormat);
    ini.beginGroup(kGroup);
    ini.setValue(kProfile, config.profile.trimmed());
    ini.setValue(kRegion, config.region.trimmed());
    ini.setValue(kEndpoint, endpoint);
    ini.endGroup();
    ini.sync();
    if (ini.status() != QSettings::NoError)
        return Error(ErrorCode::Io, QStringLiteral("cannot write %1").arg(stationIniPath()));
    return {};
}

CloudSetupStation::CloudSetupStation(QString database, const Clock& clock)
    : m_database(audit::resolveAuditPath(database)), m_clock(clock)
{
}

setup::CloudConfig CloudSetupStation::config()
{
    return readCloudConfig();
}

Status CloudSetupStation::saveConfig(const setup::CloudConfig& config)
{
    return writeCloudConfig(config);
}

Result<QString> CloudSetupStation::testConnection(const setup::CloudConfig& config)
{
    auto settings = awsSettings(config);
    if (!settings)
        return settings.error();
    const QString where = settings->endpointUrl.isEmpty() ? QStringLiteral("AWS IoT") : settings->endpointUrl;
    const QString region = settings->region;
    const QString identity = cloud::maskedKeyId(settings->credentials.accessKeyId);
    const QString source = settings->credentialsSource;
    auto client = cloud::AwsIotClient::create(std::move(settings.value()));
    if (!client)
        return client.error();
    auto answer = cloud::waitFor([&](cloud::JsonCallback done) { client.value()->listCaCertificates({}, std::move(done)); });
    if (!answer)
        return answer.error();
    return QStringLiteral("Connected to %1 (region %2) as %3 from %4: %5 CA certificate(s) registered")
        .arg(where, region, identity, source)
        .arg(answer->value(QStringLiteral("certificates")).toArray().size());
}

Result<setup::OutboxState> CloudSetupStation::outboxState()
{
    auto connection = audit::SqlConnection::open(m_database);
    if (!connection)
        return connection.error();
    auto counts = audit::outboxCounts(*connection.value());
    if (!counts)
        return counts.error();
    auto failed = audit::listOutbox(*connection.value(), {QStringLiteral("failed"), {}, {}, kMaxFailedShown});
    if (!failed)
        return failed.error();
    setup::OutboxState state{counts.value(), {}, m_database};
    for (const auto& row : failed.value())
        state.failed.append({row.thingName, row.action, row.attempts, row.lastError, row.updatedAt});
    return state;
}

Result<setup::SyncOutcome> CloudSetupStation::sync(const setup::CloudConfig& config, bool retryFailed)
{
    auto settings = senderSettings(readCloudSettings());
    if (!settings)
        return settings.error();
    settings->ignoreBackoff = true;
    auto connection = audit::SqlConnection::open(m_database);
    if (!connection)
        return connection.error();
    setup::SyncOutcome outcome;
    if (retryFailed) {
        auto requeued = audit::requeueFailedOutbox(*connection.value(), audit::auditTime(m_clock.nowUtc()));
        if (!requeued)
            return requeued.error();
        outcome.requeued = requeued.value();
    }
    auto client = clientFor(config);
    if (!client)
        return client.error();
    registration::OutboxSender sender(*connection.value(), *client.value(), std::move(settings.value()), m_clock);
    auto report = sender.runPassAndWait();
    if (!report)
        return report.error();
    outcome.due = report->due;
    outcome.registered = report->registered;
    outcome.retrying = report->retrying;
    outcome.failed = report->failed;
    outcome.skipped = report->skipped;
    for (const auto& problem : report->problems)
        outcome.problems << problem;
    return outcome;
}

Result<registration::CaRegistration> CloudSetupStation::registerCa(const setup::CloudConfig& config,
                                                                   const setup::CaRegistrationOrder& order,
                                                                   OperatorPrompt& prompt)
{
    registration::CaRegistrationRequest request;
    request.mode = order.mode;
    request.templateName = order.templateName;
    request.templateBody = order.templateBody;
    request.roleArn = order.roleArn;
    request.setAsActive = order.setAsActive;
    auto ca = issuingCaPem();
    if (!ca)
        return ca.error();
    request.caCertificatePem = ca.value();
    if (auto valid = registration::validateCaRequest(request); !valid)
        return valid.error();
    auto client = clientFor(config);
    if (!client)
        return client.error();
    auto registered = registration::registerCa(*client.value(), request, hsmVerificationSigner(&prompt, m_clock));
    if (!registered)
        return registered.error();
    // The audit records it as `imprint-cli cloud register-ca` does.
    auto store = audit::AuditStore::open({m_database, audit::defaultStationName()}, m_clock);
    if (!store)
        return store.error();
    const QString outcome = (registered->alreadyRegistered ? QStringLiteral("already-registered ") : QStringLiteral("registered "))
                            + registered->certificateId + u' ' + registration::caModeName(request.mode);
    if (auto recorded = store.value()->appendStationEvent({audit::defaultOperatorName(), std::nullopt},
                                                          QStringLiteral("cloud-ca"), outcome);
        !recorded)
        return recorded.error();
    return registered;
}

Result<QStringList> CloudSetupStation::templateNames(const setup::CloudConfig& config)
{
    auto client = clientFor(config);
    if (!client)
        return client.error();
    auto answer = cloud::waitFor([&](cloud::JsonCallback done) { client.value()->listProvisioningTemplates({}, std::move(done)); });
    if (!answer)
        return answer.error();
    QStringList names;
    for (const auto& entry : answer->value(QStringLiteral("templates")).toArray())
        names << entry.toObject().value(QStringLiteral("templateName")).toString();
    return names;
}

}  // namespace imprint::station
