#pragma once

// The template parameters of one unit's registration, the same for RegisterThing per unit and
// for a bulk task's input line: the work order's template parameters, then the station's own
// values (ThingName, SerialNumber, CertificatePem, CertificateId, ThingTypeName), which win over
// a work-order column of the same name. Only what the template declares is kept, and the
// template is rendered with them first, so a unit the template cannot take fails here, locally.

#include "core/Result.h"
#include "core/audit/OutboxRecords.h"
#include "core/template/ProvisioningTemplate.h"

#include <QHash>
#include <QString>

namespace imprint::registration {

[[nodiscard]] Result<QHash<QString, QString>> unitTemplateParameters(const provisioning::ProvisioningTemplate& parsed,
                                                                     const audit::OutboxRow& row,
                                                                     const QString& certificateId);

}  // namespace imprint::registration
