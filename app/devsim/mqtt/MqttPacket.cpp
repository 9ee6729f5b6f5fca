#include "mqtt/MqttPacket.h"

namespace imprint::devsim::mqtt {

namespace {

using mqttwire::packet;
using mqttwire::readUint16;
using mqttwire::string;
using mqttwire::uint16;

Error malformed(const char* packetName, const QString& why)
{
    return Error(ErrorCode::Network, QStringLiteral("MQTT %1 from the broker is malformed: %2").arg(QLatin1String(packetName), why));
}

}  // namespace

QByteArray encodeConnect(const ConnectOptions& options)
{
    QByteArray body = string(QStringLiteral("MQTT"));
    body.append(char(4));  // protocol level 3.1.1
    body.append(static_cast<char>(options.cleanSession ? 0x02 : 0x00));
    body += uint16(options.keepAliveSeconds);
    body += string(options.clientId);
    return packet(PacketType::Connect, 0, body);
}

QByteArray encodeSubscribe(quint16 packetId, const QStringList& filters, int qos)
{
    QByteArray body = uint16(packetId);
    for (const QString& filter : filters) {
        body += string(filter);
        body.append(static_cast<char>(qos));
    }
    return packet(PacketType::Subscribe, 0x02, body);  // §3.8.1: flags 0010 are mandatory
}

QByteArray encodePublish(const Publish& message)
{
    QByteArray body = string(message.topic);
    if (message.qos > 0)
        body += uint16(message.packetId);
    body += message.payload;
    return packet(PacketType::Publish, static_cast<quint8>(message.qos << 1), body);
}

QByteArray encodePubAck(quint16 packetId) { return packet(PacketType::PubAck, 0, uint16(packetId)); }
QByteArray encodePingReq() { return packet(PacketType::PingReq, 0, {}); }
QByteArray encodeDisconnect() { return packet(PacketType::Disconnect, 0, {}); }

Result<std::optional<Packet>> takePacket(QByteArray& buffer)
{
    if (buffer.size() < 2)
        return std::optional<Packet>();
    qsizetype length = 0;
    qsizetype multiplier = 1;
    qsizetype at = 1;
    for (;;) {
        if (at >= buffer.size())
            return std::optional<Packet>();
        if (at > 4)
            return malformed("packet", QStringLiteral("remaining length longer than 4 bytes"));
        const auto byte = static_cast<quint8>(buffer.at(at++));
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) == 0)
            break;
    }
    if (length > kMaxPacketSize)
        return malformed("packet", QStringLiteral("%1 bytes, more than the %2 accepted").arg(length).arg(kMaxPacketSize));
    if (buffer.size() < at + length)
        return std::optional<Packet>();
    const auto header = static_cast<quint8>(buffer.at(0));
    Packet result{static_cast<PacketType>(header >> 4), static_cast<quint8>(header & 0x0f), buffer.mid(at, length)};
    buffer.remove(0, at + length);
    return std::optional<Packet>(std::move(result));
}

Result<quint8> parseConnAck(const Packet& packet)
{
    if (packet.type != PacketType::ConnAck || packet.body.size() != 2)
        return malformed("CONNACK", QStringLiteral("expected 2 bytes, got %1").arg(packet.body.size()));
    return static_cast<quint8>(packet.body.at(1));
}

Result<SubAck> parseSubAck(const Packet& packet)
{
    if (packet.type != PacketType::SubAck || packet.body.size() < 3)
        return malformed("SUBACK", QStringLiteral("%1 bytes, fewer than 3").arg(packet.body.size()));
    SubAck ack{readUint16(packet.body, 0), {}};
    for (qsizetype at = 2; at < packet.body.size(); ++at)
        ack.granted.append(static_cast<quint8>(packet.body.at(at)));
    return ack;
}

Result<quint16> parsePubAck(const Packet& packet)
{
    if (packet.type != PacketType::PubAck || packet.body.size() != 2)
        return malformed("PUBACK", QStringLiteral("expected 2 bytes, got %1").arg(packet.body.size()));
    return readUint16(packet.body, 0);
}

Result<Publish> parsePublish(const Packet& packet)
{
    if (packet.type != PacketType::Publish || packet.body.size() < 2)
        return malformed("PUBLISH", QStringLiteral("no topic"));
    const quint16 topicLength = readUint16(packet.body, 0);
    qsizetype at = 2 + topicLength;
    if (at > packet.body.size())
        return malformed("PUBLISH", QStringLiteral("topic length %1 past the end").arg(topicLength));
    Publish message;
    message.topic = QString::fromUtf8(packet.body.mid(2, topicLength));
    message.qos = (packet.flags >> 1) & 0x3;
    if (message.qos > 1)
        return malformed("PUBLISH", QStringLiteral("QoS %1 (this client asks for at most 1)").arg(message.qos));
    if (message.qos == 1) {
        if (at + 2 > packet.body.size())
            return malformed("PUBLISH", QStringLiteral("QoS 1 without a packet id"));
        message.packetId = readUint16(packet.body, at);
        at += 2;
    }
    message.payload = packet.body.mid(at);
    return message;
}

QString connAckReason(quint8 code)
{
    switch (code) {
    case 0: return QStringLiteral("accepted");
    case 1: return QStringLiteral("unacceptable protocol version");
    case 2: return QStringLiteral("client identifier rejected");
    case 3: return QStringLiteral("server unavailable");
    case 4: return QStringLiteral("bad user name or password");
    case 5: return QStringLiteral("not authorized");
    default: return QStringLiteral("return code %1").arg(code);
    }
}

}  // namespace imprint::devsim::mqtt
