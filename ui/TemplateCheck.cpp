#include "ui/TemplateCheck.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

namespace imprint::ui {

namespace {

using provisioning::RenderedResource;

int lineAtOffset(const QString& text, qsizetype offset)
{
    return static_cast<int>(text.left(offset).count(u'\n')) + 1;
}

QString compactJson(const QJsonValue& value)
{
    if (value.isString())
        return value.toString();
    if (value.isObject())
        return QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
    if (value.isArray())
        return QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
    return value.toVariant().toString();
}

QStringList thingLines(const RenderedResource& thing)
{
    const QJsonObject p = thing.properties;
    QStringList lines{QObject::tr("Thing: %1").arg(p.value(QStringLiteral("ThingName")).toString())};
    if (p.contains(QStringLiteral("ThingTypeName")))
        lines << QObject::tr("  type: %1").arg(p.value(QStringLiteral("ThingTypeName")).toString());
    const QJsonObject payload = p.value(QStringLiteral("AttributePayload")).toObject();
    const QJsonObject attributes = payload.value(QStringLiteral("attributes")).isObject()
                                       ? payload.value(QStringLiteral("attributes")).toObject()
                                       : payload;
    for (auto it = attributes.begin(); it != attributes.end(); ++it)
        lines << QObject::tr("  attribute %1 = %2").arg(it.key(), compactJson(it.value()));
    if (p.contains(QStringLiteral("ThingGroups")))
        lines << QObject::tr("  groups: %1").arg(compactJson(p.value(QStringLiteral("ThingGroups"))));
    return lines;
}

QStringList certificateLines(const RenderedResource& certificate)
{
    const QJsonObject p = certificate.properties;
    QString source = p.contains(QStringLiteral("CertificateId")) ? QObject::tr("id %1").arg(p.value(QStringLiteral("CertificateId")).toString())
                                                                 : QObject::tr("from the device's certificate");
    return {QObject::tr("Certificate: %1, status %2").arg(source, p.value(QStringLiteral("Status")).toString(QObject::tr("(AWS default)")))};
}

QStringList policyLines(const RenderedResource& policy)
{
    const QJsonObject p = policy.properties;
    if (p.contains(QStringLiteral("PolicyName")))
        return {QObject::tr("Policy: %1 (existing)").arg(p.value(QStringLiteral("PolicyName")).toString())};
    const QString document = p.value(QStringLiteral("PolicyDocument")).toString();
    return {QObject::tr("Policy: %1 (created from the document)").arg(provisioning::defaultPolicyName(document)),
            QStringLiteral("  ") + document};
}

}  // namespace

QString sampleValue(const provisioning::TemplateParameter& parameter)
{
    if (parameter.defaultValue)
        return *parameter.defaultValue;
    const QString name = parameter.name;
    if (name.endsWith(QStringLiteral("CommonName")) || name.compare(QStringLiteral("ThingName"), Qt::CaseInsensitive) == 0)
        return QStringLiteral("sample-device-0001");
    if (name.endsWith(QStringLiteral("SerialNumber")))
        return QStringLiteral("SN-0001");
    if (name.endsWith(QStringLiteral("Certificate::Id")) || name == u"CertificateId")
        return QStringLiteral("0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9");
    if (name == u"CertificatePem")
        return QStringLiteral("-----BEGIN CERTIFICATE-----\n(the device's certificate)\n-----END CERTIFICATE-----\n");
    if (parameter.type == u"Number")
        return QStringLiteral("1");
    return QStringLiteral("sample-") + name.section(QStringLiteral("::"), -1);
}

int lineOfJsonPath(const QString& text, const QString& path)
{
    static const QRegularExpression index(QStringLiteral("\\[\\d+\\]"));
    qsizetype position = 0;
    bool found = false;
    for (QString segment : path.split(u'.', Qt::SkipEmptyParts)) {
        segment.remove(index);
        if (segment.isEmpty())
            continue;
        const QRegularExpression key(QStringLiteral("\"%1\"\\s*:").arg(QRegularExpression::escape(segment)));
        const QRegularExpressionMatch match = key.match(text, position);
        if (!match.hasMatch())
            break;  // the deepest key written in the text (a value may be inside a Ref)
        position = match.capturedStart();
        found = true;
    }
    return found ? lineAtOffset(text, position) : 0;
}

TemplateCheck checkTemplate(const QString& text, const QHash<QString, QString>& sample)
{
    TemplateCheck check;
    auto parsed = provisioning::ProvisioningTemplate::parse(text.toUtf8());
    if (parsed)
        check.parameters = parsed->parameters();
    Result<provisioning::RenderedTemplate> rendered = parsed ? [&] {
        QHash<QString, QString> values = sample;
        for (const auto& parameter : check.parameters) {
            if (!values.contains(parameter.name))
                values.insert(parameter.name, sampleValue(parameter));
        }
        return parsed->render(values);
    }()
                                                             : Result<provisioning::RenderedTemplate>(parsed.error());
    if (rendered) {
        check.rendered = std::move(rendered.value());
        return check;
    }
    check.problem = rendered.error().message();
    static const QRegularExpression syntax(QStringLiteral("^template: not valid JSON at offset (\\d+)"));
    if (const auto match = syntax.match(check.problem); match.hasMatch()) {
        check.line = lineAtOffset(text, match.captured(1).toLongLong());
        return check;
    }
    static const QRegularExpression located(QStringLiteral("^([A-Za-z0-9_:\\[\\].-]+): "));
    if (const auto match = located.match(check.problem); match.hasMatch()) {
        check.jsonPath = match.captured(1);
        check.line = lineOfJsonPath(text, check.jsonPath);
    }
    return check;
}

QString describeResources(const provisioning::RenderedTemplate& rendered)
{
    QStringList lines;
    for (const RenderedResource& resource : rendered.resources) {
        if (resource.type == QLatin1String(provisioning::kThingType))
            lines << thingLines(resource);
        else if (resource.type == QLatin1String(provisioning::kCertificateType))
            lines << certificateLines(resource);
        else if (resource.type == QLatin1String(provisioning::kPolicyType))
            lines << policyLines(resource);
    }
    for (auto it = rendered.deviceConfiguration.begin(); it != rendered.deviceConfiguration.end(); ++it)
        lines << QObject::tr("Device configuration %1 = %2").arg(it.key(), compactJson(it.value()));
    if (lines.isEmpty())
        lines << QObject::tr("(no resources)");
    return lines.join(u'\n');
}

}  // namespace imprint::ui
