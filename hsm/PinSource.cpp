#include "hsm/PinSource.h"

#include <QFile>

#include <cstdlib>

namespace imprint::hsm {

Result<SecureBytes> readPinFile(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error(ErrorCode::NotFound, QStringLiteral("cannot read PIN file %1: %2").arg(path, file.errorString()));
    // Read straight into wiping memory: a QByteArray would leave a copy nobody clears.
    SecureBytes pin(static_cast<std::size_t>(std::max<qint64>(file.size(), 0)));
    const qint64 read = file.read(pin.data(), static_cast<qint64>(pin.size()));
    if (read != static_cast<qint64>(pin.size()))
        return Error(ErrorCode::Io, QStringLiteral("cannot read PIN file %1: %2").arg(path, file.errorString()));
    pin.chopLineEnding();
    if (pin.isEmpty())
        return Error(ErrorCode::InvalidInput, QStringLiteral("PIN file %1 is empty").arg(path));
    return pin;
}

Result<SecureBytes> obtainPin(const Pkcs11Uri& uri, OperatorPrompt* prompt)
{
    if (!uri.pinSource.isEmpty())
        return readPinFile(uri.pinSource);
    if (const char* fromEnvironment = std::getenv(kPinEnvironmentVariable); fromEnvironment != nullptr && *fromEnvironment != '\0')
        return SecureBytes::fromString(fromEnvironment);
    if (prompt == nullptr)
        return Error(ErrorCode::Cancelled,
                     QStringLiteral("no PIN for token '%1': give pin-source=file:… in the PKCS#11 URI, set %2, "
                                    "or run interactively")
                         .arg(uri.token, QString::fromLatin1(kPinEnvironmentVariable)));
    return prompt->askSecret(QStringLiteral("PIN of token '%1'").arg(uri.token));
}

}  // namespace imprint::hsm
