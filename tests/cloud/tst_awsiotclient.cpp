// The AWS IoT client against a fake AWS endpoint on 127.0.0.1 that checks every signature:
// each operation's method, path, query and body as the service model says; AWS error answers;
// retries with backoff and jitter; the per-operation rate limit; the S3 upload; no secret in logs.
#include "FakeAwsServer.h"
#include "FakeClock.h"
#include "core/cloud/AwsIotClient.h"

#include <QJsonDocument>
#include <QLoggingCategory>
#include <QPointer>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <atomic>
#include <map>

using namespace imprint;
using namespace imprint::cloud;
using imprint::test::FakeAnswer;
using imprint::test::FakeAwsServer;
using imprint::test::ReceivedRequest;

namespace {

const QString kKeyId = QStringLiteral("AKIDSTATION0001");
const QByteArray kSecret = "s3cr3t/Key+ThatMustNeverBeLogged0123456789";
const QString kToken = QStringLiteral("SESSIONTOKEN-must-not-be-logged");

// Virtual time: scheduled work runs at once (on the next event-loop turn), earliest due first,
// with the fake clock moved to its due time instead of waiting; every wait is recorded.
class VirtualTime
{
public:
    VirtualTime(test::FakeClock* clock, QList<qint64>* waits) : m_clock(clock), m_waits(waits) {}

    Scheduler scheduler()
    {
        return [this](qint64 delayMs, QObject* context, std::function<void()> task) {
            m_waits->append(delayMs);
            m_queue.emplace(m_clock->monotonicNs() + delayMs * 1'000'000, Entry{context, std::move(task)});
            QTimer::singleShot(0, context, [this] { runEarliest(); });
        };
    }

private:
    struct Entry
    {
        QPointer<QObject> context;
        std::function<void()> task;
    };

    void runEarliest()
    {
        if (m_queue.empty())
            return;
        auto earliest = m_queue.begin();
        const qint64 aheadNs = earliest->first - m_clock->monotonicNs();
        if (aheadNs > 0)
            m_clock->advanceMs(aheadNs / 1'000'000);
        Entry entry = std::move(earliest->second);
        m_queue.erase(earliest);
        if (entry.context)
            entry.task();
    }

    test::FakeClock* m_clock;
    QList<qint64>* m_waits;
    std::multimap<qint64, Entry> m_queue;
};

AwsCredentials credentials(const QString& token = {})
{
    return {kKeyId, SecureBytes(kSecret.constData(), static_cast<std::size_t>(kSecret.size())), token};
}

QString requestLine(const ReceivedRequest& received)
{
    return QString::fromUtf8(received.request.method + ' ' + received.request.target);
}

}  // namespace

class TestAwsIotClient : public QObject
{
    Q_OBJECT

private:
    FakeAwsServer* m_server = nullptr;
    test::FakeClock m_clock;
    QList<qint64> m_waits;
    VirtualTime m_time{&m_clock, &m_waits};

    std::unique_ptr<AwsIotClient> makeClient(RetryPolicy retry = {}, const QString& token = {}, bool instant = true)
    {
        AwsClientOptions options;
        if (instant) {
            options.clock = &m_clock;
            options.scheduler = m_time.scheduler();
        }
        options.random = [] { return 0.5; };
        options.retry = retry;
        options.transferTimeoutMs = 5000;
        return std::make_unique<AwsIotClient>(
            AwsEndpoint{QUrl(m_server->url()), QStringLiteral("eu-west-1"), QStringLiteral("iot"), false},
            credentials(token), std::move(options));
    }

private Q_SLOTS:
    void init()
    {
        m_server = new FakeAwsServer(kKeyId, kSecret, this);
        QVERIFY(m_server->listen());
        m_waits.clear();
    }

    void cleanup()
    {
        delete m_server;
        m_server = nullptr;
    }

    void operationTableMatchesEnum()
    {
        const auto& operations = iotOperations();
        QCOMPARE(operations.size(), std::size_t(28));
        for (std::size_t i = 0; i < operations.size(); ++i)
            QCOMPARE(static_cast<std::size_t>(operations[i].id), i);
        QCOMPARE(findIotOperation(QStringLiteral("describething"))->id, IotOperation::DescribeThing);
        QVERIFY(findIotOperation(QStringLiteral("DeleteThing")) == nullptr);
    }

    void everyOperation_data()
    {
        QTest::addColumn<QString>("operation");
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QString>("expectedLine");
        QTest::addColumn<QByteArray>("expectedBody");
        auto row = [](const char* op, const char* input, const char* line, const char* body) {
            QTest::newRow(op) << QString::fromLatin1(op) << QByteArray(input) << QString::fromUtf8(line) << QByteArray(body);
        };
        const char* id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        Q_UNUSED(id)
        row("GetRegistrationCode", "{}", "GET /registrationcode", "");
        row("RegisterCACertificate",
            R"({"caCertificate":"CA","verificationCertificate":"V","setAsActive":true,"allowAutoRegistration":true,)"
            R"("registrationConfig":{"templateName":"jitp","roleArn":"arn:aws:iam::1:role/r"},"certificateMode":"DEFAULT"})",
            "POST /cacertificate?setAsActive=true&allowAutoRegistration=true",
            R"({"caCertificate":"CA","certificateMode":"DEFAULT","registrationConfig":{"roleArn":"arn:aws:iam::1:role/r","templateName":"jitp"},"verificationCertificate":"V"})");
        row("DescribeCACertificate", R"({"certificateId":"abc123"})", "GET /cacertificate/abc123", "");
        row("UpdateCACertificate",
            R"({"certificateId":"abc123","newStatus":"ACTIVE","newAutoRegistrationStatus":"ENABLE","registrationConfig":{"templateBody":"{}"}})",
            "PUT /cacertificate/abc123?newStatus=ACTIVE&newAutoRegistrationStatus=ENABLE",
            R"({"registrationConfig":{"templateBody":"{}"}})");
        row("ListCACertificates", R"({"pageSize":10,"marker":"a/b+c=","ascendingOrder":true})",
            "GET /cacertificates?pageSize=10&marker=a%2Fb%2Bc%3D&isAscendingOrder=true", "");
        row("CreateProvisioningTemplate",
            R"({"templateName":"fleet","templateBody":"{}","provisioningRoleArn":"arn:r","enabled":true,"type":"JITP"})",
            "POST /provisioning-templates",
            R"({"enabled":true,"provisioningRoleArn":"arn:r","templateBody":"{}","templateName":"fleet","type":"JITP"})");
        row("DeleteProvisioningTemplate", R"({"templateName":"fleet"})", "DELETE /provisioning-templates/fleet", "");
        row("DescribeProvisioningTemplate", R"({"templateName":"fleet"})", "GET /provisioning-templates/fleet", "");
        row("ListProvisioningTemplates", R"({"maxResults":5})", "GET /provisioning-templates?maxResults=5", "");
        row("UpdateProvisioningTemplate", R"({"templateName":"fleet","defaultVersionId":2,"enabled":false})",
            "PATCH /provisioning-templates/fleet", R"({"defaultVersionId":2,"enabled":false})");
        row("CreateProvisioningTemplateVersion", R"({"templateName":"fleet","templateBody":"{}","setAsDefault":true})",
            "POST /provisioning-templates/fleet/versions?setAsDefault=true", R"({"templateBody":"{}"})");
        row("DeleteProvisioningTemplateVersion", R"({"templateName":"fleet","versionId":3})",
            "DELETE /provisioning-templates/fleet/versions/3", "");
        row("DescribeProvisioningTemplateVersion", R"({"templateName":"fleet","versionId":3})",
            "GET /provisioning-templates/fleet/versions/3", "");
        row("ListProvisioningTemplateVersions", R"({"templateName":"fleet","nextToken":"t"})",
            "GET /provisioning-templates/fleet/versions?nextToken=t", "");
        row("CreateProvisioningClaim", R"({"templateName":"fleet"})",
            "POST /provisioning-templates/fleet/provisioning-claim", "");
        row("RegisterThing", R"({"templateBody":"{}","parameters":{"ThingName":"s-1"}})", "POST /things",
            R"({"parameters":{"ThingName":"s-1"},"templateBody":"{}"})");
        row("CreateThing", R"({"thingName":"sensor:1_a-b","attributePayload":{"attributes":{"line":"3"}}})",
            "POST /things/sensor%3A1_a-b", R"({"attributePayload":{"attributes":{"line":"3"}}})");
        row("DescribeThing", R"({"thingName":"sensor-1"})", "GET /things/sensor-1", "");
        row("RegisterCertificate", R"({"certificatePem":"P","caCertificatePem":"C","status":"ACTIVE"})",
            "POST /certificate/register", R"({"caCertificatePem":"C","certificatePem":"P","status":"ACTIVE"})");
        row("RegisterCertificateWithoutCA", R"({"certificatePem":"P","status":"INACTIVE"})",
            "POST /certificate/register-no-ca", R"({"certificatePem":"P","status":"INACTIVE"})");
        row("DescribeCertificate", R"({"certificateId":"abc"})", "GET /certificates/abc", "");
        row("UpdateCertificate", R"({"certificateId":"abc","newStatus":"REVOKED"})",
            "PUT /certificates/abc?newStatus=REVOKED", "");
        row("CreatePolicy", R"({"policyName":"p1","policyDocument":"{}"})", "POST /policies/p1",
            R"({"policyDocument":"{}"})");
        row("AttachPolicy", R"({"policyName":"p1","target":"arn:aws:iot:eu-west-1:1:cert/abc"})",
            "PUT /target-policies/p1", R"({"target":"arn:aws:iot:eu-west-1:1:cert/abc"})");
        row("AttachThingPrincipal", R"({"thingName":"t1","principal":"arn:aws:iot:eu-west-1:1:cert/abc"})",
            "PUT /things/t1/principals", "");
        row("StartThingRegistrationTask",
            R"({"templateBody":"{}","inputFileBucket":"b","inputFileKey":"k.json","roleArn":"arn:r"})",
            "POST /thing-registration-tasks",
            R"({"inputFileBucket":"b","inputFileKey":"k.json","roleArn":"arn:r","templateBody":"{}"})");
        row("DescribeThingRegistrationTask", R"({"taskId":"task-1"})", "GET /thing-registration-tasks/task-1", "");
        row("ListThingRegistrationTaskReports", R"({"taskId":"task-1","reportType":"ERRORS"})",
            "GET /thing-registration-tasks/task-1/reports?reportType=ERRORS", "");
    }

    void everyOperation()
    {
        QFETCH(QString, operation);
        QFETCH(QByteArray, input);
        QFETCH(QString, expectedLine);
        QFETCH(QByteArray, expectedBody);
        m_server->setHandler([](const ReceivedRequest&) { return FakeAnswer{200, R"({"answer":"yes"})", {}}; });
        auto client = makeClient();
        const IotOperationSpec* spec = findIotOperation(operation);
        QVERIFY(spec != nullptr);
        const auto result = waitFor([&](JsonCallback done) {
            client->call(spec->id, QJsonDocument::fromJson(input).object(), std::move(done));
        });
        QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error().message()));
        QCOMPARE(result->value(u"answer").toString(), QStringLiteral("yes"));
        QCOMPARE(m_server->received().size(), 1);
        const ReceivedRequest& received = m_server->received().first();
        QVERIFY2(received.signature.verified.has_value(), qPrintable(received.signature.message));
        QCOMPARE(received.signature.verified->service, QStringLiteral("iot"));
        QCOMPARE(received.signature.verified->region, QStringLiteral("eu-west-1"));
        QCOMPARE(requestLine(received), expectedLine);
        QCOMPARE(received.request.body, expectedBody);
        if (operation == QLatin1String("AttachThingPrincipal"))
            QCOMPARE(received.request.header("x-amzn-principal").value(), QByteArray("arn:aws:iot:eu-west-1:1:cert/abc"));
    }

    void typedMethodsBuildTheSameRequests()
    {
        auto client = makeClient();
        RegisterCaCertificateInput ca;
        ca.caCertificatePem = QStringLiteral("CA");
        ca.certificateMode = QStringLiteral("SNI_ONLY");
        ca.allowAutoRegistration = true;
        ca.registrationConfig = RegistrationConfig{{}, QStringLiteral("jitp"), QStringLiteral("arn:r")};
        QVERIFY(waitFor([&](JsonCallback done) { client->registerCaCertificate(ca, std::move(done)); }).ok());
        QVERIFY(waitFor([&](JsonCallback done) {
                    client->registerThing(QStringLiteral("{}"), {{QStringLiteral("ThingName"), QStringLiteral("a")}},
                                          std::move(done));
                }).ok());
        QVERIFY(waitFor([&](JsonCallback done) { client->attachThingPrincipal(QStringLiteral("t"), QStringLiteral("arn"), std::move(done)); }).ok());
        QCOMPARE(m_server->received().size(), 3);
        QCOMPARE(requestLine(m_server->received()[0]),
                 QStringLiteral("POST /cacertificate?setAsActive=false&allowAutoRegistration=true"));
        const QJsonObject body = QJsonDocument::fromJson(m_server->received()[0].request.body).object();
        QCOMPARE(body.value(u"certificateMode").toString(), QStringLiteral("SNI_ONLY"));
        QCOMPARE(body.value(u"registrationConfig").toObject().value(u"templateName").toString(), QStringLiteral("jitp"));
        QCOMPARE(requestLine(m_server->received()[2]), QStringLiteral("PUT /things/t/principals"));
    }

    void invalidInputIsRefusedBeforeSending()
    {
        auto client = makeClient();
        auto missing = waitFor([&](JsonCallback done) { client->call(IotOperation::DescribeThing, {}, std::move(done)); });
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().code(), ErrorCode::InvalidInput);
        QVERIFY2(missing.error().message().contains(u"missing required member 'thingName'"), qPrintable(missing.error().message()));
        auto unknown = waitFor([&](JsonCallback done) {
            client->call(IotOperation::DescribeThing, {{QStringLiteral("thingName"), QStringLiteral("a")}, {QStringLiteral("colour"), 1}},
                         std::move(done));
        });
        QVERIFY(!unknown.ok());
        QVERIFY(unknown.error().message().contains(u"unknown member 'colour'"));
        QCOMPARE(m_server->received().size(), 0);
    }

    void awsErrorsBecomeClearErrors_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("typeHeader");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("expectedCode");
        QTest::addColumn<QString>("expectedText");
        auto row = [](const char* name, int status, const char* header, const char* body, ErrorCode code, const char* text) {
            QTest::newRow(name) << status << QByteArray(header) << QByteArray(body) << static_cast<int>(code)
                                << QString::fromLatin1(text);
        };
        row("not found (header)", 404, "ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.iot/",
            R"({"message":"Thing sensor-1 cannot be found."})", ErrorCode::NotFound,
            "AWS iot DescribeThing: ResourceNotFoundException (HTTP 404): Thing sensor-1 cannot be found. [request ID req-1]");
        row("already exists (__type)", 409, "", R"({"__type":"com.amazonaws.iot#ResourceAlreadyExistsException","message":"exists"})",
            ErrorCode::AlreadyExists, "ResourceAlreadyExistsException (HTTP 409): exists");
        row("invalid request", 400, "InvalidRequestException", R"({"message":"bad thing name"})", ErrorCode::CloudRejected,
            "InvalidRequestException (HTTP 400): bad thing name");
        row("unauthorized", 401, "UnauthorizedException", R"({"Message":"no"})", ErrorCode::CloudRejected,
            "UnauthorizedException (HTTP 401): no");
        row("no type at all", 418, "", "teapot", ErrorCode::CloudRejected, "error (HTTP 418)");
    }

    void awsErrorsBecomeClearErrors()
    {
        QFETCH(int, status);
        QFETCH(QByteArray, typeHeader);
        QFETCH(QByteArray, body);
        QFETCH(int, expectedCode);
        QFETCH(QString, expectedText);
        m_server->setHandler([&](const ReceivedRequest&) {
            FakeAnswer answer{status, body, {}};
            if (!typeHeader.isEmpty())
                answer.headers.append({"x-amzn-ErrorType", typeHeader});
            return answer;
        });
        auto client = makeClient();
        auto result = waitFor([&](JsonCallback done) { client->describeThing(QStringLiteral("sensor-1"), std::move(done)); });
        QVERIFY(!result.ok());
        QCOMPARE(static_cast<int>(result.error().code()), expectedCode);
        QVERIFY2(result.error().message().contains(expectedText), qPrintable(result.error().message()));
        QCOMPARE(m_server->received().size(), 1);  // not retried
    }

    void badSignatureIsRejectedByTheServer()
    {
        FakeAwsServer other(kKeyId, "a-different-secret", this);
        QVERIFY(other.listen());
        AwsIotClient client(AwsEndpoint{QUrl(other.url()), QStringLiteral("eu-west-1"), QStringLiteral("iot"), false},
                            credentials());
        auto result = waitFor([&](JsonCallback done) { client.describeThing(QStringLiteral("a"), std::move(done)); });
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code(), ErrorCode::CloudRejected);
        QVERIFY2(result.error().message().contains(u"InvalidSignatureException (HTTP 403): The request signature we calculated"),
                 qPrintable(result.error().message()));
    }

    void throttlingIsRetriedWithBackoffAndJitter()
    {
        int calls = 0;
        m_server->setHandler([&](const ReceivedRequest&) {
            return ++calls <= 3 ? test::awsError(429, QStringLiteral("ThrottlingException"), QStringLiteral("Rate exceeded"))
                                : FakeAnswer{200, R"({"thingName":"a"})", {}};
        });
        RetryPolicy policy{5, 1'000, 20'000};
        auto client = makeClient(policy);
        QSignalSpy retries(&client->iotTransport(), &AwsRestClient::retryScheduled);
        auto result = waitFor([&](JsonCallback done) { client->describeThing(QStringLiteral("a"), std::move(done)); });
        QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error().message()));
        QCOMPARE(m_server->received().size(), 4);
        QCOMPARE(retries.size(), 3);
        // Full jitter with the random value pinned at 0.5: half of 1, 2, 4 s.
        QCOMPARE(retries[0][2].toLongLong(), 500);
        QCOMPARE(retries[1][2].toLongLong(), 1'000);
        QCOMPARE(retries[2][2].toLongLong(), 2'000);
        QVERIFY(retries[0][3].toString().contains(u"ThrottlingException (HTTP 429)"));
        // Each retry is signed anew at its own time.
        QVERIFY(m_server->received()[0].signature.verified->time < m_server->received()[3].signature.verified->time);
    }

    void backoffBounds()
    {
        const RetryPolicy policy{8, 100, 1'000};
        QCOMPARE(policy.ceilingMs(0), 100);
        QCOMPARE(policy.ceilingMs(1), 200);
        QCOMPARE(policy.ceilingMs(3), 800);
        QCOMPARE(policy.ceilingMs(4), 1'000);   // capped
        QCOMPARE(policy.ceilingMs(60), 1'000);  // no overflow
        QCOMPARE(policy.delayMs(2, 0.0), 0);
        QCOMPARE(policy.delayMs(2, 0.999999), 400);
        for (int retry = 0; retry < 10; ++retry)
            for (double unit : {0.0, 0.25, 0.5, 0.75, 0.99}) {
                const qint64 delay = policy.delayMs(retry, unit);
                QVERIFY(delay >= 0 && delay <= policy.ceilingMs(retry));
            }
    }

    void serverErrorsGiveUpAfterBoundedAttempts()
    {
        m_server->setHandler([](const ReceivedRequest&) {
            return test::awsError(503, QStringLiteral("ServiceUnavailableException"), QStringLiteral("try later"));
        });
        auto client = makeClient(RetryPolicy{4, 100, 20'000});
        auto result = waitFor([&](JsonCallback done) { client->describeThing(QStringLiteral("a"), std::move(done)); });
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code(), ErrorCode::Network);
        QVERIFY2(result.error().message().contains(u"ServiceUnavailableException (HTTP 503) (after 4 attempts): try later"),
                 qPrintable(result.error().message()));
        QCOMPARE(m_server->received().size(), 4);
        QCOMPARE(m_waits, (QList<qint64>{50, 100, 200}));
    }

    void persistentThrottlingEndsAsThrottled()
    {
        m_server->setHandler([](const ReceivedRequest&) {
            return test::awsError(400, QStringLiteral("ThrottlingException"), QStringLiteral("Rate exceeded"));
        });
        auto client = makeClient(RetryPolicy{3, 10, 100});
        auto result = waitFor([&](JsonCallback done) { client->describeThing(QStringLiteral("a"), std::move(done)); });
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code(), ErrorCode::Throttled);
        QCOMPARE(m_server->received().size(), 3);
    }

    void noAnswerIsANetworkError()
    {
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
        const quint16 port = closed.serverPort();
        closed.close();
        AwsClientOptions options;
        options.retry = RetryPolicy{2, 1, 1};
        AwsIotClient client(AwsEndpoint{QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)), QStringLiteral("eu-west-1"),
                                        QStringLiteral("iot"), false},
                            credentials(), std::move(options));
        auto result = waitFor([&](JsonCallback done) { client.describeThing(QStringLiteral("a"), std::move(done)); });
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code(), ErrorCode::Network);
        QVERIFY2(result.error().message().contains(u"no answer (after 2 attempts)"), qPrintable(result.error().message()));
    }

    void silentServerTimesOut()
    {
        QTcpServer silent;  // accepts, never answers
        QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
        AwsClientOptions options;
        options.retry = RetryPolicy{1, 1, 1};
        options.transferTimeoutMs = 200;
        AwsIotClient client(AwsEndpoint{QUrl(QStringLiteral("http://127.0.0.1:%1").arg(silent.serverPort())),
                                        QStringLiteral("eu-west-1"), QStringLiteral("iot"), false},
                            credentials(), std::move(options));
        auto result = waitFor([&](JsonCallback done) { client.describeThing(QStringLiteral("a"), std::move(done)); });
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code(), ErrorCode::Network);
        QVERIFY2(result.error().message().contains(u"no answer: nothing within 200 ms"), qPrintable(result.error().message()));
    }

    void rateLimitSpacesCallsPerOperation()
    {
        auto client = makeClient();
        QCOMPARE(client->iotTransport().rateLimit(QStringLiteral("CreateThing")), 15.0);
        QCOMPARE(client->iotTransport().rateLimit(QStringLiteral("DescribeThing")), 350.0);
        QCOMPARE(client->iotTransport().rateLimit(QStringLiteral("RegisterThing")), 10.0);
        QSignalSpy limited(&client->iotTransport(), &AwsRestClient::rateLimited);
        int answered = 0;
        for (int i = 0; i < 5; ++i)
            client->createThing(QStringLiteral("t%1").arg(i), {}, {}, [&](Result<QJsonObject> r) { answered += r.ok() ? 1 : 0; });
        client->registerThing(QStringLiteral("{}"), {}, [&](Result<QJsonObject> r) { answered += r.ok() ? 1 : 0; });
        QTRY_COMPARE(answered, 6);
        // CreateThing at 15 TPS, all asked at once: the 2nd waits 1/15 s, the 5th 4/15 s. RegisterThing
        // has its own bucket and goes at once.
        QCOMPARE(limited.size(), 4);
        QCOMPARE(limited[0][1].toLongLong(), 67);
        QCOMPARE(limited[3][1].toLongLong(), 267);
        for (const auto& signal : limited)
            QCOMPARE(signal[0].toString(), QStringLiteral("CreateThing"));
    }

    void rateLimitHoldsInRealTime()
    {
        auto client = makeClient({}, {}, false);
        client->iotTransport().setRateLimit(QStringLiteral("DescribeThing"), 20.0);
        int answered = 0;
        for (int i = 0; i < 5; ++i)
            client->describeThing(QStringLiteral("t"), [&](Result<QJsonObject> r) { answered += r.ok() ? 1 : 0; });
        QTRY_COMPARE(answered, 5);
        const auto& received = m_server->received();
        QCOMPARE(received.size(), 5);
        // Ideally 4 x 50 ms; the first request also waits for its connection, which narrows the
        // spread a little. Unlimited, all five arrive within a few ms.
        const qint64 spread = received.last().elapsedMs - received.first().elapsedMs;
        QVERIFY2(spread >= 150, qPrintable(QStringLiteral("5 calls at 20 TPS took only %1 ms").arg(spread)));
    }

    void bulkRegistrationUploadsToS3First()
    {
        auto client = makeClient();
        const QByteArray lines = "{\"ThingName\":\"a\"}\n{\"ThingName\":\"b\"}\n";
        auto result = waitFor([&](JsonCallback done) {
            client->startThingRegistrationTaskWithUpload(QStringLiteral("{}"), QStringLiteral("factory-bucket"),
                                                         QStringLiteral("batches/b 1.json"), QStringLiteral("arn:r"), lines,
                                                         std::move(done));
        });
        QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error().message()));
        QCOMPARE(m_server->received().size(), 2);
        const ReceivedRequest& upload = m_server->received()[0];
        QVERIFY2(upload.signature.verified.has_value(), qPrintable(upload.signature.message));
        QCOMPARE(upload.signature.verified->service, QStringLiteral("s3"));
        QCOMPARE(requestLine(upload), QStringLiteral("PUT /factory-bucket/batches/b%201.json"));
        QCOMPARE(upload.request.body, lines);
        QCOMPARE(upload.request.header("x-amz-content-sha256").value(), sha256Hex(lines));
        const ReceivedRequest& start = m_server->received()[1];
        QCOMPARE(requestLine(start), QStringLiteral("POST /thing-registration-tasks"));
        QCOMPARE(QJsonDocument::fromJson(start.request.body).object().value(u"inputFileKey").toString(),
                 QStringLiteral("batches/b 1.json"));
    }

    void failedUploadStopsTheTask()
    {
        m_server->setHandler([](const ReceivedRequest&) {
            return FakeAnswer{404, "<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message></Error>", {}};
        });
        auto client = makeClient();
        auto result = waitFor([&](JsonCallback done) {
            client->startThingRegistrationTaskWithUpload(QStringLiteral("{}"), QStringLiteral("nobucket"), QStringLiteral("k"),
                                                         QStringLiteral("arn:r"), "x", std::move(done));
        });
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code(), ErrorCode::NotFound);
        QVERIFY2(result.error().message().contains(u"uploading the bulk registration input file: AWS s3 PutObject: NoSuchBucket"),
                 qPrintable(result.error().message()));
        QCOMPARE(m_server->received().size(), 1);
    }

    void sessionTokenIsSentAndSecretsNeverLogged()
    {
        static QStringList captured;
        captured.clear();
        QLoggingCategory::setFilterRules(QStringLiteral("imprint.cloud.debug=true"));
        const QtMessageHandler previous = qInstallMessageHandler(
            [](QtMsgType, const QMessageLogContext&, const QString& message) { captured.append(message); });
        m_server->setHandler([](const ReceivedRequest&) {
            return test::awsError(500, QStringLiteral("InternalFailureException"), QStringLiteral("boom"));
        });
        auto client = makeClient(RetryPolicy{2, 1, 1}, kToken);
        auto result = waitFor([&](JsonCallback done) { client->describeThing(QStringLiteral("a"), std::move(done)); });
        qInstallMessageHandler(previous);
        QLoggingCategory::setFilterRules(QString());

        QVERIFY(!result.ok());
        QCOMPARE(m_server->received().first().request.header("x-amz-security-token").value(), kToken.toUtf8());
        const QString log = captured.join(u'\n');
        QVERIFY2(log.contains(u"DescribeThing attempt 1 GET /things/a"), qPrintable(log));
        QVERIFY(log.contains(u"Authorization: <redacted>"));
        QVERIFY(!log.contains(QString::fromLatin1(kSecret)));
        QVERIFY(!log.contains(kToken));
        const QByteArray signature = m_server->received().first().request.header("authorization")->split('=').last();
        QVERIFY(!log.contains(QString::fromLatin1(signature)));
        QVERIFY(!result.error().message().contains(QString::fromLatin1(kSecret)));
    }

    // The station's cloud sender owns the client on its own thread.
    void worksOnAWorkerThread()
    {
        QThread thread;
        thread.start();
        QObject anchor;
        anchor.moveToThread(&thread);
        std::atomic<bool> answered = false;
        std::atomic<bool> succeeded = false;
        std::atomic<bool> onWorker = false;
        const QUrl url(m_server->url());
        QMetaObject::invokeMethod(&anchor, [&] {
            auto* client = new AwsIotClient(AwsEndpoint{url, QStringLiteral("eu-west-1"), QStringLiteral("iot"), false},
                                            credentials());
            client->describeThing(QStringLiteral("a"), [&, client](Result<QJsonObject> result) {
                onWorker = QThread::currentThread() == &thread;
                succeeded = result.ok();
                client->deleteLater();
                answered = true;
            });
        });
        QTRY_VERIFY(answered.load());  // this thread's loop serves the fake endpoint meanwhile
        thread.quit();
        QVERIFY(thread.wait(5000));
        QVERIFY(succeeded.load());
        QVERIFY(onWorker.load());
        QCOMPARE(m_server->received().size(), 1);
        QVERIFY(m_server->received().first().signature.verified.has_value());
    }

    void createFromSettings()
    {
        AwsSettings settings;
        settings.profile = QStringLiteral("default");
        settings.credentials = credentials();
        auto noRegion = AwsIotClient::create(std::move(settings));
        QVERIFY(!noRegion.ok());
        QVERIFY(noRegion.error().message().contains(u"no AWS region"));

        AwsSettings emulator;
        emulator.credentials = credentials();
        emulator.region = QStringLiteral("eu-west-1");
        emulator.endpointUrl = m_server->url();
        auto client = AwsIotClient::create(std::move(emulator));
        QVERIFY(client.ok());
        QCOMPARE(client.value()->iotTransport().endpoint().baseUrl, QUrl(m_server->url()));
        QCOMPARE(client.value()->s3Transport().endpoint().baseUrl, QUrl(m_server->url()));  // path-style on the same endpoint
        QCOMPARE(client.value()->s3Transport().endpoint().signingName, QStringLiteral("s3"));

        AwsSettings aws;
        aws.credentials = credentials();
        aws.region = QStringLiteral("eu-central-1");
        auto real = AwsIotClient::create(std::move(aws));
        QVERIFY(real.ok());
        QCOMPARE(real.value()->iotTransport().endpoint().baseUrl, QUrl(QStringLiteral("https://iot.eu-central-1.amazonaws.com")));
        QCOMPARE(real.value()->s3Transport().endpoint().baseUrl, QUrl(QStringLiteral("https://s3.eu-central-1.amazonaws.com")));

        AwsSettings bad;
        bad.credentials = credentials();
        bad.region = QStringLiteral("eu-west-1");
        bad.endpointUrl = QStringLiteral("ftp://x");
        QVERIFY(!AwsIotClient::create(std::move(bad)).ok());
    }
};

QTEST_GUILESS_MAIN(TestAwsIotClient)
#include "tst_awsiotclient.moc"
