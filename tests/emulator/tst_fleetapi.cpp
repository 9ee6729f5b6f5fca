// The fleet-provisioning API's wire level and the claim grant, without a network:
// request topics, JSON/CBOR payloads, AWS's error shape, policy globs and ClaimScope.
#include "app/iot-emulator/server/ClaimPolicy.h"
#include "app/iot-emulator/server/FleetApi.h"
#include "app/iot-emulator/server/PreProvisioningHook.h"

#include <QCborMap>
#include <QCborValue>
#include <QJsonArray>
#include <QJsonDocument>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace imprint::emulator;

class TestFleetApi : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void requestTopics_data()
    {
        QTest::addColumn<QString>("topic");
        QTest::addColumn<bool>("isRequest");
        QTest::addColumn<int>("operation");
        QTest::addColumn<bool>("cbor");
        QTest::addColumn<QString>("templateName");
        QTest::newRow("create json") << "$aws/certificates/create/json" << true << int(FleetOperation::CreateKeysAndCertificate) << false << "";
        QTest::newRow("create cbor") << "$aws/certificates/create/cbor" << true << int(FleetOperation::CreateKeysAndCertificate) << true << "";
        QTest::newRow("csr json") << "$aws/certificates/create-from-csr/json" << true << int(FleetOperation::CreateCertificateFromCsr) << false << "";
        QTest::newRow("provision cbor") << "$aws/provisioning-templates/Line_7-a/provision/cbor" << true
                                        << int(FleetOperation::RegisterThing) << true << "Line_7-a";
        QTest::newRow("answer topic") << "$aws/certificates/create/json/accepted" << false << 0 << false << "";
        QTest::newRow("other format") << "$aws/certificates/create/xml" << false << 0 << false << "";
        QTest::newRow("template name too long") << QString(QStringLiteral("$aws/provisioning-templates/") + QString(37, u'a') + QStringLiteral("/provision/json")) << false << 0
                                                << false << "";
        QTest::newRow("device topic") << "telemetry/x" << false << 0 << false << "";
    }

    void requestTopics()
    {
        QFETCH(QString, topic);
        QFETCH(bool, isRequest);
        QFETCH(int, operation);
        QFETCH(bool, cbor);
        QFETCH(QString, templateName);
        const auto request = parseFleetRequest(topic);
        QCOMPARE(request.has_value(), isRequest);
        if (!request)
            return;
        QCOMPARE(int(request->operation), operation);
        QCOMPARE(request->format == PayloadFormat::Cbor, cbor);
        QCOMPARE(request->templateName, templateName);
    }

    void payloads()
    {
        const QJsonObject object{{QStringLiteral("certificateOwnershipToken"), QStringLiteral("t")},
                                 {QStringLiteral("parameters"), QJsonObject{{QStringLiteral("SerialNumber"), QStringLiteral("1")}}}};
        QCOMPARE(decodeFleetPayload(encodeFleetPayload(object, PayloadFormat::Cbor), PayloadFormat::Cbor), object);
        QCOMPARE(decodeFleetPayload(encodeFleetPayload(object, PayloadFormat::Json), PayloadFormat::Json), object);
        QVERIFY(!decodeFleetPayload("[1]", PayloadFormat::Json));
        QVERIFY(!decodeFleetPayload("{", PayloadFormat::Json));
        QVERIFY(!decodeFleetPayload(QCborValue(42).toCbor(), PayloadFormat::Cbor));
        QCborMap integerKeys;
        integerKeys.insert(1, QStringLiteral("x"));
        QVERIFY(!decodeFleetPayload(QCborValue(integerKeys).toCbor(), PayloadFormat::Cbor));
        QVERIFY(!decodeFleetPayload(QByteArray("\xbf\x61", 2), PayloadFormat::Cbor));
        const QJsonObject error = FleetError{400, QStringLiteral("InvalidCertificateOwnershipToken"), QStringLiteral("m")}.toJson();
        QCOMPARE(error.keys(), (QStringList{QStringLiteral("errorCode"), QStringLiteral("errorMessage"), QStringLiteral("statusCode")}));
    }

    void globs_data()
    {
        QTest::addColumn<QString>("pattern");
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("matches");
        QTest::newRow("star") << "$aws/certificates/create/*" << "$aws/certificates/create/json" << true;
        QTest::newRow("star spans levels") << "$aws/certificates/create/*" << "$aws/certificates/create/json/+" << true;
        QTest::newRow("not a prefix") << "$aws/certificates/create/*" << "$aws/certificates/create-from-csr/json" << false;
        QTest::newRow("question") << "a?c" << "abc" << true;
        QTest::newRow("regex characters are literal") << "a.c" << "abc" << false;
        QTest::newRow("anchored") << "abc" << "xabc" << false;
    }

    void globs()
    {
        QFETCH(QString, pattern);
        QFETCH(QString, text);
        QFETCH(bool, matches);
        QCOMPARE(globMatches(pattern, text), matches);
    }

    void claimScopes()
    {
        const auto trusted = ClaimScope::forProvisioningClaim(QStringLiteral("T1"));
        QVERIFY(trusted.mayPublish(QStringLiteral("$aws/certificates/create-from-csr/cbor")));
        QVERIFY(trusted.mayPublish(QStringLiteral("$aws/provisioning-templates/T1/provision/json")));
        QVERIFY(!trusted.mayPublish(QStringLiteral("$aws/provisioning-templates/T2/provision/json")));
        QVERIFY(!trusted.mayPublish(QStringLiteral("$aws/certificates/create/json/accepted")));
        QVERIFY(!trusted.mayPublish(QStringLiteral("telemetry")));
        QVERIFY(trusted.maySubscribe(QStringLiteral("$aws/provisioning-templates/T1/provision/json/+")));
        QVERIFY(!trusted.maySubscribe(QStringLiteral("#")));

        const QJsonObject connect{{QStringLiteral("Effect"), QStringLiteral("Allow")}, {QStringLiteral("Action"), QStringLiteral("iot:Connect")},
                                  {QStringLiteral("Resource"), QStringLiteral("*")}};
        const QJsonObject publish{{QStringLiteral("Effect"), QStringLiteral("Allow")},
                                  {QStringLiteral("Action"), QJsonArray{QStringLiteral("iot:Publish"), QStringLiteral("iot:Receive")}},
                                  {QStringLiteral("Resource"), QJsonArray{QStringLiteral("arn:aws:iot:r:1:topic/$aws/certificates/create/*")}}};
        const QJsonObject subscribe{{QStringLiteral("Effect"), QStringLiteral("Allow")}, {QStringLiteral("Action"), QStringLiteral("iot:Subscribe")},
                                    {QStringLiteral("Resource"), QStringLiteral("arn:aws:iot:r:1:topicfilter/$aws/certificates/create/*")}};
        const QJsonObject deny{{QStringLiteral("Effect"), QStringLiteral("Deny")}, {QStringLiteral("Action"), QStringLiteral("iot:Publish")},
                               {QStringLiteral("Resource"), QStringLiteral("arn:aws:iot:r:1:topic/$aws/provisioning-templates/*")}};
        const QString claimPolicy = QString::fromUtf8(
            QJsonDocument(QJsonObject{{QStringLiteral("Statement"), QJsonArray{connect, publish, subscribe, deny}}}).toJson());
        const auto byPolicy = ClaimScope::fromPolicies({claimPolicy});
        QVERIFY(byPolicy);
        QVERIFY(byPolicy->mayPublish(QStringLiteral("$aws/certificates/create/json")));
        QVERIFY(!byPolicy->mayPublish(QStringLiteral("$aws/certificates/create-from-csr/json")));  // not granted
        QVERIFY(byPolicy->maySubscribe(QStringLiteral("$aws/certificates/create/json/+")));
        QVERIFY(!byPolicy->maySubscribe(QStringLiteral("$aws/certificates/create-from-csr/json/+")));

        const QString devicePolicy = QStringLiteral("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iot:*\",\"Resource\":\"*\"}]}");
        QVERIFY(!ClaimScope::fromPolicies({devicePolicy}));
        QVERIFY(!ClaimScope::fromPolicies({}));
    }

    void hookSpecAndOutput()
    {
        QCOMPARE(PreProvisioningHook::parseSpec(QStringLiteral("deny"))->first, PreProvisioningHook::Rule::Deny);
        const auto command = PreProvisioningHook::parseSpec(QStringLiteral("command:/bin/hook"));
        QCOMPARE(command->first, PreProvisioningHook::Rule::Command);
        QCOMPARE(command->second, QStringLiteral("/bin/hook"));
        QVERIFY(!PreProvisioningHook::parseSpec(QStringLiteral("maybe")));
        QVERIFY(!PreProvisioningHook::parseSpec(QStringLiteral("command:")));

        const HookVerdict allowed = parseHookOutput("{\"allowProvisioning\": true, \"parameterOverrides\": {\"Site\": \"7\"}}");
        QVERIFY(allowed.allow);
        QCOMPARE(allowed.parameterOverrides.value(QStringLiteral("Site")), QStringLiteral("7"));
        QVERIFY(!parseHookOutput("{\"allowProvisioning\": false}").allow);
        QVERIFY(!parseHookOutput("{\"allowProvisioning\": \"yes\"}").allow);
        QVERIFY(!parseHookOutput("garbage").allow);
    }

    // The command hook: stdin carries the input, stdout the verdict; failures deny.
    void hookCommand_data()
    {
        QTest::addColumn<QByteArray>("script");
        QTest::addColumn<bool>("allow");
        QTest::addColumn<QString>("site");
        QTest::newRow("allows with overrides")
            << QByteArray("grep -q '\"SerialNumber\":\"42\"' && echo '{\"allowProvisioning\":true,\"parameterOverrides\":{\"Site\":\"9\"}}'")
            << true << QStringLiteral("9");
        QTest::newRow("input not seen") << QByteArray("grep -q nothing-like-this && echo '{\"allowProvisioning\":true}'") << false << QString();
        QTest::newRow("denies") << QByteArray("cat >/dev/null; echo '{\"allowProvisioning\":false}'") << false << QString();
        QTest::newRow("fails") << QByteArray("cat >/dev/null; echo '{\"allowProvisioning\":true}'; exit 3") << false << QString();
        QTest::newRow("garbage") << QByteArray("cat >/dev/null; echo allow") << false << QString();
    }

    void hookCommand()
    {
        QFETCH(QByteArray, script);
        QFETCH(bool, allow);
        QFETCH(QString, site);
        QTemporaryDir directory;
        QFile file(directory.filePath(QStringLiteral("hook.sh")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("#!/bin/sh\n" + script + "\n");
        file.close();
        QVERIFY(file.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
        PreProvisioningHook hook(PreProvisioningHook::Rule::Command, file.fileName());
        std::optional<HookVerdict> verdict;
        hook.ask({{QStringLiteral("parameters"), QJsonObject{{QStringLiteral("SerialNumber"), QStringLiteral("42")}}}},
                 [&verdict](const HookVerdict& answer) { verdict = answer; });
        QTRY_VERIFY_WITH_TIMEOUT(verdict.has_value(), PreProvisioningHook::kTimeoutMs + 2000);
        QCOMPARE(verdict->allow, allow);
        QCOMPARE(verdict->parameterOverrides.value(QStringLiteral("Site")), site);
    }

    void hookCommandMissing()
    {
        PreProvisioningHook hook(PreProvisioningHook::Rule::Command, QStringLiteral("/nonexistent/hook"));
        std::optional<HookVerdict> verdict;
        hook.ask({}, [&verdict](const HookVerdict& answer) { verdict = answer; });
        QTRY_VERIFY_WITH_TIMEOUT(verdict.has_value(), PreProvisioningHook::kTimeoutMs + 2000);
        QVERIFY(!verdict->allow);
        QVERIFY2(verdict->reason.contains(QStringLiteral("cannot start")), qPrintable(verdict->reason));
    }
};

QTEST_GUILESS_MAIN(TestFleetApi)
#include "tst_fleetapi.moc"
