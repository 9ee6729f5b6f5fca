#pragma once

// Payloads of AWS IoT's fleet-provisioning MQTT API: the same field names in JSON and in CBOR
// (a map with text keys), chosen by the topic's last level (`json` or `cbor`).

#include "core/Result.h"

#include <QJsonObject>
#include <QString>

namespace imprint::devsim::mqtt {

enum class PayloadFormat { Json, Cbor };

[[nodiscard]] QString formatName(PayloadFormat format);  // "json" / "cbor": the topic level
[[nodiscard]] QByteArray encodePayload(const QJsonObject& object, PayloadFormat format);
// The payload as an object; an error naming the format when it is not one.
[[nodiscard]] Result<QJsonObject> decodePayload(const QByteArray& payload, PayloadFormat format);

// The fleet-provisioning topics (aws-iot-provisioning.md §3).
[[nodiscard]] QString createKeysTopic(PayloadFormat format);
[[nodiscard]] QString createFromCsrTopic(PayloadFormat format);
[[nodiscard]] QString registerThingTopic(const QString& templateName, PayloadFormat format);

// "<statusCode> <errorCode>: <errorMessage>" of a /rejected answer.
[[nodiscard]] QString describeRejection(const QJsonObject& rejection);

}  // namespace imprint::devsim::mqtt
