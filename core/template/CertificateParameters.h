#pragma once

// The JITP parameters AWS IoT reads from a device certificate's subject: the eight
// AWS::IoT::Certificate::* names. Only fields the subject carries are returned (plus Id,
// which is always there), so a template that declares a missing one fails to render, as on AWS.

#include "core/Result.h"

#include <QByteArray>
#include <QHash>
#include <QString>
#include <QStringList>

namespace imprint::provisioning {

// The eight documented names, in the documentation's order.
[[nodiscard]] QStringList certificateParameterNames();

// AWS's certificate id: lower-case hex SHA-256 of the certificate's DER.
[[nodiscard]] Result<QString> certificateIdOfPem(const QByteArray& pem);

// Parameters from the first certificate in `pem`. Errors name `source` (a file or "request").
[[nodiscard]] Result<QHash<QString, QString>> certificateParameters(const QByteArray& pem,
                                                                   const QString& source);

}  // namespace imprint::provisioning
