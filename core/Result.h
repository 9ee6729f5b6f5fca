#pragma once

// The error and result types used at every library boundary of Imprint.
// A failure carries a category (ErrorCode, which also decides the CLI exit code) and a
// message in plain words that names what was wrong and where (file, line, field, port, token).

#include <QString>

#include <optional>
#include <utility>
#include <variant>

namespace imprint {

enum class ErrorCode {
    // general
    InvalidInput,       // bad input from a user or a file: names the file/line/field
    NotFound,
    AlreadyExists,
    PermissionDenied,
    Io,
    Timeout,
    Cancelled,
    Unsupported,
    Internal,
    // HSM and CA
    Crypto,             // an OpenSSL call failed
    HsmModule,          // PKCS#11 module missing, unloadable or not a PKCS#11 module
    TokenNotFound,
    PinIncorrect,
    PinLocked,
    KeyNotFound,
    TokenRemoved,
    CaInvalid,          // CA certificate expired, not yet valid, or not matching the key
    CsrRejected,        // malformed CSR, bad signature, weak or unsupported key
    // devices
    DeviceProtocol,
    DeviceLinkLost,
    DeviceRefused,
    // audit database
    Database,
    IntegrityViolation, // the audit's hash chain does not verify
    // cloud
    Network,
    CloudRejected,
    Throttled,
};

// Process exit codes of imprint-cli; documented in README.md ("Exit codes").
enum class ExitCode : int {
    Success = 0,
    Failure = 1,
    Usage = 2,
    InvalidInput = 3,
    Hsm = 4,
    Device = 5,
    Database = 6,
    Cloud = 7,
    Integrity = 8,
    PartialFailure = 9,
};

[[nodiscard]] QString errorCodeName(ErrorCode code);
[[nodiscard]] ExitCode exitCodeFor(ErrorCode code);
[[nodiscard]] constexpr int toInt(ExitCode code) { return static_cast<int>(code); }

class Error
{
public:
    Error(ErrorCode code, QString message) : m_code(code), m_message(std::move(message)) {}

    [[nodiscard]] ErrorCode code() const { return m_code; }
    [[nodiscard]] const QString& message() const { return m_message; }

    // The same error with "context: " in front, for callers that know where it happened.
    [[nodiscard]] Error withContext(const QString& context) const;

private:
    ErrorCode m_code;
    QString m_message;
};

template <typename T>
class [[nodiscard]] Result
{
public:
    Result(T value) : m_state(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
    Result(Error error) : m_state(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit by design

    [[nodiscard]] bool ok() const { return m_state.index() == 0; }
    explicit operator bool() const { return ok(); }

    [[nodiscard]] const T& value() const& { return std::get<0>(m_state); }
    [[nodiscard]] T& value() & { return std::get<0>(m_state); }
    [[nodiscard]] T&& value() && { return std::get<0>(std::move(m_state)); }
    [[nodiscard]] const T* operator->() const { return &value(); }
    [[nodiscard]] T* operator->() { return &value(); }

    [[nodiscard]] const Error& error() const { return std::get<1>(m_state); }

    template <typename U>
    [[nodiscard]] T valueOr(U&& fallback) const&
    {
        return ok() ? value() : static_cast<T>(std::forward<U>(fallback));
    }

private:
    std::variant<T, Error> m_state;
};

template <>
class [[nodiscard]] Result<void>
{
public:
    Result() = default;
    Result(Error error) : m_error(std::move(error)) {}  // NOLINT: implicit by design

    [[nodiscard]] static Result success() { return {}; }
    [[nodiscard]] bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    [[nodiscard]] const Error& error() const { return *m_error; }

private:
    std::optional<Error> m_error;
};

using Status = Result<void>;

}  // namespace imprint
