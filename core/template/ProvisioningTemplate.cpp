#include "core/template/ProvisioningTemplate.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSet>

#include <algorithm>

namespace imprint::provisioning {

namespace {

Error errorAt(const QString& path, const QString& what)
{
    return Error(ErrorCode::InvalidInput, path + QStringLiteral(": ") + what);
}

QString typeName(const QJsonValue& value)
{
    switch (value.type()) {
    case QJsonValue::Null: return QStringLiteral("null");
    case QJsonValue::Bool: return QStringLiteral("a boolean");
    case QJsonValue::Double: return QStringLiteral("a number");
    case QJsonValue::String: return QStringLiteral("a string");
    case QJsonValue::Array: return QStringLiteral("a list");
    case QJsonValue::Object: return QStringLiteral("an object");
    case QJsonValue::Undefined: break;
    }
    return QStringLiteral("nothing");
}

const QSet<QString>& supportedFunctions()
{
    static const QSet<QString> names{QStringLiteral("Ref"),         QStringLiteral("Fn::Join"),
                                     QStringLiteral("Fn::Select"),  QStringLiteral("Fn::Split"),
                                     QStringLiteral("Fn::FindInMap"), QStringLiteral("Fn::Sub")};
    return names;
}

Error unsupportedFunction(const QString& path, const QString& function)
{
    return errorAt(path, QStringLiteral("unsupported function '%1' (AWS IoT templates support Ref, Fn::Join, "
                                        "Fn::Select, Fn::Split, Fn::FindInMap, Fn::Sub)")
                             .arg(function));
}

// A one-key object whose key is Ref or Fn::* is a function call (CloudFormation's rule).
bool isFunctionCall(const QJsonObject& object)
{
    if (object.size() != 1)
        return false;
    const QString key = object.begin().key();
    return key == QStringLiteral("Ref") || key.startsWith(QStringLiteral("Fn::"));
}

// ---- structure checks ----------------------------------------------------------------------

struct ResourceRules
{
    QStringList properties;
    QStringList overridable;
};

const QHash<QString, ResourceRules>& resourceRules()
{
    static const QHash<QString, ResourceRules> rules{
        {QString::fromLatin1(kThingType),
         {{QStringLiteral("ThingName"), QStringLiteral("AttributePayload"), QStringLiteral("ThingTypeName"),
           QStringLiteral("ThingGroups"), QStringLiteral("BillingGroup"), QStringLiteral("PackageVersions")},
          {QStringLiteral("AttributePayload"), QStringLiteral("ThingTypeName"), QStringLiteral("ThingGroups")}}},
        {QString::fromLatin1(kCertificateType),
         {{QStringLiteral("CertificateId"), QStringLiteral("CertificatePem"), QStringLiteral("CACertificatePem"),
           QStringLiteral("CertificateSigningRequest"), QStringLiteral("Status")},
          {QStringLiteral("Status")}}},
        {QString::fromLatin1(kPolicyType), {{QStringLiteral("PolicyName"), QStringLiteral("PolicyDocument")}, {}}},
    };
    return rules;
}

Status checkOverrideSettings(const QString& path, const QString& type, const QJsonValue& value)
{
    if (!value.isObject())
        return errorAt(path, QStringLiteral("must be an object, found %1").arg(typeName(value)));
    const auto& rules = resourceRules().value(type);
    const QJsonObject settings = value.toObject();
    for (auto it = settings.begin(); it != settings.end(); ++it) {
        const QString where = path + u'.' + it.key();
        if (!rules.overridable.contains(it.key()))
            return errorAt(where, QStringLiteral("%1 has no override setting for '%2' (allowed: %3)")
                                      .arg(type, it.key(),
                                           rules.overridable.isEmpty() ? QStringLiteral("none")
                                                                       : rules.overridable.join(u", ")));
        const QString setting = it.value().toString();
        static const QStringList allowed{QStringLiteral("DO_NOTHING"), QStringLiteral("REPLACE"),
                                         QStringLiteral("FAIL"), QStringLiteral("MERGE")};
        if (!allowed.contains(setting))
            return errorAt(where, QStringLiteral("'%1' is not DO_NOTHING, REPLACE, FAIL or MERGE")
                                      .arg(it.value().isString() ? setting : typeName(it.value())));
        if (setting == QStringLiteral("MERGE") && it.key() != QStringLiteral("ThingGroups")
            && it.key() != QStringLiteral("AttributePayload"))
            return errorAt(where, QStringLiteral("MERGE applies only to ThingGroups and AttributePayload"));
    }
    return {};
}

Status checkResource(const QString& path, const QJsonValue& value)
{
    if (!value.isObject())
        return errorAt(path, QStringLiteral("a resource must be an object, found %1").arg(typeName(value)));
    const QJsonObject resource = value.toObject();
    for (auto it = resource.begin(); it != resource.end(); ++it) {
        static const QStringList keys{QStringLiteral("Type"), QStringLiteral("Properties"),
                                      QStringLiteral("OverrideSettings")};
        if (!keys.contains(it.key()))
            return errorAt(path + u'.' + it.key(),
                           QStringLiteral("unknown key (a resource has Type, Properties, OverrideSettings)"));
    }
    const QString type = resource.value(QStringLiteral("Type")).toString();
    if (!resourceRules().contains(type))
        return errorAt(path + QStringLiteral(".Type"),
                       resource.contains(QStringLiteral("Type"))
                           ? QStringLiteral("unsupported resource type '%1' (use AWS::IoT::Thing, "
                                            "AWS::IoT::Certificate or AWS::IoT::Policy)")
                                 .arg(resource.value(QStringLiteral("Type")).toVariant().toString())
                           : QStringLiteral("missing"));
    const QJsonValue properties = resource.value(QStringLiteral("Properties"));
    if (!properties.isObject())
        return errorAt(path + QStringLiteral(".Properties"),
                       QStringLiteral("must be an object, found %1").arg(typeName(properties)));
    const auto& rules = resourceRules().value(type);
    const QJsonObject props = properties.toObject();
    for (auto it = props.begin(); it != props.end(); ++it) {
        if (!rules.properties.contains(it.key()))
            return errorAt(path + QStringLiteral(".Properties.") + it.key(),
                           QStringLiteral("%1 has no property '%2' (known: %3)")
                               .arg(type, it.key(), rules.properties.join(u", ")));
    }
    if (resource.contains(QStringLiteral("OverrideSettings")))
        return checkOverrideSettings(path + QStringLiteral(".OverrideSettings"), type,
                                     resource.value(QStringLiteral("OverrideSettings")));
    return {};
}

Result<QList<TemplateParameter>> parseParameters(const QJsonValue& section)
{
    QList<TemplateParameter> parameters;
    if (section.isUndefined())
        return parameters;
    if (!section.isObject())
        return errorAt(QStringLiteral("Parameters"), QStringLiteral("must be an object, found %1").arg(typeName(section)));
    const QJsonObject object = section.toObject();
    for (auto it = object.begin(); it != object.end(); ++it) {
        const QString path = QStringLiteral("Parameters.") + it.key();
        if (!it.value().isObject())
            return errorAt(path, QStringLiteral("must be an object, found %1").arg(typeName(it.value())));
        const QJsonObject declaration = it.value().toObject();
        TemplateParameter parameter{it.key(), declaration.value(QStringLiteral("Type")).toString(), std::nullopt};
        static const QStringList types{QStringLiteral("String"), QStringLiteral("Number"),
                                       QStringLiteral("CommaDelimitedList")};
        if (!types.contains(parameter.type))
            return errorAt(path + QStringLiteral(".Type"),
                           QStringLiteral("'%1' is not a parameter type (use String, Number or CommaDelimitedList)")
                               .arg(declaration.value(QStringLiteral("Type")).toVariant().toString()));
        const QJsonValue fallback = declaration.value(QStringLiteral("Default"));
        if (fallback.isString())
            parameter.defaultValue = fallback.toString();
        else if (fallback.isDouble())
            parameter.defaultValue = QString::number(fallback.toDouble());
        else if (!fallback.isUndefined())
            return errorAt(path + QStringLiteral(".Default"),
                           QStringLiteral("must be a string, found %1").arg(typeName(fallback)));
        parameters.push_back(std::move(parameter));
    }
    return parameters;
}

Status checkMappings(const QJsonValue& section)
{
    if (section.isUndefined())
        return {};
    if (!section.isObject())
        return errorAt(QStringLiteral("Mappings"), QStringLiteral("must be an object, found %1").arg(typeName(section)));
    const QJsonObject maps = section.toObject();
    for (auto map = maps.begin(); map != maps.end(); ++map) {
        const QString path = QStringLiteral("Mappings.") + map.key();
        if (!map.value().isObject())
            return errorAt(path, QStringLiteral("must be an object, found %1").arg(typeName(map.value())));
        const QJsonObject top = map.value().toObject();
        for (auto second = top.begin(); second != top.end(); ++second) {
            if (!second.value().isObject())
                return errorAt(path + u'.' + second.key(),
                               QStringLiteral("must be an object, found %1").arg(typeName(second.value())));
            const QJsonObject leaves = second.value().toObject();
            for (auto leaf = leaves.begin(); leaf != leaves.end(); ++leaf) {
                if (leaf.value().isObject())
                    return errorAt(path + u'.' + second.key() + u'.' + leaf.key(),
                                   QStringLiteral("Mappings may not contain functions or nested objects"));
            }
        }
    }
    return {};
}

// Every function call names a supported function, and every Ref a declared or AWS:: parameter,
// so a template is refused when it is stored (CreateProvisioningTemplate), not when a device
// first needs it.
Status checkFunctions(const QString& path, const QJsonValue& value, const QList<TemplateParameter>& declared)
{
    if (value.isArray()) {
        const QJsonArray list = value.toArray();
        for (qsizetype i = 0; i < list.size(); ++i) {
            if (auto status = checkFunctions(path + QStringLiteral("[%1]").arg(i), list.at(i), declared); !status)
                return status;
        }
        return {};
    }
    if (!value.isObject())
        return {};
    const QJsonObject object = value.toObject();
    if (isFunctionCall(object)) {
        const QString function = object.begin().key();
        if (!supportedFunctions().contains(function))
            return unsupportedFunction(path + u'.' + function, function);
        if (function == QStringLiteral("Ref") && object.begin().value().isString()) {
            const QString name = object.begin().value().toString();
            const bool known = name.startsWith(QStringLiteral("AWS::"))
                               || std::any_of(declared.begin(), declared.end(),
                                              [&name](const TemplateParameter& p) { return p.name == name; });
            if (!known)
                return errorAt(path, QStringLiteral("Ref to undefined parameter '%1'").arg(name));
        }
        return checkFunctions(path + u'.' + function, object.begin().value(), declared);
    }
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (auto status = checkFunctions(path + u'.' + it.key(), it.value(), declared); !status)
            return status;
    }
    return {};
}

// ---- evaluation ------------------------------------------------------------------------------

class Evaluator
{
public:
    Evaluator(const QJsonObject& mappings, const QList<TemplateParameter>& declared,
              const QHash<QString, QString>& values)
        : m_mappings(mappings), m_declared(declared), m_values(values)
    {
    }

    Result<QJsonValue> evaluate(const QString& path, const QJsonValue& value) const
    {
        if (value.isArray()) {
            QJsonArray out;
            const QJsonArray in = value.toArray();
            for (qsizetype i = 0; i < in.size(); ++i) {
                auto item = evaluate(path + QStringLiteral("[%1]").arg(i), in.at(i));
                if (!item)
                    return item;
                out.append(item.value());
            }
            return QJsonValue(out);
        }
        if (!value.isObject())
            return value;
        const QJsonObject object = value.toObject();
        if (isFunctionCall(object))
            return call(path, object.begin().key(), object.begin().value());
        QJsonObject out;
        for (auto it = object.begin(); it != object.end(); ++it) {
            auto item = evaluate(path + u'.' + it.key(), it.value());
            if (!item)
                return item;
            out.insert(it.key(), item.value());
        }
        return QJsonValue(out);
    }

    // Checks that every declared parameter has a value or a default.
    Status checkAllParametersHaveValues() const
    {
        for (const auto& parameter : m_declared) {
            if (!m_values.contains(parameter.name) && !parameter.defaultValue)
                return errorAt(QStringLiteral("Parameters.") + parameter.name,
                               parameter.name.startsWith(QStringLiteral("AWS::IoT::Certificate::"))
                                   ? QStringLiteral("the device certificate's subject has no such field")
                                   : QStringLiteral("no value given and no Default"));
        }
        return {};
    }

    QHash<QString, QString> usedValues() const
    {
        QHash<QString, QString> used = m_values;
        for (const auto& parameter : m_declared) {
            if (!used.contains(parameter.name) && parameter.defaultValue)
                used.insert(parameter.name, *parameter.defaultValue);
        }
        return used;
    }

private:
    Result<QJsonValue> call(const QString& path, const QString& function, const QJsonValue& argument) const
    {
        const QString where = path + u'.' + function;
        if (!supportedFunctions().contains(function))
            return unsupportedFunction(where, function);
        if (function == QStringLiteral("Ref"))
            return ref(path, argument);
        if (function == QStringLiteral("Fn::Sub"))
            return sub(where, argument);
        auto arguments = evaluate(where, argument);
        if (!arguments)
            return arguments;
        if (!arguments->isArray())
            return errorAt(where, QStringLiteral("takes a list of arguments, found %1").arg(typeName(arguments.value())));
        const QJsonArray list = arguments->toArray();
        if (function == QStringLiteral("Fn::Join"))
            return join(where, list);
        if (function == QStringLiteral("Fn::Select"))
            return select(where, list);
        if (function == QStringLiteral("Fn::Split"))
            return split(where, list);
        return findInMap(where, list);
    }

    Result<QJsonValue> parameterValue(const QString& path, const QString& name) const
    {
        const TemplateParameter* declaration = nullptr;
        for (const auto& parameter : m_declared) {
            if (parameter.name == name)
                declaration = &parameter;
        }
        const bool pseudo = name.startsWith(QStringLiteral("AWS::"));
        if (!declaration && !pseudo)
            return errorAt(path, QStringLiteral("Ref to undefined parameter '%1'").arg(name));
        QString text;
        if (m_values.contains(name))
            text = m_values.value(name);
        else if (declaration && declaration->defaultValue)
            text = *declaration->defaultValue;
        else
            return errorAt(path, QStringLiteral("parameter '%1' has no value%2")
                                     .arg(name, declaration ? QStringLiteral(" and no Default")
                                                            : QStringLiteral(" (it comes from the device "
                                                                             "certificate or the request)")));
        if (declaration && declaration->type == QStringLiteral("CommaDelimitedList"))
            return QJsonValue(QJsonArray::fromStringList(text.split(u',')));
        if (declaration && declaration->type == QStringLiteral("Number")) {
            bool ok = false;
            (void)text.toDouble(&ok);
            if (!ok)
                return errorAt(path, QStringLiteral("parameter '%1' is a Number but its value '%2' is not").arg(name, text));
        }
        return QJsonValue(text);
    }

    Result<QJsonValue> ref(const QString& path, const QJsonValue& argument) const
    {
        if (!argument.isString())
            return errorAt(path + QStringLiteral(".Ref"),
                           QStringLiteral("takes a parameter name, found %1").arg(typeName(argument)));
        return parameterValue(path, argument.toString());
    }

    static Result<QString> scalarText(const QString& path, const QJsonValue& value)
    {
        if (value.isString())
            return value.toString();
        if (value.isDouble())
            return QString::number(value.toDouble());
        if (value.isBool())
            return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
        return errorAt(path, QStringLiteral("expected a string, found %1").arg(typeName(value)));
    }

    static Result<QJsonValue> join(const QString& path, const QJsonArray& list)
    {
        if (list.size() != 2 || !list.at(0).isString() || !list.at(1).isArray())
            return errorAt(path, QStringLiteral("takes [delimiter, [values…]]"));
        QStringList parts;
        const QJsonArray values = list.at(1).toArray();
        for (qsizetype i = 0; i < values.size(); ++i) {
            auto text = scalarText(path + QStringLiteral("[1][%1]").arg(i), values.at(i));
            if (!text)
                return text.error();
            parts << text.value();
        }
        return QJsonValue(parts.join(list.at(0).toString()));
    }

    static Result<QJsonValue> select(const QString& path, const QJsonArray& list)
    {
        if (list.size() != 2 || !list.at(1).isArray())
            return errorAt(path, QStringLiteral("takes [index, [values…]]"));
        bool ok = list.at(0).isDouble();
        qint64 index = list.at(0).toInteger(-1);
        if (list.at(0).isString())
            index = list.at(0).toString().toLongLong(&ok);
        if (!ok || index < 0)
            return errorAt(path + QStringLiteral("[0]"), QStringLiteral("the index must be a non-negative integer"));
        const QJsonArray values = list.at(1).toArray();
        if (index >= values.size())
            return errorAt(path, QStringLiteral("index %1 is out of bounds (the list has %2 items)")
                                     .arg(index)
                                     .arg(values.size()));
        return values.at(static_cast<qsizetype>(index));
    }

    static Result<QJsonValue> split(const QString& path, const QJsonArray& list)
    {
        if (list.size() != 2 || !list.at(0).isString() || !list.at(1).isString() || list.at(0).toString().isEmpty())
            return errorAt(path, QStringLiteral("takes [delimiter, string]"));
        return QJsonValue(QJsonArray::fromStringList(list.at(1).toString().split(list.at(0).toString())));
    }

    Result<QJsonValue> findInMap(const QString& path, const QJsonArray& list) const
    {
        if (list.size() != 3 || !list.at(0).isString() || !list.at(1).isString() || !list.at(2).isString())
            return errorAt(path, QStringLiteral("takes [MapName, TopLevelKey, SecondLevelKey]"));
        const QString map = list.at(0).toString();
        const QString top = list.at(1).toString();
        const QString second = list.at(2).toString();
        if (!m_mappings.contains(map))
            return errorAt(path, QStringLiteral("no mapping '%1' in Mappings").arg(map));
        const QJsonObject level = m_mappings.value(map).toObject();
        if (!level.contains(top))
            return errorAt(path, QStringLiteral("mapping '%1' has no key '%2'").arg(map, top));
        const QJsonObject leaves = level.value(top).toObject();
        if (!leaves.contains(second))
            return errorAt(path, QStringLiteral("mapping '%1.%2' has no key '%3'").arg(map, top, second));
        return leaves.value(second);
    }

    Result<QJsonValue> sub(const QString& path, const QJsonValue& argument) const
    {
        QString text;
        QJsonObject variables;
        if (argument.isString()) {
            text = argument.toString();
        } else if (argument.isArray() && argument.toArray().size() == 2 && argument.toArray().at(0).isString()
                   && argument.toArray().at(1).isObject()) {
            text = argument.toArray().at(0).toString();
            auto evaluated = evaluate(path + QStringLiteral("[1]"), argument.toArray().at(1));
            if (!evaluated)
                return evaluated;
            variables = evaluated->toObject();
        } else {
            return errorAt(path, QStringLiteral("takes a string or [string, {variables}]"));
        }
        static const QRegularExpression placeholder(QStringLiteral(R"(\$\{(!?)([^}]*)\})"));
        QString out;
        qsizetype last = 0;
        auto it = placeholder.globalMatch(text);
        while (it.hasNext()) {
            const auto match = it.next();
            out += text.mid(last, match.capturedStart() - last);
            last = match.capturedEnd();
            const QString name = match.captured(2).trimmed();
            if (!match.captured(1).isEmpty()) {  // ${!Literal} stands for ${Literal}
                out += QStringLiteral("${") + match.captured(2) + u'}';
                continue;
            }
            if (variables.contains(name)) {
                auto value = scalarText(path, variables.value(name));
                if (!value)
                    return value.error();
                out += value.value();
                continue;
            }
            auto value = parameterValue(path, name);
            if (!value)
                return value;
            auto textValue = scalarText(path, value.value());
            if (!textValue)
                return textValue.error();
            out += textValue.value();
        }
        out += text.mid(last);
        return QJsonValue(out);
    }

    const QJsonObject& m_mappings;
    const QList<TemplateParameter>& m_declared;
    const QHash<QString, QString>& m_values;
};

// ---- resolved-property checks ----------------------------------------------------------------

Status expectString(const QString& path, const QJsonObject& properties, const QString& name)
{
    if (properties.contains(name) && !properties.value(name).isString())
        return errorAt(path + u'.' + name,
                       QStringLiteral("must be a string, found %1").arg(typeName(properties.value(name))));
    return {};
}

Status checkThing(const QString& path, const QJsonObject& properties)
{
    for (const auto& name : {QStringLiteral("ThingName"), QStringLiteral("ThingTypeName"), QStringLiteral("BillingGroup")}) {
        if (auto status = expectString(path, properties, name); !status)
            return status;
    }
    const QJsonValue attributes = properties.value(QStringLiteral("AttributePayload"));
    if (!attributes.isUndefined()) {
        if (!attributes.isObject())
            return errorAt(path + QStringLiteral(".AttributePayload"),
                           QStringLiteral("must be an object, found %1").arg(typeName(attributes)));
        const QJsonObject object = attributes.toObject();
        for (auto it = object.begin(); it != object.end(); ++it) {
            if (!it.value().isString())
                return errorAt(path + QStringLiteral(".AttributePayload.") + it.key(),
                               QStringLiteral("must be a string, found %1").arg(typeName(it.value())));
        }
    }
    const QJsonValue groups = properties.value(QStringLiteral("ThingGroups"));
    if (!groups.isUndefined()) {
        if (!groups.isArray())
            return errorAt(path + QStringLiteral(".ThingGroups"),
                           QStringLiteral("must be a list, found %1").arg(typeName(groups)));
        const QJsonArray list = groups.toArray();
        for (qsizetype i = 0; i < list.size(); ++i) {
            if (!list.at(i).isString())
                return errorAt(path + QStringLiteral(".ThingGroups[%1]").arg(i),
                               QStringLiteral("must be a string, found %1").arg(typeName(list.at(i))));
        }
    }
    return {};
}

Status checkCertificate(const QString& path, QJsonObject& properties)
{
    int ways = 0;
    for (const auto& name : {QStringLiteral("CertificateId"), QStringLiteral("CertificatePem"),
                             QStringLiteral("CertificateSigningRequest")}) {
        if (auto status = expectString(path, properties, name); !status)
            return status;
        ways += properties.contains(name) ? 1 : 0;
    }
    if (ways != 1)
        return errorAt(path, QStringLiteral("give exactly one of CertificateId, CertificatePem or "
                                            "CertificateSigningRequest (found %1)")
                                 .arg(ways));
    if (auto status = expectString(path, properties, QStringLiteral("Status")); !status)
        return status;
    const QString status = properties.value(QStringLiteral("Status")).toString(QStringLiteral("ACTIVE")).toUpper();
    if (status != QStringLiteral("ACTIVE") && status != QStringLiteral("INACTIVE"))
        return errorAt(path + QStringLiteral(".Status"), QStringLiteral("'%1' is not ACTIVE or INACTIVE")
                                                             .arg(properties.value(QStringLiteral("Status")).toString()));
    properties.insert(QStringLiteral("Status"), status);
    return {};
}

Status checkPolicy(const QString& path, QJsonObject& properties)
{
    const bool named = properties.contains(QStringLiteral("PolicyName"));
    const bool document = properties.contains(QStringLiteral("PolicyDocument"));
    if (named == document)
        return errorAt(path, QStringLiteral("give either PolicyName or PolicyDocument, not %1")
                                 .arg(named ? QStringLiteral("both") : QStringLiteral("neither")));
    if (auto status = expectString(path, properties, QStringLiteral("PolicyName")); !status)
        return status;
    if (!document)
        return {};
    const QJsonValue text = properties.value(QStringLiteral("PolicyDocument"));
    if (text.isObject()) {  // the fleet example embeds the document; AWS also takes an escaped string
        properties.insert(QStringLiteral("PolicyDocument"),
                          QString::fromUtf8(QJsonDocument(text.toObject()).toJson(QJsonDocument::Compact)));
        return {};
    }
    if (!text.isString())
        return errorAt(path + QStringLiteral(".PolicyDocument"),
                       QStringLiteral("must be a JSON string or object, found %1").arg(typeName(text)));
    QJsonParseError parseError{};
    if (!QJsonDocument::fromJson(text.toString().toUtf8(), &parseError).isObject())
        return errorAt(path + QStringLiteral(".PolicyDocument"),
                       QStringLiteral("is not a JSON object (%1)").arg(parseError.errorString()));
    return {};
}

Status checkDeviceConfiguration(const QJsonObject& configuration)
{
    for (auto it = configuration.begin(); it != configuration.end(); ++it) {
        if (it.value().isObject() || it.value().isArray())
            return errorAt(QStringLiteral("DeviceConfiguration.") + it.key(),
                           QStringLiteral("DeviceConfiguration does not support nested JSON (found %1)")
                               .arg(typeName(it.value())));
    }
    return {};
}

}  // namespace

QJsonObject RenderedTemplate::toJson() const
{
    QJsonArray list;
    for (const auto& resource : resources) {
        QJsonObject entry{{QStringLiteral("logicalName"), resource.logicalName},
                          {QStringLiteral("type"), resource.type},
                          {QStringLiteral("properties"), resource.properties}};
        if (!resource.overrideSettings.isEmpty())
            entry.insert(QStringLiteral("overrideSettings"), resource.overrideSettings);
        list.append(entry);
    }
    return {{QStringLiteral("resources"), list}, {QStringLiteral("deviceConfiguration"), deviceConfiguration}};
}

const RenderedResource* RenderedTemplate::firstOfType(const QString& type) const
{
    for (const auto& resource : resources) {
        if (resource.type == type)
            return &resource;
    }
    return nullptr;
}

Result<ProvisioningTemplate> ProvisioningTemplate::parse(const QByteArray& json)
{
    if (json.size() > kMaxTemplateBodyLength)
        return Error(ErrorCode::InvalidInput, QStringLiteral("template: %1 characters is over AWS's limit of %2")
                                                  .arg(json.size())
                                                  .arg(kMaxTemplateBodyLength));
    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return Error(ErrorCode::InvalidInput, QStringLiteral("template: not valid JSON at offset %1: %2")
                                                  .arg(parseError.offset)
                                                  .arg(parseError.errorString()));
    if (!document.isObject())
        return Error(ErrorCode::InvalidInput, QStringLiteral("template: the top level must be a JSON object"));
    ProvisioningTemplate result;
    result.m_json = document.object();
    for (auto it = result.m_json.begin(); it != result.m_json.end(); ++it) {
        static const QStringList sections{QStringLiteral("Parameters"), QStringLiteral("Mappings"),
                                          QStringLiteral("Resources"), QStringLiteral("DeviceConfiguration")};
        if (it.key() == QStringLiteral("Conditions"))
            return errorAt(it.key(), QStringLiteral("Conditions are a CloudFormation feature that AWS IoT "
                                                    "provisioning templates do not support"));
        if (!sections.contains(it.key()))
            return errorAt(it.key(), QStringLiteral("unknown section (a template has Parameters, Mappings, "
                                                    "Resources, DeviceConfiguration)"));
    }
    auto parameters = parseParameters(result.m_json.value(QStringLiteral("Parameters")));
    if (!parameters)
        return parameters.error();
    result.m_parameters = std::move(parameters.value());
    if (auto status = checkMappings(result.m_json.value(QStringLiteral("Mappings"))); !status)
        return status.error();
    const QJsonValue resources = result.m_json.value(QStringLiteral("Resources"));
    if (!resources.isObject())
        return errorAt(QStringLiteral("Resources"), resources.isUndefined()
                                                        ? QStringLiteral("missing")
                                                        : QStringLiteral("must be an object, found %1").arg(typeName(resources)));
    const QJsonObject resourceObject = resources.toObject();
    for (auto it = resourceObject.begin(); it != resourceObject.end(); ++it) {
        if (auto status = checkResource(QStringLiteral("Resources.") + it.key(), it.value()); !status)
            return status.error();
    }
    for (auto it = resourceObject.begin(); it != resourceObject.end(); ++it) {
        const QString path = QStringLiteral("Resources.") + it.key() + QStringLiteral(".Properties");
        if (auto status = checkFunctions(path, it.value().toObject().value(QStringLiteral("Properties")), result.m_parameters); !status)
            return status.error();
    }
    const QJsonValue configuration = result.m_json.value(QStringLiteral("DeviceConfiguration"));
    if (!configuration.isUndefined() && !configuration.isObject())
        return errorAt(QStringLiteral("DeviceConfiguration"),
                       QStringLiteral("must be an object, found %1").arg(typeName(configuration)));
    if (auto status = checkFunctions(QStringLiteral("DeviceConfiguration"), configuration, result.m_parameters); !status)
        return status.error();
    return result;
}

Result<RenderedTemplate> ProvisioningTemplate::render(const QHash<QString, QString>& values) const
{
    const QJsonObject mappings = m_json.value(QStringLiteral("Mappings")).toObject();
    const Evaluator evaluator(mappings, m_parameters, values);
    if (auto status = evaluator.checkAllParametersHaveValues(); !status)
        return status.error();
    RenderedTemplate rendered;
    rendered.parameters = evaluator.usedValues();
    const QJsonObject resources = m_json.value(QStringLiteral("Resources")).toObject();
    for (auto it = resources.begin(); it != resources.end(); ++it) {
        const QJsonObject resource = it.value().toObject();
        const QString path = QStringLiteral("Resources.") + it.key() + QStringLiteral(".Properties");
        auto properties = evaluator.evaluate(path, resource.value(QStringLiteral("Properties")));
        if (!properties)
            return properties.error();
        RenderedResource out{it.key(), resource.value(QStringLiteral("Type")).toString(), properties->toObject(),
                             resource.value(QStringLiteral("OverrideSettings")).toObject()};
        Status checked;
        if (out.type == QString::fromLatin1(kThingType))
            checked = checkThing(path, out.properties);
        else if (out.type == QString::fromLatin1(kCertificateType))
            checked = checkCertificate(path, out.properties);
        else
            checked = checkPolicy(path, out.properties);
        if (!checked)
            return checked.error();
        rendered.resources.push_back(std::move(out));
    }
    auto configuration = evaluator.evaluate(QStringLiteral("DeviceConfiguration"),
                                            m_json.value(QStringLiteral("DeviceConfiguration")).toObject());
    if (!configuration)
        return configuration.error();
    rendered.deviceConfiguration = configuration->toObject();
    if (auto status = checkDeviceConfiguration(rendered.deviceConfiguration); !status)
        return status.error();
    return rendered;
}

QString defaultPolicyName(const QString& policyDocument)
{
    return QString::fromLatin1(QCryptographicHash::hash(policyDocument.toUtf8(), QCryptographicHash::Sha1).toHex().toUpper());
}

}  // namespace imprint::provisioning
