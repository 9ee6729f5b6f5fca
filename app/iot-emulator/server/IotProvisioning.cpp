// RegisterThing, bulk registration tasks, and the provisioning workflow they share with JITP:
// check every resource first, then create the certificate, policy and thing, attach them and
// set the certificate's status, as the template says.
#include "app/iot-emulator/server/IotService.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTimer>
#include <QUuid>

namespace imprint::emulator {

namespace {

using provisioning::RenderedResource;

constexpr qsizetype kMaxParameterKey = 2048;
constexpr qsizetype kMaxParameterValue = 4096;
constexpr qsizetype kMaxInputLine = 256 * 1024;

ApiError registrationFailure(const QString& message)
{
    return {QStringLiteral("ResourceRegistrationFailureException"), 400, message};
}

QString overrideOf(const RenderedResource& resource, const QString& property)
{
    return resource.overrideSettings.value(property).toString(QStringLiteral("DO_NOTHING"));
}

QStringList stringList(const QJsonValue& value)
{
    QStringList out;
    for (const auto& item : value.toArray())
        out << item.toString();
    return out;
}

// The thing after applying the template's values under its OverrideSettings.
std::variant<QJsonObject, ApiError> mergedThing(QJsonObject thing, const RenderedResource& resource)
{
    const QJsonObject& properties = resource.properties;
    struct Field
    {
        QString property;
        QString stored;
    };
    const Field fields[] = {{QStringLiteral("AttributePayload"), QStringLiteral("attributes")},
                            {QStringLiteral("ThingTypeName"), QStringLiteral("thingTypeName")},
                            {QStringLiteral("ThingGroups"), QStringLiteral("thingGroups")}};
    for (const auto& field : fields) {
        if (!properties.contains(field.property))
            continue;
        const QString setting = overrideOf(resource, field.property);
        const QJsonValue wanted = properties.value(field.property);
        if (setting == QStringLiteral("FAIL") && thing.value(field.stored) != wanted)
            return ApiError{QStringLiteral("ConflictingResourceUpdateException"), 409,
                            QStringLiteral("Thing %1 exists with a different %2 and OverrideSettings say FAIL")
                                .arg(thing.value(QStringLiteral("thingName")).toString(), field.property)};
        if (setting == QStringLiteral("REPLACE")) {
            thing.insert(field.stored, wanted);
        } else if (setting == QStringLiteral("MERGE") && wanted.isObject()) {
            QJsonObject merged = thing.value(field.stored).toObject();
            const QJsonObject add = wanted.toObject();
            for (auto it = add.begin(); it != add.end(); ++it)
                merged.insert(it.key(), it.value());
            thing.insert(field.stored, merged);
        } else if (setting == QStringLiteral("MERGE")) {
            QStringList merged = stringList(thing.value(field.stored));
            for (const auto& group : stringList(wanted)) {
                if (!merged.contains(group))
                    merged << group;
            }
            thing.insert(field.stored, QJsonArray::fromStringList(merged));
        }
    }
    thing.insert(QStringLiteral("version"), thing.value(QStringLiteral("version")).toInt() + 1);
    return thing;
}

}  // namespace

std::variant<QJsonObject, ApiError> IotService::provision(const provisioning::RenderedTemplate& rendered)
{
    const RenderedResource* thingResource = rendered.firstOfType(QString::fromLatin1(provisioning::kThingType));
    const RenderedResource* certificateResource = rendered.firstOfType(QString::fromLatin1(provisioning::kCertificateType));
    const RenderedResource* policyResource = rendered.firstOfType(QString::fromLatin1(provisioning::kPolicyType));

    // 1. Check everything before changing anything.
    QString thingName;
    if (thingResource) {
        thingName = thingResource->properties.value(QStringLiteral("ThingName")).toString();
        static const QRegularExpression pattern(QStringLiteral("^[a-zA-Z0-9:_-]{1,128}$"));
        if (!pattern.match(thingName).hasMatch())
            return registrationFailure(QStringLiteral("Thing name '%1' is not 1 to 128 characters of [a-zA-Z0-9:_-]").arg(thingName));
        if (auto error = checkThingTypeAndGroups(thingResource->properties.value(QStringLiteral("ThingTypeName")).toString(),
                                                 stringList(thingResource->properties.value(QStringLiteral("ThingGroups")))))
            return registrationFailure(error->message);
    }
    QString policyName;
    QString policyDocument;
    if (policyResource) {
        policyName = policyResource->properties.value(QStringLiteral("PolicyName")).toString();
        policyDocument = policyResource->properties.value(QStringLiteral("PolicyDocument")).toString();
        if (policyName.isEmpty())
            policyName = provisioning::defaultPolicyName(policyDocument);
        else if (!m_registry.get(QStringLiteral("policy"), policyName))
            return registrationFailure(QStringLiteral("Policy %1 does not exist").arg(policyName));
    }
    std::optional<QJsonObject> certificate;
    bool certificateIsNew = false;
    if (certificateResource) {
        const QJsonObject& properties = certificateResource->properties;
        if (properties.contains(QStringLiteral("CertificateId"))) {
            certificate = m_registry.get(QStringLiteral("cert"), properties.value(QStringLiteral("CertificateId")).toString());
            if (!certificate)
                return registrationFailure(QStringLiteral("Certificate %1 does not exist").arg(properties.value(QStringLiteral("CertificateId")).toString()));
        } else {
            QByteArray pem = properties.value(QStringLiteral("CertificatePem")).toString().toUtf8();
            if (properties.contains(QStringLiteral("CertificateSigningRequest"))) {
                auto issued = m_ca.issueForCsr(properties.value(QStringLiteral("CertificateSigningRequest")).toString().toUtf8(), 10LL * 365 * 86400);
                if (!issued)
                    return registrationFailure(QStringLiteral("Invalid CSR: ") + issued.error().message());
                pem = issued->certificatePem;
            }
            auto parsed = parseCertificatePem(pem);
            if (!parsed)
                return registrationFailure(QStringLiteral("CertificatePem is not a PEM X.509 certificate"));
            const auto ca = issuingCa(parsed->get());
            auto stored = storeCertificate(pem, ca ? ca->value(QStringLiteral("certificateId")).toString() : QString(),
                                           QStringLiteral("PENDING_ACTIVATION"), QStringLiteral("DEFAULT"));
            if (!stored)
                return internalFailure(stored.error().message());
            certificate = stored->certificate;
            certificateIsNew = stored->created;
        }
    }
    std::optional<QJsonObject> existingThing = thingResource ? m_registry.get(QStringLiteral("thing"), thingName) : std::nullopt;
    QJsonObject thing;
    if (existingThing) {
        auto merged = mergedThing(*existingThing, *thingResource);
        if (auto* error = std::get_if<ApiError>(&merged))
            return *error;
        thing = std::get<QJsonObject>(merged);
    } else if (thingResource) {
        const QJsonObject& properties = thingResource->properties;
        thing = {{QStringLiteral("thingName"), thingName},
                 {QStringLiteral("thingId"), QUuid::createUuid().toString(QUuid::WithoutBraces)},
                 {QStringLiteral("thingArn"), arn(QStringLiteral("thing/") + thingName)},
                 {QStringLiteral("attributes"), properties.value(QStringLiteral("AttributePayload")).toObject()},
                 {QStringLiteral("version"), 1},
                 {QStringLiteral("defaultClientId"), thingName},
                 {QStringLiteral("thingGroups"), properties.value(QStringLiteral("ThingGroups")).toArray()},
                 {QStringLiteral("principals"), QJsonArray()}};
        if (properties.contains(QStringLiteral("ThingTypeName")))
            thing.insert(QStringLiteral("thingTypeName"), properties.value(QStringLiteral("ThingTypeName")));
        if (properties.contains(QStringLiteral("BillingGroup")))
            thing.insert(QStringLiteral("billingGroupName"), properties.value(QStringLiteral("BillingGroup")));
    }

    // 2. Create, attach, activate.
    QJsonObject arns;
    QJsonObject out;
    if (policyResource) {
        auto policy = m_registry.get(QStringLiteral("policy"), policyName);
        if (!policy) {
            policy = QJsonObject{{QStringLiteral("policyName"), policyName},
                                 {QStringLiteral("policyArn"), arn(QStringLiteral("policy/") + policyName)},
                                 {QStringLiteral("policyDocument"), policyDocument},
                                 {QStringLiteral("policyVersionId"), QStringLiteral("1")}};
        }
        if (certificate) {
            QJsonArray targets = policy->value(QStringLiteral("targets")).toArray();
            const QJsonValue target = certificate->value(QStringLiteral("certificateArn"));
            if (!targets.contains(target))
                targets.append(target);
            policy->insert(QStringLiteral("targets"), targets);
            QJsonArray policies = certificate->value(QStringLiteral("policies")).toArray();
            if (!policies.contains(policyName))
                policies.append(policyName);
            certificate->insert(QStringLiteral("policies"), policies);
        }
        if (!save(QStringLiteral("policy"), policyName, *policy))
            return internalFailure(QStringLiteral("cannot store the policy"));
        arns.insert(policyResource->logicalName, policy->value(QStringLiteral("policyArn")));
    }
    if (thingResource) {
        if (certificate) {
            QJsonArray principals = thing.value(QStringLiteral("principals")).toArray();
            if (!principals.contains(certificate->value(QStringLiteral("certificateArn"))))
                principals.append(certificate->value(QStringLiteral("certificateArn")));
            thing.insert(QStringLiteral("principals"), principals);
        }
        if (!save(QStringLiteral("thing"), thingName, thing))
            return internalFailure(QStringLiteral("cannot store the thing"));
        arns.insert(thingResource->logicalName, thing.value(QStringLiteral("thingArn")));
        out.insert(QStringLiteral("thingName"), thingName);
    }
    if (certificate) {
        const QString wanted = certificateResource->properties.value(QStringLiteral("Status")).toString(QStringLiteral("ACTIVE"));
        const bool pending = certificate->value(QStringLiteral("status")).toString() == QStringLiteral("PENDING_ACTIVATION");
        if (certificateIsNew || pending || overrideOf(*certificateResource, QStringLiteral("Status")) == QStringLiteral("REPLACE"))
            certificate->insert(QStringLiteral("status"), wanted);
        certificate->insert(QStringLiteral("lastModifiedDate"), epochSeconds(QDateTime::currentDateTimeUtc()));
        if (!save(QStringLiteral("cert"), certificate->value(QStringLiteral("certificateId")).toString(), *certificate))
            return internalFailure(QStringLiteral("cannot store the certificate"));
        arns.insert(certificateResource->logicalName, certificate->value(QStringLiteral("certificateArn")));
        out.insert(QStringLiteral("certificatePem"), certificate->value(QStringLiteral("certificatePem")));
    }
    out.insert(QStringLiteral("resourceArns"), arns);
    out.insert(QStringLiteral("deviceConfiguration"), rendered.deviceConfiguration);
    return out;
}

Answer IotService::registerThing(const ApiCall& call)
{
    const QString body = call.body.value(QStringLiteral("templateBody")).toString();
    if (body.isEmpty())
        return invalidRequest(QStringLiteral("templateBody is required"));
    auto parsed = provisioning::ProvisioningTemplate::parse(body.toUtf8());
    if (!parsed)
        return invalidRequest(QStringLiteral("templateBody: ") + parsed.error().message());
    QHash<QString, QString> values;
    const QJsonObject parameters = call.body.value(QStringLiteral("parameters")).toObject();
    for (auto it = parameters.begin(); it != parameters.end(); ++it) {
        if (it.key().size() > kMaxParameterKey || it.value().toString().size() > kMaxParameterValue)
            return invalidRequest(QStringLiteral("parameter '%1': keys are at most %2 and values at most %3 characters")
                                      .arg(it.key().left(64))
                                      .arg(kMaxParameterKey)
                                      .arg(kMaxParameterValue));
        values.insert(it.key(), it.value().toString());
    }
    auto rendered = parsed->render(values);
    if (!rendered)
        return invalidRequest(rendered.error().message());
    auto provisioned = provision(rendered.value());
    if (auto* error = std::get_if<ApiError>(&provisioned))
        return *error;
    const QJsonObject result = std::get<QJsonObject>(provisioned);
    QJsonObject out{{QStringLiteral("resourceArns"), result.value(QStringLiteral("resourceArns"))}};
    if (result.contains(QStringLiteral("certificatePem")))
        out.insert(QStringLiteral("certificatePem"), result.value(QStringLiteral("certificatePem")));
    return out;
}

Answer IotService::startThingRegistrationTask(const ApiCall& call)
{
    static const QRegularExpression bucketPattern(QStringLiteral("^[a-zA-Z0-9._-]{3,256}$"));
    const QString body = call.body.value(QStringLiteral("templateBody")).toString();
    const QString bucket = call.body.value(QStringLiteral("inputFileBucket")).toString();
    const QString key = call.body.value(QStringLiteral("inputFileKey")).toString();
    const QString role = call.body.value(QStringLiteral("roleArn")).toString();
    if (!bucketPattern.match(bucket).hasMatch())
        return invalidRequest(QStringLiteral("inputFileBucket must be 3 to 256 characters of [a-zA-Z0-9._-]"));
    if (key.isEmpty() || key.size() > 1024)
        return invalidRequest(QStringLiteral("inputFileKey must be 1 to 1024 characters"));
    if (role.size() < 20 || role.size() > 2048)
        return invalidRequest(QStringLiteral("roleArn must be 20 to 2048 characters"));
    auto parsed = provisioning::ProvisioningTemplate::parse(body.toUtf8());
    if (!parsed)
        return invalidRequest(QStringLiteral("templateBody: ") + parsed.error().message());
    for (const auto& task : m_registry.list(QStringLiteral("task"))) {
        if (task.value(QStringLiteral("status")).toString() == QStringLiteral("InProgress"))
            return invalidRequest(QStringLiteral("Thing registration task %1 is in progress; only one runs at a time")
                                      .arg(task.value(QStringLiteral("taskId")).toString()));
    }
    const QString taskId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const double now = epochSeconds(QDateTime::currentDateTimeUtc());
    const QJsonObject task{{QStringLiteral("taskId"), taskId},           {QStringLiteral("creationDate"), now},
                           {QStringLiteral("lastModifiedDate"), now},    {QStringLiteral("templateBody"), body},
                           {QStringLiteral("inputFileBucket"), bucket},  {QStringLiteral("inputFileKey"), key},
                           {QStringLiteral("roleArn"), role},            {QStringLiteral("status"), QStringLiteral("InProgress")},
                           {QStringLiteral("successCount"), 0},          {QStringLiteral("failureCount"), 0},
                           {QStringLiteral("percentageProgress"), 0}};
    if (!save(QStringLiteral("task"), taskId, task))
        return internalFailure(QStringLiteral("cannot store the task"));
    QTimer::singleShot(0, this, [this, taskId] { runRegistrationTask(taskId); });
    return QJsonObject{{QStringLiteral("taskId"), taskId}};
}

void IotService::runRegistrationTask(const QString& taskId)
{
    auto task = m_registry.get(QStringLiteral("task"), taskId);
    if (!task)
        return;
    auto parsed = provisioning::ProvisioningTemplate::parse(task->value(QStringLiteral("templateBody")).toString().toUtf8());
    const auto input = m_registry.object(task->value(QStringLiteral("inputFileBucket")).toString(),
                                         task->value(QStringLiteral("inputFileKey")).toString());
    int successes = 0;
    int failures = 0;
    QJsonArray errors;
    QJsonArray results;
    if (!input || !parsed) {
        task->insert(QStringLiteral("status"), QStringLiteral("Failed"));
        task->insert(QStringLiteral("message"), !input ? QStringLiteral("The input file s3://%1/%2 does not exist")
                                                             .arg(task->value(QStringLiteral("inputFileBucket")).toString(),
                                                                  task->value(QStringLiteral("inputFileKey")).toString())
                                                       : parsed.error().message());
    } else {
        qsizetype offset = 0;
        int lineNumber = 0;
        for (const QByteArray& line : input->split('\n')) {
            offset += line.size() + 1;
            if (line.trimmed().isEmpty())
                continue;
            ++lineNumber;
            QString failure;
            QJsonObject response;
            const QJsonObject row = QJsonDocument::fromJson(line).object();
            if (line.size() > kMaxInputLine || row.isEmpty()) {
                failure = QStringLiteral("line %1 is not a JSON object of at most 256 KB").arg(lineNumber);
            } else {
                QHash<QString, QString> values;
                for (auto it = row.begin(); it != row.end(); ++it)
                    values.insert(it.key(), it.value().toVariant().toString());
                auto rendered = parsed->render(values);
                if (!rendered) {
                    failure = rendered.error().message();
                } else {
                    auto provisioned = provision(rendered.value());
                    if (auto* error = std::get_if<ApiError>(&provisioned))
                        failure = error->type + QStringLiteral(": ") + error->message;
                    else
                        response = std::get<QJsonObject>(provisioned);
                }
            }
            // The observed ERRORS report shape: one JSON line per input line.
            if (failure.isEmpty()) {
                ++successes;
                results.append(QJsonObject{{QStringLiteral("lineNumber"), lineNumber}, {QStringLiteral("offset"), offset},
                                           {QStringLiteral("response"), response}});
            } else {
                ++failures;
                errors.append(QJsonObject{{QStringLiteral("errorMessage"), failure}, {QStringLiteral("lineNumber"), lineNumber},
                                          {QStringLiteral("offset"), offset}, {QStringLiteral("response"), QJsonValue()}});
            }
        }
        task->insert(QStringLiteral("status"), QStringLiteral("Completed"));
    }
    task->insert(QStringLiteral("successCount"), successes);
    task->insert(QStringLiteral("failureCount"), failures);
    task->insert(QStringLiteral("percentageProgress"), 100);
    task->insert(QStringLiteral("lastModifiedDate"), epochSeconds(QDateTime::currentDateTimeUtc()));
    task->insert(QStringLiteral("reports"), storeTaskReports(taskId, errors, results));
    (void)save(QStringLiteral("task"), taskId, *task);
}

Answer IotService::describeThingRegistrationTask(const ApiCall& call)
{
    auto task = m_registry.get(QStringLiteral("task"), call.pathParameters.value(0));
    if (!task)
        return notFound(QStringLiteral("Thing registration task %1 does not exist").arg(call.pathParameters.value(0)));
    QJsonObject out = *task;
    out.remove(QStringLiteral("reports"));
    return out;
}

}  // namespace imprint::emulator
