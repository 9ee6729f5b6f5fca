#pragma once

// A thing-name rule derives a device's AWS IoT thing name from its work-order values:
// "{serial}", "{hardware_id}" and "{batch}" are replaced, everything else is kept, e.g.
// "sensor-{serial}" -> "sensor-SN0001".

#include <QString>

namespace imprint::batch {

[[nodiscard]] QString applyThingNameRule(const QString& rule, const QString& serialNumber,
                                         const QString& hardwareId, const QString& batchName);

// AWS IoT thing names (and group and type names): 1..128 of [a-zA-Z0-9:_-].
[[nodiscard]] bool isValidThingName(QStringView name);

}  // namespace imprint::batch
