// `imprint-cli aws …` as a line engineer runs it: sign-request on every case of the SigV4 suite,
// config without leaking the secret, and iot OPERATION against a fake AWS endpoint.
#include "FakeAwsServer.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using imprint::test::FakeAnswer;
using imprint::test::FakeAwsServer;
using imprint::test::ReceivedRequest;

namespace {

QString vectorsDirectory()
{
    return QDir::cleanPath(QStringLiteral(IMPRINT_SOURCE_DIR) + QStringLiteral("/../shared/vectors/sigv4-aws-c-auth"));
}

QByteArray readFile(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(path));
    return file.readAll();
}

struct CliRun
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

// Runs imprint-cli without blocking the event loop, so a fake server in this process can answer.
CliRun runCli(const QStringList& arguments, const QProcessEnvironment& environment, const QByteArray& input = {})
{
    QProcess process;
    process.setProcessEnvironment(environment);
    QSignalSpy finished(&process, &QProcess::finished);
    process.start(QStringLiteral(IMPRINT_CLI_PATH), arguments);
    if (!process.waitForStarted(5000))
        return {};
    process.write(input);
    process.closeWriteChannel();
    if (!finished.wait(30'000))
        process.kill();
    return {process.exitCode(), process.readAllStandardOutput(), process.readAllStandardError()};
}

}  // namespace

class TestAwsCli : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_home;

    QProcessEnvironment cleanEnvironment() const
    {
        QProcessEnvironment env;
        env.insert(QStringLiteral("HOME"), m_home.path());
        env.insert(QStringLiteral("PATH"), qEnvironmentVariable("PATH"));
        env.insert(QStringLiteral("IMPRINT_DATA_DIR"), m_home.filePath(QStringLiteral("imprint")));
        return env;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(QDir(vectorsDirectory()).exists(),
                 qPrintable(QStringLiteral("SigV4 test vectors missing at %1").arg(vectorsDirectory())));
        QVERIFY(QFile::exists(QStringLiteral(IMPRINT_CLI_PATH)));
    }

    void signRequestMatchesTheSuite_data()
    {
        QTest::addColumn<QString>("caseName");
        for (const QString& name : QDir(vectorsDirectory()).entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name))
            QTest::newRow(qPrintable(name)) << name;
    }

    void signRequestMatchesTheSuite()
    {
        QFETCH(QString, caseName);
        const QString dir = vectorsDirectory() + u'/' + caseName + u'/';
        const QJsonObject context = QJsonDocument::fromJson(readFile(dir + QStringLiteral("context.json"))).object();
        const QJsonObject credentials = context.value(u"credentials").toObject();
        // The credentials come from the environment, as a line engineer's would; the time from the flag.
        QProcessEnvironment env = cleanEnvironment();
        env.insert(QStringLiteral("AWS_ACCESS_KEY_ID"), credentials.value(u"access_key_id").toString());
        env.insert(QStringLiteral("AWS_SECRET_ACCESS_KEY"), credentials.value(u"secret_access_key").toString());
        if (credentials.contains(u"token"))
            env.insert(QStringLiteral("AWS_SESSION_TOKEN"), credentials.value(u"token").toString());
        QStringList arguments{QStringLiteral("aws"), QStringLiteral("sign-request"), QStringLiteral("--region"),
                              context.value(u"region").toString(), QStringLiteral("--service"),
                              context.value(u"service").toString(), QStringLiteral("--time"),
                              context.value(u"timestamp").toString()};
        if (!context.value(u"normalize").toBool(true))
            arguments << QStringLiteral("--no-normalize");
        if (context.value(u"sign_body").toBool())
            arguments << QStringLiteral("--sign-body");
        if (context.value(u"omit_session_token").toBool())
            arguments << QStringLiteral("--omit-session-token");

        const CliRun run = runCli(arguments, env, readFile(dir + QStringLiteral("request.txt")));
        QVERIFY2(run.exitCode == 0, run.err.constData());
        const QByteArray expected = "----- canonical request -----\n" + readFile(dir + QStringLiteral("header-canonical-request.txt"))
                                    + "\n----- string to sign -----\n" + readFile(dir + QStringLiteral("header-string-to-sign.txt"))
                                    + "\n----- signature -----\n" + readFile(dir + QStringLiteral("header-signature.txt")).trimmed()
                                    + "\n----- signed request -----\n"
                                    + readFile(dir + QStringLiteral("header-signed-request.txt"));
        QCOMPARE(run.out, expected);
    }

    void signRequestTakesTheTimeFromXAmzDate()
    {
        const QByteArray request = "GET / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n";
        const CliRun run = runCli({QStringLiteral("aws"), QStringLiteral("sign-request"), QStringLiteral("--region"),
                                   QStringLiteral("us-east-1"), QStringLiteral("--service"), QStringLiteral("service"),
                                   QStringLiteral("--access-key-id"), QStringLiteral("AKIDEXAMPLE"),
                                   QStringLiteral("--secret-access-key"),
                                   QStringLiteral("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"), QStringLiteral("--print"),
                                   QStringLiteral("signature")},
                                  cleanEnvironment(), request);
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(run.out, readFile(vectorsDirectory() + QStringLiteral("/get-vanilla/header-signature.txt")).trimmed());
    }

    void signRequestErrors()
    {
        const CliRun noCredentials = runCli({QStringLiteral("aws"), QStringLiteral("sign-request"), QStringLiteral("--region"),
                                             QStringLiteral("us-east-1")},
                                            cleanEnvironment(), "GET / HTTP/1.1\nHost:x\n");
        QCOMPARE(noCredentials.exitCode, 3);
        QVERIFY2(noCredentials.err.contains("Unable to locate AWS credentials"), noCredentials.err.constData());
        QProcessEnvironment env = cleanEnvironment();
        env.insert(QStringLiteral("AWS_ACCESS_KEY_ID"), QStringLiteral("AKID"));
        env.insert(QStringLiteral("AWS_SECRET_ACCESS_KEY"), QStringLiteral("secret"));
        const CliRun badRequest = runCli({QStringLiteral("aws"), QStringLiteral("sign-request"), QStringLiteral("--region"),
                                          QStringLiteral("us-east-1")},
                                         env, "not a request\n");
        QCOMPARE(badRequest.exitCode, 3);
        QVERIFY2(badRequest.err.contains("line 1"), badRequest.err.constData());
        const CliRun badPart = runCli({QStringLiteral("aws"), QStringLiteral("sign-request"), QStringLiteral("--print"),
                                       QStringLiteral("everything")},
                                      env, "GET / HTTP/1.1\nHost:x\n");
        QCOMPARE(badPart.exitCode, 2);
    }

    void configNeverShowsTheSecret()
    {
        QProcessEnvironment env = cleanEnvironment();
        env.insert(QStringLiteral("AWS_ACCESS_KEY_ID"), QStringLiteral("AKIDSTATION1234"));
        env.insert(QStringLiteral("AWS_SECRET_ACCESS_KEY"), QStringLiteral("TopSecretValue"));
        env.insert(QStringLiteral("AWS_REGION"), QStringLiteral("eu-west-1"));
        env.insert(QStringLiteral("AWS_ENDPOINT_URL"), QStringLiteral("http://127.0.0.1:4566"));
        const CliRun run = runCli({QStringLiteral("aws"), QStringLiteral("config")}, env);
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.out.contains("region:        eu-west-1"), run.out.constData());
        QVERIFY(run.out.contains("endpoint:      http://127.0.0.1:4566"));
        QVERIFY(run.out.contains("access key ID: ***********1234"));
        QVERIFY(run.out.contains("credentials:   environment"));
        QVERIFY(!run.out.contains("TopSecretValue") && !run.err.contains("TopSecretValue"));
    }

    void iotOperationAgainstAnEndpoint()
    {
        FakeAwsServer server(QStringLiteral("AKIDSTATION1234"), "TopSecretValue");
        QVERIFY(server.listen());
        server.setHandler([](const ReceivedRequest& received) {
            if (received.request.target == "/things/sensor-9")
                return FakeAnswer{200, R"({"thingName":"sensor-9","version":1})", {}};
            return imprint::test::awsError(404, QStringLiteral("ResourceNotFoundException"), QStringLiteral("no such thing"));
        });
        QProcessEnvironment env = cleanEnvironment();
        env.insert(QStringLiteral("AWS_ACCESS_KEY_ID"), QStringLiteral("AKIDSTATION1234"));
        env.insert(QStringLiteral("AWS_SECRET_ACCESS_KEY"), QStringLiteral("TopSecretValue"));
        env.insert(QStringLiteral("AWS_DEFAULT_REGION"), QStringLiteral("eu-west-1"));

        const CliRun found = runCli({QStringLiteral("aws"), QStringLiteral("iot"), QStringLiteral("DescribeThing"),
                                     QStringLiteral("--input"), QStringLiteral(R"({"thingName":"sensor-9"})"),
                                     QStringLiteral("--endpoint-url"), server.url()},
                                    env);
        QVERIFY2(found.exitCode == 0, found.err.constData());
        QCOMPARE(QJsonDocument::fromJson(found.out).object().value(u"thingName").toString(), QStringLiteral("sensor-9"));
        QVERIFY(server.received().first().signature.verified.has_value());

        env.insert(QStringLiteral("AWS_ENDPOINT_URL"), server.url());  // the override from the environment
        const CliRun missing = runCli({QStringLiteral("aws"), QStringLiteral("iot"), QStringLiteral("describething"),
                                       QStringLiteral("--input"), QStringLiteral(R"({"thingName":"nope"})")},
                                      env);
        QCOMPARE(missing.exitCode, 3);  // NotFound
        QVERIFY2(missing.err.contains("ResourceNotFoundException (HTTP 404): no such thing"), missing.err.constData());
        QCOMPARE(server.received().size(), 2);
    }

    // The AWS CLI (2.9 signs IoT as "execute-api", later versions as "iot") must pass the same
    // verifyRequest that the emulator uses, including a path it percent-encodes and a JSON body.
    void realAwsCliSignaturesVerify_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("expectedLine");
        QTest::newRow("describe-thing, encoded path")
            << QStringList{QStringLiteral("describe-thing"), QStringLiteral("--thing-name"), QStringLiteral("sensor:1")}
            << QStringLiteral("GET /things/sensor%3A1");
        QTest::newRow("create-thing, JSON body")
            << QStringList{QStringLiteral("create-thing"), QStringLiteral("--thing-name"), QStringLiteral("t1"),
                           QStringLiteral("--attribute-payload"), QStringLiteral(R"({"attributes":{"line":"3"}})")}
            << QStringLiteral("POST /things/t1");
        QTest::newRow("list-ca-certificates, query")
            << QStringList{QStringLiteral("list-ca-certificates"), QStringLiteral("--page-size"), QStringLiteral("5"),
                           QStringLiteral("--no-paginate")}
            << QStringLiteral("GET /cacertificates?pageSize=5");
    }

    void realAwsCliSignaturesVerify()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, expectedLine);
        QVERIFY2(QFile::exists(QStringLiteral("/usr/bin/aws")), "the AWS CLI (Debian package awscli) is missing");
        FakeAwsServer server(QStringLiteral("AKIDSTATION1234"), "TopSecretValue");
        QVERIFY(server.listen());
        server.setHandler([](const ReceivedRequest&) { return FakeAnswer{200, R"({"thingName":"x"})", {}}; });
        QProcessEnvironment env = cleanEnvironment();
        env.insert(QStringLiteral("AWS_ACCESS_KEY_ID"), QStringLiteral("AKIDSTATION1234"));
        env.insert(QStringLiteral("AWS_SECRET_ACCESS_KEY"), QStringLiteral("TopSecretValue"));
        env.insert(QStringLiteral("AWS_DEFAULT_REGION"), QStringLiteral("eu-west-1"));
        env.insert(QStringLiteral("AWS_PAGER"), QString());
        QProcess aws;
        aws.setProcessEnvironment(env);
        QSignalSpy finished(&aws, &QProcess::finished);
        aws.start(QStringLiteral("/usr/bin/aws"),
                  QStringList{QStringLiteral("iot")} + arguments + QStringList{QStringLiteral("--endpoint-url"), server.url()});
        QVERIFY(finished.wait(60'000));
        QVERIFY2(aws.exitCode() == 0, aws.readAllStandardError().constData());
        QCOMPARE(server.received().size(), 1);
        const ReceivedRequest& received = server.received().first();
        QVERIFY2(received.signature.verified.has_value(), qPrintable(received.signature.message));
        const QString service = received.signature.verified->service;
        QVERIFY2(service == QLatin1String("execute-api") || service == QLatin1String("iot"), qPrintable(service));
        QCOMPARE(QString::fromUtf8(received.request.method + ' ' + received.request.target), expectedLine);
    }

    void iotDryRunAndUsage()
    {
        const CliRun dry = runCli({QStringLiteral("aws"), QStringLiteral("iot"), QStringLiteral("UpdateCertificate"),
                                   QStringLiteral("--input"), QStringLiteral(R"({"certificateId":"ab12","newStatus":"ACTIVE"})"),
                                   QStringLiteral("--dry-run")},
                                  cleanEnvironment());
        QCOMPARE(dry.exitCode, 0);
        QVERIFY2(dry.out.startsWith("PUT /certificates/ab12?newStatus=ACTIVE HTTP/1.1\n"), dry.out.constData());
        const CliRun unknown = runCli({QStringLiteral("aws"), QStringLiteral("iot"), QStringLiteral("DeleteEverything")},
                                      cleanEnvironment());
        QCOMPARE(unknown.exitCode, 2);
        QVERIFY(unknown.err.contains("DescribeThingRegistrationTask"));
        const CliRun missingMember = runCli({QStringLiteral("aws"), QStringLiteral("iot"), QStringLiteral("DescribeThing"),
                                             QStringLiteral("--dry-run")},
                                            cleanEnvironment());
        QCOMPARE(missingMember.exitCode, 3);
        QVERIFY(missingMember.err.contains("missing required member 'thingName'"));
    }
};

QTEST_GUILESS_MAIN(TestAwsCli)
#include "tst_awscli.moc"
