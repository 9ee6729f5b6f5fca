#include "core/crypto/OpenSslError.h"

#include <QStringList>

#include <openssl/err.h>

#include <array>

namespace imprint::crypto {

QString takeOpenSslErrors()
{
    QStringList reasons;
    unsigned long code = 0;
    while ((code = ERR_get_error()) != 0) {
        std::array<char, 256> text{};
        ERR_error_string_n(code, text.data(), text.size());
        reasons << QString::fromLatin1(text.data());
    }
    return reasons.join(QStringLiteral("; "));
}

Error openSslFailure(const char* call, ErrorCode code)
{
    const QString reasons = takeOpenSslErrors();
    QString message = QString::fromLatin1(call) + QStringLiteral(" failed");
    if (!reasons.isEmpty())
        message += QStringLiteral(": ") + reasons;
    return Error(code, message);
}

}  // namespace imprint::crypto
