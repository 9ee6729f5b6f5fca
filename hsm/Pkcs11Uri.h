#pragma once

// RFC 7512 PKCS#11 URIs (parsed by p11-kit): which token, which key, where the PIN comes from.
// pkcs11:token=imprint-dev;object=imprint-ca?pin-source=file:/path/pin

#include "core/Result.h"

#include <QByteArray>
#include <QString>

namespace imprint::hsm {

struct Pkcs11Uri
{
    QString token;       // token label (required)
    QString object;      // key label
    QByteArray id;       // CKA_ID (raw bytes)
    QString pinSource;   // a file path, from pin-source=file:… (or a bare path)
    QString text;        // the URI as given, for messages

    // Refuses pin-value (a PIN written into configuration) and URIs without a token.
    [[nodiscard]] static Result<Pkcs11Uri> parse(const QString& uri);
    // Back to RFC 7512 text (token, object, id; pin-source as a query attribute).
    [[nodiscard]] QString format() const;
};

}  // namespace imprint::hsm
