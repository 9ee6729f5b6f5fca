#include "core/template/TemplateValidation.h"

#include "core/template/ProvisioningTemplate.h"

namespace imprint::provisioning {

namespace {

const QString kCertificatePrefix = QStringLiteral("AWS::IoT::Certificate::");
const QString kCertificateIdParameter = QStringLiteral("AWS::IoT::Certificate::Id");

Error at(const QString& path, const QString& message)
{
    return Error(ErrorCode::InvalidInput, path + QStringLiteral(": ") + message);
}

// The device's certificate already exists when these templates run: the template names it by id.
Status checkCertificateResource(const QJsonObject& resources, TemplateType type)
{
    for (auto it = resources.begin(); it != resources.end(); ++it) {
        const QJsonObject resource = it.value().toObject();
        if (resource.value(QStringLiteral("Type")).toString() != QLatin1String(kCertificateType))
            continue;
        const QJsonObject properties = resource.value(QStringLiteral("Properties")).toObject();
        const QJsonValue id = properties.value(QStringLiteral("CertificateId"));
        if (id.toObject().value(QStringLiteral("Ref")).toString() != kCertificateIdParameter)
            return at(QStringLiteral("Resources.%1.Properties").arg(it.key()),
                      QStringLiteral("a %1 template registers the device's own certificate: give CertificateId "
                                     "{\"Ref\": \"AWS::IoT::Certificate::Id\"}")
                          .arg(templateTypeName(type)));
    }
    return Status::success();
}

}  // namespace

Result<TemplateType> parseTemplateType(const QString& name)
{
    if (name.compare(QStringLiteral("JITP"), Qt::CaseInsensitive) == 0)
        return TemplateType::Jitp;
    if (name.isEmpty() || name.compare(QStringLiteral("FLEET_PROVISIONING"), Qt::CaseInsensitive) == 0)
        return TemplateType::FleetProvisioning;
    return Error(ErrorCode::InvalidInput,
                 QStringLiteral("unknown template type '%1' (use JITP or FLEET_PROVISIONING)").arg(name));
}

QString templateTypeName(TemplateType type)
{
    return type == TemplateType::Jitp ? QStringLiteral("JITP") : QStringLiteral("FLEET_PROVISIONING");
}

Status validateForUpload(const QByteArray& body, TemplateType type)
{
    if (QString::fromUtf8(body).size() > kMaxTemplateBodyLength)
        return Error(ErrorCode::InvalidInput, QStringLiteral("the template has %1 characters; AWS takes at most %2")
                                                  .arg(QString::fromUtf8(body).size())
                                                  .arg(kMaxTemplateBodyLength));
    auto parsed = ProvisioningTemplate::parse(body);
    if (!parsed)
        return parsed.error();
    QHash<QString, QString> placeholders;
    for (const auto& parameter : parsed->parameters()) {
        if (parameter.defaultValue)
            continue;
        if (type == TemplateType::Jitp && !parameter.name.startsWith(kCertificatePrefix))
            return at(QStringLiteral("Parameters.") + parameter.name,
                      QStringLiteral("a JITP template gets its values only from the device certificate "
                                     "(AWS::IoT::Certificate::*): give this parameter a Default"));
        placeholders.insert(parameter.name, parameter.type == QStringLiteral("Number")
                                                ? QStringLiteral("1")
                                                : QStringLiteral("placeholder-") + QString::number(placeholders.size()));
    }
    if (auto certificate = checkCertificateResource(parsed->json().value(QStringLiteral("Resources")).toObject(), type);
        !certificate)
        return certificate;
    // Lookups that depend on a parameter's value (a Mappings key, a list index) are checked when a
    // device's values are known, not against a placeholder.
    auto rendered = parsed->render(placeholders);
    if (!rendered && !rendered.error().message().contains(QStringLiteral("no key 'placeholder-"))
        && !rendered.error().message().contains(QStringLiteral("out of bounds")))
        return rendered.error();
    return Status::success();
}

}  // namespace imprint::provisioning
