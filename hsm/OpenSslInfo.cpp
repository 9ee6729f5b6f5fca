#include "hsm/OpenSslInfo.h"

#include <openssl/crypto.h>

namespace imprint::hsm {

Result<QString> checkOpenSslVersion()
{
    const QString text = QString::fromLatin1(OpenSSL_version(OPENSSL_VERSION));
    if (OPENSSL_version_major() < 3)
        return Error(ErrorCode::Unsupported,
                     QStringLiteral("%1 is too old: Imprint needs OpenSSL 3.0 or newer").arg(text));
    return text;
}

}  // namespace imprint::hsm
