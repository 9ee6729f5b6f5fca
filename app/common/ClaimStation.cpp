#include "app/common/ClaimStation.h"

#include "app/common/CaStation.h"

#include "core/audit/SqlConnection.h"
#include "core/claims/ClaimProviders.h"
#include "core/cloud/AwsConfig.h"
#include "core/cloud/AwsIotClient.h"

#include <QDateTime>
#include <QProcessEnvironment>

namespace imprint::station {

namespace {

class NoCertificates final : public ca::CertificateIssuer
{
public:
    Result<ca::IssuedCertificate> issueFromCsr(const ca::IssueRequest&) override { return refused(); }
    Result<ca::IssuedWithKey> issueWithStationKey(const ca::IssueRequest&) override { return refused(); }
    QByteArray caChainPem() const override { return {}; }

private:
    static Error refused()
    {
        return Error(ErrorCode::Internal, QStringLiteral("a claim-mode run asked for a station certificate"));
    }
};

// How a fleet claim was made, from this station's record of it (`claim create`); a claim made
// elsewhere is taken as AWS-made (keys), the usual kind.
Result<claims::ClaimVia> recordedVia(const QString& database, const QString& certificateId)
{
    auto connection = audit::SqlConnection::open(database);
    if (!connection)
        return connection.error();
    auto recorded = claims::listClaims(*connection.value(), QDateTime::currentDateTimeUtc());
    if (!recorded)
        return recorded.error();
    for (const claims::ClaimRecord& claim : recorded.value()) {
        if (claim.certificateId == certificateId)
            return claims::parseClaimVia(claim.via);
    }
    return claims::ClaimVia::Keys;
}

Result<std::shared_ptr<claims::ClaimProvider>> fleetClaim(const ClaimSource& source)
{
    auto fleet = claims::FleetClaimProvider::fromFiles(source.certificatePath, source.keyPath);
    if (!fleet)
        return fleet.error();
    auto via = recordedVia(source.database, fleet.value()->certificateId());
    if (!via)
        return via.error();
    fleet.value()->setVia(via.value());
    return std::shared_ptr<claims::ClaimProvider>(std::move(fleet.value()));
}

Result<std::shared_ptr<claims::ClaimProvider>> trustedUserClaims(const QString& templateName, const ClaimSource& source)
{
    // Made on each slot's thread for each claim, from the profile, region and endpoint only (never
    // a secret in the copy): credentials come from the AWS CLI's chain each time.
    auto makeClient = [profile = source.awsProfile, region = source.awsRegion,
                       endpoint = source.awsEndpointUrl]() -> Result<std::unique_ptr<cloud::AwsIotClient>> {
        cloud::AwsSettingsRequest request;
        request.profile = profile;
        request.region = region;
        request.endpointUrl = endpoint;
        auto settings = cloud::loadAwsSettings(QProcessEnvironment::systemEnvironment(), std::move(request));
        if (!settings)
            return settings.error();
        return cloud::AwsIotClient::create(std::move(settings.value()));
    };
    if (auto check = makeClient(); !check)
        return check.error().withContext(QStringLiteral("--registration trusted-user"));
    return std::shared_ptr<claims::ClaimProvider>(std::make_shared<claims::TrustedUserClaimProvider>(templateName, makeClient));
}

}  // namespace

Result<pipeline::RegistrationMode> checkClaimOptions(const ClaimOptions& options)
{
    auto mode = pipeline::parseRegistrationMode(options.registration);
    if (!mode)
        return mode.error().withContext(QStringLiteral("--registration"));
    const bool claimFiles = !options.certificatePath.isEmpty() || !options.keyPath.isEmpty();
    if (!pipeline::installsClaim(mode.value())) {
        if (claimFiles || !options.templateName.isEmpty())
            return Error(ErrorCode::InvalidInput, QStringLiteral("--claim-cert, --claim-key and --template are for "
                                                                 "--registration claim or trusted-user"));
        return mode;
    }
    if (options.templateName.isEmpty())
        return Error(ErrorCode::InvalidInput, QStringLiteral("--registration %1 needs --template NAME (the fleet-provisioning "
                                                             "template the devices register through)")
                                                  .arg(pipeline::registrationModeName(mode.value())));
    if (mode.value() == pipeline::RegistrationMode::TrustedUser) {
        if (claimFiles)
            return Error(ErrorCode::InvalidInput, QStringLiteral("--registration trusted-user requests a claim per device: "
                                                                 "--claim-cert and --claim-key are for --registration claim"));
        return mode;
    }
    if (options.certificatePath.isEmpty())
        return Error(ErrorCode::InvalidInput, QStringLiteral("--registration claim needs --claim-cert FILE (the fleet's "
                                                             "claim certificate, e.g. from 'claim create')"));
    if (options.keyPath.isEmpty())
        return Error(ErrorCode::InvalidInput, QStringLiteral("--registration claim needs --claim-key FILE (the claim "
                                                             "certificate's private key)"));
    return mode;
}

Result<std::shared_ptr<claims::ClaimProvider>> openClaimProvider(const pipeline::ProvisioningProfile& profile,
                                                                const ClaimSource& source)
{
    switch (profile.registration) {
    case pipeline::RegistrationMode::Claim:
        return fleetClaim(source);
    case pipeline::RegistrationMode::TrustedUser:
        return trustedUserClaims(profile.claimTemplate, source);
    default:
        return std::shared_ptr<claims::ClaimProvider>();
    }
}

Result<std::unique_ptr<ca::CertificateIssuer>> openIssuerFor(const pipeline::ProvisioningProfile& profile,
                                                            OperatorPrompt* prompt, const Clock& clock)
{
    if (pipeline::installsClaim(profile.registration))
        return std::unique_ptr<ca::CertificateIssuer>(std::make_unique<NoCertificates>());
    auto stationCa = openStationCa(prompt, clock);
    if (!stationCa)
        return stationCa.error();
    return std::unique_ptr<ca::CertificateIssuer>(std::move(stationCa.value()));
}

}  // namespace imprint::station
