// imprint-iot-emulator's control plane driven by the real AWS CLI (/usr/bin/aws): provisioning
// templates and versions, claims, RegisterThing, bulk registration through the S3 endpoint, and
// injected faults.
#include "AwsTestSupport.h"
#include "TestPki.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>

using namespace imprint::test;

class TestEmulatorAwsProvisioning : public QObject
{
    Q_OBJECT
private:
    EmulatorProcess m_emulator;
    std::unique_ptr<TestPki> m_pki;

private Q_SLOTS:
    void initTestCase()
    {
        const QString error = m_emulator.start();
        QVERIFY2(error.isEmpty(), qPrintable(error));
        m_pki = std::make_unique<TestPki>(m_emulator.path(QString()));
    }

    void provisioningTemplatesVersionsAndClaims()
    {
        const QString body = writeFile(m_emulator, QStringLiteral("fleet.json"), fixture(QStringLiteral("fleet-provisioning.json")));
        const QString role = QStringLiteral("arn:aws:iam::123456789012:role/Provisioning");
        const auto create = [&](const QString& name, const QString& file, const QStringList& extra) {
            return m_emulator.aws(QStringList{QStringLiteral("iot"), QStringLiteral("create-provisioning-template"), QStringLiteral("--template-name"),
                                              name, QStringLiteral("--template-body"), fileArgument(file),
                                              QStringLiteral("--provisioning-role-arn"), role}
                                  + extra);
        };
        const auto created = create(QStringLiteral("fleet"), body, {QStringLiteral("--enabled")});
        AWS_OK(created);
        QCOMPARE(created.json().value(QStringLiteral("templateArn")).toString(),
                 QStringLiteral("arn:aws:iot:us-east-1:123456789012:provisioningtemplate/fleet"));
        QCOMPARE(created.json().value(QStringLiteral("defaultVersionId")).toInt(), 1);
        AWS_FAILS_WITH(create(QStringLiteral("fleet"), body, {}), "ResourceAlreadyExistsException");
        const QString broken = writeFile(m_emulator, QStringLiteral("broken.json"),
                                         R"({"Resources": {"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": {"Fn::If": []}}}}})");
        const auto refused = create(QStringLiteral("broken"), broken, {});
        AWS_FAILS_WITH(refused, "InvalidRequestException");
        QVERIFY2(refused.err.contains("Fn::If"), qPrintable(refused.describe()));
        AWS_FAILS_WITH(create(QStringLiteral("name with spaces"), body, {}), "InvalidRequestException");

        auto described = m_emulator.aws(args({"iot", "describe-provisioning-template", "--template-name", "fleet"}));
        AWS_OK(described);
        QCOMPARE(described.json().value(QStringLiteral("templateBody")).toString().toUtf8(), fixture(QStringLiteral("fleet-provisioning.json")));
        QCOMPARE(described.json().value(QStringLiteral("type")).toString(), QStringLiteral("FLEET_PROVISIONING"));
        QVERIFY(described.json().value(QStringLiteral("enabled")).toBool());
        AWS_OK(m_emulator.aws(args({"iot", "update-provisioning-template", "--template-name", "fleet", "--description", "line 3", "--no-enabled"})));
        described = m_emulator.aws(args({"iot", "describe-provisioning-template", "--template-name", "fleet"}));
        QCOMPARE(described.json().value(QStringLiteral("description")).toString(), QStringLiteral("line 3"));
        QVERIFY(!described.json().value(QStringLiteral("enabled")).toBool());
        const auto listed = m_emulator.aws(args({"iot", "list-provisioning-templates"}));
        AWS_OK(listed);
        QCOMPARE(listed.json().value(QStringLiteral("templates")).toArray().size(), 1);

        for (int version = 2; version <= 5; ++version) {
            const auto added = m_emulator.aws({QStringLiteral("iot"), QStringLiteral("create-provisioning-template-version"),
                                               QStringLiteral("--template-name"), QStringLiteral("fleet"), QStringLiteral("--template-body"),
                                               fileArgument(body)});
            AWS_OK(added);
            QCOMPARE(added.json().value(QStringLiteral("versionId")).toInt(), version);
            QVERIFY(!added.json().value(QStringLiteral("isDefaultVersion")).toBool());
        }
        AWS_FAILS_WITH(m_emulator.aws({QStringLiteral("iot"), QStringLiteral("create-provisioning-template-version"), QStringLiteral("--template-name"),
                                       QStringLiteral("fleet"), QStringLiteral("--template-body"), fileArgument(body)}),
                       "VersionsLimitExceededException");
        const auto versions = m_emulator.aws(args({"iot", "list-provisioning-template-versions", "--template-name", "fleet"}));
        AWS_OK(versions);
        QCOMPARE(versions.json().value(QStringLiteral("versions")).toArray().size(), 5);
        AWS_FAILS_WITH(m_emulator.aws(args({"iot", "delete-provisioning-template-version", "--template-name", "fleet", "--version-id", "1"})),
                       "DeleteConflictException");
        AWS_OK(m_emulator.aws(args({"iot", "update-provisioning-template", "--template-name", "fleet", "--default-version-id", "2"})));
        AWS_OK(m_emulator.aws(args({"iot", "delete-provisioning-template-version", "--template-name", "fleet", "--version-id", "1"})));
        const auto version2 = m_emulator.aws(args({"iot", "describe-provisioning-template-version", "--template-name", "fleet", "--version-id", "2"}));
        AWS_OK(version2);
        QVERIFY(version2.json().value(QStringLiteral("isDefaultVersion")).toBool());
        AWS_FAILS_WITH(m_emulator.aws(args({"iot", "describe-provisioning-template-version", "--template-name", "fleet", "--version-id", "1"})),
                       "ResourceNotFoundException");

        const auto claim = m_emulator.aws(args({"iot", "create-provisioning-claim", "--template-name", "fleet"}));
        AWS_OK(claim);
        QVERIFY(claim.json().value(QStringLiteral("certificatePem")).toString().startsWith(QStringLiteral("-----BEGIN CERTIFICATE-----")));
        QVERIFY(claim.json().value(QStringLiteral("keyPair")).toObject().value(QStringLiteral("PrivateKey")).toString().contains(QStringLiteral("PRIVATE KEY")));
        QCOMPARE(claim.json().value(QStringLiteral("certificateId")).toString().size(), 64);
        // Claims are not in the account's certificates.
        AWS_FAILS_WITH(m_emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-certificate"), QStringLiteral("--certificate-id"),
                                       claim.json().value(QStringLiteral("certificateId")).toString()}),
                       "ResourceNotFoundException");
        AWS_OK(create(QStringLiteral("jitp"), writeFile(m_emulator, QStringLiteral("jitp.json"), fixture(QStringLiteral("jitp.json"))),
                      {QStringLiteral("--type"), QStringLiteral("JITP")}));
        AWS_FAILS_WITH(m_emulator.aws(args({"iot", "create-provisioning-claim", "--template-name", "jitp"})), "InvalidRequestException");
        AWS_FAILS_WITH(m_emulator.aws(args({"iot", "create-provisioning-claim", "--template-name", "missing"})), "ResourceNotFoundException");

        AWS_OK(m_emulator.aws(args({"iot", "delete-provisioning-template", "--template-name", "fleet"})));
        AWS_FAILS_WITH(m_emulator.aws(args({"iot", "describe-provisioning-template", "--template-name", "fleet"})), "ResourceNotFoundException");
    }

    void registerThingWithACsr()
    {
        AWS_OK(m_emulator.aws(args({"iot", "create-thing-type", "--thing-type-name", "lightBulb-versionA"})));
        AWS_OK(m_emulator.aws(args({"iot", "create-thing-group", "--thing-group-name", "v1-lightbulbs"})));
        AWS_OK(m_emulator.aws(args({"iot", "create-thing-group", "--thing-group-name", "WA"})));
        QCOMPARE(m_pki->makeCa(QStringLiteral("csr-ca"), QStringLiteral("/CN=CSR CA")), QString());
        QCOMPARE(m_pki->makeLeaf(QStringLiteral("bulb"), QStringLiteral("/CN=bulb-9"), QStringLiteral("csr-ca")), QString());
        QFile csr(m_emulator.path(QStringLiteral("bulb.csr")));
        QVERIFY(csr.open(QIODevice::ReadOnly));
        const QJsonObject parameters{{QStringLiteral("ThingName"), QStringLiteral("bulb-9")},
                                     {QStringLiteral("SerialNumber"), QStringLiteral("9")},
                                     {QStringLiteral("CSR"), QString::fromUtf8(csr.readAll())}};
        const auto registered = m_emulator.aws(
            {QStringLiteral("iot"), QStringLiteral("register-thing"), QStringLiteral("--template-body"),
             fileArgument(writeFile(m_emulator, QStringLiteral("bulk.json"), fixture(QStringLiteral("bulk-registration.json")))),
             QStringLiteral("--parameters"), QString::fromUtf8(QJsonDocument(parameters).toJson(QJsonDocument::Compact))});
        AWS_OK(registered);
        const QJsonObject arns = registered.json().value(QStringLiteral("resourceArns")).toObject();
        QCOMPARE(arns.value(QStringLiteral("thing")).toString(), QStringLiteral("arn:aws:iot:us-east-1:123456789012:thing/bulb-9"));
        QVERIFY(arns.value(QStringLiteral("certificate")).toString().contains(QStringLiteral(":cert/")));
        QVERIFY(QRegularExpression(QStringLiteral(":policy/[0-9A-F]{40}$")).match(arns.value(QStringLiteral("policy")).toString()).hasMatch());
        QVERIFY(registered.json().value(QStringLiteral("certificatePem")).toString().startsWith(QStringLiteral("-----BEGIN CERTIFICATE-----")));
        const auto thing = m_emulator.aws(args({"iot", "describe-thing", "--thing-name", "bulb-9"}));
        QCOMPARE(thing.json().value(QStringLiteral("attributes")).toObject().value(QStringLiteral("serialNumber")).toString(), QStringLiteral("9"));
        const QString certificateId = arns.value(QStringLiteral("certificate")).toString().section(u'/', 1);
        const auto certificate = m_emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-certificate"), QStringLiteral("--certificate-id"), certificateId});
        QCOMPARE(certificate.json().value(QStringLiteral("certificateDescription")).toObject().value(QStringLiteral("status")).toString(),
                 QStringLiteral("ACTIVE"));
        // A missing parameter is named by its JSON path.
        const auto missing = m_emulator.aws({QStringLiteral("iot"), QStringLiteral("register-thing"), QStringLiteral("--template-body"),
                                             fileArgument(m_emulator.path(QStringLiteral("bulk.json"))), QStringLiteral("--parameters"),
                                             QStringLiteral(R"({"ThingName":"x"})")});
        AWS_FAILS_WITH(missing, "InvalidRequestException");
        QVERIFY2(missing.err.contains("Parameters.CSR: no value given and no Default"), qPrintable(missing.describe()));
    }

    void bulkRegistrationReadsItsInputFromS3()
    {
        const QString input = writeFile(m_emulator, QStringLiteral("input.jsonl"),
                                        "{\"ThingName\": \"bulk-1\", \"SerialNumber\": \"1\"}\n"
                                        "{\"ThingName\": \"bulk 2\", \"SerialNumber\": \"2\"}\n"
                                        "{\"ThingName\": \"bulk-3\", \"SerialNumber\": \"3\"}\n");
        const QString body = writeFile(m_emulator, QStringLiteral("bulk-template.json"), R"({
            "Parameters": {"ThingName": {"Type": "String"}, "SerialNumber": {"Type": "String"}},
            "Resources": {"thing": {"Type": "AWS::IoT::Thing", "Properties": {
                "ThingName": {"Ref": "ThingName"}, "AttributePayload": {"serialNumber": {"Ref": "SerialNumber"}}}}}})");
        AWS_OK(m_emulator.aws({QStringLiteral("s3api"), QStringLiteral("put-object"), QStringLiteral("--bucket"), QStringLiteral("line-3"),
                               QStringLiteral("--key"), QStringLiteral("batches/input.jsonl"), QStringLiteral("--body"), input}));
        const auto started = m_emulator.aws({QStringLiteral("iot"), QStringLiteral("start-thing-registration-task"), QStringLiteral("--template-body"),
                                             fileArgument(body), QStringLiteral("--input-file-bucket"), QStringLiteral("line-3"),
                                             QStringLiteral("--input-file-key"), QStringLiteral("batches/input.jsonl"), QStringLiteral("--role-arn"),
                                             QStringLiteral("arn:aws:iam::123456789012:role/Bulk")});
        AWS_OK(started);
        const QString taskId = started.json().value(QStringLiteral("taskId")).toString();
        QVERIFY(!taskId.isEmpty() && taskId.size() <= 40);
        QJsonObject task;
        for (int attempt = 0; attempt < 10; ++attempt) {
            task = m_emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-thing-registration-task"), QStringLiteral("--task-id"), taskId}).json();
            if (task.value(QStringLiteral("status")).toString() == QStringLiteral("Completed"))
                break;
        }
        QCOMPARE(task.value(QStringLiteral("status")).toString(), QStringLiteral("Completed"));
        QCOMPARE(task.value(QStringLiteral("successCount")).toInt(), 2);
        QCOMPARE(task.value(QStringLiteral("failureCount")).toInt(), 1);  // "bulk 2" is not a thing name
        QCOMPARE(task.value(QStringLiteral("percentageProgress")).toInt(), 100);
        AWS_OK(m_emulator.aws(args({"iot", "describe-thing", "--thing-name", "bulk-3"})));
        AWS_FAILS_WITH(m_emulator.aws(args({"iot", "describe-thing-registration-task", "--task-id", "no-such-task"})), "ResourceNotFoundException");
        // The object reads back through GetObject.
        const QString copy = m_emulator.path(QStringLiteral("copy.jsonl"));
        AWS_OK(m_emulator.aws({QStringLiteral("s3api"), QStringLiteral("get-object"), QStringLiteral("--bucket"), QStringLiteral("line-3"),
                               QStringLiteral("--key"), QStringLiteral("batches/input.jsonl"), copy}));
        QFile original(input);
        QFile read(copy);
        QVERIFY(original.open(QIODevice::ReadOnly) && read.open(QIODevice::ReadOnly));
        QCOMPARE(read.readAll(), original.readAll());
    }

    void injectedFaultsReachTheClient_data()
    {
        QTest::addColumn<QString>("fault");
        QTest::addColumn<QString>("errorType");
        QTest::newRow("throttle") << "throttle=1" << "ThrottlingException";
        QTest::newRow("5xx") << "5xx=1" << "ServiceUnavailableException";
    }

    void injectedFaultsReachTheClient()
    {
        QFETCH(QString, fault);
        QFETCH(QString, errorType);
        EmulatorProcess faulty;
        const QString error = faulty.start({QStringLiteral("--fault"), fault + QStringLiteral(",latency-ms=20")});
        QVERIFY2(error.isEmpty(), qPrintable(error));
        AWS_FAILS_WITH(faulty.aws(args({"iot", "get-registration-code"})), errorType.toUtf8());
    }
};

QTEST_GUILESS_MAIN(TestEmulatorAwsProvisioning)
#include "tst_emulator_aws_provisioning.moc"
