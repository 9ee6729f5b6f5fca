#pragma once

// The AWS options every cloud command takes (--profile, --region, --endpoint-url), resolved
// the way the AWS CLI resolves them, and the client they make. Shared by `cloud` and `template`.

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
    QCommandLineOption region{QStringLiteral("region"), QStringLiteral("AWS region (default: the AWS CLI's chain)."),
                              QStringLiteral("region")};
    QCommandLineOption endpoint{QStringLiteral("endpoint-url"),
                                QStringLiteral("Endpoint, e.g. the emulator's http://127.0.0.1:PORT (default: the AWS CLI's chain)."),
                                QStringLiteral("url")};

    [[nodiscard]] QList<QCommandLineOption> all() const { return {profile, region, endpoint}; }

    [[nodiscard]] Result<std::unique_ptr<cloud::AwsIotClient>> client(const QCommandLineParser& parser) const
    {
        cloud::AwsSettingsRequest request;
        request.profile = parser.value(profile);
        request.region = parser.value(region);
        request.endpointUrl = parser.value(endpoint);
        auto settings = cloud::loadAwsSettings(QProcessEnvironment::systemEnvironment(), std::move(request));
        if (!settings)
            return settings.error();
        return cloud::AwsIotClient::create(std::move(settings.value()));
    }
};

}  // namespace imprint::cli
