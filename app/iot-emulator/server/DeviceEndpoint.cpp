#include "app/iot-emulator/server/DeviceEndpoint.h"

#include "core/Log.h"
#include "core/net/MqttWire.h"

#include <QSslConfiguration>
#include <QSslKey>

namespace imprint::emulator {

namespace {

using namespace mqttwire;  // packet types and wire helpers, shared with the devices' client

// QoS 0 PUBLISH, as the broker sends to subscribers.
QByteArray publishPacket(const QString& topic, const QByteArray& payload)
{
    return packet(Publish, 0, string(topic) + payload);
}

// A length-prefixed UTF-8 string at `at`; advances `at`. Empty optional when truncated.
std::optional<QString> readString(const QByteArray& data, qsizetype& at)
{
    if (at + 2 > data.size())
        return std::nullopt;
    const quint16 length = readUint16(data, at);
    if (at + 2 + length > data.size())
        return std::nullopt;
    QString text = QString::fromUtf8(data.mid(at + 2, length));
    at += 2 + length;
    return text;
}

}  // namespace

bool topicMatches(const QString& filter, const QString& topic)
{
    const QStringList filterLevels = filter.split(u'/');
    const QStringList topicLevels = topic.split(u'/');
    for (qsizetype i = 0; i < filterLevels.size(); ++i) {
        if (filterLevels[i] == QStringLiteral("#"))
            return true;
        if (i >= topicLevels.size())
            return false;
        if (filterLevels[i] != QStringLiteral("+") && filterLevels[i] != topicLevels[i])
            return false;
    }
    return filterLevels.size() == topicLevels.size();
}

DeviceEndpoint::DeviceEndpoint(IotService& service, const EmulatorCa& ca, FleetProvisioning& fleet, QObject* parent)
    : QObject(parent), m_service(service), m_fleet(fleet)
{
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificate(QSslCertificate(ca.serverCertificatePem(), QSsl::Pem));
    configuration.setPrivateKey(QSslKey(ca.serverKeyPem(), QSsl::Ec, QSsl::Pem));
    configuration.setPeerVerifyMode(QSslSocket::QueryPeer);
    configuration.setProtocol(QSsl::TlsV1_2OrLater);
    m_server.setSslConfiguration(configuration);
    connect(&m_server, &QSslServer::sslErrors, this, [](QSslSocket* socket, const QList<QSslError>&) {
        socket->ignoreSslErrors();  // the registry decides, not the chain check
    });
    connect(&m_server, &QSslServer::errorOccurred, this, [](QSslSocket* socket, QAbstractSocket::SocketError) {
        qCInfo(lcCloud).noquote() << "device endpoint: TLS error:" << socket->errorString();
    });
    connect(&m_server, &QTcpServer::pendingConnectionAvailable, this, [this] {
        while (m_server.hasPendingConnections()) {
            if (auto* socket = qobject_cast<QSslSocket*>(m_server.nextPendingConnection()))
                accept(socket);
        }
    });
    connect(&m_service, &IotService::published, this, &DeviceEndpoint::deliver);
}

Result<quint16> DeviceEndpoint::listen(const QHostAddress& address, quint16 port)
{
    if (!m_server.listen(address, port))
        return Error(ErrorCode::Network, QStringLiteral("device endpoint: cannot listen on %1:%2: %3")
                                             .arg(address.toString())
                                             .arg(port)
                                             .arg(m_server.errorString()));
    return m_server.serverPort();
}

DeviceEndpoint::Session* DeviceEndpoint::sessionOf(QSslSocket* socket)
{
    for (const auto& session : m_sessions) {
        if (session->socket == socket)
            return session.get();
    }
    return nullptr;
}

void DeviceEndpoint::accept(QSslSocket* socket)
{
    const QSslCertificate certificate = socket->peerCertificate();
    const ConnectVerdict verdict = certificate.isNull()
                                       ? ConnectVerdict{false, QStringLiteral("no client certificate")}
                                       : m_service.deviceConnected(certificate.toPem());
    qCInfo(lcCloud).noquote() << "device endpoint:" << (verdict.accept ? "accepted:" : "dropped:") << verdict.reason;
    if (!verdict.accept) {
        socket->abort();  // as AWS does: the connection just ends
        socket->deleteLater();
        return;
    }
    auto session = std::make_shared<Session>();
    session->socket = socket;
    session->certificateId = verdict.certificateId;
    session->claim = verdict.claim;
    m_sessions.push_back(session);
    connect(socket, &QSslSocket::readyRead, this, [this, socket] {
        if (auto* found = sessionOf(socket))
            readPackets(*found);
    });
    connect(socket, &QSslSocket::disconnected, this, [this, socket] {
        m_sessions.removeIf([socket](const auto& entry) { return entry->socket == socket || !entry->socket; });
        socket->deleteLater();
    });
    if (socket->bytesAvailable() > 0)
        readPackets(*session);
}

void DeviceEndpoint::readPackets(Session& session)
{
    QSslSocket* socket = session.socket;
    session.buffer += socket->readAll();
    while (session.buffer.size() >= 2) {
        qsizetype length = 0;
        int multiplier = 1;
        qsizetype at = 1;
        bool complete = false;
        while (at < session.buffer.size() && at <= 4) {
            const auto byte = static_cast<quint8>(session.buffer.at(at++));
            length += (byte & 0x7f) * multiplier;
            multiplier *= 128;
            if ((byte & 0x80) == 0) {
                complete = true;
                break;
            }
        }
        if (!complete || session.buffer.size() < at + length)
            return;
        const auto header = static_cast<quint8>(session.buffer.at(0));
        const QByteArray body = session.buffer.mid(at, length);
        session.buffer.remove(0, at + length);
        if (!handlePacket(session, header, body)) {
            socket->disconnectFromHost();
            return;
        }
    }
}

bool DeviceEndpoint::handlePacket(Session& session, quint8 header, const QByteArray& body)
{
    QSslSocket* socket = session.socket;
    const auto type = static_cast<quint8>(header >> 4);
    if (!session.connected && type != Connect)
        return false;  // MQTT 3.1.1: the first packet must be CONNECT
    switch (type) {
    case Connect: {
        qsizetype at = 0;
        const auto protocol = readString(body, at);
        const bool v311 = protocol == QStringLiteral("MQTT") && at < body.size() && body.at(at) == 4;
        at += 4;  // level, flags, keep-alive
        session.clientId = readString(body, at).value_or(QString());
        socket->write(packet(ConnAck, 0, QByteArray("\x00", 1) + QByteArray(1, v311 ? '\x00' : '\x01')));
        session.connected = v311;
        return v311;
    }
    case Publish:
        return handlePublish(session, header, body);
    case Subscribe:
        return handleSubscribe(session, body);
    case Unsubscribe: {
        qsizetype at = 2;
        while (at < body.size()) {
            const auto filter = readString(body, at);
            if (!filter)
                return false;
            session.subscriptions.removeAll(*filter);
        }
        socket->write(packet(UnsubAck, 0, body.left(2)));
        return true;
    }
    case PingReq:
        socket->write(packet(PingResp, 0, {}));
        return true;
    case PubAck:
        return true;
    case Disconnect:
    default:
        return false;
    }
}

bool DeviceEndpoint::handlePublish(Session& session, quint8 header, const QByteArray& body)
{
    QSslSocket* socket = session.socket;
    qsizetype at = 0;
    const auto topic = readString(body, at);
    if (!topic)
        return false;
    if (session.claim && !session.claim->mayPublish(*topic)) {
        qCInfo(lcCloud).noquote() << "device endpoint: claim" << session.certificateId << "may not publish on" << *topic << "- disconnected";
        return false;
    }
    const int qos = (header >> 1) & 0x3;
    if (qos > 0) {
        if (at + 2 > body.size())
            return false;
        socket->write(packet(PubAck, 0, body.mid(at, 2)));
        at += 2;
    }
    if (!isFleetTopic(*topic)) {
        deliver(*topic, body.mid(at));
        return true;
    }
    // The fleet-provisioning API's topics are AWS's: requests are answered, never relayed.
    if (const auto request = parseFleetRequest(*topic)) {
        QPointer<QSslSocket> requester(socket);
        m_fleet.handle(*request, body.mid(at), {session.clientId, session.certificateId},
                       [this, requester](const QString& replyTopic, const QByteArray& payload) {
                           deliverTo(requester, replyTopic, payload);
                       });
    }
    return true;
}

bool DeviceEndpoint::handleSubscribe(Session& session, const QByteArray& body)
{
    if (body.size() < 2)
        return false;
    QByteArray granted = body.left(2);
    qsizetype at = 2;
    while (at < body.size()) {
        const auto filter = readString(body, at);
        if (!filter || at >= body.size())
            return false;
        if (session.claim && !session.claim->maySubscribe(*filter)) {
            qCInfo(lcCloud).noquote() << "device endpoint: claim" << session.certificateId << "may not subscribe to" << *filter
                                      << "- disconnected";
            return false;
        }
        const auto requested = static_cast<quint8>(body.at(at++));
        session.subscriptions << *filter;
        granted.append(static_cast<char>(std::min<quint8>(requested, 1)));
    }
    session.socket->write(packet(SubAck, 0, granted));
    return true;
}

void DeviceEndpoint::deliverTo(QSslSocket* socket, const QString& topic, const QByteArray& payload)
{
    Session* session = socket ? sessionOf(socket) : nullptr;
    if (!session || !session->connected)
        return;
    for (const auto& filter : session->subscriptions) {
        if (topicMatches(filter, topic)) {
            socket->write(publishPacket(topic, payload));
            return;
        }
    }
}

void DeviceEndpoint::deliver(const QString& topic, const QByteArray& payload)
{
    const QByteArray message = publishPacket(topic, payload);
    for (const auto& session : m_sessions) {
        if (!session->socket || !session->connected)
            continue;
        for (const auto& filter : session->subscriptions) {
            if (topicMatches(filter, topic)) {
                session->socket->write(message);
                break;
            }
        }
    }
}

}  // namespace imprint::emulator
