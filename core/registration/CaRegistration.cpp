#include "core/registration/CaRegistration.h"

#include "core/cloud/AwsIotClient.h"
#include "core/template/CertificateParameters.h"
#include "core/template/ProvisioningTemplate.h"

namespace imprint::registration {

namespace {

struct CaModeName
{
    CaMode mode;
    const char* name;
};

constexpr CaModeName kCaModes[] = {{CaMode::Jitp, "jitp"}, {CaMode::Jitr, "jitr"}, {CaMode::SniOnly, "sni-only"}};

CaRegistration fromDescription(const QJsonObject& answer, bool alreadyRegistered)
{
    const QJsonObject d = answer.value(QStringLiteral("certificateDescription")).toObject();
    CaRegistration ca;
    ca.certificateId = d.value(QStringLiteral("certificateId")).toString();
    ca.certificateArn = d.value(QStringLiteral("certificateArn")).toString();
    ca.status = d.value(QStringLiteral("status")).toString();
    ca.autoRegistrationStatus = d.value(QStringLiteral("autoRegistrationStatus")).toString();
    ca.certificateMode = d.value(QStringLiteral("certificateMode")).toString(QStringLiteral("DEFAULT"));
    ca.alreadyRegistered = alreadyRegistered;
    return ca;
}

Result<CaRegistration> describe(cloud::AwsIotClient& client, const QString& id, bool alreadyRegistered)
{
    auto answer = cloud::waitFor([&](cloud::JsonCallback done) { client.describeCaCertificate(id, done); });
    if (!answer)
        return answer.error();
    return fromDescription(answer.value(), alreadyRegistered);
}

cloud::RegisterCaCertificateInput registrationInput(const CaRegistrationRequest& request)
{
    cloud::RegisterCaCertificateInput input;
    input.caCertificatePem = QString::fromUtf8(request.caCertificatePem);
    input.setAsActive = request.setAsActive;
    input.allowAutoRegistration = request.mode != CaMode::SniOnly;
    if (request.mode == CaMode::SniOnly)
        input.certificateMode = QStringLiteral("SNI_ONLY");
    if (request.mode == CaMode::Jitp) {
        cloud::RegistrationConfig config;
        config.templateName = request.templateName;
        config.templateBody = QString::fromUtf8(request.templateBody);
        config.roleArn = request.roleArn;
        input.registrationConfig = config;
    }
    return input;
}

}  // namespace

QString caModeName(CaMode mode)
{
    for (const auto& entry : kCaModes) {
        if (entry.mode == mode)
            return QString::fromLatin1(entry.name);
    }
    return QStringLiteral("unknown");
}

Result<CaMode> parseCaMode(const QString& name)
{
    for (const auto& entry : kCaModes) {
        if (name == QLatin1String(entry.name))
            return entry.mode;
    }
    return Error(ErrorCode::InvalidInput, QStringLiteral("unknown CA registration mode '%1' (use jitp, jitr or sni-only)").arg(name));
}

Status validateCaRequest(const CaRegistrationRequest& request)
{
    if (!request.caCertificatePem.contains("-----BEGIN CERTIFICATE-----"))
        return Error(ErrorCode::InvalidInput, QStringLiteral("the CA certificate is not PEM"));
    if (request.mode != CaMode::Jitp)
        return Status::success();
    if (request.templateName.isEmpty() == request.templateBody.isEmpty())
        return Error(ErrorCode::InvalidInput, QStringLiteral("JITP needs a template: its name (a JITP template already "
                                                             "created) or its body, not both"));
    if (!request.templateBody.isEmpty()) {
        if (request.roleArn.isEmpty())
            return Error(ErrorCode::InvalidInput, QStringLiteral("JITP with a template body needs the provisioning role ARN"));
        auto parsed = provisioning::ProvisioningTemplate::parse(request.templateBody);
        if (!parsed)
            return parsed.error().withContext(QStringLiteral("JITP template"));
    }
    return Status::success();
}

Result<CaRegistration> registerCa(cloud::AwsIotClient& client, const CaRegistrationRequest& request,
                                  const VerificationSigner& signVerification)
{
    if (auto valid = validateCaRequest(request); !valid)
        return valid.error();
    auto id = provisioning::certificateIdOfPem(request.caCertificatePem);
    if (!id)
        return id.error().withContext(QStringLiteral("CA certificate"));
    auto existing = describe(client, id.value(), true);
    if (existing || existing.error().code() != ErrorCode::NotFound)
        return existing;

    cloud::RegisterCaCertificateInput input = registrationInput(request);
    if (request.mode != CaMode::SniOnly) {
        auto code = cloud::waitFor([&](cloud::JsonCallback done) { client.getRegistrationCode(done); });
        if (!code)
            return code.error();
        auto verification = signVerification(code->value(QStringLiteral("registrationCode")).toString());
        if (!verification)
            return verification.error().withContext(QStringLiteral("signing the verification certificate"));
        input.verificationCertificatePem = QString::fromUtf8(verification.value());
    }
    auto registered = cloud::waitFor([&](cloud::JsonCallback done) { client.registerCaCertificate(input, done); });
    if (!registered && registered.error().code() != ErrorCode::AlreadyExists)
        return registered.error();
    // Registered now (or by someone else in the meantime): its state as AWS reports it.
    return describe(client, id.value(), !registered.ok());
}

}  // namespace imprint::registration
