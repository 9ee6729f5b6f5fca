// Provisioning template management: the local checks before upload (data-driven, each error
// naming its JSON path), then `imprint-cli template create|update|version|versions|
// delete-version|list|describe|delete` against imprint-iot-emulator, each result compared with
// what the real AWS CLI (`aws iot describe-provisioning-template`…) reports.
#include "RegistrationFixture.h"

#include "core/template/TemplateValidation.h"

#include <QJsonArray>
#include <QJsonDocument>

using namespace imprint;
using namespace imprint::test;
using provisioning::TemplateType;

namespace {

const QString kRole = QStringLiteral("arn:aws:iam::123456789012:role/ProvisioningRole");

// The AWS CLI prints timestamps as ISO 8601, the API sends epoch seconds: compared without them.
QJsonObject withoutDates(QJsonObject object)
{
    object.remove(QStringLiteral("creationDate"));
    object.remove(QStringLiteral("lastModifiedDate"));
    return object;
}

QJsonArray withoutDates(const QJsonArray& array)
{
    QJsonArray out;
    for (const auto& item : array)
        out.append(withoutDates(item.toObject()));
    return out;
}

}  // namespace

class TestTemplateCommands : public QObject
{
    Q_OBJECT

    RegistrationFixture m_fixture;

    QString writeTemplate(const QString& name, const QByteArray& body)
    {
        QFile file(m_fixture.dir.filePath(name));
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(body) != body.size())
            qFatal("cannot write %s", qPrintable(name));
        return file.fileName();
    }

    CommandResult templateCli(const QStringList& arguments)
    {
        return m_fixture.cli(QStringList{QStringLiteral("template")} + arguments
                             + QStringList{QStringLiteral("--endpoint-url"), m_fixture.emulator.endpoint()});
    }

    QJsonObject describedByAws(const QString& name)
    {
        const auto described = m_fixture.emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-provisioning-template"),
                                                       QStringLiteral("--template-name"), name});
        if (!described.ok())
            return {};
        return described.json();
    }

private Q_SLOTS:
    void initTestCase()
    {
        const QString error = m_fixture.setUp(QStringLiteral("line-1"), 1);
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }

    void localChecks_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("type");
        QTest::addColumn<QByteArray>("replace");
        QTest::addColumn<QByteArray>("with");
        QTest::addColumn<QString>("error");  // empty: accepted
        QTest::newRow("jitp as shipped") << "jitp.json" << "JITP" << QByteArray() << QByteArray() << QString();
        QTest::newRow("fleet as shipped") << "fleet-provisioning.json" << "FLEET_PROVISIONING" << QByteArray() << QByteArray()
                                          << QString();
        QTest::newRow("jitp takes only certificate values")
            << "fleet-provisioning.json" << "JITP" << QByteArray() << QByteArray()
            << QStringLiteral("Parameters.SerialNumber: a JITP template gets its values only from the device certificate");
        QTest::newRow("registers a PEM, not the device's certificate")
            << "register-thing.json" << "FLEET_PROVISIONING" << QByteArray() << QByteArray()
            << QStringLiteral("Resources.certificate.Properties: a FLEET_PROVISIONING template registers the device's own certificate");
        QTest::newRow("undefined Ref")
            << "jitp.json" << "JITP" << QByteArray("{\"Ref\": \"AWS::IoT::Certificate::CommonName\"}")
            << QByteArray("{\"Ref\": \"DeviceName\"}")
            << QStringLiteral("Resources.thing.Properties.ThingName: Ref to undefined parameter 'DeviceName'");
        QTest::newRow("unknown property") << "fleet-provisioning.json" << "FLEET_PROVISIONING" << QByteArray("\"AttributePayload\"")
                                          << QByteArray("\"Attributes\"") << QStringLiteral("Resources.thing.Properties.Attributes");
        QTest::newRow("not JSON") << "jitp.json" << "JITP" << QByteArray("\"Parameters\": {") << QByteArray("\"Parameters\": [")
                                  << QStringLiteral("JSON");
        QTest::newRow("unknown type") << "jitp.json" << "JIT" << QByteArray() << QByteArray()
                                      << QStringLiteral("unknown template type 'JIT'");
    }
    void localChecks()
    {
        QFETCH(QString, file);
        QFETCH(QString, type);
        QFETCH(QByteArray, replace);
        QFETCH(QByteArray, with);
        QFETCH(QString, error);
        QByteArray body = readAll(QStringLiteral(IMPRINT_SOURCE_DIR "/resources/templates/") + file);
        QVERIFY(!body.isEmpty());
        if (!replace.isEmpty()) {
            QVERIFY(body.contains(replace));
            body.replace(replace, with);
        }
        auto parsedType = provisioning::parseTemplateType(type);
        Status checked = parsedType ? provisioning::validateForUpload(body, parsedType.value()) : Status(parsedType.error());
        if (error.isEmpty()) {
            REQUIRE_OK(checked);
            return;
        }
        QVERIFY(!checked.ok());
        QVERIFY2(checked.error().message().contains(error), qPrintable(checked.error().message()));
    }

    void tooLongForAws()
    {
        QByteArray body = readAll(sourceFile("resources/templates/jitp.json"));
        body.replace("\"provisionedBy\": \"imprint-jitp\"", QByteArray("\"provisionedBy\": \"" + QByteArray(11000, 'x') + '"'));
        const Status checked = provisioning::validateForUpload(body, TemplateType::Jitp);
        QVERIFY(!checked.ok());
        QVERIFY2(checked.error().message().contains(QStringLiteral("at most 10240")), qPrintable(checked.error().message()));
    }

    // create -> describe (ours and AWS's agree) -> version (+default) -> versions -> update ->
    // delete-version -> list -> delete.
    void aTemplatesWholeLife()
    {
        const QString name = QStringLiteral("imprint-jitp");
        auto created = templateCli({QStringLiteral("create"), QStringLiteral("--name"), name, QStringLiteral("--type"),
                                    QStringLiteral("JITP"), QStringLiteral("--file"), sourceFile("resources/templates/jitp.json"),
                                    QStringLiteral("--role-arn"), kRole, QStringLiteral("--description"), QStringLiteral("line 1")});
        QVERIFY2(created.ok() && created.out.startsWith("created imprint-jitp (JITP), version 1"), qPrintable(created.describe()));
        QJsonObject aws = describedByAws(name);
        QCOMPARE(aws.value(QStringLiteral("type")).toString(), QStringLiteral("JITP"));
        QCOMPARE(aws.value(QStringLiteral("provisioningRoleArn")).toString(), kRole);
        QCOMPARE(aws.value(QStringLiteral("description")).toString(), QStringLiteral("line 1"));
        QCOMPARE(aws.value(QStringLiteral("defaultVersionId")).toInt(), 1);
        QCOMPARE(aws.value(QStringLiteral("templateBody")).toString().toUtf8(), readAll(sourceFile("resources/templates/jitp.json")));
        auto described = templateCli({QStringLiteral("describe"), QStringLiteral("--name"), name, QStringLiteral("--json")});
        QVERIFY2(described.ok(), qPrintable(described.describe()));
        QCOMPARE(withoutDates(described.json()), withoutDates(aws));  // the same answer as the AWS CLI's
        QVERIFY(described.json().value(QStringLiteral("creationDate")).isDouble());

        // A version refused locally names the path; nothing is uploaded.
        const QString bad = writeTemplate(QStringLiteral("bad.json"), readAll(sourceFile("resources/templates/fleet-provisioning.json")));
        auto refused = templateCli({QStringLiteral("version"), QStringLiteral("--name"), name, QStringLiteral("--file"), bad});
        QVERIFY2(refused.exitCode == 3 && refused.err.contains("Parameters.SerialNumber"), qPrintable(refused.describe()));

        QByteArray v2 = readAll(sourceFile("resources/templates/jitp.json"));
        v2.replace("imprint-jitp\"", "imprint-jitp-v2\"");
        auto version = templateCli({QStringLiteral("version"), QStringLiteral("--name"), name, QStringLiteral("--file"),
                                    writeTemplate(QStringLiteral("v2.json"), v2), QStringLiteral("--set-default")});
        QVERIFY2(version.ok() && version.out.contains("version 2 of imprint-jitp (default)"), qPrintable(version.describe()));
        aws = describedByAws(name);
        QCOMPARE(aws.value(QStringLiteral("defaultVersionId")).toInt(), 2);
        QVERIFY(aws.value(QStringLiteral("templateBody")).toString().contains(QStringLiteral("imprint-jitp-v2")));

        auto versions = templateCli({QStringLiteral("versions"), QStringLiteral("--name"), name, QStringLiteral("--json")});
        QVERIFY2(versions.ok(), qPrintable(versions.describe()));
        const auto awsVersions = m_fixture.emulator.aws({QStringLiteral("iot"), QStringLiteral("list-provisioning-template-versions"),
                                                         QStringLiteral("--template-name"), name});
        AWS_OK(awsVersions);
        QCOMPARE(withoutDates(versions.json().value(QStringLiteral("versions")).toArray()),
                 withoutDates(awsVersions.json().value(QStringLiteral("versions")).toArray()));
        QCOMPARE(versions.json().value(QStringLiteral("versions")).toArray().size(), 2);

        auto backToOne = templateCli({QStringLiteral("update"), QStringLiteral("--name"), name, QStringLiteral("--default-version"),
                                      QStringLiteral("1"), QStringLiteral("--disable"), QStringLiteral("--description"),
                                      QStringLiteral("line 1, rolled back")});
        QVERIFY2(backToOne.ok(), qPrintable(backToOne.describe()));
        aws = describedByAws(name);
        QCOMPARE(aws.value(QStringLiteral("defaultVersionId")).toInt(), 1);
        QCOMPARE(aws.value(QStringLiteral("enabled")).toBool(), false);
        QCOMPARE(aws.value(QStringLiteral("description")).toString(), QStringLiteral("line 1, rolled back"));

        auto dropped = templateCli({QStringLiteral("delete-version"), QStringLiteral("--name"), name, QStringLiteral("--version"),
                                    QStringLiteral("2")});
        QVERIFY2(dropped.ok(), qPrintable(dropped.describe()));
        auto oneVersion = templateCli({QStringLiteral("describe"), QStringLiteral("--name"), name, QStringLiteral("--version"),
                                       QStringLiteral("2")});
        QVERIFY2(oneVersion.exitCode != 0, qPrintable(oneVersion.describe()));  // gone

        auto fleet = templateCli({QStringLiteral("create"), QStringLiteral("--name"), QStringLiteral("imprint-fleet"),
                                  QStringLiteral("--file"), sourceFile("resources/templates/fleet-provisioning.json"),
                                  QStringLiteral("--role-arn"), kRole});
        QVERIFY2(fleet.ok(), qPrintable(fleet.describe()));
        QCOMPARE(describedByAws(QStringLiteral("imprint-fleet")).value(QStringLiteral("type")).toString(),
                 QStringLiteral("FLEET_PROVISIONING"));
        auto listed = templateCli({QStringLiteral("list")});
        QVERIFY2(listed.ok() && listed.out.contains("imprint-jitp  JITP  disabled")
                     && listed.out.contains("imprint-fleet  FLEET_PROVISIONING  enabled"),
                 qPrintable(listed.describe()));

        auto deleted = templateCli({QStringLiteral("delete"), QStringLiteral("--name"), name});
        QVERIFY2(deleted.ok() && deleted.out.contains("deleted imprint-jitp"), qPrintable(deleted.describe()));
        QVERIFY(!m_fixture.emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-provisioning-template"),
                                         QStringLiteral("--template-name"), name}).ok());
    }

    void usage_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        QTest::newRow("create without role") << QStringList{QStringLiteral("create"), QStringLiteral("--name"), QStringLiteral("t"),
                                                            QStringLiteral("--file"), QStringLiteral("x.json")}
                                             << QStringLiteral("--role-arn is required");
        QTest::newRow("update without a change") << QStringList{QStringLiteral("update"), QStringLiteral("--name"), QStringLiteral("t")}
                                                 << QStringLiteral("needs one of");
        QTest::newRow("delete-version without version")
            << QStringList{QStringLiteral("delete-version"), QStringLiteral("--name"), QStringLiteral("t")}
            << QStringLiteral("--version is required");
    }
    void usage()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        auto run = templateCli(arguments);
        QVERIFY2(run.exitCode == 2 && QString::fromUtf8(run.err).contains(message), qPrintable(run.describe()));
    }
};

QTEST_GUILESS_MAIN(TestTemplateCommands)
#include "tst_templatecommands.moc"
