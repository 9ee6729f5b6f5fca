#pragma once

// The AWS IoT control-plane operations the station uses, as the service model defines them
// (method, path, where each input member goes), and AWS's published TPS limit of each.
// The table (IotOperations.cpp) is generated from ../shared/reference/aws-iot-service-2.json.

#include <QString>

#include <optional>
#include <vector>

namespace imprint::cloud {

enum class IotOperation {
    GetRegistrationCode,
    RegisterCACertificate,
    DescribeCACertificate,
    UpdateCACertificate,
    ListCACertificates,
    CreateProvisioningTemplate,
    DeleteProvisioningTemplate,
    DescribeProvisioningTemplate,
    ListProvisioningTemplates,
    UpdateProvisioningTemplate,
    CreateProvisioningTemplateVersion,
    DeleteProvisioningTemplateVersion,
    DescribeProvisioningTemplateVersion,
    ListProvisioningTemplateVersions,
    CreateProvisioningClaim,
    RegisterThing,
    CreateThing,
    DescribeThing,
    RegisterCertificate,
    RegisterCertificateWithoutCA,
    DescribeCertificate,
    UpdateCertificate,
    CreatePolicy,
    AttachPolicy,
    AttachThingPrincipal,
    StartThingRegistrationTask,
    DescribeThingRegistrationTask,
    ListThingRegistrationTaskReports,
};

enum class MemberLocation { Body, Uri, Query, Header };

struct IotMember
{
    const char* name;          // the member's name in the model (and in the JSON input)
    MemberLocation location;
    const char* locationName;  // the URI label, query parameter or header name
    bool required;
};

// AWS publishes no TPS for this operation: the client limits it to this conservative rate.
inline constexpr double kUnpublishedTps = 10.0;

struct IotOperationSpec
{
    IotOperation id;
    const char* name;
    const char* method;
    const char* requestUri;  // "/things/{thingName}"
    double defaultTps;
    bool tpsPublished;       // false: kUnpublishedTps, our choice
    std::vector<IotMember> members;
};

[[nodiscard]] const std::vector<IotOperationSpec>& iotOperations();
[[nodiscard]] const IotOperationSpec& iotOperation(IotOperation id);
// By the model's name ("DescribeThing"), case-insensitive; nullptr when unknown.
[[nodiscard]] const IotOperationSpec* findIotOperation(const QString& name);

}  // namespace imprint::cloud
