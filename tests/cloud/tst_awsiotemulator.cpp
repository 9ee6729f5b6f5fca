// The station's AWS IoT client end to end against imprint-iot-emulator (which verifies every
// signature with the same SigV4 code the AWS CLI must pass): registry and template operations,
// AWS error answers, the S3 upload and bulk registration, and retries under injected faults.
#include "EmulatorProcess.h"
#include "core/cloud/AwsIotClient.h"

#include <QSignalSpy>
#include <QTest>

using namespace imprint;
using namespace imprint::cloud;

namespace {

constexpr auto kTemplate = R"({"Parameters":{"ThingName":{"Type":"String"}},)"
                           R"("Resources":{"thing":{"Type":"AWS::IoT::Thing","Properties":{"ThingName":{"Ref":"ThingName"}}}}})";

std::unique_ptr<AwsIotClient> clientFor(const test::EmulatorProcess& emulator, const char* secret = test::kSecretAccessKey,
                                        RetryPolicy retry = RetryPolicy{3, 5, 20})
{
    AwsClientOptions options;
    options.retry = retry;
    return std::make_unique<AwsIotClient>(
        AwsEndpoint{QUrl(emulator.endpoint()), QStringLiteral("us-east-1"), QStringLiteral("iot"), false},
        AwsCredentials{QLatin1String(test::kAccessKeyId), SecureBytes::fromString(secret), {}}, std::move(options));
}

QString messageOf(const Result<QJsonObject>& result) { return result.ok() ? QString() : result.error().message(); }

}  // namespace

class TestAwsIotEmulator : public QObject
{
    Q_OBJECT

private:
    test::EmulatorProcess m_emulator;
    std::unique_ptr<AwsIotClient> m_client;

private Q_SLOTS:
    void initTestCase()
    {
        const QString failure = m_emulator.start();
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        m_client = clientFor(m_emulator);
    }

    void thingsAndErrors()
    {
        auto code = waitFor([&](JsonCallback done) { m_client->getRegistrationCode(std::move(done)); });
        QVERIFY2(code.ok(), qPrintable(messageOf(code)));
        QCOMPARE(code->value(u"registrationCode").toString().size(), 64);

        auto created = waitFor([&](JsonCallback done) {
            m_client->createThing(QStringLiteral("line3:unit_1"), {}, {{QStringLiteral("line"), QStringLiteral("3")}},
                                  std::move(done));
        });
        QVERIFY2(created.ok(), qPrintable(messageOf(created)));
        auto described = waitFor([&](JsonCallback done) { m_client->describeThing(QStringLiteral("line3:unit_1"), std::move(done)); });
        QVERIFY2(described.ok(), qPrintable(messageOf(described)));
        QCOMPARE(described->value(u"attributes").toObject().value(u"line").toString(), QStringLiteral("3"));

        auto missing = waitFor([&](JsonCallback done) { m_client->describeThing(QStringLiteral("nope"), std::move(done)); });
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().code(), ErrorCode::NotFound);
        QVERIFY2(missing.error().message().contains(u"ResourceNotFoundException (HTTP 404)"), qPrintable(missing.error().message()));
    }

    void badSecretIsRefused()
    {
        auto intruder = clientFor(m_emulator, "not-the-secret");
        auto result = waitFor([&](JsonCallback done) { intruder->getRegistrationCode(std::move(done)); });
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code(), ErrorCode::CloudRejected);
        QVERIFY2(result.error().message().contains(u"InvalidSignatureException (HTTP 403)"), qPrintable(result.error().message()));
    }

    void provisioningTemplates()
    {
        CreateProvisioningTemplateInput input;
        input.templateName = QStringLiteral("station-fleet");
        input.templateBody = QLatin1String(kTemplate);
        input.provisioningRoleArn = QStringLiteral("arn:aws:iam::123456789012:role/Provisioning");
        auto created = waitFor([&](JsonCallback done) { m_client->createProvisioningTemplate(input, std::move(done)); });
        QVERIFY2(created.ok(), qPrintable(messageOf(created)));
        auto version = waitFor([&](JsonCallback done) {
            m_client->createProvisioningTemplateVersion(QStringLiteral("station-fleet"), QLatin1String(kTemplate), true,
                                                        std::move(done));
        });
        QVERIFY2(version.ok(), qPrintable(messageOf(version)));
        auto versions = waitFor([&](JsonCallback done) {
            m_client->listProvisioningTemplateVersions(QStringLiteral("station-fleet"), {}, std::move(done));
        });
        QVERIFY2(versions.ok(), qPrintable(messageOf(versions)));
        QCOMPARE(versions->value(u"versions").toArray().size(), 2);
        auto again = waitFor([&](JsonCallback done) { m_client->createProvisioningTemplate(input, std::move(done)); });
        QVERIFY(!again.ok());
        QCOMPARE(again.error().code(), ErrorCode::AlreadyExists);
    }

    void bulkRegistrationThroughS3()
    {
        auto started = waitFor([&](JsonCallback done) {
            m_client->startThingRegistrationTaskWithUpload(
                QLatin1String(kTemplate), QStringLiteral("factory"), QStringLiteral("batches/batch 7.jsonl"),
                QStringLiteral("arn:aws:iam::123456789012:role/Provisioning"),
                "{\"ThingName\":\"bulk-a\"}\n{\"ThingName\":\"bulk-b\"}\n", std::move(done));
        });
        QVERIFY2(started.ok(), qPrintable(messageOf(started)));
        const QString taskId = started->value(u"taskId").toString();
        QVERIFY(!taskId.isEmpty());
        QJsonObject task;
        QTRY_VERIFY_WITH_TIMEOUT(([&] {
                                     auto described = waitFor([&](JsonCallback done) {
                                         m_client->describeThingRegistrationTask(taskId, std::move(done));
                                     });
                                     task = described.valueOr(QJsonObject());
                                     return task.value(u"status").toString() == QLatin1String("Completed");
                                 }()),
                                 10'000);
        QCOMPARE(task.value(u"successCount").toInt(), 2);
        QVERIFY(waitFor([&](JsonCallback done) { m_client->describeThing(QStringLiteral("bulk-b"), std::move(done)); }).ok());
    }

    void retriesUnderInjectedFaults_data()
    {
        QTest::addColumn<QString>("fault");
        QTest::addColumn<int>("expectedCode");
        QTest::addColumn<QString>("expectedText");
        QTest::newRow("always throttled") << QStringLiteral("throttle=1") << static_cast<int>(ErrorCode::Throttled)
                                          << QStringLiteral("(after 3 attempts)");
        QTest::newRow("always 5xx") << QStringLiteral("5xx=1") << static_cast<int>(ErrorCode::Network)
                                    << QStringLiteral("(after 3 attempts)");
    }

    void retriesUnderInjectedFaults()
    {
        QFETCH(QString, fault);
        QFETCH(int, expectedCode);
        QFETCH(QString, expectedText);
        test::EmulatorProcess faulty;
        const QString failure = faulty.start({QStringLiteral("--fault"), fault});
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        auto client = clientFor(faulty);
        QSignalSpy retries(&client->iotTransport(), &AwsRestClient::retryScheduled);
        auto result = waitFor([&](JsonCallback done) { client->getRegistrationCode(std::move(done)); });
        QVERIFY(!result.ok());
        QCOMPARE(static_cast<int>(result.error().code()), expectedCode);
        QVERIFY2(result.error().message().contains(expectedText), qPrintable(result.error().message()));
        QCOMPARE(retries.size(), 2);
        for (const auto& retry : retries)
            QVERIFY(retry[2].toLongLong() >= 0 && retry[2].toLongLong() <= 20);  // full jitter under the cap
    }
};

QTEST_GUILESS_MAIN(TestAwsIotEmulator)
#include "tst_awsiotemulator.moc"
