#include "app/iot-emulator/server/ClaimPolicy.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

namespace imprint::emulator {

namespace {

const QString kCertificatesPrefix = QStringLiteral("$aws/certificates/");
const QString kTemplatesPrefix = QStringLiteral("$aws/provisioning-templates/");

QStringList stringOrArray(const QJsonValue& value)
{
    if (value.isString())
        return {value.toString()};
    QStringList out;
    for (const auto& item : value.toArray())
        out << item.toString();
    return out;
}

bool grantsAction(const QStringList& actions, const QString& wanted)
{
    for (const auto& action : actions) {
        if (globMatches(action.toLower(), wanted.toLower()))
            return true;
    }
    return false;
}

// "arn:aws:iot:us-east-1:123:topic/$aws/x/*" with kind "topic" → "$aws/x/*"; "*" stays "*".
std::optional<QString> resourceGlob(const QString& resource, const QString& kind)
{
    if (resource == QStringLiteral("*"))
        return resource;
    const QString marker = QStringLiteral(":") + kind + QStringLiteral("/");
    const qsizetype at = resource.indexOf(marker);
    if (at < 0)
        return std::nullopt;
    return resource.mid(at + marker.size());
}

QList<QJsonObject> statementsOf(const QString& document)
{
    const QJsonValue statements = QJsonDocument::fromJson(document.toUtf8()).object().value(QStringLiteral("Statement"));
    QList<QJsonObject> out;
    if (statements.isObject())
        out << statements.toObject();
    for (const auto& statement : statements.toArray())
        out << statement.toObject();
    return out;
}

bool anyMatches(const QStringList& patterns, const QString& text)
{
    for (const auto& pattern : patterns) {
        if (globMatches(pattern, text))
            return true;
    }
    return false;
}

}  // namespace

bool globMatches(const QString& pattern, const QString& text)
{
    QString expression = QStringLiteral("\\A");
    for (const QChar c : pattern) {
        if (c == u'*')
            expression += QStringLiteral(".*");
        else if (c == u'?')
            expression += u'.';
        else
            expression += QRegularExpression::escape(QString(c));
    }
    expression += QStringLiteral("\\z");
    return QRegularExpression(expression, QRegularExpression::DotMatchesEverythingOption).match(text).hasMatch();
}

bool isFleetTopic(const QString& topicOrFilter)
{
    return topicOrFilter.startsWith(kCertificatesPrefix) || topicOrFilter.startsWith(kTemplatesPrefix);
}

bool isFleetRequestTopic(const QString& topic)
{
    static const QRegularExpression pattern(
        QStringLiteral("\\A\\$aws/(certificates/create|certificates/create-from-csr|provisioning-templates/[0-9A-Za-z_-]{1,36}/provision)/(json|cbor)\\z"));
    return pattern.match(topic).hasMatch();
}

ClaimScope ClaimScope::forProvisioningClaim(const QString& templateName)
{
    ClaimScope scope;
    scope.m_publishPatterns = {QString(kCertificatesPrefix + QStringLiteral("create/*")),
                               QString(kCertificatesPrefix + QStringLiteral("create-from-csr/*")),
                               QString(kTemplatesPrefix + templateName + QStringLiteral("/provision/*"))};
    scope.m_subscribePatterns = scope.m_publishPatterns;
    return scope;
}

std::optional<ClaimScope> ClaimScope::fromPolicies(const QStringList& policyDocuments)
{
    ClaimScope scope;
    bool namesFleetResource = false;
    for (const auto& document : policyDocuments) {
        for (const auto& statement : statementsOf(document)) {
            const QStringList resources = stringOrArray(statement.value(QStringLiteral("Resource")));
            for (const auto& resource : resources)
                namesFleetResource = namesFleetResource || resource.contains(QString(kCertificatesPrefix + QStringLiteral("create")))
                                     || resource.contains(kTemplatesPrefix);
            if (statement.value(QStringLiteral("Effect")).toString() != QStringLiteral("Allow"))
                continue;
            const QStringList actions = stringOrArray(statement.value(QStringLiteral("Action")));
            for (const auto& resource : resources) {
                if (grantsAction(actions, QStringLiteral("iot:Publish")))
                    if (auto glob = resourceGlob(resource, QStringLiteral("topic")))
                        scope.m_publishPatterns << *glob;
                if (grantsAction(actions, QStringLiteral("iot:Subscribe")))
                    if (auto glob = resourceGlob(resource, QStringLiteral("topicfilter")))
                        scope.m_subscribePatterns << *glob;
            }
        }
    }
    if (!namesFleetResource)
        return std::nullopt;
    return scope;
}

bool ClaimScope::mayPublish(const QString& topic) const
{
    return isFleetRequestTopic(topic) && anyMatches(m_publishPatterns, topic);
}

bool ClaimScope::maySubscribe(const QString& filter) const
{
    return isFleetTopic(filter) && anyMatches(m_subscribePatterns, filter);
}

QString ClaimScope::describe() const
{
    return QStringLiteral("publish %1; subscribe %2").arg(m_publishPatterns.join(u' '), m_subscribePatterns.join(u' '));
}

}  // namespace imprint::emulator
