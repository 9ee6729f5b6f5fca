#include "core/cloud/AwsIotClient.h"

#include <QJsonDocument>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QUrlQuery>

namespace imprint::cloud {

namespace {

constexpr double kS3PutTps = 3500.0;  // S3 performance guidelines: 3,500 PUT/s per prefix
constexpr double kS3GetTps = 5500.0;  // and 5,500 GET/s

QByteArray queryText(const QJsonValue& value)
{
    if (value.isBool())
        return value.toBool() ? "true" : "false";
    if (value.isDouble())
        return QByteArray::number(value.toInteger());
    return value.toString().toUtf8();
}

bool isSimple(const QJsonValue& value) { return value.isString() || value.isBool() || value.isDouble(); }

Result<QJsonObject> jsonBody(const QString& operation, Result<AwsResponse> response)
{
    if (!response)
        return response.error();
    if (response->body.trimmed().isEmpty())
        return QJsonObject();
    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(response->body, &parseError);
    if (!document.isObject())
        return Error(ErrorCode::CloudRejected,
                     QStringLiteral("AWS iot %1: the answer is not a JSON object (%2)").arg(operation, parseError.errorString()));
    return document.object();
}

QJsonObject stringMap(const QHash<QString, QString>& values)
{
    QJsonObject object;
    for (auto it = values.begin(); it != values.end(); ++it)
        object.insert(it.key(), it.value());
    return object;
}

void insertIfSet(QJsonObject& object, const QString& key, const QString& value)
{
    if (!value.isEmpty())
        object.insert(key, value);
}

QUrl defaultEndpoint(const QString& service, const QString& region)
{
    return QUrl(QStringLiteral("https://%1.%2.amazonaws.com").arg(service, region));
}


}  // namespace

QJsonObject RegistrationConfig::toJson() const
{
    QJsonObject object;
    insertIfSet(object, QStringLiteral("templateBody"), templateBody);
    insertIfSet(object, QStringLiteral("templateName"), templateName);
    insertIfSet(object, QStringLiteral("roleArn"), roleArn);
    return object;
}

AwsIotClient::AwsIotClient(AwsEndpoint endpoint, AwsCredentials credentials, AwsClientOptions options, QObject* parent)
    : QObject(parent)
{
    auto shared = std::make_shared<const AwsCredentials>(std::move(credentials));
    AwsEndpoint s3{endpoint.baseUrl, endpoint.region, QStringLiteral("s3"), true};
    if (endpoint.baseUrl.host().endsWith(QLatin1String(".amazonaws.com")))
        s3.baseUrl = defaultEndpoint(QStringLiteral("s3"), endpoint.region);
    m_iot = new AwsRestClient(std::move(endpoint), shared, options, this);
    m_s3 = new AwsRestClient(std::move(s3), shared, std::move(options), this);
    for (const IotOperationSpec& spec : iotOperations())
        m_iot->setRateLimit(QLatin1String(spec.name), spec.defaultTps);
    m_s3->setRateLimit(QStringLiteral("PutObject"), kS3PutTps);
    m_s3->setRateLimit(QStringLiteral("GetObject"), kS3GetTps);
}

Result<std::unique_ptr<AwsIotClient>> AwsIotClient::create(AwsSettings settings, AwsClientOptions options,
                                                           QObject* parent)
{
    if (settings.region.isEmpty())
        return Error(ErrorCode::InvalidInput,
                     QStringLiteral("no AWS region: set AWS_REGION, give --region, or add 'region' to profile '%1'")
                         .arg(settings.profile));
    QUrl base = settings.endpointUrl.isEmpty() ? defaultEndpoint(QStringLiteral("iot"), settings.region)
                                               : QUrl(settings.endpointUrl, QUrl::StrictMode);
    if (!base.isValid() || (base.scheme() != QLatin1String("https") && base.scheme() != QLatin1String("http"))
        || base.host().isEmpty())
        return Error(ErrorCode::InvalidInput,
                     QStringLiteral("endpoint URL '%1' is not an http(s) URL").arg(settings.endpointUrl));
    AwsEndpoint endpoint{base, settings.region, QStringLiteral("iot"), false};
    return std::make_unique<AwsIotClient>(std::move(endpoint), std::move(settings.credentials), std::move(options),
                                          parent);
}

Result<AwsRestRequest> AwsIotClient::buildRequest(IotOperation operation, const QJsonObject& input)
{
    const IotOperationSpec& spec = iotOperation(operation);
    const QString name = QLatin1String(spec.name);
    AwsRestRequest request{name, spec.method, spec.requestUri, {}, {}, {}, {}};
    QJsonObject body;
    bool hasBodyMembers = false;
    QStringList known;
    for (const IotMember& member : spec.members) {
        known.append(QLatin1String(member.name));
        hasBodyMembers = hasBodyMembers || member.location == MemberLocation::Body;
        const QJsonValue value = input.value(QLatin1String(member.name));
        if (value.isUndefined() || value.isNull()) {
            if (member.required)
                return Error(ErrorCode::InvalidInput,
                             QStringLiteral("%1: missing required member '%2'").arg(name, QLatin1String(member.name)));
            continue;
        }
        if (member.location != MemberLocation::Body && !isSimple(value))
            return Error(ErrorCode::InvalidInput, QStringLiteral("%1: member '%2' must be a string, number or boolean")
                                                      .arg(name, QLatin1String(member.name)));
        switch (member.location) {
        case MemberLocation::Uri: {
            if (queryText(value).isEmpty())
                return Error(ErrorCode::InvalidInput,
                             QStringLiteral("%1: member '%2' must not be empty").arg(name, QLatin1String(member.name)));
            const QByteArray label = '{' + QByteArray(member.locationName) + '}';
            request.path.replace(label, uriEncode(queryText(value)));
            break;
        }
        case MemberLocation::Query: request.query.append({member.locationName, queryText(value)}); break;
        case MemberLocation::Header: request.headers.append({member.locationName, queryText(value)}); break;
        case MemberLocation::Body: body.insert(QLatin1String(member.name), value); break;
        }
    }
    for (auto it = input.begin(); it != input.end(); ++it)
        if (!known.contains(it.key()))
            return Error(ErrorCode::InvalidInput, QStringLiteral("%1: unknown member '%2' (known: %3)")
                                                      .arg(name, it.key(), known.join(QStringLiteral(", "))));
    if (hasBodyMembers) {
        request.contentType = "application/json";
        request.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    }
    return request;
}

void AwsIotClient::call(IotOperation operation, const QJsonObject& input, JsonCallback done)
{
    auto request = buildRequest(operation, input);
    if (!request) {
        done(request.error());
        return;
    }
    const QString name = request->operation;
    m_iot->send(std::move(request.value()),
                [name, done = std::move(done)](Result<AwsResponse> response) { done(jsonBody(name, std::move(response))); });
}

void AwsIotClient::getRegistrationCode(JsonCallback done) { call(IotOperation::GetRegistrationCode, {}, std::move(done)); }

void AwsIotClient::registerCaCertificate(const RegisterCaCertificateInput& input, JsonCallback done)
{
    QJsonObject json{{QStringLiteral("caCertificate"), input.caCertificatePem},
                     {QStringLiteral("setAsActive"), input.setAsActive},
                     {QStringLiteral("allowAutoRegistration"), input.allowAutoRegistration}};
    insertIfSet(json, QStringLiteral("verificationCertificate"), input.verificationCertificatePem);
    insertIfSet(json, QStringLiteral("certificateMode"), input.certificateMode);
    if (input.registrationConfig)
        json.insert(QStringLiteral("registrationConfig"), input.registrationConfig->toJson());
    call(IotOperation::RegisterCACertificate, json, std::move(done));
}

void AwsIotClient::describeCaCertificate(const QString& certificateId, JsonCallback done)
{
    call(IotOperation::DescribeCACertificate, {{QStringLiteral("certificateId"), certificateId}}, std::move(done));
}

void AwsIotClient::updateCaCertificate(const QString& certificateId, const QString& newStatus,
                                       const QString& newAutoRegistrationStatus,
                                       const std::optional<RegistrationConfig>& registrationConfig, JsonCallback done)
{
    QJsonObject json{{QStringLiteral("certificateId"), certificateId}};
    insertIfSet(json, QStringLiteral("newStatus"), newStatus);
    insertIfSet(json, QStringLiteral("newAutoRegistrationStatus"), newAutoRegistrationStatus);
    if (registrationConfig)
        json.insert(QStringLiteral("registrationConfig"), registrationConfig->toJson());
    call(IotOperation::UpdateCACertificate, json, std::move(done));
}

void AwsIotClient::listCaCertificates(const QString& marker, JsonCallback done)
{
    QJsonObject json;
    insertIfSet(json, QStringLiteral("marker"), marker);
    call(IotOperation::ListCACertificates, json, std::move(done));
}

void AwsIotClient::createProvisioningTemplate(const CreateProvisioningTemplateInput& input, JsonCallback done)
{
    QJsonObject json{{QStringLiteral("templateName"), input.templateName},
                     {QStringLiteral("templateBody"), input.templateBody},
                     {QStringLiteral("provisioningRoleArn"), input.provisioningRoleArn},
                     {QStringLiteral("enabled"), input.enabled}};
    insertIfSet(json, QStringLiteral("description"), input.description);
    insertIfSet(json, QStringLiteral("type"), input.type);
    call(IotOperation::CreateProvisioningTemplate, json, std::move(done));
}

void AwsIotClient::deleteProvisioningTemplate(const QString& templateName, JsonCallback done)
{
    call(IotOperation::DeleteProvisioningTemplate, {{QStringLiteral("templateName"), templateName}}, std::move(done));
}

void AwsIotClient::describeProvisioningTemplate(const QString& templateName, JsonCallback done)
{
    call(IotOperation::DescribeProvisioningTemplate, {{QStringLiteral("templateName"), templateName}}, std::move(done));
}

void AwsIotClient::listProvisioningTemplates(const QString& nextToken, JsonCallback done)
{
    QJsonObject json;
    insertIfSet(json, QStringLiteral("nextToken"), nextToken);
    call(IotOperation::ListProvisioningTemplates, json, std::move(done));
}

void AwsIotClient::updateProvisioningTemplate(const QString& templateName, const QJsonObject& changes, JsonCallback done)
{
    QJsonObject json = changes;
    json.insert(QStringLiteral("templateName"), templateName);
    call(IotOperation::UpdateProvisioningTemplate, json, std::move(done));
}

void AwsIotClient::createProvisioningTemplateVersion(const QString& templateName, const QString& templateBody,
                                                     bool setAsDefault, JsonCallback done)
{
    call(IotOperation::CreateProvisioningTemplateVersion,
         {{QStringLiteral("templateName"), templateName},
          {QStringLiteral("templateBody"), templateBody},
          {QStringLiteral("setAsDefault"), setAsDefault}},
         std::move(done));
}

void AwsIotClient::deleteProvisioningTemplateVersion(const QString& templateName, int versionId, JsonCallback done)
{
    call(IotOperation::DeleteProvisioningTemplateVersion,
         {{QStringLiteral("templateName"), templateName}, {QStringLiteral("versionId"), versionId}}, std::move(done));
}

void AwsIotClient::describeProvisioningTemplateVersion(const QString& templateName, int versionId, JsonCallback done)
{
    call(IotOperation::DescribeProvisioningTemplateVersion,
         {{QStringLiteral("templateName"), templateName}, {QStringLiteral("versionId"), versionId}}, std::move(done));
}

void AwsIotClient::listProvisioningTemplateVersions(const QString& templateName, const QString& nextToken,
                                                    JsonCallback done)
{
    QJsonObject json{{QStringLiteral("templateName"), templateName}};
    insertIfSet(json, QStringLiteral("nextToken"), nextToken);
    call(IotOperation::ListProvisioningTemplateVersions, json, std::move(done));
}

void AwsIotClient::createProvisioningClaim(const QString& templateName, JsonCallback done)
{
    call(IotOperation::CreateProvisioningClaim, {{QStringLiteral("templateName"), templateName}}, std::move(done));
}

void AwsIotClient::registerThing(const QString& templateBody, const QHash<QString, QString>& parameters,
                                 JsonCallback done)
{
    call(IotOperation::RegisterThing,
         {{QStringLiteral("templateBody"), templateBody}, {QStringLiteral("parameters"), stringMap(parameters)}},
         std::move(done));
}

void AwsIotClient::createThing(const QString& thingName, const QString& thingTypeName,
                               const QHash<QString, QString>& attributes, JsonCallback done)
{
    QJsonObject json{{QStringLiteral("thingName"), thingName}};
    insertIfSet(json, QStringLiteral("thingTypeName"), thingTypeName);
    if (!attributes.isEmpty())
        json.insert(QStringLiteral("attributePayload"), QJsonObject{{QStringLiteral("attributes"), stringMap(attributes)}});
    call(IotOperation::CreateThing, json, std::move(done));
}

void AwsIotClient::describeThing(const QString& thingName, JsonCallback done)
{
    call(IotOperation::DescribeThing, {{QStringLiteral("thingName"), thingName}}, std::move(done));
}

void AwsIotClient::registerCertificate(const QString& certificatePem, const QString& caCertificatePem,
                                       const QString& status, JsonCallback done)
{
    QJsonObject json{{QStringLiteral("certificatePem"), certificatePem}};
    insertIfSet(json, QStringLiteral("caCertificatePem"), caCertificatePem);
    insertIfSet(json, QStringLiteral("status"), status);
    call(IotOperation::RegisterCertificate, json, std::move(done));
}

void AwsIotClient::registerCertificateWithoutCa(const QString& certificatePem, const QString& status, JsonCallback done)
{
    QJsonObject json{{QStringLiteral("certificatePem"), certificatePem}};
    insertIfSet(json, QStringLiteral("status"), status);
    call(IotOperation::RegisterCertificateWithoutCA, json, std::move(done));
}

void AwsIotClient::describeCertificate(const QString& certificateId, JsonCallback done)
{
    call(IotOperation::DescribeCertificate, {{QStringLiteral("certificateId"), certificateId}}, std::move(done));
}

void AwsIotClient::updateCertificate(const QString& certificateId, const QString& newStatus, JsonCallback done)
{
    call(IotOperation::UpdateCertificate,
         {{QStringLiteral("certificateId"), certificateId}, {QStringLiteral("newStatus"), newStatus}}, std::move(done));
}

void AwsIotClient::createPolicy(const QString& policyName, const QString& policyDocument, JsonCallback done)
{
    call(IotOperation::CreatePolicy,
         {{QStringLiteral("policyName"), policyName}, {QStringLiteral("policyDocument"), policyDocument}},
         std::move(done));
}

void AwsIotClient::attachPolicy(const QString& policyName, const QString& target, JsonCallback done)
{
    call(IotOperation::AttachPolicy, {{QStringLiteral("policyName"), policyName}, {QStringLiteral("target"), target}},
         std::move(done));
}

void AwsIotClient::attachThingPrincipal(const QString& thingName, const QString& principal, JsonCallback done)
{
    call(IotOperation::AttachThingPrincipal,
         {{QStringLiteral("thingName"), thingName}, {QStringLiteral("principal"), principal}}, std::move(done));
}

void AwsIotClient::startThingRegistrationTask(const QString& templateBody, const QString& inputFileBucket,
                                              const QString& inputFileKey, const QString& roleArn, JsonCallback done)
{
    call(IotOperation::StartThingRegistrationTask,
         {{QStringLiteral("templateBody"), templateBody},
          {QStringLiteral("inputFileBucket"), inputFileBucket},
          {QStringLiteral("inputFileKey"), inputFileKey},
          {QStringLiteral("roleArn"), roleArn}},
         std::move(done));
}

void AwsIotClient::startThingRegistrationTaskWithUpload(const QString& templateBody, const QString& inputFileBucket,
                                                        const QString& inputFileKey, const QString& roleArn,
                                                        const QByteArray& inputFile, JsonCallback done)
{
    putS3Object(inputFileBucket, inputFileKey, inputFile,
                [this, templateBody, inputFileBucket, inputFileKey, roleArn, done = std::move(done)](
                    Result<QJsonObject> uploaded) mutable {
                    if (!uploaded) {
                        done(uploaded.error().withContext(QStringLiteral("uploading the bulk registration input file")));
                        return;
                    }
                    startThingRegistrationTask(templateBody, inputFileBucket, inputFileKey, roleArn, std::move(done));
                });
}

void AwsIotClient::describeThingRegistrationTask(const QString& taskId, JsonCallback done)
{
    call(IotOperation::DescribeThingRegistrationTask, {{QStringLiteral("taskId"), taskId}}, std::move(done));
}

void AwsIotClient::listThingRegistrationTaskReports(const QString& taskId, const QString& reportType,
                                                    const QString& nextToken, JsonCallback done)
{
    QJsonObject json{{QStringLiteral("taskId"), taskId}, {QStringLiteral("reportType"), reportType}};
    insertIfSet(json, QStringLiteral("nextToken"), nextToken);
    call(IotOperation::ListThingRegistrationTaskReports, json, std::move(done));
}

void AwsIotClient::fetchTaskReport(const QString& link, JsonCallback done)
{
    const QUrl url(link, QUrl::StrictMode);
    if (!url.isValid() || (url.scheme() != QLatin1String("https") && url.scheme() != QLatin1String("http"))) {
        done(Error(ErrorCode::CloudRejected, QStringLiteral("task report link '%1' is not an http(s) URL").arg(link)));
        return;
    }
    if (QUrlQuery(url).hasQueryItem(QStringLiteral("X-Amz-Signature"))) {
        fetchPresigned(url, std::move(done));
        return;
    }
    const QUrl s3 = m_s3->endpoint().baseUrl;
    if (url.host() != s3.host() || url.port() != s3.port()) {
        done(Error(ErrorCode::CloudRejected, QStringLiteral("task report link '%1' is neither presigned nor on the S3 "
                                                            "endpoint %2")
                                                 .arg(link, s3.toString())));
        return;
    }
    const QString path = url.path(QUrl::FullyDecoded);
    const qsizetype slash = path.indexOf(u'/', 1);
    if (slash < 0) {
        done(Error(ErrorCode::CloudRejected, QStringLiteral("task report link '%1' names no bucket and key").arg(link)));
        return;
    }
    getS3Object(path.mid(1, slash - 1), path.mid(slash + 1), std::move(done));
}

void AwsIotClient::fetchPresigned(const QUrl& url, JsonCallback done)
{
    if (!m_presigned)
        m_presigned = new QNetworkAccessManager(this);
    QNetworkRequest request(url);
    request.setTransferTimeout(30'000);
    QNetworkReply* reply = m_presigned->get(request);
    connect(reply, &QNetworkReply::finished, this, [reply, done = std::move(done)] {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (reply->error() != QNetworkReply::NoError && status == 0) {
            done(Error(ErrorCode::Network, QStringLiteral("fetching a task report: %1").arg(reply->errorString())));
            return;
        }
        if (status < 200 || status > 299) {
            done(Error(status == 404 ? ErrorCode::NotFound : ErrorCode::CloudRejected,
                       QStringLiteral("fetching a task report: HTTP %1").arg(status)));
            return;
        }
        done(QJsonObject{{QStringLiteral("data"), QString::fromUtf8(reply->readAll())}});
    });
}

void AwsIotClient::putS3Object(const QString& bucket, const QString& key, const QByteArray& data, JsonCallback done)
{
    if (bucket.isEmpty() || key.isEmpty()) {
        done(Error(ErrorCode::InvalidInput, QStringLiteral("S3 PutObject: the bucket and the key must not be empty")));
        return;
    }
    AwsRestRequest request{QStringLiteral("PutObject"),
                           "PUT",
                           '/' + uriEncode(bucket.toUtf8()) + '/' + uriEncode(key.toUtf8(), true),
                           {},
                           {},
                           "application/octet-stream",
                           data};
    m_s3->send(std::move(request), [done = std::move(done)](Result<AwsResponse> response) {
        if (!response) {
            done(response.error());
            return;
        }
        done(QJsonObject{{QStringLiteral("requestId"), QString::fromUtf8(response->requestId)}});
    });
}

void AwsIotClient::getS3Object(const QString& bucket, const QString& key, JsonCallback done)
{
    if (bucket.isEmpty() || key.isEmpty()) {
        done(Error(ErrorCode::InvalidInput, QStringLiteral("S3 GetObject: the bucket and the key must not be empty")));
        return;
    }
    AwsRestRequest request{QStringLiteral("GetObject"),
                           "GET",
                           '/' + uriEncode(bucket.toUtf8()) + '/' + uriEncode(key.toUtf8(), true),
                           {},
                           {},
                           {},
                           {}};
    m_s3->send(std::move(request), [done = std::move(done)](Result<AwsResponse> response) {
        if (!response) {
            done(response.error());
            return;
        }
        done(QJsonObject{{QStringLiteral("data"), QString::fromUtf8(response->body)}});
    });
}

const IotOperationSpec& iotOperation(IotOperation id)
{
    return iotOperations().at(static_cast<std::size_t>(id));
}

const IotOperationSpec* findIotOperation(const QString& name)
{
    for (const IotOperationSpec& spec : iotOperations())
        if (name.compare(QLatin1String(spec.name), Qt::CaseInsensitive) == 0)
            return &spec;
    return nullptr;
}

}  // namespace imprint::cloud
