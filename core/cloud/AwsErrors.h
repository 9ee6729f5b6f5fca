#pragma once

// AWS error answers in plain words. AWS names the error in the x-amzn-ErrorType header, in the
// JSON body's "__type" (rest-json) or in an XML <Code> (S3), and explains it in "message".

#include "core/Result.h"

#include <QByteArray>
#include <QString>

namespace imprint::cloud {

struct AwsErrorInfo
{
    int httpStatus = 0;   // 0: no answer (connection refused, timeout, TLS failure)
    QString type;         // "ThrottlingException"; empty when AWS gave none
    QString message;
    QString requestId;
};

[[nodiscard]] AwsErrorInfo parseAwsError(int httpStatus, const QByteArray& errorTypeHeader,
                                         const QByteArray& requestId, const QByteArray& body);

// Throttling (429 and the type names the AWS SDKs retry as throttling).
[[nodiscard]] bool isThrottling(const AwsErrorInfo& error);
// Worth another try: throttling, 5xx, time-outs, no answer at all.
[[nodiscard]] bool isTransient(const AwsErrorInfo& error);

// Throttled, Network (5xx, no answer), NotFound, AlreadyExists, or CloudRejected (any other
// refusal); the message names the service, the operation, AWS's type, status and request ID.
[[nodiscard]] Error toError(const QString& what, const AwsErrorInfo& error, int attempts);

}  // namespace imprint::cloud
