#include "core/registration/UnitParameters.h"

#include <QJsonValue>

namespace imprint::registration {

namespace {

QString jsonText(const QJsonValue& value)
{
    if (value.isString())
        return value.toString();
    if (value.isDouble())
        return QString::number(value.toDouble(), 'g', 17);
    if (value.isBool())
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    return {};
}

}  // namespace

Result<QHash<QString, QString>> unitTemplateParameters(const provisioning::ProvisioningTemplate& parsed,
                                                       const audit::OutboxRow& row, const QString& certificateId)
{
    QHash<QString, QString> available;
    const QJsonObject fromWorkOrder = row.payload.value(QStringLiteral("templateParameters")).toObject();
    for (auto it = fromWorkOrder.begin(); it != fromWorkOrder.end(); ++it)
        available.insert(it.key(), jsonText(it.value()));
    available.insert(QStringLiteral("ThingName"), row.thingName);
    available.insert(QStringLiteral("SerialNumber"), row.serialNumber);
    available.insert(QStringLiteral("CertificatePem"), row.certificatePem);
    available.insert(QStringLiteral("CertificateId"), certificateId);
    if (row.payload.contains(QStringLiteral("thingType")))
        available.insert(QStringLiteral("ThingTypeName"), row.payload.value(QStringLiteral("thingType")).toString());
    QHash<QString, QString> declared;
    for (const auto& parameter : parsed.parameters()) {
        if (available.contains(parameter.name))
            declared.insert(parameter.name, available.value(parameter.name));
    }
    auto rendered = parsed.render(declared);
    if (!rendered)
        return rendered.error().withContext(QStringLiteral("template for %1").arg(row.thingName));
    return declared;
}

}  // namespace imprint::registration
