#pragma once

// MQTT 3.1.1 packets (OASIS standard, §2-3): encoding of what a device sends, and a bounded
// decoder for what the broker sends (its input comes from the network). Pure functions, no I/O.

#include "core/Result.h"
#include "core/net/MqttWire.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace imprint::devsim::mqtt {

using PacketType = mqttwire::PacketType;

// The largest packet the client accepts (certificates and keys in JSON fit easily).
inline constexpr qsizetype kMaxPacketSize = 1024 * 1024;

struct ConnectOptions
{
    QString clientId;
    quint16 keepAliveSeconds = 30;
    bool cleanSession = true;
};

struct Packet
{
    PacketType type = PacketType::Disconnect;
    quint8 flags = 0;        // the low nibble of the fixed header
    QByteArray body;         // variable header and payload
};

struct Publish
{
    QString topic;
    QByteArray payload;
    int qos = 0;
    quint16 packetId = 0;    // QoS 1 only
};

[[nodiscard]] QByteArray encodeConnect(const ConnectOptions& options);
[[nodiscard]] QByteArray encodeSubscribe(quint16 packetId, const QStringList& filters, int qos);
[[nodiscard]] QByteArray encodePublish(const Publish& message);
[[nodiscard]] QByteArray encodePubAck(quint16 packetId);
[[nodiscard]] QByteArray encodePingReq();
[[nodiscard]] QByteArray encodeDisconnect();

// Takes one whole packet off the front of `buffer`: nullopt while it is incomplete, an error
// when the fixed header is malformed or the packet is larger than kMaxPacketSize.
[[nodiscard]] Result<std::optional<Packet>> takePacket(QByteArray& buffer);

// The CONNACK return code (0 accepted), or an error for a malformed CONNACK.
[[nodiscard]] Result<quint8> parseConnAck(const Packet& packet);
// SUBACK: the packet id and the granted QoS per filter (0x80 = refused).
struct SubAck
{
    quint16 packetId = 0;
    QList<quint8> granted;
};
[[nodiscard]] Result<SubAck> parseSubAck(const Packet& packet);
[[nodiscard]] Result<quint16> parsePubAck(const Packet& packet);
[[nodiscard]] Result<Publish> parsePublish(const Packet& packet);

// CONNACK return codes 1-5 in words ("not authorized", ...).
[[nodiscard]] QString connAckReason(quint8 code);

}  // namespace imprint::devsim::mqtt
