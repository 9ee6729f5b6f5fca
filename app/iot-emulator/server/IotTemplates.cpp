// Provisioning templates with their versions, and provisioning claims.
#include "app/iot-emulator/server/IotService.h"

#include "core/template/CertificateParameters.h"

#include <QJsonArray>
#include <QRegularExpression>

namespace imprint::emulator {

namespace {

// Not in AWS's published pages; observed by users (terraform-provider-aws#35392).
constexpr int kMaxVersionsPerTemplate = 5;
constexpr qint64 kClaimLifetimeSeconds = 5 * 60;

std::optional<ApiError> checkTemplateName(const QString& name)
{
    static const QRegularExpression pattern(QStringLiteral("^[0-9A-Za-z_-]+$"));
    if (name.isEmpty() || name.size() > 36 || !pattern.match(name).hasMatch())
        return invalidRequest(QStringLiteral("templateName '%1' must be 1 to 36 characters of [0-9A-Za-z_-]").arg(name));
    return std::nullopt;
}

std::optional<ApiError> checkTemplateBody(const QString& body)
{
    if (body.isEmpty())
        return invalidRequest(QStringLiteral("templateBody is required"));
    auto parsed = provisioning::ProvisioningTemplate::parse(body.toUtf8());
    if (!parsed)
        return invalidRequest(QStringLiteral("templateBody: ") + parsed.error().message());
    return std::nullopt;
}

QString versionKey(const QString& name, int version)
{
    return name + u'#' + QString::number(version);
}

}  // namespace

Answer IotService::createProvisioningTemplate(const ApiCall& call)
{
    const QString name = call.body.value(QStringLiteral("templateName")).toString();
    if (auto error = checkTemplateName(name))
        return *error;
    const QString body = call.body.value(QStringLiteral("templateBody")).toString();
    if (auto error = checkTemplateBody(body))
        return *error;
    const QString role = call.body.value(QStringLiteral("provisioningRoleArn")).toString();
    if (role.size() < 20 || role.size() > 2048)
        return invalidRequest(QStringLiteral("provisioningRoleArn must be 20 to 2048 characters"));
    if (call.body.value(QStringLiteral("description")).toString().size() > 500)
        return invalidRequest(QStringLiteral("description must be at most 500 characters"));
    const QString type = call.body.value(QStringLiteral("type")).toString(QStringLiteral("FLEET_PROVISIONING"));
    if (type != QStringLiteral("FLEET_PROVISIONING") && type != QStringLiteral("JITP"))
        return invalidRequest(QStringLiteral("type must be FLEET_PROVISIONING or JITP"));
    if (type == QStringLiteral("JITP") && call.body.contains(QStringLiteral("preProvisioningHook")))
        return invalidRequest(QStringLiteral("preProvisioningHook is supported only for FLEET_PROVISIONING templates"));
    if (m_registry.get(QStringLiteral("template"), name))
        return alreadyExists(QStringLiteral("Template with name %1 already exists").arg(name));
    const double now = epochSeconds(QDateTime::currentDateTimeUtc());
    QJsonObject document{{QStringLiteral("templateArn"), arn(QStringLiteral("provisioningtemplate/") + name)},
                         {QStringLiteral("templateName"), name},
                         {QStringLiteral("description"), call.body.value(QStringLiteral("description")).toString()},
                         {QStringLiteral("creationDate"), now},
                         {QStringLiteral("lastModifiedDate"), now},
                         {QStringLiteral("defaultVersionId"), 1},
                         {QStringLiteral("nextVersionId"), 2},
                         {QStringLiteral("enabled"), call.body.value(QStringLiteral("enabled")).toBool(false)},
                         {QStringLiteral("provisioningRoleArn"), role},
                         {QStringLiteral("type"), type}};
    if (call.body.contains(QStringLiteral("preProvisioningHook")))
        document.insert(QStringLiteral("preProvisioningHook"), call.body.value(QStringLiteral("preProvisioningHook")));
    const QJsonObject version{{QStringLiteral("versionId"), 1}, {QStringLiteral("creationDate"), now},
                              {QStringLiteral("templateBody"), body}};
    if (!save(QStringLiteral("template"), name, document) || !save(QStringLiteral("templateVersion"), versionKey(name, 1), version))
        return internalFailure(QStringLiteral("cannot store the template"));
    return QJsonObject{{QStringLiteral("templateArn"), document.value(QStringLiteral("templateArn"))},
                       {QStringLiteral("templateName"), name},
                       {QStringLiteral("defaultVersionId"), 1}};
}

Answer IotService::describeProvisioningTemplate(const ApiCall& call)
{
    const QString name = call.pathParameters.value(0);
    auto document = m_registry.get(QStringLiteral("template"), name);
    if (!document)
        return notFound(QStringLiteral("The provisioning template %1 does not exist").arg(name));
    QJsonObject out = *document;
    out.remove(QStringLiteral("nextVersionId"));
    auto version = m_registry.get(QStringLiteral("templateVersion"),
                                  versionKey(name, document->value(QStringLiteral("defaultVersionId")).toInt()));
    out.insert(QStringLiteral("templateBody"), version ? version->value(QStringLiteral("templateBody")) : QJsonValue());
    return out;
}

Answer IotService::listProvisioningTemplates(const ApiCall&)
{
    QJsonArray templates;
    for (const auto& document : m_registry.list(QStringLiteral("template"))) {
        QJsonObject summary;
        for (const auto& key : {QStringLiteral("templateArn"), QStringLiteral("templateName"), QStringLiteral("description"),
                                QStringLiteral("creationDate"), QStringLiteral("lastModifiedDate"), QStringLiteral("enabled"),
                                QStringLiteral("type")})
            summary.insert(key, document.value(key));
        templates.append(summary);
    }
    return QJsonObject{{QStringLiteral("templates"), templates}};
}

Answer IotService::updateProvisioningTemplate(const ApiCall& call)
{
    const QString name = call.pathParameters.value(0);
    auto document = m_registry.get(QStringLiteral("template"), name);
    if (!document)
        return notFound(QStringLiteral("The provisioning template %1 does not exist").arg(name));
    if (call.body.contains(QStringLiteral("defaultVersionId"))) {
        const int version = call.body.value(QStringLiteral("defaultVersionId")).toInt();
        if (!m_registry.get(QStringLiteral("templateVersion"), versionKey(name, version)))
            return notFound(QStringLiteral("Version %1 of template %2 does not exist").arg(version).arg(name));
        document->insert(QStringLiteral("defaultVersionId"), version);
    }
    if (call.body.contains(QStringLiteral("description"))) {
        if (call.body.value(QStringLiteral("description")).toString().size() > 500)
            return invalidRequest(QStringLiteral("description must be at most 500 characters"));
        document->insert(QStringLiteral("description"), call.body.value(QStringLiteral("description")));
    }
    if (call.body.contains(QStringLiteral("enabled")))
        document->insert(QStringLiteral("enabled"), call.body.value(QStringLiteral("enabled")).toBool());
    if (call.body.contains(QStringLiteral("provisioningRoleArn")))
        document->insert(QStringLiteral("provisioningRoleArn"), call.body.value(QStringLiteral("provisioningRoleArn")));
    if (call.body.contains(QStringLiteral("preProvisioningHook")))
        document->insert(QStringLiteral("preProvisioningHook"), call.body.value(QStringLiteral("preProvisioningHook")));
    if (call.body.value(QStringLiteral("removePreProvisioningHook")).toBool())
        document->remove(QStringLiteral("preProvisioningHook"));
    document->insert(QStringLiteral("lastModifiedDate"), epochSeconds(QDateTime::currentDateTimeUtc()));
    if (!save(QStringLiteral("template"), name, *document))
        return internalFailure(QStringLiteral("cannot store the template"));
    return QJsonObject();
}

Answer IotService::deleteProvisioningTemplate(const ApiCall& call)
{
    const QString name = call.pathParameters.value(0);
    auto document = m_registry.get(QStringLiteral("template"), name);
    if (!document)
        return notFound(QStringLiteral("The provisioning template %1 does not exist").arg(name));
    for (const auto& ca : m_registry.list(QStringLiteral("ca"))) {
        if (ca.value(QStringLiteral("registrationConfig")).toObject().value(QStringLiteral("templateName")).toString() == name)
            return ApiError{QStringLiteral("DeleteConflictException"), 409,
                            QStringLiteral("Template %1 is used by CA certificate %2").arg(name, ca.value(QStringLiteral("certificateId")).toString())};
    }
    const int last = document->value(QStringLiteral("nextVersionId")).toInt();
    for (int version = 1; version < last; ++version)
        (void)m_registry.remove(QStringLiteral("templateVersion"), versionKey(name, version));
    if (!m_registry.remove(QStringLiteral("template"), name))
        return internalFailure(QStringLiteral("cannot delete the template"));
    return QJsonObject();
}

Answer IotService::createProvisioningTemplateVersion(const ApiCall& call)
{
    const QString name = call.pathParameters.value(0);
    auto document = m_registry.get(QStringLiteral("template"), name);
    if (!document)
        return notFound(QStringLiteral("The provisioning template %1 does not exist").arg(name));
    const QString body = call.body.value(QStringLiteral("templateBody")).toString();
    if (auto error = checkTemplateBody(body))
        return *error;
    int versions = 0;
    const int next = document->value(QStringLiteral("nextVersionId")).toInt();
    for (int version = 1; version < next; ++version)
        versions += m_registry.get(QStringLiteral("templateVersion"), versionKey(name, version)) ? 1 : 0;
    if (versions >= kMaxVersionsPerTemplate)
        return ApiError{QStringLiteral("VersionsLimitExceededException"), 409,
                        QStringLiteral("The template %1 already has %2 versions, the maximum").arg(name).arg(kMaxVersionsPerTemplate)};
    const bool setAsDefault = call.query.queryItemValue(QStringLiteral("setAsDefault")) == QStringLiteral("true");
    const double now = epochSeconds(QDateTime::currentDateTimeUtc());
    if (!save(QStringLiteral("templateVersion"), versionKey(name, next),
              {{QStringLiteral("versionId"), next}, {QStringLiteral("creationDate"), now}, {QStringLiteral("templateBody"), body}}))
        return internalFailure(QStringLiteral("cannot store the template version"));
    document->insert(QStringLiteral("nextVersionId"), next + 1);
    document->insert(QStringLiteral("lastModifiedDate"), now);
    if (setAsDefault)
        document->insert(QStringLiteral("defaultVersionId"), next);
    if (!save(QStringLiteral("template"), name, *document))
        return internalFailure(QStringLiteral("cannot store the template"));
    return QJsonObject{{QStringLiteral("templateArn"), document->value(QStringLiteral("templateArn"))},
                       {QStringLiteral("templateName"), name},
                       {QStringLiteral("versionId"), next},
                       {QStringLiteral("isDefaultVersion"), setAsDefault}};
}

Answer IotService::describeProvisioningTemplateVersion(const ApiCall& call)
{
    const QString name = call.pathParameters.value(0);
    const int versionId = call.pathParameters.value(1).toInt();
    auto document = m_registry.get(QStringLiteral("template"), name);
    auto version = m_registry.get(QStringLiteral("templateVersion"), versionKey(name, versionId));
    if (!document || !version)
        return notFound(QStringLiteral("Version %1 of template %2 does not exist").arg(call.pathParameters.value(1), name));
    QJsonObject out = *version;
    out.insert(QStringLiteral("isDefaultVersion"), document->value(QStringLiteral("defaultVersionId")).toInt() == versionId);
    return out;
}

Answer IotService::listProvisioningTemplateVersions(const ApiCall& call)
{
    const QString name = call.pathParameters.value(0);
    auto document = m_registry.get(QStringLiteral("template"), name);
    if (!document)
        return notFound(QStringLiteral("The provisioning template %1 does not exist").arg(name));
    QJsonArray versions;
    const int next = document->value(QStringLiteral("nextVersionId")).toInt();
    for (int id = 1; id < next; ++id) {
        auto version = m_registry.get(QStringLiteral("templateVersion"), versionKey(name, id));
        if (!version)
            continue;
        versions.append(QJsonObject{{QStringLiteral("versionId"), id},
                                    {QStringLiteral("creationDate"), version->value(QStringLiteral("creationDate"))},
                                    {QStringLiteral("isDefaultVersion"), document->value(QStringLiteral("defaultVersionId")).toInt() == id}});
    }
    return QJsonObject{{QStringLiteral("versions"), versions}};
}

Answer IotService::deleteProvisioningTemplateVersion(const ApiCall& call)
{
    const QString name = call.pathParameters.value(0);
    const int versionId = call.pathParameters.value(1).toInt();
    auto document = m_registry.get(QStringLiteral("template"), name);
    if (!document || !m_registry.get(QStringLiteral("templateVersion"), versionKey(name, versionId)))
        return notFound(QStringLiteral("Version %1 of template %2 does not exist").arg(call.pathParameters.value(1), name));
    if (document->value(QStringLiteral("defaultVersionId")).toInt() == versionId)
        return ApiError{QStringLiteral("DeleteConflictException"), 409,
                        QStringLiteral("Cannot delete the default version %1 of template %2").arg(versionId).arg(name)};
    if (!m_registry.remove(QStringLiteral("templateVersion"), versionKey(name, versionId)))
        return internalFailure(QStringLiteral("cannot delete the template version"));
    return QJsonObject();
}

Answer IotService::createProvisioningClaim(const ApiCall& call)
{
    const QString name = call.pathParameters.value(0);
    auto document = m_registry.get(QStringLiteral("template"), name);
    if (!document)
        return notFound(QStringLiteral("The provisioning template %1 does not exist").arg(name));
    if (document->value(QStringLiteral("type")).toString() != QStringLiteral("FLEET_PROVISIONING"))
        return invalidRequest(QStringLiteral("Template %1 is not a FLEET_PROVISIONING template").arg(name));
    auto issued = m_ca.issueWithNewKey(QStringLiteral("AWS IoT Provisioning Claim"), kClaimLifetimeSeconds);
    if (!issued)
        return internalFailure(issued.error().message());
    auto id = provisioning::certificateIdOfPem(issued->certificatePem);
    if (!id)
        return internalFailure(id.error().message());
    const auto expiration = now().addSecs(kClaimLifetimeSeconds);
    // Claims are not in the account's certificate list: they live under their own kind.
    if (!save(QStringLiteral("claim"), id.value(),
              {{QStringLiteral("certificateId"), id.value()}, {QStringLiteral("templateName"), name},
               {QStringLiteral("certificatePem"), QString::fromUtf8(issued->certificatePem)},
               {QStringLiteral("expiration"), epochSeconds(expiration)}}))
        return internalFailure(QStringLiteral("cannot store the claim"));
    return QJsonObject{{QStringLiteral("certificateId"), id.value()},
                       {QStringLiteral("certificatePem"), QString::fromUtf8(issued->certificatePem)},
                       {QStringLiteral("keyPair"), QJsonObject{{QStringLiteral("PublicKey"), QString::fromUtf8(issued->publicKeyPem)},
                                                               {QStringLiteral("PrivateKey"), QString::fromUtf8(issued->privateKeyPem)}}},
                       {QStringLiteral("expiration"), epochSeconds(expiration)}};
}

}  // namespace imprint::emulator
