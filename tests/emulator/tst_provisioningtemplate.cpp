// The provisioning template engine on AWS's documented example templates (bulk/RegisterThing,
// JITP, fleet provisioning) and on malformed ones, plus `imprint-cli template render`.
#include "TestPki.h"
#include "core/template/CertificateParameters.h"
#include "core/template/ProvisioningTemplate.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace imprint;
using namespace imprint::provisioning;

namespace {

QByteArray fixture(const QString& name)
{
    QFile file(QStringLiteral(IMPRINT_SOURCE_DIR "/tests/emulator/data/") + name);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

QHash<QString, QString> values(std::initializer_list<std::pair<const char*, const char*>> pairs)
{
    QHash<QString, QString> out;
    for (const auto& [key, value] : pairs)
        out.insert(QString::fromUtf8(key), QString::fromUtf8(value));
    return out;
}

const RenderedResource& resource(const RenderedTemplate& rendered, const char* type)
{
    const auto* found = rendered.firstOfType(QString::fromLatin1(type));
    Q_ASSERT(found);
    return *found;
}

}  // namespace

class TestProvisioningTemplate : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void bulkTemplateUsesDefaultsAndRefs()
    {
        auto parsed = ProvisioningTemplate::parse(fixture(QStringLiteral("bulk-registration.json")));
        QVERIFY2(parsed.ok(), qPrintable(parsed.ok() ? QString() : parsed.error().message()));
        auto rendered = parsed->render(values({{"ThingName", "foo"}, {"SerialNumber", "123"}, {"CSR", "csr1"}}));
        QVERIFY2(rendered.ok(), qPrintable(rendered.ok() ? QString() : rendered.error().message()));
        const auto& thing = resource(rendered.value(), kThingType);
        QCOMPARE(thing.properties.value(QStringLiteral("ThingName")).toString(), QStringLiteral("foo"));
        QCOMPARE(thing.properties.value(QStringLiteral("ThingGroups")).toArray(),
                 (QJsonArray{QStringLiteral("v1-lightbulbs"), QStringLiteral("WA")}));  // Location's Default
        QCOMPARE(thing.properties.value(QStringLiteral("AttributePayload")).toObject().value(QStringLiteral("serialNumber")),
                 QJsonValue(QStringLiteral("123")));
        const auto& certificate = resource(rendered.value(), kCertificateType);
        QCOMPARE(certificate.properties.value(QStringLiteral("CertificateSigningRequest")).toString(), QStringLiteral("csr1"));
        const auto& policy = resource(rendered.value(), kPolicyType);
        QVERIFY(policy.properties.value(QStringLiteral("PolicyDocument")).toString().contains(QStringLiteral("iot:Publish")));
    }

    void fleetTemplateResolvesMappingsJoinAndDeviceConfiguration()
    {
        auto parsed = ProvisioningTemplate::parse(fixture(QStringLiteral("fleet-provisioning.json")));
        QVERIFY(parsed.ok());
        auto rendered = parsed->render(values({{"ThingName", "bulb-1"}, {"SerialNumber", "0001"},
                                                {"DeviceLocation", "Seattle"}, {"AWS::IoT::Certificate::Id", "abc"}}));
        QVERIFY2(rendered.ok(), qPrintable(rendered.ok() ? QString() : rendered.error().message()));
        QCOMPARE(resource(rendered.value(), kThingType).properties.value(QStringLiteral("ThingTypeName")).toString(),
                 QStringLiteral("ThingPrefix_0001"));
        const auto& certificate = resource(rendered.value(), kCertificateType);
        QCOMPARE(certificate.properties.value(QStringLiteral("Status")).toString(), QStringLiteral("ACTIVE"));  // "Active"
        QCOMPARE(certificate.properties.value(QStringLiteral("CertificateId")).toString(), QStringLiteral("abc"));
        // The embedded policy object becomes the string AWS stores.
        const QString document = resource(rendered.value(), kPolicyType).properties.value(QStringLiteral("PolicyDocument")).toString();
        QVERIFY(QJsonDocument::fromJson(document.toUtf8()).isObject());
        QCOMPARE(rendered->deviceConfiguration,
                 (QJsonObject{{QStringLiteral("FallbackUrl"), QStringLiteral("https://www.example.com/test-site")},
                              {QStringLiteral("LocationUrl"), QStringLiteral("https://example.aws")}}));
        QCOMPARE(resource(rendered.value(), kThingType).overrideSettings.value(QStringLiteral("AttributePayload")).toString(),
                 QStringLiteral("MERGE"));
    }

    void jitpTemplateTakesParametersFromTheCertificateSubject()
    {
        QTemporaryDir dir;
        test::TestPki pki(dir.path());
        QCOMPARE(pki.makeCa(QStringLiteral("ca"), QStringLiteral("/CN=Test CA")), QString());
        QCOMPARE(pki.makeLeaf(QStringLiteral("device"), QStringLiteral("/C=DE/O=Acme/CN=sensor-42/serialNumber=SN42"),
                              QStringLiteral("ca")),
                 QString());
        auto parameters = certificateParameters(pki.certPem(QStringLiteral("device")), QStringLiteral("device.crt"));
        QVERIFY(parameters.ok());
        QCOMPARE(parameters->value(QStringLiteral("AWS::IoT::Certificate::CommonName")), QStringLiteral("sensor-42"));
        QCOMPARE(parameters->value(QStringLiteral("AWS::IoT::Certificate::Country")), QStringLiteral("DE"));
        QCOMPARE(parameters->value(QStringLiteral("AWS::IoT::Certificate::SerialNumber")), QStringLiteral("SN42"));
        QCOMPARE(parameters->value(QStringLiteral("AWS::IoT::Certificate::Id")),
                 certificateIdOfPem(pki.certPem(QStringLiteral("device"))).value());
        QCOMPARE(parameters->value(QStringLiteral("AWS::IoT::Certificate::Id")).size(), 64);
        QVERIFY(!parameters->contains(QStringLiteral("AWS::IoT::Certificate::StateName")));

        auto parsed = ProvisioningTemplate::parse(fixture(QStringLiteral("jitp.json")));
        QVERIFY(parsed.ok());
        auto rendered = parsed->render(parameters.value());
        QVERIFY2(rendered.ok(), qPrintable(rendered.ok() ? QString() : rendered.error().message()));
        QCOMPARE(resource(rendered.value(), kThingType).properties.value(QStringLiteral("ThingName")).toString(),
                 QStringLiteral("sensor-42"));

        // A certificate without C= cannot satisfy a template that declares Country.
        QCOMPARE(pki.makeLeaf(QStringLiteral("nocountry"), QStringLiteral("/CN=sensor-43"), QStringLiteral("ca")), QString());
        auto partial = certificateParameters(pki.certPem(QStringLiteral("nocountry")), QStringLiteral("nocountry.crt"));
        QVERIFY(partial.ok());
        auto refused = parsed->render(partial.value());
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().message(),
                 QStringLiteral("Parameters.AWS::IoT::Certificate::Country: the device certificate's subject has no such field"));
    }

    void intrinsics_data()
    {
        QTest::addColumn<QString>("expression");
        QTest::addColumn<QString>("expected");
        QTest::newRow("join") << R"({"Fn::Join": ["-", ["a", {"Ref": "P"}, "c"]]})" << "a-pv-c";
        QTest::newRow("join empty delimiter") << R"({"Fn::Join": ["", ["x", "y"]]})" << "xy";
        QTest::newRow("select") << R"({"Fn::Select": [1, ["a", "b", "c"]]})" << "b";
        QTest::newRow("select string index") << R"({"Fn::Select": ["2", ["a", "b", "c"]]})" << "c";
        QTest::newRow("select of split") << R"({"Fn::Select": [1, {"Fn::Split": [":", "x:y:z"]}]})" << "y";
        QTest::newRow("sub") << R"({"Fn::Sub": "${P}-fleet-policy"})" << "pv-fleet-policy";
        QTest::newRow("sub with variables") << R"({"Fn::Sub": ["${A}/${P}", {"A": {"Ref": "P"}}]})" << "pv/pv";
        QTest::newRow("sub literal") << R"({"Fn::Sub": "${!Literal}"})" << "${Literal}";
        QTest::newRow("find in map") << R"({"Fn::FindInMap": ["M", {"Ref": "P"}, "k"]})" << "mapped";
        QTest::newRow("default") << R"({"Ref": "D"})" << "dflt";
    }

    void intrinsics()
    {
        QFETCH(QString, expression);
        QFETCH(QString, expected);
        const QString body = QStringLiteral(
            R"({"Parameters": {"P": {"Type": "String"}, "D": {"Type": "String", "Default": "dflt"}},
                "Mappings": {"M": {"pv": {"k": "mapped"}}},
                "Resources": {"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": %1}}}})")
                                 .arg(expression);
        auto parsed = ProvisioningTemplate::parse(body.toUtf8());
        QVERIFY2(parsed.ok(), qPrintable(parsed.ok() ? QString() : parsed.error().message()));
        auto rendered = parsed->render(values({{"P", "pv"}}));
        QVERIFY2(rendered.ok(), qPrintable(rendered.ok() ? QString() : rendered.error().message()));
        QCOMPARE(resource(rendered.value(), kThingType).properties.value(QStringLiteral("ThingName")).toString(), expected);
    }

    void malformedTemplatesAreNamedByPath_data()
    {
        QTest::addColumn<QString>("body");
        QTest::addColumn<QString>("error");
        const auto thing = [](const char* name) {
            return QStringLiteral(R"({"Parameters": {"P": {"Type": "String"}}, "Resources": {"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": %1}}}})")
                .arg(QString::fromUtf8(name));
        };
        QTest::newRow("not json") << "{" << "template: not valid JSON at offset";
        QTest::newRow("not an object") << "[]" << "template: the top level must be a JSON object";
        QTest::newRow("no resources") << "{}" << "Resources: missing";
        QTest::newRow("undefined ref") << thing(R"({"Ref": "SerialNumber"})")
                                       << "Resources.thing.Properties.ThingName: Ref to undefined parameter 'SerialNumber'";
        QTest::newRow("unsupported function") << thing(R"({"Fn::If": ["c", "a", "b"]})")
                                              << "Resources.thing.Properties.ThingName.Fn::If: unsupported function 'Fn::If'";
        QTest::newRow("GetAtt") << thing(R"({"Fn::GetAtt": ["a", "b"]})") << "unsupported function 'Fn::GetAtt'";
        QTest::newRow("bad type") << thing("42") << "Resources.thing.Properties.ThingName: must be a string, found a number";
        QTest::newRow("select out of bounds") << thing(R"({"Fn::Select": [3, ["a"]]})")
                                              << "Resources.thing.Properties.ThingName.Fn::Select: index 3 is out of bounds (the list has 1 items)";
        QTest::newRow("join wrong arguments") << thing(R"({"Fn::Join": "x"})") << "Fn::Join: takes a list of arguments, found a string";
        QTest::newRow("missing mapping") << thing(R"({"Fn::FindInMap": ["Nope", "a", "b"]})") << "Fn::FindInMap: no mapping 'Nope' in Mappings";
        QTest::newRow("sub undefined") << thing(R"({"Fn::Sub": "${Q}-x"})") << "Fn::Sub: Ref to undefined parameter 'Q'";
        QTest::newRow("nested ref error") << thing(R"({"Fn::Join": ["", ["a", {"Ref": "Z"}]]})")
                                          << "Resources.thing.Properties.ThingName.Fn::Join[1][1]: Ref to undefined parameter 'Z'";
        QTest::newRow("unknown resource type")
            << R"({"Resources": {"x": {"Type": "AWS::S3::Bucket", "Properties": {}}}})"
            << "Resources.x.Type: unsupported resource type 'AWS::S3::Bucket'";
        QTest::newRow("unknown property")
            << R"({"Resources": {"x": {"Type": "AWS::IoT::Thing", "Properties": {"Name": "a"}}}})"
            << "Resources.x.Properties.Name: AWS::IoT::Thing has no property 'Name'";
        QTest::newRow("merge on type name")
            << R"({"Resources": {"x": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": "a"}, "OverrideSettings": {"ThingTypeName": "MERGE"}}}})"
            << "Resources.x.OverrideSettings.ThingTypeName: MERGE applies only to ThingGroups and AttributePayload";
        QTest::newRow("override on policy")
            << R"({"Resources": {"p": {"Type": "AWS::IoT::Policy", "Properties": {"PolicyName": "a"}, "OverrideSettings": {"PolicyName": "REPLACE"}}}})"
            << "Resources.p.OverrideSettings.PolicyName: AWS::IoT::Policy has no override setting";
        QTest::newRow("bad override value")
            << R"({"Resources": {"x": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": "a"}, "OverrideSettings": {"ThingGroups": "KEEP"}}}})"
            << "Resources.x.OverrideSettings.ThingGroups: 'KEEP' is not DO_NOTHING, REPLACE, FAIL or MERGE";
        QTest::newRow("policy both")
            << R"({"Resources": {"p": {"Type": "AWS::IoT::Policy", "Properties": {"PolicyName": "a", "PolicyDocument": "{}"}}}})"
            << "Resources.p.Properties: give either PolicyName or PolicyDocument, not both";
        QTest::newRow("certificate two ways")
            << R"({"Resources": {"c": {"Type": "AWS::IoT::Certificate", "Properties": {"CertificateId": "a", "CertificatePem": "b"}}}})"
            << "Resources.c.Properties: give exactly one of CertificateId, CertificatePem or CertificateSigningRequest (found 2)";
        QTest::newRow("bad status")
            << R"({"Resources": {"c": {"Type": "AWS::IoT::Certificate", "Properties": {"CertificateId": "a", "Status": "REVOKED"}}}})"
            << "Resources.c.Properties.Status: 'REVOKED' is not ACTIVE or INACTIVE";
        QTest::newRow("thing groups not a list")
            << R"({"Resources": {"x": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": "a", "ThingGroups": "g"}}}})"
            << "Resources.x.Properties.ThingGroups: must be a list, found a string";
        QTest::newRow("conditions")
            << R"({"Conditions": {}, "Resources": {}})" << "Conditions: Conditions are a CloudFormation feature";
        QTest::newRow("nested device configuration")
            << R"({"Resources": {}, "DeviceConfiguration": {"a": {"b": "c"}}})"
            << "DeviceConfiguration.a: DeviceConfiguration does not support nested JSON (found an object)";
        QTest::newRow("function in mappings")
            << R"({"Mappings": {"M": {"a": {"b": {"Ref": "P"}}}}, "Resources": {}})"
            << "Mappings.M.a.b: Mappings may not contain functions or nested objects";
        QTest::newRow("bad parameter type")
            << R"({"Parameters": {"P": {"Type": "Blob"}}, "Resources": {}})"
            << "Parameters.P.Type: 'Blob' is not a parameter type";
        QTest::newRow("parameter without value")
            << R"({"Parameters": {"Q": {"Type": "String"}}, "Resources": {}})" << "Parameters.Q: no value given and no Default";
        QTest::newRow("too long")
            << QStringLiteral(R"({"Resources": {}, "DeviceConfiguration": {"a": "%1"}})").arg(QString(10240, u'x'))
            << "template: 10291 characters is over AWS's limit of 10240";
    }

    void malformedTemplatesAreNamedByPath()
    {
        QFETCH(QString, body);
        QFETCH(QString, error);
        auto parsed = ProvisioningTemplate::parse(body.toUtf8());
        QString message;
        if (!parsed.ok()) {
            message = parsed.error().message();
        } else {
            auto rendered = parsed->render(values({{"P", "pv"}}));
            QVERIFY2(!rendered.ok(), "the template was accepted");
            message = rendered.error().message();
        }
        QVERIFY2(message.contains(error), qPrintable(message));
    }

    void cliRendersWithParamsAndWithACertificate()
    {
        QTemporaryDir dir;
        test::TestPki pki(dir.path());
        QCOMPARE(pki.makeCa(QStringLiteral("ca"), QStringLiteral("/CN=Test CA")), QString());
        QCOMPARE(pki.makeLeaf(QStringLiteral("device"), QStringLiteral("/C=US/CN=bulb-7/serialNumber=7"), QStringLiteral("ca")),
                 QString());
        const QString templates = QStringLiteral(IMPRINT_SOURCE_DIR "/tests/emulator/data/");
        QProcess cli;
        cli.start(QStringLiteral(IMPRINT_CLI_PATH), {QStringLiteral("template"), QStringLiteral("render"),
                                                      QStringLiteral("--template"), templates + QStringLiteral("jitp.json"),
                                                      QStringLiteral("--cert"), pki.certPath(QStringLiteral("device"))});
        QVERIFY(cli.waitForFinished(20000));
        QCOMPARE(cli.exitCode(), 0);
        const QJsonObject out = QJsonDocument::fromJson(cli.readAllStandardOutput()).object();
        bool sawThing = false;
        for (const auto& entry : out.value(QStringLiteral("resources")).toArray()) {
            const QJsonObject object = entry.toObject();
            if (object.value(QStringLiteral("logicalName")).toString() != QStringLiteral("thing"))
                continue;
            sawThing = true;
            QCOMPARE(object.value(QStringLiteral("type")).toString(), QStringLiteral("AWS::IoT::Thing"));
            QCOMPARE(object.value(QStringLiteral("properties")).toObject().value(QStringLiteral("ThingName")).toString(),
                     QStringLiteral("bulb-7"));
        }
        QVERIFY(sawThing);

        cli.start(QStringLiteral(IMPRINT_CLI_PATH), {QStringLiteral("template"), QStringLiteral("render"),
                                                      QStringLiteral("--template"), templates + QStringLiteral("bulk-registration.json"),
                                                      QStringLiteral("--params"), templates + QStringLiteral("fleet-params.json")});
        QVERIFY(cli.waitForFinished(20000));
        QCOMPARE(cli.exitCode(), 3);  // invalid input
        QVERIFY(cli.readAllStandardError().contains("Parameters.CSR: no value given and no Default"));
    }
};

QTEST_GUILESS_MAIN(TestProvisioningTemplate)
#include "tst_provisioningtemplate.moc"
