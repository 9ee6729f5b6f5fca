#pragma once

// The emulator's HTTP side (Qt HttpServer): every request's SigV4 signature is verified
// against the configured credentials (signing names iot and execute-api for AWS IoT, s3 for
// the minimal path-style S3 endpoint that bulk registration reads its input file from), the
// request is routed by AWS IoT's method and path to IotService, and the answer goes back with
// AWS's status codes, x-amzn-ErrorType header and JSON error body. Faults (throttling, 5xx,
// latency) are injected here.

#include "app/iot-emulator/server/IotService.h"
#include "core/SecureBytes.h"

#include <QAbstractHttpServer>
#include <QRegularExpression>

#include <map>
#include <memory>

class QHttpServerResponder;

namespace imprint::emulator {

// Access key id -> secret key (move-only secrets, hence std::map rather than QHash).
using CredentialMap = std::map<QString, SecureBytes>;

struct FaultSettings
{
    double throttleRate = 0.0;     // share of IoT requests answered 429 ThrottlingException
    double serverErrorRate = 0.0;  // share answered 503 ServiceUnavailableException
    int latencyMs = 0;             // added before every answer

    // "throttle=0.1,5xx=0.05,latency-ms=20"
    [[nodiscard]] static Result<FaultSettings> parse(const QString& text);
};

struct HttpReply
{
    int status = 200;
    QByteArray body;
    QByteArray contentType = "application/json";
    QList<std::pair<QByteArray, QByteArray>> headers;
};

class ControlPlane : public QAbstractHttpServer
{
    Q_OBJECT
public:
    // `credentials`: access key id -> secret key.
    ControlPlane(IotService& service, std::shared_ptr<const CredentialMap> credentials,
                 FaultSettings faults, QObject* parent = nullptr);

protected:
    bool handleRequest(const QHttpServerRequest& request, QTcpSocket* socket) override;
    void missingHandler(const QHttpServerRequest& request, QTcpSocket* socket) override;

private:
    struct Route
    {
        QByteArray method;
        QRegularExpression path;  // anchored; captures are the path parameters
        Answer (IotService::*handler)(const ApiCall&);
    };

    HttpReply answer(const QHttpServerRequest& request);
    HttpReply iotReply(const QHttpServerRequest& request);
    HttpReply s3Reply(const QHttpServerRequest& request);
    void send(const QHttpServerRequest& request, QTcpSocket* socket, HttpReply reply);

    IotService& m_service;
    std::shared_ptr<const CredentialMap> m_credentials;
    FaultSettings m_faults;
    QList<Route> m_routes;
};

}  // namespace imprint::emulator
