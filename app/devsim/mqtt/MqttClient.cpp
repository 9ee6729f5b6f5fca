#include "mqtt/MqttClient.h"

#include <QFile>
#include <QSslConfiguration>

namespace imprint::devsim::mqtt {

Result<TlsIdentity> makeTlsIdentity(const QByteArray& certificatePem, const SecureBytes& keyPem)
{
    TlsIdentity identity;
    identity.chain = QSslCertificate::fromData(certificatePem, QSsl::Pem);
    if (identity.chain.isEmpty())
        return Error(ErrorCode::InvalidInput, QStringLiteral("the device certificate is no PEM certificate"));
    const QByteArray pem = QByteArray::fromRawData(keyPem.data(), static_cast<qsizetype>(keyPem.size()));
    for (const QSsl::KeyAlgorithm algorithm : {QSsl::Ec, QSsl::Rsa}) {
        identity.key = QSslKey(pem, algorithm, QSsl::Pem, QSsl::PrivateKey);
        if (!identity.key.isNull())
            return identity;
    }
    return Error(ErrorCode::InvalidInput, QStringLiteral("the device key is no PEM EC or RSA private key"));
}

Result<QList<QSslCertificate>> readCaFile(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error(ErrorCode::NotFound, QStringLiteral("cannot read the CA file %1: %2").arg(path, file.errorString()));
    const auto certificates = QSslCertificate::fromData(file.readAll(), QSsl::Pem);
    if (certificates.isEmpty())
        return Error(ErrorCode::InvalidInput, QStringLiteral("the CA file %1 holds no PEM certificate").arg(path));
    return certificates;
}

Result<Endpoint> parseEndpoint(const QString& text)
{
    const qsizetype colon = text.lastIndexOf(u':');
    bool ok = false;
    const uint port = colon > 0 ? text.mid(colon + 1).toUInt(&ok) : 0;
    if (!ok || port == 0 || port > 65535)
        return Error(ErrorCode::InvalidInput, QStringLiteral("endpoint '%1' is not HOST:PORT").arg(text));
    Endpoint endpoint;
    endpoint.host = text.left(colon);
    endpoint.port = static_cast<quint16>(port);
    return endpoint;
}

MqttClient::MqttClient(Endpoint endpoint, TlsIdentity identity, ConnectOptions options, QObject* parent)
    : QObject(parent), m_endpoint(std::move(endpoint)), m_identity(std::move(identity)), m_options(std::move(options))
{
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setCaCertificates(m_endpoint.caCertificates);
    configuration.setLocalCertificateChain(m_identity.chain);
    configuration.setPrivateKey(m_identity.key);
    configuration.setProtocol(QSsl::TlsV1_2OrLater);
    configuration.setPeerVerifyMode(QSslSocket::VerifyPeer);
    m_socket.setSslConfiguration(configuration);
    connect(&m_socket, &QSslSocket::encrypted, this, &MqttClient::onEncrypted);
    connect(&m_socket, &QSslSocket::readyRead, this, &MqttClient::onReadyRead);
    connect(&m_socket, &QSslSocket::errorOccurred, this, &MqttClient::onSocketError);
    connect(&m_socket, &QSslSocket::sslErrors, this, [this](const QList<QSslError>& errors) {
        QStringList reasons;
        for (const QSslError& error : errors)
            reasons << error.errorString();
        fail(Error(ErrorCode::Network,
                   QStringLiteral("%1: the broker's certificate is not trusted: %2").arg(m_endpoint.name(), reasons.join(QStringLiteral("; ")))));
    });
    connect(&m_socket, &QSslSocket::disconnected, this, [this] {
        fail(Error(ErrorCode::Network, m_connected ? QStringLiteral("%1 closed the connection").arg(m_endpoint.name())
                                                   : QStringLiteral("%1 closed the connection before CONNACK").arg(m_endpoint.name())));
    });
    m_keepAlive.setInterval(std::chrono::seconds(m_options.keepAliveSeconds));
    connect(&m_keepAlive, &QTimer::timeout, this, [this] {
        send(encodePingReq());
        expectAnswer(kPingResp, QStringLiteral("PINGRESP"));
    });
}

MqttClient::~MqttClient()
{
    m_done = true;  // no signals from the destructor
    m_socket.abort();
}

void MqttClient::open()
{
    expectAnswer(kConnAck, QStringLiteral("CONNACK"));
    m_socket.connectToHostEncrypted(m_endpoint.host, m_endpoint.port);
}

void MqttClient::onEncrypted()
{
    send(encodeConnect(m_options));
}

quint16 MqttClient::subscribe(const QStringList& filters, int qos)
{
    const quint16 id = nextPacketId();
    send(encodeSubscribe(id, filters, qos));
    expectAnswer(id, QStringLiteral("SUBACK for %1").arg(filters.join(QStringLiteral(", "))));
    return id;
}

quint16 MqttClient::publish(const QString& topic, const QByteArray& payload, int qos)
{
    const quint16 id = qos > 0 ? nextPacketId() : 0;
    send(encodePublish({topic, payload, qos, id}));
    if (qos > 0)
        expectAnswer(id, QStringLiteral("PUBACK for %1").arg(topic));
    return id;
}

void MqttClient::close()
{
    if (m_done)
        return;
    m_done = true;
    m_keepAlive.stop();
    if (m_connected)
        send(encodeDisconnect());
    m_connected = false;
    m_socket.disconnectFromHost();
    Q_EMIT closed();
}

void MqttClient::onReadyRead()
{
    m_buffer += m_socket.readAll();
    while (!m_done) {
        auto taken = takePacket(m_buffer);
        if (!taken)
            return fail(Error(taken.error().code(), m_endpoint.name() + QStringLiteral(": ") + taken.error().message()));
        if (!taken.value())
            return;
        handle(*taken.value());
    }
}

void MqttClient::handle(const Packet& packet)
{
    const QString where = m_endpoint.name() + QStringLiteral(": ");
    switch (packet.type) {
    case PacketType::ConnAck: {
        auto code = parseConnAck(packet);
        if (!code)
            return fail(Error(code.error().code(), where + code.error().message()));
        if (code.value() != 0)
            return fail(Error(ErrorCode::CloudRejected, where + QStringLiteral("connection refused: ") + connAckReason(code.value())));
        m_pending.remove(kConnAck);
        m_connected = true;
        if (m_options.keepAliveSeconds > 0)
            m_keepAlive.start();
        Q_EMIT connected();
        return;
    }
    case PacketType::SubAck: {
        auto ack = parseSubAck(packet);
        if (!ack)
            return fail(Error(ack.error().code(), where + ack.error().message()));
        m_pending.remove(ack->packetId);
        Q_EMIT subscribed(ack->packetId, ack->granted);
        return;
    }
    case PacketType::PubAck: {
        auto id = parsePubAck(packet);
        if (!id)
            return fail(Error(id.error().code(), where + id.error().message()));
        m_pending.remove(id.value());
        Q_EMIT published(id.value());
        return;
    }
    case PacketType::Publish: {
        auto message = parsePublish(packet);
        if (!message)
            return fail(Error(message.error().code(), where + message.error().message()));
        if (message->qos == 1)
            send(encodePubAck(message->packetId));
        Q_EMIT messageReceived(message->topic, message->payload);
        return;
    }
    case PacketType::PingResp:
        m_pending.remove(kPingResp);
        return;
    case PacketType::UnsubAck:
        return;
    default:
        return fail(Error(ErrorCode::Network, where + QStringLiteral("unexpected MQTT packet type %1").arg(static_cast<int>(packet.type))));
    }
}

void MqttClient::onSocketError()
{
    if (m_socket.error() == QAbstractSocket::RemoteHostClosedError)
        return;  // reported by disconnected(), which says whether CONNACK had come
    fail(Error(ErrorCode::Network, QStringLiteral("%1: %2").arg(m_endpoint.name(), m_socket.errorString())));
}

void MqttClient::expectAnswer(int key, const QString& what)
{
    m_pending.insert(key);
    QTimer::singleShot(m_responseTimeoutMs, this, [this, key, what] {
        if (m_pending.contains(key))
            fail(Error(ErrorCode::Timeout, QStringLiteral("%1: no %2 within %3 ms").arg(m_endpoint.name(), what).arg(m_responseTimeoutMs)));
    });
}

void MqttClient::fail(Error error)
{
    if (m_done)
        return;
    m_done = true;
    m_connected = false;
    m_pending.clear();
    m_keepAlive.stop();
    m_socket.abort();
    Q_EMIT failed(error);
}

void MqttClient::send(const QByteArray& bytes)
{
    if (!m_done)
        m_socket.write(bytes);
}

quint16 MqttClient::nextPacketId()
{
    m_lastPacketId = static_cast<quint16>(m_lastPacketId == 65535 ? 1 : m_lastPacketId + 1);
    return m_lastPacketId;
}

}  // namespace imprint::devsim::mqtt
