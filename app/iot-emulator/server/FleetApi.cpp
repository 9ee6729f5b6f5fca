#include "app/iot-emulator/server/FleetApi.h"

#include "app/iot-emulator/server/ClaimPolicy.h"

#include <QCborMap>
#include <QCborValue>
#include <QJsonDocument>

namespace imprint::emulator {

QJsonObject FleetError::toJson() const
{
    return {{QStringLiteral("statusCode"), statusCode},
            {QStringLiteral("errorCode"), errorCode},
            {QStringLiteral("errorMessage"), errorMessage}};
}

FleetError invalidPayload(const QString& message)
{
    return {400, QStringLiteral("InvalidPayload"), message};
}

std::optional<FleetRequest> parseFleetRequest(const QString& topic)
{
    if (!isFleetRequestTopic(topic))
        return std::nullopt;
    FleetRequest request;
    request.topic = topic;
    request.format = topic.endsWith(QStringLiteral("/cbor")) ? PayloadFormat::Cbor : PayloadFormat::Json;
    const QStringList levels = topic.split(u'/');  // $aws, certificates|provisioning-templates, …
    if (levels.at(1) == QStringLiteral("provisioning-templates")) {
        request.operation = FleetOperation::RegisterThing;
        request.templateName = levels.at(2);
    } else {
        request.operation = levels.at(2) == QStringLiteral("create-from-csr") ? FleetOperation::CreateCertificateFromCsr
                                                                              : FleetOperation::CreateKeysAndCertificate;
    }
    return request;
}

std::optional<QJsonObject> decodeFleetPayload(const QByteArray& payload, PayloadFormat format)
{
    if (format == PayloadFormat::Json) {
        QJsonParseError error{};
        const QJsonDocument document = QJsonDocument::fromJson(payload, &error);
        if (error.error != QJsonParseError::NoError || !document.isObject())
            return std::nullopt;
        return document.object();
    }
    QCborParserError error{};
    const QCborValue value = QCborValue::fromCbor(payload, &error);
    if (error.error != QCborError::NoError || !value.isMap())
        return std::nullopt;
    const QCborMap map = value.toMap();
    for (auto it = map.begin(); it != map.end(); ++it) {
        if (!it.key().isString())
            return std::nullopt;
    }
    return map.toJsonObject();
}

QByteArray encodeFleetPayload(const QJsonObject& object, PayloadFormat format)
{
    if (format == PayloadFormat::Json)
        return QJsonDocument(object).toJson(QJsonDocument::Compact);
    return QCborValue(QCborMap::fromJsonObject(object)).toCbor();
}

}  // namespace imprint::emulator
