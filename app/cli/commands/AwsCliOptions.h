#pragma once

// The AWS options every cloud command takes (--profile, --region, --endpoint-url), resolved
// the way the AWS CLI resolves them, and the client they make. Shared by `aws`, `cloud` and `template`.

#include "core/cloud/AwsConfig.h"
#include "core/cloud/AwsIotClient.h"

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QProcessEnvironment>

#include <memory>

namespace imprint::cli {

struct AwsCliOptions
{
    QCommandLineOption profile{QStringLiteral("profile"), QStringLiteral("AWS profile (default: AWS_PROFILE, then 'default')."),
                               QStringLiteral("name")};
    QCommandLineOption region{QStringLiteral("region"),
                              QStringLiteral("AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's region)."),
                              QStringLiteral("region")};
    QCommandLineOption endpoint{QStringLiteral("endpoint-url"),
                                QStringLiteral("Endpoint, e.g. the emulator's http://127.0.0.1:PORT (default: "
                                               "AWS_ENDPOINT_URL_IOT, AWS_ENDPOINT_URL, the profile's endpoint_url)."),
                                QStringLiteral("url")};

    [[nodiscard]] QList<QCommandLineOption> all() const { return {profile, region, endpoint}; }
    void addTo(QCommandLineParser& parser) const { parser.addOptions(all()); }

    [[nodiscard]] cloud::AwsSettingsRequest request(const QCommandLineParser& parser) const
    {
        cloud::AwsSettingsRequest request;
        request.profile = parser.value(profile);
        request.region = parser.value(region);
        request.endpointUrl = parser.value(endpoint);
        return request;
    }

    [[nodiscard]] Result<std::unique_ptr<cloud::AwsIotClient>> client(const QCommandLineParser& parser) const
    {
        auto settings = cloud::loadAwsSettings(QProcessEnvironment::systemEnvironment(), request(parser));
        if (!settings)
            return settings.error();
        return cloud::AwsIotClient::create(std::move(settings.value()));
    }
};

}  // namespace imprint::cli
