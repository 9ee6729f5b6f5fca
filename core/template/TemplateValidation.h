#pragma once

// Checks a provisioning template before it is uploaded (CreateProvisioningTemplate,
// CreateProvisioningTemplateVersion), so AWS never sees one it would refuse or one that fails on
// the first device: it parses (structure, functions, Refs), fits AWS's 10,240 characters, renders
// with a placeholder for every parameter without a Default, and suits its type:
//   JITP:               values come only from the device certificate, so every parameter without
//                       a Default is an AWS::IoT::Certificate::* one; the certificate resource is
//                       the device's own (CertificateId from AWS::IoT::Certificate::Id).
//   FLEET_PROVISIONING: the certificate resource is the one the device just got
//                       (CertificateId from AWS::IoT::Certificate::Id).
// Every error names the JSON path, e.g. "Parameters.SerialNumber: …".

#include "core/Result.h"

#include <QByteArray>
#include <QString>

namespace imprint::provisioning {

enum class TemplateType { FleetProvisioning, Jitp };

// "FLEET_PROVISIONING" or "JITP" (case-insensitive; AWS's names).
[[nodiscard]] Result<TemplateType> parseTemplateType(const QString& name);
[[nodiscard]] QString templateTypeName(TemplateType type);

[[nodiscard]] Status validateForUpload(const QByteArray& body, TemplateType type);

}  // namespace imprint::provisioning
