// The fleet-provisioning MQTT API's service side: CreateKeysAndCertificate,
// CreateCertificateFromCsr (both: a PENDING_ACTIVATION certificate from the emulator's CA and a
// one-hour ownership token) and RegisterThing (token → certificate, template → provisioning),
// plus which certificates are claims. The MQTT side is FleetProvisioning/DeviceEndpoint.
#include "app/iot-emulator/server/IotService.h"

#include "core/Log.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QRandomGenerator>

namespace imprint::emulator {

namespace {

constexpr qint64 kOwnershipTokenLifetimeSeconds = 60 * 60;
constexpr qint64 kFleetCertificateValiditySeconds = 10LL * 365 * 86400;

const QString kTokenKind = QStringLiteral("ownershipToken");

FleetError internalError(const QString& message)
{
    return {500, QStringLiteral("InternalFailure"), message};
}

FleetError tokenError(const QString& message)
{
    return {400, QStringLiteral("InvalidCertificateOwnershipToken"), message};
}

FleetError invalidRequestError(const QString& message)
{
    return {400, QStringLiteral("InvalidRequest"), message};
}

// The token is a bearer secret: the registry keeps only its hash.
QString tokenKey(const QString& token)
{
    return QString::fromLatin1(QCryptographicHash::hash(token.toUtf8(), QCryptographicHash::Sha256).toHex());
}

QString newToken()
{
    QByteArray random(48, '\0');
    QRandomGenerator::system()->generate(random.begin(), random.end());
    return QString::fromLatin1(random.toBase64());
}

// The control plane's error as the MQTT API shapes it: ResourceRegistrationFailureException → ResourceRegistrationFailure.
FleetError fromApiError(const ApiError& error)
{
    QString code = error.type;
    if (code.endsWith(QStringLiteral("Exception")))
        code.chop(9);
    return {error.status, code, error.message};
}

}  // namespace

FleetAnswer IotService::storeFleetCertificate(const QByteArray& certificatePem)
{
    auto stored = storeCertificate(certificatePem, {}, QStringLiteral("PENDING_ACTIVATION"), QStringLiteral("DEFAULT"));
    if (!stored)
        return internalError(stored.error().message());
    const QString certificateId = stored->certificate.value(QStringLiteral("certificateId")).toString();
    const QString token = newToken();
    const QJsonObject record{{QStringLiteral("certificateId"), certificateId},
                             {QStringLiteral("expiration"), epochSeconds(now().addSecs(kOwnershipTokenLifetimeSeconds))}};
    if (!save(kTokenKind, tokenKey(token), record))
        return internalError(QStringLiteral("cannot store the ownership token"));
    return QJsonObject{{QStringLiteral("certificateId"), certificateId},
                       {QStringLiteral("certificatePem"), QString::fromUtf8(certificatePem)},
                       {QStringLiteral("certificateOwnershipToken"), token}};
}

FleetAnswer IotService::createKeysAndCertificate()
{
    auto issued = m_ca.issueWithNewKey(QStringLiteral("AWS IoT Certificate"), kFleetCertificateValiditySeconds);
    if (!issued)
        return internalError(issued.error().message());
    auto answer = storeFleetCertificate(issued->certificatePem);
    if (auto* object = std::get_if<QJsonObject>(&answer))
        object->insert(QStringLiteral("privateKey"), QString::fromUtf8(issued->privateKeyPem));
    return answer;
}

Answer IotService::createKeysAndCertificate(const ApiCall& call)
{
    // AWS makes RSA 2048; the emulator's CA makes EC P-256 (docs/emulator.md).
    auto issued = m_ca.issueWithNewKey(QStringLiteral("AWS IoT Certificate"), kFleetCertificateValiditySeconds);
    if (!issued)
        return internalFailure(issued.error().message());
    const bool active = call.query.queryItemValue(QStringLiteral("setAsActive")) == QStringLiteral("true");
    auto stored = storeCertificate(issued->certificatePem, {}, active ? QStringLiteral("ACTIVE") : QStringLiteral("INACTIVE"),
                                   QStringLiteral("DEFAULT"));
    if (!stored)
        return internalFailure(stored.error().message());
    const QJsonObject& certificate = stored->certificate;
    return QJsonObject{{QStringLiteral("certificateArn"), certificate.value(QStringLiteral("certificateArn"))},
                       {QStringLiteral("certificateId"), certificate.value(QStringLiteral("certificateId"))},
                       {QStringLiteral("certificatePem"), certificate.value(QStringLiteral("certificatePem"))},
                       {QStringLiteral("keyPair"), QJsonObject{{QStringLiteral("PublicKey"), QString::fromUtf8(issued->publicKeyPem)},
                                                               {QStringLiteral("PrivateKey"), QString::fromUtf8(issued->privateKeyPem)}}}};
}

FleetAnswer IotService::createCertificateFromCsr(const QJsonObject& request)
{
    const QJsonValue csr = request.value(QStringLiteral("certificateSigningRequest"));
    if (!csr.isString() || csr.toString().isEmpty())
        return invalidPayload(QStringLiteral("certificateSigningRequest is required (a PEM certificate signing request)"));
    auto issued = m_ca.issueForCsr(csr.toString().toUtf8(), kFleetCertificateValiditySeconds);
    if (!issued)
        return FleetError{400, QStringLiteral("InvalidCSR"), QStringLiteral("Invalid CSR: ") + issued.error().message()};
    return storeFleetCertificate(issued->certificatePem);
}

std::variant<QJsonObject, FleetError> IotService::certificateOfToken(const QString& token)
{
    if (token.isEmpty())
        return tokenError(QStringLiteral("Certificate ownership token cannot be empty."));
    const QString key = tokenKey(token);
    auto record = m_registry.get(kTokenKind, key);
    if (!record)
        return tokenError(QStringLiteral("Certificate ownership token is not valid."));
    const QString certificateId = record->value(QStringLiteral("certificateId")).toString();
    auto certificate = m_registry.get(QStringLiteral("cert"), certificateId);
    if (record->value(QStringLiteral("expiration")).toDouble() < epochSeconds(now())) {
        // AWS deletes, after the hour, a certificate nobody activated or attached.
        (void)m_registry.remove(kTokenKind, key);
        if (certificate && certificate->value(QStringLiteral("status")).toString() == QStringLiteral("PENDING_ACTIVATION")
            && certificate->value(QStringLiteral("policies")).toArray().isEmpty()) {
            (void)m_registry.remove(QStringLiteral("cert"), certificateId);
            qCInfo(lcCloud).noquote() << "fleet provisioning: deleted unused certificate" << certificateId << "(its ownership token expired)";
        }
        return tokenError(QStringLiteral("Certificate ownership token has expired (tokens live one hour)."));
    }
    if (!certificate)
        return tokenError(QStringLiteral("The certificate of this ownership token no longer exists."));
    return *certificate;
}

std::variant<PendingRegistration, FleetError> IotService::beginRegisterThing(const QString& templateName, const QJsonObject& request)
{
    const QJsonValue token = request.value(QStringLiteral("certificateOwnershipToken"));
    if (!token.isUndefined() && !token.isString())
        return tokenError(QStringLiteral("certificateOwnershipToken must be a string."));
    PendingRegistration pending;
    const QJsonValue parameters = request.value(QStringLiteral("parameters"));
    if (!parameters.isUndefined() && !parameters.isObject())
        return invalidPayload(QStringLiteral("parameters must be an object of strings"));
    const QJsonObject parameterObject = parameters.toObject();
    for (auto it = parameterObject.begin(); it != parameterObject.end(); ++it) {
        if (!it.value().isString())
            return invalidPayload(QStringLiteral("parameter '%1' is not a string").arg(it.key()));
        pending.parameters.insert(it.key(), it.value().toString());
    }
    auto certificate = certificateOfToken(token.toString());
    if (auto* error = std::get_if<FleetError>(&certificate))
        return *error;
    pending.certificate = std::get<QJsonObject>(certificate);

    auto document = m_registry.get(QStringLiteral("template"), templateName);
    if (!document)
        return FleetError{404, QStringLiteral("ResourceNotFound"), QStringLiteral("The provisioning template %1 does not exist").arg(templateName)};
    if (document->value(QStringLiteral("type")).toString() != QStringLiteral("FLEET_PROVISIONING"))
        return invalidRequestError(QStringLiteral("Template %1 is not a FLEET_PROVISIONING template").arg(templateName));
    if (!document->value(QStringLiteral("enabled")).toBool())
        return invalidRequestError(QStringLiteral("Template %1 is not enabled").arg(templateName));
    pending.templateName = templateName;
    pending.templateArn = document->value(QStringLiteral("templateArn")).toString();
    pending.templateBody = templateBodyOf(QJsonObject{{QStringLiteral("templateName"), templateName}});
    pending.hasHook = document->contains(QStringLiteral("preProvisioningHook"));
    if (pending.templateBody.isEmpty())
        return internalError(QStringLiteral("Template %1 has no default version").arg(templateName));
    return pending;
}

FleetAnswer IotService::finishRegisterThing(const PendingRegistration& pending)
{
    auto parsed = provisioning::ProvisioningTemplate::parse(pending.templateBody.toUtf8());
    if (!parsed)
        return invalidRequestError(QStringLiteral("Template %1: %2").arg(pending.templateName, parsed.error().message()));
    QHash<QString, QString> values = pending.parameters;
    values.insert(QStringLiteral("AWS::IoT::Certificate::Id"), pending.certificate.value(QStringLiteral("certificateId")).toString());
    auto rendered = parsed->render(values);
    if (!rendered)
        return invalidRequestError(rendered.error().message());
    auto provisioned = provision(rendered.value());
    if (const auto* error = std::get_if<ApiError>(&provisioned))
        return fromApiError(*error);
    const QJsonObject result = std::get<QJsonObject>(provisioned);
    return QJsonObject{{QStringLiteral("thingName"), result.value(QStringLiteral("thingName")).toString()},
                       {QStringLiteral("deviceConfiguration"), result.value(QStringLiteral("deviceConfiguration")).toObject()}};
}

std::optional<ClaimScope> IotService::claimScopeOf(const QJsonObject& certificate) const
{
    QStringList documents;
    for (const auto& name : certificate.value(QStringLiteral("policies")).toArray()) {
        if (auto policy = m_registry.get(QStringLiteral("policy"), name.toString()))
            documents << policy->value(QStringLiteral("policyDocument")).toString();
    }
    return ClaimScope::fromPolicies(documents);
}

}  // namespace imprint::emulator
