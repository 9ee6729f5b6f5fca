#pragma once

// The MQTT 3.1.1 wire format's building blocks (OASIS standard §1.5, §2.2), shared by the
// simulated devices' client (app/devsim/mqtt) and the emulator's broker (app/iot-emulator):
// packet types, the fixed header with its variable-length "remaining length", big-endian
// 16-bit integers and length-prefixed UTF-8 strings. Pure functions, no I/O.

#include <QByteArray>
#include <QString>

namespace imprint::mqttwire {

// Unscoped so that the broker can switch on the header's type nibble directly.
enum PacketType : quint8 {
    Connect = 1,
    ConnAck = 2,
    Publish = 3,
    PubAck = 4,
    Subscribe = 8,
    SubAck = 9,
    Unsubscribe = 10,
    UnsubAck = 11,
    PingReq = 12,
    PingResp = 13,
    Disconnect = 14,
};

// §2.2.3: seven bits per byte, the high bit saying another byte follows.
inline QByteArray remainingLength(qsizetype length)
{
    QByteArray out;
    do {
        auto digit = static_cast<quint8>(length % 128);
        length /= 128;
        if (length > 0)
            digit = static_cast<quint8>(digit | 0x80);
        out.append(static_cast<char>(digit));
    } while (length > 0);
    return out;
}

// A whole packet: fixed header (type, the low-nibble flags) and `body` (variable header and payload).
inline QByteArray packet(PacketType type, quint8 flags, const QByteArray& body)
{
    const auto header = static_cast<quint8>((static_cast<quint8>(type) << 4) | (flags & 0x0f));
    return QByteArray(1, static_cast<char>(header)) + remainingLength(body.size()) + body;
}

inline QByteArray uint16(quint16 value)
{
    QByteArray out(2, '\0');
    out[0] = static_cast<char>(value >> 8);
    out[1] = static_cast<char>(value & 0xff);
    return out;
}

// A length-prefixed UTF-8 string (topics, client IDs).
inline QByteArray string(const QString& text)
{
    const QByteArray utf8 = text.toUtf8();
    return uint16(static_cast<quint16>(utf8.size())) + utf8;
}

// The caller checks that two bytes are there.
inline quint16 readUint16(const QByteArray& data, qsizetype at)
{
    return static_cast<quint16>((static_cast<quint8>(data.at(at)) << 8) | static_cast<quint8>(data.at(at + 1)));
}

}  // namespace imprint::mqttwire
