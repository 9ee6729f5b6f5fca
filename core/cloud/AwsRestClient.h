#pragma once

// The transport under the AWS clients: builds the HTTP request, signs it (SigV4) on every
// attempt, keeps each operation under its rate, sends it with Qt Network, and retries
// throttling, 5xx and connection failures with exponential backoff and full jitter.
// Asynchronous: use it from the thread it lives in, which must run an event loop.

#include "core/Clock.h"
#include "core/Result.h"
#include "core/cloud/RateLimiter.h"
#include "core/cloud/RetryPolicy.h"
#include "core/cloud/SigV4.h"

#include <QNetworkAccessManager>
#include <QObject>
#include <QUrl>

#include <functional>
#include <memory>

namespace imprint::cloud {

struct AwsEndpoint
{
    QUrl baseUrl;          // "https://iot.eu-west-1.amazonaws.com", or the emulator's "http://127.0.0.1:PORT"
    QString region;
    QString signingName;   // "iot", "s3"
    bool s3 = false;       // S3 signing: no path normalization, path not re-encoded, payload hash signed
};

struct AwsRestRequest
{
    QString operation;                            // "DescribeThing": the rate-limit key, and in messages
    QByteArray method;
    QByteArray path;                              // percent-encoded, from "/"
    QList<std::pair<QByteArray, QByteArray>> query;  // raw names and values; encoded when sent
    QList<HttpHeader> headers;                    // extra signed headers (e.g. x-amzn-principal)
    QByteArray contentType;                       // empty: no Content-Type
    QByteArray body;
};

struct AwsResponse
{
    int httpStatus = 0;
    QByteArray body;
    QByteArray requestId;
};

// Waits `delayMs`, then runs `task` on `context`'s thread (unless context is gone).
using Scheduler = std::function<void(qint64 delayMs, QObject* context, std::function<void()> task)>;

struct AwsClientOptions
{
    const Clock* clock = nullptr;        // nullptr: the system clock (signing time, rate limits)
    Scheduler scheduler;                 // empty: QTimer::singleShot
    std::function<double()> random;      // jitter in [0, 1); empty: QRandomGenerator
    RetryPolicy retry;
    int transferTimeoutMs = 30'000;      // per attempt
    double rateBurst = 1.0;
};

class AwsRestClient : public QObject
{
    Q_OBJECT

public:
    using Callback = std::function<void(Result<AwsResponse>)>;

    AwsRestClient(AwsEndpoint endpoint, std::shared_ptr<const AwsCredentials> credentials,
                  AwsClientOptions options = {}, QObject* parent = nullptr);
    ~AwsRestClient() override;

    void setRateLimit(const QString& operation, double ratePerSecond) { m_limiter.setRate(operation, ratePerSecond); }
    [[nodiscard]] double rateLimit(const QString& operation) const { return m_limiter.rate(operation); }
    [[nodiscard]] const AwsEndpoint& endpoint() const { return m_endpoint; }

    // `done` is called exactly once, on this object's thread, with a 2xx answer or an Error.
    void send(AwsRestRequest request, Callback done);

Q_SIGNALS:
    void rateLimited(const QString& operation, qint64 delayMs);
    void retryScheduled(const QString& operation, int retry, qint64 delayMs, const QString& reason);

private:
    struct Call;
    void attempt(const std::shared_ptr<Call>& call);
    void dispatch(const std::shared_ptr<Call>& call);
    void finished(const std::shared_ptr<Call>& call, class QNetworkReply* reply);
    [[nodiscard]] Result<HttpRequest> signedRequest(const AwsRestRequest& request) const;
    void schedule(qint64 delayMs, std::function<void()> task);

    AwsEndpoint m_endpoint;
    std::shared_ptr<const AwsCredentials> m_credentials;
    AwsClientOptions m_options;
    std::unique_ptr<Clock> m_ownClock;
    const Clock* m_clock;
    RateLimiter m_limiter;
    QNetworkAccessManager m_network;
};

}  // namespace imprint::cloud
