#include "app/iot-emulator/server/ControlPlane.h"

#include "core/Log.h"
#include "core/cloud/SigV4.h"

#include <QCryptographicHash>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QJsonDocument>
#include <QPointer>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTimer>
#include <QUuid>

namespace imprint::emulator {

namespace {

QByteArray methodName(QHttpServerRequest::Method method)
{
    switch (method) {
    case QHttpServerRequest::Method::Get: return "GET";
    case QHttpServerRequest::Method::Put: return "PUT";
    case QHttpServerRequest::Method::Delete: return "DELETE";
    case QHttpServerRequest::Method::Post: return "POST";
    case QHttpServerRequest::Method::Head: return "HEAD";
    case QHttpServerRequest::Method::Options: return "OPTIONS";
    case QHttpServerRequest::Method::Patch: return "PATCH";
    default: break;
    }
    return "UNKNOWN";
}

// The request as it came on the wire, for SigV4.
cloud::HttpRequest wireRequest(const QHttpServerRequest& request)
{
    cloud::HttpRequest wire;
    wire.method = methodName(request.method());
    wire.target = request.url().path(QUrl::FullyEncoded).toUtf8();
    const QString query = request.url().query(QUrl::FullyEncoded);
    if (!query.isEmpty())
        wire.target += '?' + query.toUtf8();
    for (const auto& [name, value] : request.headers())
        wire.headers.push_back({name, value});
    wire.body = request.body();
    return wire;
}

HttpReply jsonReply(int status, const QJsonObject& body)
{
    return {status, QJsonDocument(body).toJson(QJsonDocument::Compact), "application/json", {}};
}

HttpReply errorReply(const ApiError& error)
{
    HttpReply reply = jsonReply(error.status, {{QStringLiteral("message"), error.message}});
    reply.headers.push_back({"x-amzn-ErrorType", error.type.toUtf8()});
    return reply;
}

HttpReply s3Error(int status, const QByteArray& code, const QString& message)
{
    const QByteArray body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>"
                            + message.toHtmlEscaped().toUtf8() + "</Message></Error>";
    return {status, body, "application/xml", {}};
}

ApiError signatureError(const cloud::SignatureCheck& check)
{
    switch (check.failure) {
    case cloud::SignatureFailure::Missing:
        return {QStringLiteral("MissingAuthenticationTokenException"), 403, QStringLiteral("Missing Authentication Token")};
    case cloud::SignatureFailure::Malformed:
        return {QStringLiteral("IncompleteSignatureException"), 400, check.message};
    case cloud::SignatureFailure::UnknownKey:
        return {QStringLiteral("UnrecognizedClientException"), 403, check.message};
    case cloud::SignatureFailure::Expired:
    case cloud::SignatureFailure::Mismatch:
        break;
    }
    return {QStringLiteral("InvalidSignatureException"), 403, check.message};
}

}  // namespace

Result<FaultSettings> FaultSettings::parse(const QString& text)
{
    FaultSettings settings;
    for (const QString& item : text.split(u',', Qt::SkipEmptyParts)) {
        const QString key = item.section(u'=', 0, 0).trimmed();
        bool ok = false;
        const double value = item.section(u'=', 1).trimmed().toDouble(&ok);
        if (!ok || value < 0 || (key != QStringLiteral("latency-ms") && value > 1))
            return Error(ErrorCode::InvalidInput, QStringLiteral("--fault: '%1' needs a number (a rate from 0 to 1, "
                                                                 "or milliseconds for latency-ms)")
                                                      .arg(item));
        if (key == QStringLiteral("throttle"))
            settings.throttleRate = value;
        else if (key == QStringLiteral("5xx"))
            settings.serverErrorRate = value;
        else if (key == QStringLiteral("latency-ms"))
            settings.latencyMs = static_cast<int>(value);
        else
            return Error(ErrorCode::InvalidInput,
                         QStringLiteral("--fault: unknown fault '%1' (use throttle, 5xx, latency-ms)").arg(key));
    }
    return settings;
}

ControlPlane::ControlPlane(IotService& service, std::shared_ptr<const CredentialMap> credentials,
                           FaultSettings faults, QObject* parent)
    : QAbstractHttpServer(parent), m_service(service), m_credentials(std::move(credentials)), m_faults(faults)
{
    using S = IotService;
    const QString name = QStringLiteral("([^/]+)");
    struct Spec
    {
        QByteArray method;
        QString pattern;
        Answer (IotService::*handler)(const ApiCall&);
    };
    const QList<Spec> specs = {
        {"GET", QStringLiteral("/registrationcode"), &S::getRegistrationCode},
        {"POST", QStringLiteral("/cacertificate"), &S::registerCaCertificate},
        {"GET", QStringLiteral("/cacertificates"), &S::listCaCertificates},
        {"GET", QStringLiteral("/cacertificate/") + name, &S::describeCaCertificate},
        {"PUT", QStringLiteral("/cacertificate/") + name, &S::updateCaCertificate},
        {"POST", QStringLiteral("/provisioning-templates"), &S::createProvisioningTemplate},
        {"GET", QStringLiteral("/provisioning-templates"), &S::listProvisioningTemplates},
        {"GET", QStringLiteral("/provisioning-templates/") + name, &S::describeProvisioningTemplate},
        {"PATCH", QStringLiteral("/provisioning-templates/") + name, &S::updateProvisioningTemplate},
        {"DELETE", QStringLiteral("/provisioning-templates/") + name, &S::deleteProvisioningTemplate},
        {"POST", QStringLiteral("/provisioning-templates/%1/versions").arg(name), &S::createProvisioningTemplateVersion},
        {"GET", QStringLiteral("/provisioning-templates/%1/versions").arg(name), &S::listProvisioningTemplateVersions},
        {"GET", QStringLiteral("/provisioning-templates/%1/versions/%1").arg(name), &S::describeProvisioningTemplateVersion},
        {"DELETE", QStringLiteral("/provisioning-templates/%1/versions/%1").arg(name), &S::deleteProvisioningTemplateVersion},
        {"POST", QStringLiteral("/provisioning-templates/%1/provisioning-claim").arg(name), &S::createProvisioningClaim},
        {"POST", QStringLiteral("/things"), &S::registerThing},
        {"POST", QStringLiteral("/things/") + name, &S::createThing},
        {"GET", QStringLiteral("/things/") + name, &S::describeThing},
        {"PUT", QStringLiteral("/things/%1/principals").arg(name), &S::attachThingPrincipal},
        {"GET", QStringLiteral("/things/%1/principals").arg(name), &S::listThingPrincipals},
        {"POST", QStringLiteral("/thing-types/") + name, &S::createThingType},
        {"POST", QStringLiteral("/thing-groups/") + name, &S::createThingGroup},
        {"POST", QStringLiteral("/certificate/register"), &S::registerCertificate},
        {"POST", QStringLiteral("/certificate/register-no-ca"), &S::registerCertificateWithoutCa},
        {"GET", QStringLiteral("/certificates/") + name, &S::describeCertificate},
        {"PUT", QStringLiteral("/certificates/") + name, &S::updateCertificate},
        {"POST", QStringLiteral("/keys-and-certificate"), &S::createKeysAndCertificate},
        {"POST", QStringLiteral("/policies/") + name, &S::createPolicy},
        {"PUT", QStringLiteral("/target-policies/") + name, &S::attachPolicy},
        // The target is an ARN: its '/' arrives percent-encoded and is decoded before matching.
        {"POST", QStringLiteral("/attached-policies/(.+)"), &S::listAttachedPolicies},
        {"POST", QStringLiteral("/thing-registration-tasks"), &S::startThingRegistrationTask},
        {"GET", QStringLiteral("/thing-registration-tasks/") + name, &S::describeThingRegistrationTask},
        {"GET", QStringLiteral("/thing-registration-tasks/%1/reports").arg(name), &S::listThingRegistrationTaskReports},
    };
    for (const auto& spec : specs)
        m_routes.push_back({spec.method, QRegularExpression(QRegularExpression::anchoredPattern(spec.pattern)), spec.handler});
}

bool ControlPlane::handleRequest(const QHttpServerRequest& request, QTcpSocket* socket)
{
    send(request, socket, answer(request));
    return true;
}

void ControlPlane::missingHandler(const QHttpServerRequest& request, QTcpSocket* socket)
{
    send(request, socket, errorReply({QStringLiteral("UnknownOperationException"), 404, QStringLiteral("No such operation")}));
}

HttpReply ControlPlane::answer(const QHttpServerRequest& request)
{
    const auto lookup = [credentials = m_credentials](const QString& keyId) -> std::optional<SecureBytes> {
        const auto it = credentials->find(keyId);
        if (it == credentials->end())
            return std::nullopt;
        return SecureBytes(it->second.data(), it->second.size());
    };
    const cloud::SignatureCheck check = cloud::verifyRequest(wireRequest(request), lookup, QDateTime::currentDateTimeUtc());
    const bool s3 = check.verified ? check.verified->service == QStringLiteral("s3")
                                   : request.value("authorization").contains("/s3/aws4_request");
    if (!check.verified) {
        qCInfo(lcCloud).noquote() << methodName(request.method()) << request.url().path() << "rejected:" << check.message;
        if (s3)
            return s3Error(403, check.failure == cloud::SignatureFailure::UnknownKey ? "InvalidAccessKeyId" : "SignatureDoesNotMatch",
                           check.message);
        return errorReply(signatureError(check));
    }
    if (s3)
        return s3Reply(request);
    const QString service = check.verified->service;
    if (service != QStringLiteral("iot") && service != QStringLiteral("execute-api"))
        return errorReply({QStringLiteral("InvalidSignatureException"), 403,
                           QStringLiteral("Credential should be scoped to correct service: 'iot'.")});
    const double roll = QRandomGenerator::global()->generateDouble();
    if (roll < m_faults.throttleRate)
        return errorReply({QStringLiteral("ThrottlingException"), 429, QStringLiteral("Rate exceeded")});
    if (roll < m_faults.throttleRate + m_faults.serverErrorRate)
        return errorReply({QStringLiteral("ServiceUnavailableException"), 503, QStringLiteral("Service Unavailable (injected)")});
    return iotReply(request);
}

HttpReply ControlPlane::iotReply(const QHttpServerRequest& request)
{
    const QByteArray method = methodName(request.method());
    const QString path = request.url().path(QUrl::FullyDecoded);
    for (const auto& route : m_routes) {
        if (route.method != method)
            continue;
        const auto match = route.path.match(path);
        if (!match.hasMatch())
            continue;
        ApiCall call;
        call.pathParameters = match.capturedTexts().mid(1);
        call.query = QUrlQuery(request.url());
        for (const auto& [name, value] : request.headers())
            call.headers.insert(name.toLower(), value);
        if (!request.body().isEmpty()) {
            QJsonParseError parseError{};
            const QJsonDocument body = QJsonDocument::fromJson(request.body(), &parseError);
            if (!body.isObject())
                return errorReply(invalidRequest(QStringLiteral("The request body is not a JSON object: %1").arg(parseError.errorString())));
            call.body = body.object();
        }
        const Answer result = (m_service.*route.handler)(call);
        if (const auto* error = std::get_if<ApiError>(&result)) {
            qCInfo(lcCloud).noquote() << method << path << "->" << error->status << error->type << error->message;
            return errorReply(*error);
        }
        qCInfo(lcCloud).noquote() << method << path << "-> 200";
        return jsonReply(200, std::get<QJsonObject>(result));
    }
    return errorReply({QStringLiteral("UnknownOperationException"), 404,
                       QStringLiteral("No AWS IoT operation for %1 %2 in this emulator").arg(QString::fromLatin1(method), path)});
}

HttpReply ControlPlane::s3Reply(const QHttpServerRequest& request)
{
    const QString path = request.url().path(QUrl::FullyDecoded);
    const qsizetype slash = path.indexOf(u'/', 1);
    if (slash < 0)
        return s3Error(400, "InvalidRequest", QStringLiteral("Only path-style object requests (/bucket/key) are supported"));
    const QString bucket = path.mid(1, slash - 1);
    const QString key = path.mid(slash + 1);
    if (request.method() == QHttpServerRequest::Method::Put) {
        if (!m_service.registry().putObject(bucket, key, request.body()))
            return s3Error(500, "InternalError", QStringLiteral("cannot store the object"));
        HttpReply reply{200, {}, "application/xml", {}};
        reply.headers.push_back({"ETag", '"' + QCryptographicHash::hash(request.body(), QCryptographicHash::Md5).toHex() + '"'});
        return reply;
    }
    if (request.method() == QHttpServerRequest::Method::Get) {
        const auto data = m_service.registry().object(bucket, key);
        if (!data)
            return s3Error(404, "NoSuchKey", QStringLiteral("The specified key does not exist."));
        return {200, *data, "application/octet-stream", {}};
    }
    return s3Error(405, "MethodNotAllowed", QStringLiteral("Only PutObject and GetObject are emulated"));
}

void ControlPlane::send(const QHttpServerRequest& request, QTcpSocket* socket, HttpReply reply)
{
    reply.headers.push_back({"x-amzn-RequestId", QUuid::createUuid().toString(QUuid::WithoutBraces).toLatin1()});
    auto responder = std::make_shared<QHttpServerResponder>(makeResponder(request, socket));
    auto write = [responder, reply, guard = QPointer<QTcpSocket>(socket)] {
        if (!guard)
            return;
        responder->writeStatusLine(static_cast<QHttpServerResponder::StatusCode>(reply.status));
        responder->writeHeader("Content-Type", reply.contentType);
        responder->writeHeader("Content-Length", QByteArray::number(reply.body.size()));
        for (const auto& [name, value] : reply.headers)
            responder->writeHeader(name, value);
        responder->writeBody(reply.body);
    };
    if (m_faults.latencyMs > 0)
        QTimer::singleShot(m_faults.latencyMs, this, write);
    else
        write();
}

}  // namespace imprint::emulator
