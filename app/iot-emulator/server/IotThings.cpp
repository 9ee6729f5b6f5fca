// Things, thing types and groups, policies and attachments.
#include "app/iot-emulator/server/IotService.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QUuid>

namespace imprint::emulator {

namespace {

constexpr int kMaxAttributesWithoutType = 3;
constexpr int kMaxAttributesWithType = 50;
constexpr int kMaxPoliciesPerCertificate = 10;
constexpr qsizetype kMaxPolicyDocumentLength = 2048;  // excluding whitespace

std::optional<ApiError> checkName(const QString& field, const QString& value, const QRegularExpression& pattern,
                                  qsizetype maxLength)
{
    if (value.isEmpty() || value.size() > maxLength || !pattern.match(value).hasMatch())
        return invalidRequest(QStringLiteral("%1 '%2' must be 1 to %3 characters of %4")
                                  .arg(field, value)
                                  .arg(maxLength)
                                  .arg(pattern.pattern().mid(1, pattern.pattern().size() - 3)));
    return std::nullopt;
}

const QRegularExpression& thingNamePattern()
{
    static const QRegularExpression pattern(QStringLiteral("^[a-zA-Z0-9:_-]+$"));
    return pattern;
}

std::optional<ApiError> checkAttributes(const QJsonObject& attributes, bool hasType)
{
    static const QRegularExpression name(QStringLiteral("^[a-zA-Z0-9_.,@/:#-]+$"));
    static const QRegularExpression value(QStringLiteral("^[a-zA-Z0-9_.,@/:#=\\[\\]-]*$"));
    const int limit = hasType ? kMaxAttributesWithType : kMaxAttributesWithoutType;
    if (attributes.size() > limit)
        return invalidRequest(QStringLiteral("A thing %1 a thing type may have at most %2 attributes")
                                  .arg(hasType ? QStringLiteral("with") : QStringLiteral("without"))
                                  .arg(limit));
    for (auto it = attributes.begin(); it != attributes.end(); ++it) {
        if (auto error = checkName(QStringLiteral("attribute name"), it.key(), name, 128))
            return error;
        const QString text = it.value().toString();
        if (!it.value().isString() || text.size() > 800 || !value.match(text).hasMatch())
            return invalidRequest(QStringLiteral("attribute '%1': the value must be at most 800 characters of "
                                                 "[a-zA-Z0-9_.,@/:#=[]-]")
                                      .arg(it.key()));
    }
    return std::nullopt;
}

QString withoutWhitespace(const QString& text)
{
    QString out;
    for (const QChar c : text) {
        if (!c.isSpace())
            out += c;
    }
    return out;
}

}  // namespace

std::optional<ApiError> IotService::checkThingTypeAndGroups(const QString& thingType, const QStringList& groups) const
{
    if (!thingType.isEmpty() && !m_registry.get(QStringLiteral("thingType"), thingType))
        return notFound(QStringLiteral("Thing type %1 does not exist").arg(thingType));
    for (const auto& group : groups) {
        if (!m_registry.get(QStringLiteral("thingGroup"), group))
            return notFound(QStringLiteral("Thing group %1 does not exist").arg(group));
    }
    return std::nullopt;
}

Answer IotService::createThing(const ApiCall& call)
{
    const QString name = call.pathParameters.value(0);
    if (auto error = checkName(QStringLiteral("thingName"), name, thingNamePattern(), 128))
        return *error;
    const QString type = call.body.value(QStringLiteral("thingTypeName")).toString();
    const QJsonObject attributes =
        call.body.value(QStringLiteral("attributePayload")).toObject().value(QStringLiteral("attributes")).toObject();
    if (auto error = checkAttributes(attributes, !type.isEmpty()))
        return *error;
    if (auto error = checkThingTypeAndGroups(type, {}))
        return *error;
    const QString billingGroup = call.body.value(QStringLiteral("billingGroupName")).toString();
    if (auto existing = m_registry.get(QStringLiteral("thing"), name)) {
        // CreateThing is idempotent for the same configuration.
        if (existing->value(QStringLiteral("thingTypeName")).toString() != type
            || existing->value(QStringLiteral("attributes")).toObject() != attributes
            || existing->value(QStringLiteral("billingGroupName")).toString() != billingGroup)
            return alreadyExists(QStringLiteral("Thing %1 already exists in account with different attributes").arg(name));
        return QJsonObject{{QStringLiteral("thingName"), name},
                           {QStringLiteral("thingArn"), existing->value(QStringLiteral("thingArn"))},
                           {QStringLiteral("thingId"), existing->value(QStringLiteral("thingId"))}};
    }
    QJsonObject thing{{QStringLiteral("thingName"), name},
                      {QStringLiteral("thingId"), QUuid::createUuid().toString(QUuid::WithoutBraces)},
                      {QStringLiteral("thingArn"), arn(QStringLiteral("thing/") + name)},
                      {QStringLiteral("attributes"), attributes},
                      {QStringLiteral("version"), 1},
                      {QStringLiteral("defaultClientId"), name},
                      {QStringLiteral("thingGroups"), QJsonArray()},
                      {QStringLiteral("principals"), QJsonArray()}};
    if (!type.isEmpty())
        thing.insert(QStringLiteral("thingTypeName"), type);
    if (!billingGroup.isEmpty())
        thing.insert(QStringLiteral("billingGroupName"), billingGroup);
    if (!save(QStringLiteral("thing"), name, thing))
        return internalFailure(QStringLiteral("cannot store the thing"));
    return QJsonObject{{QStringLiteral("thingName"), name},
                       {QStringLiteral("thingArn"), thing.value(QStringLiteral("thingArn"))},
                       {QStringLiteral("thingId"), thing.value(QStringLiteral("thingId"))}};
}

Answer IotService::describeThing(const ApiCall& call)
{
    const QString name = call.pathParameters.value(0);
    if (auto error = checkName(QStringLiteral("thingName"), name, thingNamePattern(), 128))
        return *error;
    auto thing = m_registry.get(QStringLiteral("thing"), name);
    if (!thing)
        return notFound(QStringLiteral("Thing %1 cannot be found.").arg(name));
    QJsonObject out = *thing;
    out.remove(QStringLiteral("thingGroups"));
    out.remove(QStringLiteral("principals"));
    return out;
}

Answer IotService::createThingType(const ApiCall& call)
{
    const QString name = call.pathParameters.value(0);
    if (auto error = checkName(QStringLiteral("thingTypeName"), name, thingNamePattern(), 128))
        return *error;
    if (m_registry.get(QStringLiteral("thingType"), name))
        return alreadyExists(QStringLiteral("Thing type %1 already exists").arg(name));
    const QJsonObject type{{QStringLiteral("thingTypeName"), name},
                           {QStringLiteral("thingTypeArn"), arn(QStringLiteral("thingtype/") + name)},
                           {QStringLiteral("thingTypeId"), QUuid::createUuid().toString(QUuid::WithoutBraces)}};
    if (!save(QStringLiteral("thingType"), name, type))
        return internalFailure(QStringLiteral("cannot store the thing type"));
    return type;
}

Answer IotService::createThingGroup(const ApiCall& call)
{
    const QString name = call.pathParameters.value(0);
    if (auto error = checkName(QStringLiteral("thingGroupName"), name, thingNamePattern(), 128))
        return *error;
    const QJsonObject group{{QStringLiteral("thingGroupName"), name},
                            {QStringLiteral("thingGroupArn"), arn(QStringLiteral("thinggroup/") + name)},
                            {QStringLiteral("thingGroupId"), QUuid::createUuid().toString(QUuid::WithoutBraces)}};
    if (auto existing = m_registry.get(QStringLiteral("thingGroup"), name))
        return *existing;  // AWS answers an identical CreateThingGroup with the existing group
    if (!save(QStringLiteral("thingGroup"), name, group))
        return internalFailure(QStringLiteral("cannot store the thing group"));
    return group;
}

Answer IotService::createPolicy(const ApiCall& call)
{
    static const QRegularExpression pattern(QStringLiteral("^[\\w+=,.@-]+$"));
    const QString name = call.pathParameters.value(0);
    if (auto error = checkName(QStringLiteral("policyName"), name, pattern, 128))
        return *error;
    const QString document = call.body.value(QStringLiteral("policyDocument")).toString();
    QJsonParseError parseError{};
    if (!QJsonDocument::fromJson(document.toUtf8(), &parseError).isObject())
        return ApiError{QStringLiteral("MalformedPolicyException"), 400,
                        QStringLiteral("Policy document is not a JSON object: %1").arg(parseError.errorString())};
    if (withoutWhitespace(document).size() > kMaxPolicyDocumentLength)
        return ApiError{QStringLiteral("MalformedPolicyException"), 400,
                        QStringLiteral("Policy document is longer than %1 characters without whitespace").arg(kMaxPolicyDocumentLength)};
    if (m_registry.get(QStringLiteral("policy"), name))
        return alreadyExists(QStringLiteral("Policy cannot be created - name already exists (name=%1)").arg(name));
    const QJsonObject policy{{QStringLiteral("policyName"), name},
                             {QStringLiteral("policyArn"), arn(QStringLiteral("policy/") + name)},
                             {QStringLiteral("policyDocument"), document},
                             {QStringLiteral("policyVersionId"), QStringLiteral("1")}};
    if (!save(QStringLiteral("policy"), name, policy))
        return internalFailure(QStringLiteral("cannot store the policy"));
    return policy;
}

Answer IotService::attachPolicy(const ApiCall& call)
{
    const QString name = call.pathParameters.value(0);
    const QString target = call.body.value(QStringLiteral("target")).toString();
    if (target.isEmpty())
        return invalidRequest(QStringLiteral("target is required"));
    auto policy = m_registry.get(QStringLiteral("policy"), name);
    if (!policy)
        return notFound(QStringLiteral("Policy %1 does not exist").arg(name));
    const qsizetype certificateAt = target.indexOf(QStringLiteral(":cert/"));
    if (certificateAt >= 0) {
        const QString id = target.mid(certificateAt + 6);
        auto certificate = m_registry.get(QStringLiteral("cert"), id);
        if (!certificate)
            return notFound(QStringLiteral("Certificate %1 does not exist").arg(id));
        QJsonArray policies = certificate->value(QStringLiteral("policies")).toArray();
        if (!policies.contains(name)) {
            if (policies.size() >= kMaxPoliciesPerCertificate)
                return ApiError{QStringLiteral("LimitExceededException"), 410,
                                QStringLiteral("A certificate may have at most %1 policies").arg(kMaxPoliciesPerCertificate)};
            policies.append(name);
            certificate->insert(QStringLiteral("policies"), policies);
            if (!save(QStringLiteral("cert"), id, *certificate))
                return internalFailure(QStringLiteral("cannot store the attachment"));
        }
    }
    QJsonArray targets = policy->value(QStringLiteral("targets")).toArray();
    if (!targets.contains(target)) {
        targets.append(target);
        policy->insert(QStringLiteral("targets"), targets);
        if (!save(QStringLiteral("policy"), name, *policy))
            return internalFailure(QStringLiteral("cannot store the attachment"));
    }
    return QJsonObject();
}

Answer IotService::attachThingPrincipal(const ApiCall& call)
{
    const QString name = call.pathParameters.value(0);
    const QString principal = QString::fromUtf8(call.headers.value("x-amzn-principal"));
    if (principal.isEmpty())
        return invalidRequest(QStringLiteral("principal (header x-amzn-principal) is required"));
    auto thing = m_registry.get(QStringLiteral("thing"), name);
    if (!thing)
        return notFound(QStringLiteral("Thing %1 cannot be found.").arg(name));
    const qsizetype certificateAt = principal.indexOf(QStringLiteral(":cert/"));
    if (certificateAt >= 0 && !m_registry.get(QStringLiteral("cert"), principal.mid(certificateAt + 6)))
        return notFound(QStringLiteral("Principal %1 does not exist").arg(principal));
    QJsonArray principals = thing->value(QStringLiteral("principals")).toArray();
    if (!principals.contains(principal)) {
        principals.append(principal);
        thing->insert(QStringLiteral("principals"), principals);
        if (!save(QStringLiteral("thing"), name, *thing))
            return internalFailure(QStringLiteral("cannot store the attachment"));
    }
    return QJsonObject();
}

Answer IotService::listThingPrincipals(const ApiCall& call)
{
    const QString name = call.pathParameters.value(0);
    auto thing = m_registry.get(QStringLiteral("thing"), name);
    if (!thing)
        return notFound(QStringLiteral("Thing %1 cannot be found.").arg(name));
    return QJsonObject{{QStringLiteral("principals"), thing->value(QStringLiteral("principals")).toArray()}};
}

Answer IotService::listAttachedPolicies(const ApiCall& call)
{
    const QString target = call.pathParameters.value(0);
    const qsizetype certificateAt = target.indexOf(QStringLiteral(":cert/"));
    if (certificateAt < 0)
        return invalidRequest(QStringLiteral("target %1: only certificate ARNs are listed here").arg(target));
    auto certificate = m_registry.get(QStringLiteral("cert"), target.mid(certificateAt + 6));
    if (!certificate)
        return notFound(QStringLiteral("Certificate %1 does not exist").arg(target.mid(certificateAt + 6)));
    QJsonArray policies;
    for (const QJsonValue& name : certificate->value(QStringLiteral("policies")).toArray())
        policies.append(QJsonObject{{QStringLiteral("policyName"), name},
                                    {QStringLiteral("policyArn"), arn(QStringLiteral("policy/") + name.toString())}});
    return QJsonObject{{QStringLiteral("policies"), policies}};
}

}  // namespace imprint::emulator
