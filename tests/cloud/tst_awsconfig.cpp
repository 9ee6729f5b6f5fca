// AWS credentials and configuration found as the AWS CLI finds them, from temporary files.
#include "core/cloud/AwsConfig.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace imprint;
using namespace imprint::cloud;

namespace {

QString secretOf(const AwsSettings& settings)
{
    return QString::fromUtf8(settings.credentials.secretAccessKey.data(),
                             static_cast<qsizetype>(settings.credentials.secretAccessKey.size()));
}

}  // namespace

class TestAwsConfig : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_home;

    void write(const QString& relative, const QByteArray& text)
    {
        QDir(m_home.path()).mkpath(QFileInfo(m_home.filePath(relative)).path());
        QFile file(m_home.filePath(relative));
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(text);
    }

    QProcessEnvironment environment(std::initializer_list<std::pair<const char*, QString>> values = {}) const
    {
        QProcessEnvironment env;
        env.insert(QStringLiteral("HOME"), m_home.path());
        for (const auto& [name, value] : values)
            env.insert(QLatin1String(name), value);
        return env;
    }

private Q_SLOTS:
    void init()
    {
        QVERIFY(m_home.isValid());
        QFile::remove(m_home.filePath(QStringLiteral(".aws/credentials")));
        QFile::remove(m_home.filePath(QStringLiteral(".aws/config")));
        write(QStringLiteral(".aws/credentials"),
              "# comment\n[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = secretDefault/+=\n\n"
              "[line3]\naws_access_key_id=AKIDLINE3\naws_secret_access_key=secretLine3\naws_session_token=tok3\n");
        write(QStringLiteral(".aws/config"),
              "[default]\nregion = eu-west-1\n; comment\n"
              "[profile line3]\nregion = eu-central-1\nendpoint_url = http://127.0.0.1:4566\n"
              "s3 =\n  max_concurrent_requests = 20\n"
              "[profile configonly]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = secretConfig\n"
              "region = us-east-2\n");
    }

    void defaultProfileFromFiles()
    {
        auto settings = loadAwsSettings(environment());
        QVERIFY2(settings.ok(), qPrintable(settings.ok() ? QString() : settings.error().message()));
        QCOMPARE(settings->profile, QStringLiteral("default"));
        QCOMPARE(settings->credentials.accessKeyId, QStringLiteral("AKIDDEFAULT"));
        QCOMPARE(secretOf(settings.value()), QStringLiteral("secretDefault/+="));
        QCOMPARE(settings->region, QStringLiteral("eu-west-1"));
        QVERIFY(settings->endpointUrl.isEmpty());
        QVERIFY(settings->credentialsSource.endsWith(u".aws/credentials [default]"));
    }

    void environmentCredentialsWin()
    {
        auto settings = loadAwsSettings(environment({{"AWS_ACCESS_KEY_ID", QStringLiteral("AKIDENV")},
                                                     {"AWS_SECRET_ACCESS_KEY", QStringLiteral("secretEnv")},
                                                     {"AWS_SESSION_TOKEN", QStringLiteral("tokEnv")},
                                                     {"AWS_REGION", QStringLiteral("ap-south-1")},
                                                     {"AWS_DEFAULT_REGION", QStringLiteral("us-west-2")}}));
        QVERIFY(settings.ok());
        QCOMPARE(settings->credentials.accessKeyId, QStringLiteral("AKIDENV"));
        QCOMPARE(secretOf(settings.value()), QStringLiteral("secretEnv"));
        QCOMPARE(settings->credentials.sessionToken, QStringLiteral("tokEnv"));
        QCOMPARE(settings->credentialsSource, QStringLiteral("environment"));
        QCOMPARE(settings->region, QStringLiteral("ap-south-1"));  // AWS_REGION before AWS_DEFAULT_REGION
    }

    void awsProfileSelectsProfile()
    {
        auto settings = loadAwsSettings(environment({{"AWS_PROFILE", QStringLiteral("line3")},
                                                     {"AWS_DEFAULT_REGION", QStringLiteral("us-west-2")}}));
        QVERIFY(settings.ok());
        QCOMPARE(settings->profile, QStringLiteral("line3"));
        QCOMPARE(settings->credentials.accessKeyId, QStringLiteral("AKIDLINE3"));
        QCOMPARE(settings->credentials.sessionToken, QStringLiteral("tok3"));
        QCOMPARE(settings->region, QStringLiteral("us-west-2"));  // the environment before the file
        QCOMPARE(settings->endpointUrl, QStringLiteral("http://127.0.0.1:4566"));
    }

    void explicitProfileBeatsEnvironmentCredentials()
    {
        AwsSettingsRequest request;
        request.profile = QStringLiteral("line3");
        auto settings = loadAwsSettings(environment({{"AWS_ACCESS_KEY_ID", QStringLiteral("AKIDENV")},
                                                     {"AWS_SECRET_ACCESS_KEY", QStringLiteral("secretEnv")}}),
                                        std::move(request));
        QVERIFY(settings.ok());
        QCOMPARE(settings->credentials.accessKeyId, QStringLiteral("AKIDLINE3"));
        QCOMPARE(settings->region, QStringLiteral("eu-central-1"));
    }

    void credentialsInConfigFile()
    {
        AwsSettingsRequest request;
        request.profile = QStringLiteral("configonly");
        auto settings = loadAwsSettings(environment(), std::move(request));
        QVERIFY(settings.ok());
        QCOMPARE(settings->credentials.accessKeyId, QStringLiteral("AKIDCONFIG"));
        QCOMPARE(settings->region, QStringLiteral("us-east-2"));
        QVERIFY(settings->credentialsSource.endsWith(u".aws/config [configonly]"));
    }

    void explicitValuesWin()
    {
        AwsSettingsRequest request;
        request.accessKeyId = QStringLiteral("AKIDFLAG");
        request.secretAccessKey = SecureBytes::fromString("secretFlag");
        request.region = QStringLiteral("sa-east-1");
        request.endpointUrl = QStringLiteral("http://127.0.0.1:9999");
        auto settings = loadAwsSettings(environment({{"AWS_ACCESS_KEY_ID", QStringLiteral("AKIDENV")},
                                                     {"AWS_SECRET_ACCESS_KEY", QStringLiteral("secretEnv")},
                                                     {"AWS_ENDPOINT_URL", QStringLiteral("http://env")}}),
                                        std::move(request));
        QVERIFY(settings.ok());
        QCOMPARE(settings->credentials.accessKeyId, QStringLiteral("AKIDFLAG"));
        QCOMPARE(secretOf(settings.value()), QStringLiteral("secretFlag"));
        QCOMPARE(settings->credentialsSource, QStringLiteral("command line"));
        QCOMPARE(settings->region, QStringLiteral("sa-east-1"));
        QCOMPARE(settings->endpointUrl, QStringLiteral("http://127.0.0.1:9999"));
    }

    void endpointFromEnvironment()
    {
        auto generic = loadAwsSettings(environment({{"AWS_ENDPOINT_URL", QStringLiteral("http://127.0.0.1:1")}}));
        QCOMPARE(generic->endpointUrl, QStringLiteral("http://127.0.0.1:1"));
        auto specific = loadAwsSettings(environment({{"AWS_ENDPOINT_URL", QStringLiteral("http://127.0.0.1:1")},
                                                     {"AWS_ENDPOINT_URL_IOT", QStringLiteral("http://127.0.0.1:2")}}));
        QCOMPARE(specific->endpointUrl, QStringLiteral("http://127.0.0.1:2"));
    }

    void filesFromEnvironmentVariables()
    {
        write(QStringLiteral("elsewhere/creds"), "[default]\naws_access_key_id=AKIDELSE\naws_secret_access_key=s\n");
        write(QStringLiteral("elsewhere/conf"), "[default]\nregion=me-south-1\n");
        auto settings = loadAwsSettings(environment({{"AWS_SHARED_CREDENTIALS_FILE", m_home.filePath(QStringLiteral("elsewhere/creds"))},
                                                     {"AWS_CONFIG_FILE", m_home.filePath(QStringLiteral("elsewhere/conf"))}}));
        QVERIFY(settings.ok());
        QCOMPARE(settings->credentials.accessKeyId, QStringLiteral("AKIDELSE"));
        QCOMPARE(settings->region, QStringLiteral("me-south-1"));
    }

    void missingCredentials()
    {
        QFile::remove(m_home.filePath(QStringLiteral(".aws/credentials")));
        write(QStringLiteral(".aws/config"), "[default]\nregion=eu-west-1\n");
        auto settings = loadAwsSettings(environment());
        QVERIFY(!settings.ok());
        QCOMPARE(settings.error().code(), ErrorCode::NotFound);
        QVERIFY2(settings.error().message().contains(u"Unable to locate AWS credentials (profile 'default')"),
                 qPrintable(settings.error().message()));
        AwsSettingsRequest optional;
        optional.requireCredentials = false;
        auto withoutCredentials = loadAwsSettings(environment(), std::move(optional));
        QVERIFY(withoutCredentials.ok());
        QCOMPARE(withoutCredentials->region, QStringLiteral("eu-west-1"));
    }

    void unknownProfile()
    {
        auto settings = loadAwsSettings(environment({{"AWS_PROFILE", QStringLiteral("nosuch")}}));
        QVERIFY(!settings.ok());
        QVERIFY2(settings.error().message().contains(u"The config profile (nosuch) could not be found"),
                 qPrintable(settings.error().message()));
    }

    void malformedFileNamesFileAndLine()
    {
        write(QStringLiteral(".aws/config"), "[default]\nregion = eu-west-1\nthis line is wrong\n");
        auto settings = loadAwsSettings(environment());
        QVERIFY(!settings.ok());
        QCOMPARE(settings.error().code(), ErrorCode::InvalidInput);
        QVERIFY2(settings.error().message().endsWith(u".aws/config:3: expected 'key = value' or '[section]'"),
                 qPrintable(settings.error().message()));
        QVERIFY(!parseAwsIni("key=value\n", QStringLiteral("f")).ok());
        QVERIFY(!parseAwsIni("[open\n", QStringLiteral("f")).ok());
    }

    void masking()
    {
        QCOMPARE(maskedKeyId(QStringLiteral("AKIDEXAMPLE1234")), QStringLiteral("***********1234"));
        QCOMPARE(maskedKeyId(QStringLiteral("AB")), QStringLiteral("**"));
    }
};

QTEST_GUILESS_MAIN(TestAwsConfig)
#include "tst_awsconfig.moc"
