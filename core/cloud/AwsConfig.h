#pragma once

// AWS credentials, region and endpoint, found the way the AWS CLI finds them, so a line engineer's
// existing `aws configure` setup works unchanged:
//   credentials: explicit values > AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN (not
//                when a profile is given explicitly) > the shared credentials file > the config file;
//   profile:     explicit > AWS_PROFILE > AWS_DEFAULT_PROFILE > "default";
//   files:       AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials), AWS_CONFIG_FILE (~/.aws/config,
//                sections "[default]" and "[profile NAME]");
//   region:      explicit > AWS_REGION > AWS_DEFAULT_REGION > the profile's `region`;
//   endpoint:    explicit > AWS_ENDPOINT_URL_<SERVICE> > AWS_ENDPOINT_URL > the profile's `endpoint_url`.
// Not supported (the station runs offline on a factory line): SSO, assume-role, credential_process,
// instance metadata.

#include "core/Result.h"
#include "core/cloud/SigV4.h"

#include <QHash>
#include <QProcessEnvironment>
#include <QString>

#include <map>
#include <optional>

namespace imprint::cloud {

// One INI file as the AWS CLI reads it: section -> key -> value. Indented lines (nested values
// such as `s3 =` blocks) are skipped; '#' and ';' start comments.
using IniSections = std::map<QString, QHash<QString, QString>>;
[[nodiscard]] Result<IniSections> parseAwsIni(const QByteArray& text, const QString& fileName);

struct AwsSettingsRequest
{
    QString profile;                       // empty: AWS_PROFILE, AWS_DEFAULT_PROFILE, "default"
    QString region;                        // empty: environment, then the config file
    QString endpointUrl;                   // empty: environment, then the config file
    QString accessKeyId;                   // with secretAccessKey: used as given
    std::optional<SecureBytes> secretAccessKey;
    QString serviceEnvName = QStringLiteral("IOT");  // AWS_ENDPOINT_URL_<this>
    bool requireCredentials = true;
};

struct AwsSettings
{
    QString profile;
    AwsCredentials credentials;
    QString credentialsSource;  // "command line", "environment", "<file> [profile]": never the secret
    QString region;
    QString endpointUrl;        // empty: AWS's public endpoint for the region
};

// `environment` is passed in (QProcessEnvironment::systemEnvironment() in production) so tests
// can point HOME and the AWS_* variables at temporary files.
[[nodiscard]] Result<AwsSettings> loadAwsSettings(const QProcessEnvironment& environment,
                                                  AwsSettingsRequest request = {});

// The access key ID with all but its last four characters masked, for logs and `aws config`.
[[nodiscard]] QString maskedKeyId(const QString& accessKeyId);

}  // namespace imprint::cloud
