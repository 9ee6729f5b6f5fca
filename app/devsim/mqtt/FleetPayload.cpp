#include "mqtt/FleetPayload.h"

#include <QCborMap>
#include <QCborValue>
#include <QJsonDocument>

namespace imprint::devsim::mqtt {

QString formatName(PayloadFormat format)
{
    return format == PayloadFormat::Cbor ? QStringLiteral("cbor") : QStringLiteral("json");
}

QByteArray encodePayload(const QJsonObject& object, PayloadFormat format)
{
    if (format == PayloadFormat::Cbor)
        return QCborValue(QCborMap::fromJsonObject(object)).toCbor();
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

Result<QJsonObject> decodePayload(const QByteArray& payload, PayloadFormat format)
{
    if (format == PayloadFormat::Cbor) {
        QCborParserError error;
        const QCborValue value = QCborValue::fromCbor(payload, &error);
        if (error.error != QCborError::NoError)
            return Error(ErrorCode::CloudRejected, QStringLiteral("CBOR payload does not parse at byte %1: %2")
                                                        .arg(error.offset)
                                                        .arg(error.errorString()));
        if (!value.isMap())
            return Error(ErrorCode::CloudRejected, QStringLiteral("CBOR payload is not a map"));
        return value.toMap().toJsonObject();
    }
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(payload, &error);
    if (error.error != QJsonParseError::NoError)
        return Error(ErrorCode::CloudRejected,
                     QStringLiteral("JSON payload does not parse at byte %1: %2").arg(error.offset).arg(error.errorString()));
    if (!document.isObject())
        return Error(ErrorCode::CloudRejected, QStringLiteral("JSON payload is not an object"));
    return document.object();
}

QString createKeysTopic(PayloadFormat format)
{
    return QStringLiteral("$aws/certificates/create/") + formatName(format);
}

QString createFromCsrTopic(PayloadFormat format)
{
    return QStringLiteral("$aws/certificates/create-from-csr/") + formatName(format);
}

QString registerThingTopic(const QString& templateName, PayloadFormat format)
{
    return QStringLiteral("$aws/provisioning-templates/%1/provision/%2").arg(templateName, formatName(format));
}

QString describeRejection(const QJsonObject& rejection)
{
    return QStringLiteral("%1 %2: %3")
        .arg(rejection.value(QStringLiteral("statusCode")).toInt())
        .arg(rejection.value(QStringLiteral("errorCode")).toString(), rejection.value(QStringLiteral("errorMessage")).toString());
}

}  // namespace imprint::devsim::mqtt
