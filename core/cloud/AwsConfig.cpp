#include "core/cloud/AwsConfig.h"

#include <QDir>
#include <QFile>

namespace imprint::cloud {

namespace {

struct SharedFile
{
    QString path;
    IniSections sections;
};

// A missing file is not an error (the AWS CLI ignores it too); an unreadable or malformed one is.
Result<SharedFile> readSharedFile(const QString& path)
{
    SharedFile file{path, {}};
    QFile input(path);
    if (!input.exists())
        return file;
    if (!input.open(QIODevice::ReadOnly))
        return Error(ErrorCode::Io, QStringLiteral("cannot read %1: %2").arg(path, input.errorString()));
    QByteArray text = input.readAll();
    auto sections = parseAwsIni(text, path);
    text.fill('\0');  // the file holds secret keys: do not leave a copy on the heap
    if (!sections)
        return sections.error();
    file.sections = std::move(sections.value());
    return file;
}

QString expandHome(const QString& path, const QProcessEnvironment& environment)
{
    if (path == u'~' || path.startsWith(QStringLiteral("~/")))
        return environment.value(QStringLiteral("HOME"), QDir::homePath()) + path.mid(1);
    return path;
}

QString firstSet(const QProcessEnvironment& environment, std::initializer_list<const char*> names)
{
    for (const char* name : names) {
        const QString value = environment.value(QLatin1String(name));
        if (!value.isEmpty())
            return value;
    }
    return {};
}

struct Credentials
{
    QString accessKeyId;
    std::optional<SecureBytes> secret;
    QString token;
    QString source;
};

// aws_access_key_id + aws_secret_access_key (+ aws_session_token) from one section, if complete.
std::optional<Credentials> credentialsIn(const SharedFile& file, const QString& section, const QString& profile)
{
    const auto found = file.sections.find(section);
    if (found == file.sections.end())
        return std::nullopt;
    const QString keyId = found->second.value(QStringLiteral("aws_access_key_id"));
    const QString secret = found->second.value(QStringLiteral("aws_secret_access_key"));
    if (keyId.isEmpty() || secret.isEmpty())
        return std::nullopt;
    return Credentials{keyId, SecureBytes::fromString(secret.toStdString()),
                       found->second.value(QStringLiteral("aws_session_token")),
                       QStringLiteral("%1 [%2]").arg(file.path, profile)};
}

QString configSection(const QString& profile)
{
    return profile == QLatin1String("default") ? profile : QStringLiteral("profile ") + profile;
}

QString configValue(const SharedFile& config, const QString& profile, const QString& key)
{
    const auto found = config.sections.find(configSection(profile));
    return found == config.sections.end() ? QString() : found->second.value(key);
}

std::optional<Credentials> resolveCredentials(const QProcessEnvironment& environment, AwsSettingsRequest& request,
                                              const QString& profile, const SharedFile& credentialsFile,
                                              const SharedFile& config)
{
    if (!request.accessKeyId.isEmpty() && request.secretAccessKey)
        return Credentials{request.accessKeyId, std::move(request.secretAccessKey), {},
                           QStringLiteral("command line")};
    const QString envKeyId = environment.value(QStringLiteral("AWS_ACCESS_KEY_ID"));
    const QString envSecret = environment.value(QStringLiteral("AWS_SECRET_ACCESS_KEY"));
    // As the AWS CLI: an explicitly chosen profile wins over credentials in the environment.
    if (request.profile.isEmpty() && !envKeyId.isEmpty() && !envSecret.isEmpty())
        return Credentials{envKeyId, SecureBytes::fromString(envSecret.toStdString()),
                           environment.value(QStringLiteral("AWS_SESSION_TOKEN")), QStringLiteral("environment")};
    if (auto fromCredentials = credentialsIn(credentialsFile, profile, profile))
        return fromCredentials;
    return credentialsIn(config, configSection(profile), profile);
}

}  // namespace

Result<IniSections> parseAwsIni(const QByteArray& text, const QString& fileName)
{
    IniSections sections;
    QString current;
    const QList<QByteArray> lines = text.split('\n');
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QByteArray& raw = lines[i];
        const QByteArray line = raw.trimmed();
        if (line.isEmpty() || line.startsWith('#') || line.startsWith(';'))
            continue;
        if (raw.startsWith(' ') || raw.startsWith('\t'))
            continue;  // a nested value ("s3 =\n  max_concurrent_requests = 20"): not ours
        if (line.startsWith('[')) {
            if (!line.endsWith(']'))
                return Error(ErrorCode::InvalidInput,
                             QStringLiteral("%1:%2: section header without ']'").arg(fileName).arg(i + 1));
            current = QString::fromUtf8(line.mid(1, line.size() - 2)).simplified();
            sections[current];
            continue;
        }
        const qsizetype equals = line.indexOf('=');
        if (equals <= 0)
            return Error(ErrorCode::InvalidInput,
                         QStringLiteral("%1:%2: expected 'key = value' or '[section]'").arg(fileName).arg(i + 1));
        if (current.isEmpty())
            return Error(ErrorCode::InvalidInput,
                         QStringLiteral("%1:%2: setting before any [section]").arg(fileName).arg(i + 1));
        sections[current].insert(QString::fromUtf8(line.left(equals).trimmed()),
                                 QString::fromUtf8(line.mid(equals + 1).trimmed()));
    }
    return sections;
}

Result<AwsSettings> loadAwsSettings(const QProcessEnvironment& environment, AwsSettingsRequest request)
{
    const QString profile = !request.profile.isEmpty()
                                ? request.profile
                                : firstSet(environment, {"AWS_PROFILE", "AWS_DEFAULT_PROFILE"});
    const QString effectiveProfile = profile.isEmpty() ? QStringLiteral("default") : profile;
    auto credentialsFile = readSharedFile(expandHome(
        environment.value(QStringLiteral("AWS_SHARED_CREDENTIALS_FILE"), QStringLiteral("~/.aws/credentials")),
        environment));
    if (!credentialsFile)
        return credentialsFile.error();
    auto config = readSharedFile(
        expandHome(environment.value(QStringLiteral("AWS_CONFIG_FILE"), QStringLiteral("~/.aws/config")), environment));
    if (!config)
        return config.error();

    AwsSettings settings;
    settings.profile = effectiveProfile;
    const bool profileChosen = !profile.isEmpty();
    const bool profileExists = credentialsFile->sections.count(effectiveProfile) > 0
                               || config->sections.count(configSection(effectiveProfile)) > 0;
    if (profileChosen && effectiveProfile != QLatin1String("default") && !profileExists)
        return Error(ErrorCode::NotFound, QStringLiteral("The config profile (%1) could not be found in %2 or %3")
                                              .arg(effectiveProfile, credentialsFile->path, config->path));

    auto credentials = resolveCredentials(environment, request, effectiveProfile, credentialsFile.value(), config.value());
    if (credentials) {
        settings.credentials = {credentials->accessKeyId, std::move(*credentials->secret), credentials->token};
        settings.credentialsSource = credentials->source;
    } else if (request.requireCredentials) {
        return Error(ErrorCode::NotFound,
                     QStringLiteral("Unable to locate AWS credentials (profile '%1'): set AWS_ACCESS_KEY_ID and "
                                    "AWS_SECRET_ACCESS_KEY, or add the profile to %2 (`aws configure`)")
                         .arg(effectiveProfile, credentialsFile->path));
    }

    settings.region = !request.region.isEmpty() ? request.region
                                                : firstSet(environment, {"AWS_REGION", "AWS_DEFAULT_REGION"});
    if (settings.region.isEmpty())
        settings.region = configValue(config.value(), effectiveProfile, QStringLiteral("region"));
    settings.endpointUrl = request.endpointUrl;
    if (settings.endpointUrl.isEmpty())
        settings.endpointUrl = environment.value(QStringLiteral("AWS_ENDPOINT_URL_") + request.serviceEnvName);
    if (settings.endpointUrl.isEmpty())
        settings.endpointUrl = environment.value(QStringLiteral("AWS_ENDPOINT_URL"));
    if (settings.endpointUrl.isEmpty())
        settings.endpointUrl = configValue(config.value(), effectiveProfile, QStringLiteral("endpoint_url"));
    return settings;
}

QString maskedKeyId(const QString& accessKeyId)
{
    if (accessKeyId.size() <= 4)
        return QString(accessKeyId.size(), u'*');
    return QString(accessKeyId.size() - 4, u'*') + accessKeyId.right(4);
}

}  // namespace imprint::cloud
