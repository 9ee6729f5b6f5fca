#include "core/cloud/AwsErrors.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

namespace imprint::cloud {

namespace {

// "ThrottlingException:http://internal.amazon.com/coral/com.amazonaws.iot/" and
// "com.amazonaws.iot#ThrottlingException" both name ThrottlingException.
QString bareType(QString type)
{
    type = type.section(u':', 0, 0);
    return type.section(u'#', -1).trimmed();
}

QString xmlElement(const QByteArray& body, const char* name)
{
    const QRegularExpression element(QStringLiteral("<%1>([^<]*)</%1>").arg(QLatin1String(name)));
    return element.match(QString::fromUtf8(body)).captured(1);
}

}  // namespace

AwsErrorInfo parseAwsError(int httpStatus, const QByteArray& errorTypeHeader, const QByteArray& requestId,
                           const QByteArray& body)
{
    AwsErrorInfo info{httpStatus, bareType(QString::fromUtf8(errorTypeHeader)), {}, QString::fromUtf8(requestId)};
    const QJsonObject json = QJsonDocument::fromJson(body).object();
    if (info.type.isEmpty())
        info.type = bareType(json.value(u"__type").toString(json.value(u"code").toString(json.value(u"Code").toString())));
    info.message = json.value(u"message").toString(json.value(u"Message").toString(json.value(u"errorMessage").toString()));
    if (info.type.isEmpty() && body.trimmed().startsWith('<')) {
        info.type = xmlElement(body, "Code");
        info.message = xmlElement(body, "Message");
        if (info.requestId.isEmpty())
            info.requestId = xmlElement(body, "RequestId");
    }
    return info;
}

bool isThrottling(const AwsErrorInfo& error)
{
    // botocore's standard retry mode: these codes are throttling whatever the status.
    static const QStringList kThrottlingTypes{
        QStringLiteral("Throttling"), QStringLiteral("ThrottlingException"), QStringLiteral("ThrottledException"),
        QStringLiteral("RequestThrottledException"), QStringLiteral("TooManyRequestsException"),
        QStringLiteral("ProvisionedThroughputExceededException"), QStringLiteral("TransactionInProgressException"),
        QStringLiteral("RequestLimitExceeded"), QStringLiteral("BandwidthLimitExceeded"),
        QStringLiteral("LimitExceededException"), QStringLiteral("RequestThrottled"), QStringLiteral("SlowDown"),
        QStringLiteral("PriorRequestNotComplete"), QStringLiteral("EC2ThrottledException")};
    return error.httpStatus == 429 || kThrottlingTypes.contains(error.type);
}

bool isTransient(const AwsErrorInfo& error)
{
    static const QStringList kTransientTypes{QStringLiteral("RequestTimeout"), QStringLiteral("RequestTimeoutException")};
    return error.httpStatus == 0 || error.httpStatus >= 500 || isThrottling(error)
           || kTransientTypes.contains(error.type);
}

Error toError(const QString& what, const AwsErrorInfo& error, int attempts)
{
    const QString tries = attempts > 1 ? QStringLiteral(" (after %1 attempts)").arg(attempts) : QString();
    if (error.httpStatus == 0)
        return Error(ErrorCode::Network, QStringLiteral("%1: no answer%2: %3").arg(what, tries, error.message));

    QString text = QStringLiteral("%1: %2 (HTTP %3)%4")
                       .arg(what, error.type.isEmpty() ? QStringLiteral("error") : error.type)
                       .arg(error.httpStatus)
                       .arg(tries);
    if (!error.message.isEmpty())
        text += QStringLiteral(": ") + error.message;
    if (!error.requestId.isEmpty())
        text += QStringLiteral(" [request ID %1]").arg(error.requestId);

    ErrorCode code = ErrorCode::CloudRejected;
    if (isThrottling(error))
        code = ErrorCode::Throttled;
    else if (error.httpStatus >= 500)
        code = ErrorCode::Network;
    else if (error.type == QLatin1String("ResourceNotFoundException") || error.type == QLatin1String("NoSuchBucket"))
        code = ErrorCode::NotFound;
    else if (error.type == QLatin1String("ResourceAlreadyExistsException"))
        code = ErrorCode::AlreadyExists;
    return Error(code, text);
}

}  // namespace imprint::cloud
