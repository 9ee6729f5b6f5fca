#include "core/Result.h"

namespace imprint {

QString errorCodeName(ErrorCode code)
{
    switch (code) {
    case ErrorCode::InvalidInput: return QStringLiteral("invalid input");
    case ErrorCode::NotFound: return QStringLiteral("not found");
    case ErrorCode::AlreadyExists: return QStringLiteral("already exists");
    case ErrorCode::PermissionDenied: return QStringLiteral("permission denied");
    case ErrorCode::Io: return QStringLiteral("input/output error");
    case ErrorCode::Timeout: return QStringLiteral("timeout");
    case ErrorCode::Cancelled: return QStringLiteral("cancelled");
    case ErrorCode::Unsupported: return QStringLiteral("unsupported");
    case ErrorCode::Internal: return QStringLiteral("internal error");
    case ErrorCode::Crypto: return QStringLiteral("cryptography error");
    case ErrorCode::HsmModule: return QStringLiteral("PKCS#11 module error");
    case ErrorCode::TokenNotFound: return QStringLiteral("token not found");
    case ErrorCode::PinIncorrect: return QStringLiteral("wrong PIN");
    case ErrorCode::PinLocked: return QStringLiteral("PIN locked");
    case ErrorCode::KeyNotFound: return QStringLiteral("key not found");
    case ErrorCode::TokenRemoved: return QStringLiteral("token removed");
    case ErrorCode::CaInvalid: return QStringLiteral("CA not usable");
    case ErrorCode::CsrRejected: return QStringLiteral("CSR rejected");
    case ErrorCode::DeviceProtocol: return QStringLiteral("device protocol error");
    case ErrorCode::DeviceLinkLost: return QStringLiteral("device link lost");
    case ErrorCode::DeviceRefused: return QStringLiteral("device refused");
    case ErrorCode::Database: return QStringLiteral("database error");
    case ErrorCode::IntegrityViolation: return QStringLiteral("integrity violation");
    case ErrorCode::Network: return QStringLiteral("network error");
    case ErrorCode::CloudRejected: return QStringLiteral("cloud request rejected");
    case ErrorCode::Throttled: return QStringLiteral("throttled");
    }
    return QStringLiteral("unknown error");
}

ExitCode exitCodeFor(ErrorCode code)
{
    switch (code) {
    case ErrorCode::InvalidInput:
    case ErrorCode::NotFound:
    case ErrorCode::AlreadyExists:
        return ExitCode::InvalidInput;
    case ErrorCode::Crypto:
    case ErrorCode::HsmModule:
    case ErrorCode::TokenNotFound:
    case ErrorCode::PinIncorrect:
    case ErrorCode::PinLocked:
    case ErrorCode::KeyNotFound:
    case ErrorCode::TokenRemoved:
    case ErrorCode::CaInvalid:
    case ErrorCode::CsrRejected:
        return ExitCode::Hsm;
    case ErrorCode::DeviceProtocol:
    case ErrorCode::DeviceLinkLost:
    case ErrorCode::DeviceRefused:
        return ExitCode::Device;
    case ErrorCode::Database:
        return ExitCode::Database;
    case ErrorCode::IntegrityViolation:
        return ExitCode::Integrity;
    case ErrorCode::Network:
    case ErrorCode::CloudRejected:
    case ErrorCode::Throttled:
        return ExitCode::Cloud;
    case ErrorCode::PermissionDenied:
    case ErrorCode::Io:
    case ErrorCode::Timeout:
    case ErrorCode::Cancelled:
    case ErrorCode::Unsupported:
    case ErrorCode::Internal:
        return ExitCode::Failure;
    }
    return ExitCode::Failure;
}

Error Error::withContext(const QString& context) const
{
    return Error(m_code, context + QStringLiteral(": ") + m_message);
}

}  // namespace imprint
