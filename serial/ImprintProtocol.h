#pragma once

// Constants of the Imprint device protocol shared by the station's driver and imprint-devsim;
// docs/device-protocol.md is the normative text.

#include <QByteArray>

namespace imprint::serial::protocol {

inline constexpr int kVersion = 1;
inline constexpr qsizetype kChunkBytes = 192;        // raw bytes per CHUNK (256 base64 characters)
inline constexpr qsizetype kMaxObjectBytes = 16384;  // largest object a device must accept
inline constexpr qsizetype kMaxFrameLength = 1024;   // longest frame line, CRC and CRLF included
inline constexpr int kFrameAttempts = 4;             // first try plus three retries

// Error codes in "ERR <code> <NAME> [detail]" replies.
enum class DeviceError : int {
    BadFrame = 1,
    BadChecksum = 2,
    UnknownCommand = 3,
    BadArgument = 4,
    NoKey = 5,
    KeygenFailed = 6,
    ObjectChecksum = 7,
    ObjectInvalid = 8,
    Locked = 9,
    Storage = 10,
    NoTransfer = 11,
    NotSupported = 12,
    TooLarge = 13,
};

[[nodiscard]] inline QByteArray errorName(DeviceError code)
{
    switch (code) {
    case DeviceError::BadFrame: return "BAD_FRAME";
    case DeviceError::BadChecksum: return "BAD_CHECKSUM";
    case DeviceError::UnknownCommand: return "UNKNOWN_COMMAND";
    case DeviceError::BadArgument: return "BAD_ARGUMENT";
    case DeviceError::NoKey: return "NO_KEY";
    case DeviceError::KeygenFailed: return "KEYGEN_FAILED";
    case DeviceError::ObjectChecksum: return "OBJECT_CHECKSUM";
    case DeviceError::ObjectInvalid: return "OBJECT_INVALID";
    case DeviceError::Locked: return "LOCKED";
    case DeviceError::Storage: return "STORAGE";
    case DeviceError::NoTransfer: return "NO_TRANSFER";
    case DeviceError::NotSupported: return "NOT_SUPPORTED";
    case DeviceError::TooLarge: return "TOO_LARGE";
    }
    return "UNKNOWN";
}

}  // namespace imprint::serial::protocol
