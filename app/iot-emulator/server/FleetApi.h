#pragma once

// The fleet-provisioning MQTT API's wire level: which request a topic names, its payload in
// JSON or CBOR (same field names), the answer topics and AWS's error shape
// {"statusCode","errorCode","errorMessage"} (../shared/reference/aws-iot-provisioning.md §3).

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <optional>
#include <variant>

namespace imprint::emulator {

enum class FleetOperation { CreateKeysAndCertificate, CreateCertificateFromCsr, RegisterThing };
enum class PayloadFormat { Json, Cbor };

struct FleetRequest
{
    FleetOperation operation = FleetOperation::CreateKeysAndCertificate;
    PayloadFormat format = PayloadFormat::Json;
    QString topic;         // the request topic; answers go to topic + "/accepted" or "/rejected"
    QString templateName;  // RegisterThing only
};

struct FleetError
{
    int statusCode = 400;
    QString errorCode;
    QString errorMessage;
    [[nodiscard]] QJsonObject toJson() const;
};

using FleetAnswer = std::variant<QJsonObject, FleetError>;

[[nodiscard]] FleetError invalidPayload(const QString& message);

// The request a publish topic names; empty for any other topic.
[[nodiscard]] std::optional<FleetRequest> parseFleetRequest(const QString& topic);
// A JSON object or a CBOR map with text keys, as JSON; empty when the payload is neither.
[[nodiscard]] std::optional<QJsonObject> decodeFleetPayload(const QByteArray& payload, PayloadFormat format);
[[nodiscard]] QByteArray encodeFleetPayload(const QJsonObject& object, PayloadFormat format);

}  // namespace imprint::emulator
