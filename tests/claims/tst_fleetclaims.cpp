// A fleet claim whose policy cannot be attached, against a fake AWS endpoint on 127.0.0.1:
// AWS has already made the certificate ACTIVE and its key is about to be dropped, so the
// station sets it INACTIVE and says so; when that fails too, the error says what is left to
// clean up. The certificate ID is always named, and the private key never appears in it.
#include "FakeAwsServer.h"
#include "core/claims/FleetClaims.h"
#include "core/cloud/AwsIotClient.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace imprint;
using imprint::test::FakeAnswer;
using imprint::test::FakeAwsServer;
using imprint::test::ReceivedRequest;

namespace {

const QString kKeyId = QStringLiteral("AKIDCLAIMTEST0001");
const QByteArray kSecret = "claim-test-secret-0123456789abcdefghij";
const QString kCertificateId = QStringLiteral("5a0c1d3e00000000000000000000000000000000000000000000000000000abc");
const QString kFakeKeyMarker = QStringLiteral("NOT-A-REAL-KEY-but-secret-all-the-same");

FakeAnswer keysAndCertificate()
{
    QJsonObject keyPair;
    keyPair.insert(QStringLiteral("PrivateKey"), kFakeKeyMarker);
    QJsonObject answer;
    answer.insert(QStringLiteral("certificateId"), kCertificateId);
    answer.insert(QStringLiteral("certificateArn"), QString(QStringLiteral("arn:aws:iot:eu-west-1:123456789012:cert/") + kCertificateId));
    answer.insert(QStringLiteral("certificatePem"), QStringLiteral("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"));
    answer.insert(QStringLiteral("keyPair"), keyPair);
    return {200, QJsonDocument(answer).toJson(QJsonDocument::Compact), {}};
}

bool startsWith(const ReceivedRequest& received, const char* method, const char* target)
{
    return received.request.method == method && received.request.target.startsWith(target);
}

}  // namespace

class TestFleetClaims : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void unattachablePolicyLeavesNoActiveClaim_data()
    {
        QTest::addColumn<bool>("deactivationWorks");
        QTest::addColumn<QString>("expectedText");
        QTest::newRow("deactivated") << true << QStringLiteral("is not usable: it is now INACTIVE");
        QTest::newRow("deactivation fails too") << false << QStringLiteral("setting it INACTIVE failed too");
    }

    void unattachablePolicyLeavesNoActiveClaim()
    {
        QFETCH(bool, deactivationWorks);
        QFETCH(QString, expectedText);
        FakeAwsServer server(kKeyId, kSecret);
        QVERIFY(server.listen());
        server.setHandler([&](const ReceivedRequest& received) -> FakeAnswer {
            if (startsWith(received, "POST", "/keys-and-certificate"))
                return keysAndCertificate();
            if (startsWith(received, "POST", "/policies/"))
                return {200, R"({"policyName":"imprint-claim-factory"})", {}};
            if (startsWith(received, "PUT", "/target-policies/"))
                return test::awsError(403, QStringLiteral("AccessDeniedException"), QStringLiteral("not allowed to attach"));
            if (startsWith(received, "PUT", "/certificates/") && deactivationWorks)
                return {200, "", {}};
            return test::awsError(403, QStringLiteral("AccessDeniedException"), QStringLiteral("not allowed"));
        });
        cloud::AwsClientOptions options;
        options.retry = cloud::RetryPolicy{1, 1, 1};
        cloud::AwsIotClient client(cloud::AwsEndpoint{QUrl(server.url()), QStringLiteral("eu-west-1"), QStringLiteral("iot"), false},
                                   cloud::AwsCredentials{kKeyId, SecureBytes(kSecret.constData(), static_cast<std::size_t>(kSecret.size())), {}},
                                   std::move(options));

        auto claim = claims::createClaim(client, QStringLiteral("factory"), claims::ClaimVia::Keys);

        QVERIFY(!claim);
        const QString message = claim.error().message();
        QVERIFY2(message.contains(kCertificateId), qPrintable(message));
        QVERIFY2(message.contains(expectedText), qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("AttachPolicy imprint-claim-factory")), qPrintable(message));
        QVERIFY2(!message.contains(kFakeKeyMarker), qPrintable(message));
        // The certificate the station set INACTIVE is the one AWS made, and only after the failed attach.
        QStringList calls;
        for (const ReceivedRequest& received : server.received())
            calls << QString::fromUtf8(received.request.method + ' ' + received.request.target.split('?').first());
        QCOMPARE(calls.size(), 4);
        QVERIFY2(calls.last() == QStringLiteral("PUT /certificates/") + kCertificateId, qPrintable(calls.join(QLatin1Char('\n'))));
        QVERIFY2(server.received().last().request.target.contains("newStatus=INACTIVE"), server.received().last().request.target.constData());
    }
};

QTEST_MAIN(TestFleetClaims)
#include "tst_fleetclaims.moc"
