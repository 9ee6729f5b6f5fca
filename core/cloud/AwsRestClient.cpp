#include "core/cloud/AwsRestClient.h"

#include "core/Log.h"
#include "core/cloud/AwsErrors.h"

#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRandomGenerator>
#include <QTimer>

namespace imprint::cloud {

struct AwsRestClient::Call
{
    AwsRestRequest request;
    Callback done;
    int attempts = 0;
};

namespace {

QByteArray hostHeader(const QUrl& url)
{
    const int defaultPort = url.scheme() == QLatin1String("https") ? 443 : 80;
    QByteArray host = url.host(QUrl::FullyEncoded).toUtf8();
    if (url.port(defaultPort) != defaultPort)
        host += ':' + QByteArray::number(url.port());
    return host;
}

QByteArray encodedTarget(const QUrl& base, const AwsRestRequest& request)
{
    QByteArray path = base.path(QUrl::FullyEncoded).toUtf8();
    while (path.endsWith('/'))
        path.chop(1);
    path += request.path;
    QList<QByteArray> query;
    for (const auto& [name, value] : request.query)
        query.append(uriEncode(name) + '=' + uriEncode(value));
    return query.isEmpty() ? path : path + '?' + query.join('&');
}

// The request as it goes out, for the debug log: never the signature or the session token.
QString redactedForLog(const HttpRequest& request)
{
    QString text = QString::fromUtf8(request.method + ' ' + request.target);
    for (const HttpHeader& header : request.headers) {
        const QByteArray name = header.name.toLower();
        const bool secret = name == "authorization" || name == "x-amz-security-token";
        text += QStringLiteral(" | %1: %2").arg(QString::fromUtf8(header.name),
                                                 secret ? QStringLiteral("<redacted>") : QString::fromUtf8(header.value));
    }
    return text;
}

}  // namespace

AwsRestClient::AwsRestClient(AwsEndpoint endpoint, std::shared_ptr<const AwsCredentials> credentials,
                             AwsClientOptions options, QObject* parent)
    : QObject(parent), m_endpoint(std::move(endpoint)), m_credentials(std::move(credentials)),
      m_options(std::move(options)), m_limiter(m_options.rateBurst), m_network(this)
{
    if (m_options.clock == nullptr)
        m_ownClock = std::make_unique<SystemClock>();
    m_clock = m_options.clock != nullptr ? m_options.clock : m_ownClock.get();
    // Redirects would be re-sent unsigned or with a stale signature: AWS never redirects these APIs.
    m_network.setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
}

AwsRestClient::~AwsRestClient()
{
    // Replies still in flight must not call back into a half-destroyed client.
    for (QNetworkReply* reply : m_network.findChildren<QNetworkReply*>()) {
        reply->disconnect(this);
        reply->abort();
    }
}

void AwsRestClient::send(AwsRestRequest request, Callback done)
{
    attempt(std::make_shared<Call>(Call{std::move(request), std::move(done), 0}));
}

void AwsRestClient::schedule(qint64 delayMs, std::function<void()> task)
{
    if (m_options.scheduler) {
        m_options.scheduler(delayMs, this, std::move(task));
        return;
    }
    QTimer::singleShot(std::chrono::milliseconds(delayMs), this, std::move(task));
}

void AwsRestClient::attempt(const std::shared_ptr<Call>& call)
{
    // Every attempt takes a token: AWS counts retries against the same limit.
    const qint64 waitNs = m_limiter.reserve(call->request.operation, m_clock->monotonicNs());
    if (waitNs <= 0) {
        dispatch(call);
        return;
    }
    const qint64 waitMs = (waitNs + 999'999) / 1'000'000;
    Q_EMIT rateLimited(call->request.operation, waitMs);
    schedule(waitMs, [this, call] { dispatch(call); });
}

Result<HttpRequest> AwsRestClient::signedRequest(const AwsRestRequest& request) const
{
    HttpRequest http;
    http.method = request.method;
    http.target = encodedTarget(m_endpoint.baseUrl, request);
    http.headers.append({"Host", hostHeader(m_endpoint.baseUrl)});
    if (!request.contentType.isEmpty())
        http.headers.append({"Content-Type", request.contentType});
    http.headers.append(request.headers);
    http.body = request.body;

    SigningOptions options;
    options.region = m_endpoint.region;
    options.service = m_endpoint.signingName;
    options.time = m_clock->nowUtc();
    options.normalizePath = !m_endpoint.s3;
    options.uriEncodePath = !m_endpoint.s3;
    options.signBody = m_endpoint.s3;
    auto signature = signRequest(http, *m_credentials, options);
    if (!signature)
        return signature.error();
    return http;
}

void AwsRestClient::dispatch(const std::shared_ptr<Call>& call)
{
    ++call->attempts;
    auto http = signedRequest(call->request);
    if (!http) {
        call->done(http.error().withContext(call->request.operation));
        return;
    }
    QUrl url = QUrl::fromEncoded(m_endpoint.baseUrl.toEncoded(QUrl::RemovePath | QUrl::RemoveQuery) + http->target,
                                 QUrl::StrictMode);
    QNetworkRequest networkRequest(url);
    for (const HttpHeader& header : http->headers)
        networkRequest.setRawHeader(header.name, header.value);
    networkRequest.setTransferTimeout(m_options.transferTimeoutMs);
    qCDebug(lcCloud).noquote() << call->request.operation << "attempt" << call->attempts << redactedForLog(http.value());

    QNetworkReply* reply = m_network.sendCustomRequest(networkRequest, http->method, http->body);
    connect(reply, &QNetworkReply::finished, this, [this, call, reply] { finished(call, reply); });
}

void AwsRestClient::finished(const std::shared_ptr<Call>& call, QNetworkReply* reply)
{
    reply->deleteLater();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray body = reply->readAll();
    const QByteArray requestId = reply->rawHeader("x-amzn-RequestId").isEmpty() ? reply->rawHeader("x-amz-request-id")
                                                                                 : reply->rawHeader("x-amzn-RequestId");
    qCDebug(lcCloud).noquote() << call->request.operation << "answered" << status << "request ID" << requestId;
    if (status >= 200 && status < 300) {
        call->done(AwsResponse{status, body, requestId});
        return;
    }
    AwsErrorInfo error = parseAwsError(status, reply->rawHeader("x-amzn-ErrorType"), requestId, body);
    if (status == 0)
        error.message = reply->error() == QNetworkReply::OperationCanceledError  // Qt's transfer timeout
                            ? QStringLiteral("nothing within %1 ms (%2)")
                                  .arg(m_options.transferTimeoutMs)
                                  .arg(m_endpoint.baseUrl.toDisplayString())
                            : QStringLiteral("%1 (%2)").arg(reply->errorString(), m_endpoint.baseUrl.toDisplayString());

    const QString what = QStringLiteral("AWS %1 %2").arg(m_endpoint.signingName, call->request.operation);
    if (!isTransient(error) || call->attempts >= m_options.retry.maxAttempts) {
        // The caller reports the final error; the debug log keeps it for diagnosis.
        qCDebug(lcCloud).noquote() << toError(what, error, call->attempts).message();
        call->done(toError(what, error, call->attempts));
        return;
    }
    const double unit = m_options.random ? m_options.random() : QRandomGenerator::global()->generateDouble();
    const qint64 delay = m_options.retry.delayMs(call->attempts - 1, unit);
    const QString reason = error.httpStatus == 0 ? error.message
                                                 : QStringLiteral("%1 (HTTP %2)").arg(error.type).arg(error.httpStatus);
    qCInfo(lcCloud).noquote() << what << "retry" << call->attempts << "in" << delay << "ms:" << reason;
    Q_EMIT retryScheduled(call->request.operation, call->attempts, delay, reason);
    schedule(delay, [this, call] { attempt(call); });
}

}  // namespace imprint::cloud
