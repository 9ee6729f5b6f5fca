#pragma once

// AWS IoT provisioning templates, evaluated locally: the station dry-runs a batch with them
// before it touches a device, and imprint-iot-emulator provisions with them (RegisterThing,
// bulk registration, JITP). The language is AWS's (docs/templates.md): Parameters with
// defaults, Mappings, Resources of the three AWS::IoT types with OverrideSettings, and
// DeviceConfiguration; intrinsics Ref, Fn::Join, Fn::Select, Fn::Split, Fn::FindInMap, Fn::Sub.
// Every error names the JSON path where it happened, e.g.
// "Resources.thing.Properties.ThingName: Ref to undefined parameter 'SerialNumber'".

#include "core/Result.h"

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

namespace imprint::provisioning {

inline constexpr auto kThingType = "AWS::IoT::Thing";
inline constexpr auto kCertificateType = "AWS::IoT::Certificate";
inline constexpr auto kPolicyType = "AWS::IoT::Policy";

// AWS's limit on a template body (templateBody ≤ 10240 characters).
inline constexpr qsizetype kMaxTemplateBodyLength = 10240;

struct TemplateParameter
{
    QString name;
    QString type;                         // String, Number or CommaDelimitedList
    std::optional<QString> defaultValue;
};

struct RenderedResource
{
    QString logicalName;
    QString type;
    QJsonObject properties;        // fully resolved; Certificate Status upper-cased
    QJsonObject overrideSettings;  // property name -> DO_NOTHING | REPLACE | FAIL | MERGE
};

struct RenderedTemplate
{
    QList<RenderedResource> resources;  // in the template's order
    QJsonObject deviceConfiguration;    // flat map of resolved values
    QHash<QString, QString> parameters; // the values used (given, or defaults)

    // {"resources":[{"logicalName","type","properties","overrideSettings"}],"deviceConfiguration":{}}
    [[nodiscard]] QJsonObject toJson() const;
    // The first resource of that type, if any.
    [[nodiscard]] const RenderedResource* firstOfType(const QString& type) const;
};

class ProvisioningTemplate
{
public:
    // Parses and checks the structure (sections, resource types, property names, override
    // settings). Intrinsics are checked when rendering, where parameter values are known.
    [[nodiscard]] static Result<ProvisioningTemplate> parse(const QByteArray& json);

    [[nodiscard]] const QList<TemplateParameter>& parameters() const { return m_parameters; }
    [[nodiscard]] const QJsonObject& json() const { return m_json; }

    // Evaluates every resource and the DeviceConfiguration with these parameter values.
    // A declared parameter with no value and no Default is an error, as it is for AWS.
    [[nodiscard]] Result<RenderedTemplate> render(const QHash<QString, QString>& values) const;

private:
    QJsonObject m_json;
    QList<TemplateParameter> m_parameters;
};

// The name AWS gives a policy created from a PolicyDocument without a PolicyName:
// 40 upper-case hex characters (SHA-1 of the document text).
[[nodiscard]] QString defaultPolicyName(const QString& policyDocument);

}  // namespace imprint::provisioning
