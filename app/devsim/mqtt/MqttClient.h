#pragma once

// A small MQTT 3.1.1 client over TLS with a client certificate, as an IoT device uses it to
// reach AWS IoT: CONNECT/CONNACK, SUBSCRIBE/SUBACK, PUBLISH QoS 0 and 1 (PUBACK both ways),
// PINGREQ on the keep-alive, DISCONNECT. Event-driven on the caller's thread (many devices share
// one thread). Every wait for the broker has a timeout; the first problem ends the session and
// is reported once through failed(), in words naming the endpoint and the step.

#include "mqtt/MqttPacket.h"

#include "core/SecureBytes.h"

#include <QObject>
#include <QSet>
#include <QSslCertificate>
#include <QSslKey>
#include <QSslSocket>
#include <QTimer>

namespace imprint::devsim::mqtt {

// The device's TLS identity: its certificate (with any intermediates) and private key.
struct TlsIdentity
{
    QList<QSslCertificate> chain;
    QSslKey key;
};

// `certificatePem`: the device certificate first, then intermediates. `keyPem`: PKCS#8 or SEC1 EC,
// or RSA. Fails when either does not parse.
[[nodiscard]] Result<TlsIdentity> makeTlsIdentity(const QByteArray& certificatePem, const SecureBytes& keyPem);
// The CA certificates (PEM) a device trusts for the broker.
[[nodiscard]] Result<QList<QSslCertificate>> readCaFile(const QString& path);

struct Endpoint
{
    QString host;
    quint16 port = 8883;
    QList<QSslCertificate> caCertificates;
    [[nodiscard]] QString name() const { return host + u':' + QString::number(port); }
};

// HOST:PORT; the port is required.
[[nodiscard]] Result<Endpoint> parseEndpoint(const QString& text);

class MqttClient : public QObject
{
    Q_OBJECT

public:
    MqttClient(Endpoint endpoint, TlsIdentity identity, ConnectOptions options, QObject* parent = nullptr);
    ~MqttClient() override;

    // How long CONNACK, SUBACK, PUBACK and PINGRESP may take (default 10 s).
    void setResponseTimeout(int milliseconds) { m_responseTimeoutMs = milliseconds; }

    // TLS handshake, then CONNECT; connected() or failed().
    void open();
    // Both return the packet id; subscribed()/published() carry it back.
    quint16 subscribe(const QStringList& filters, int qos);
    quint16 publish(const QString& topic, const QByteArray& payload, int qos);
    // DISCONNECT and close; closed() follows. No failed() after this.
    void close();

    [[nodiscard]] bool isConnected() const { return m_connected; }
    [[nodiscard]] const Endpoint& endpoint() const { return m_endpoint; }

Q_SIGNALS:
    void connected();
    void subscribed(quint16 packetId, const QList<quint8>& granted);
    void published(quint16 packetId);  // QoS 1: the broker's PUBACK
    void messageReceived(const QString& topic, const QByteArray& payload);
    void failed(const imprint::Error& error);
    void closed();

private:
    void onEncrypted();
    void onReadyRead();
    void onSocketError();
    void handle(const Packet& packet);
    // Waits for the answer keyed `key` (a packet id, or kConnAck/kPingResp) at most the response timeout.
    void expectAnswer(int key, const QString& what);
    static constexpr int kConnAck = -1;
    static constexpr int kPingResp = -2;
    void fail(Error error);
    void send(const QByteArray& bytes);
    quint16 nextPacketId();

    Endpoint m_endpoint;
    TlsIdentity m_identity;
    ConnectOptions m_options;
    QSslSocket m_socket;
    QTimer m_keepAlive;
    QByteArray m_buffer;
    QSet<int> m_pending;  // answers awaited: packet ids (SUBACK, PUBACK), kConnAck, kPingResp
    int m_responseTimeoutMs = 10'000;
    quint16 m_lastPacketId = 0;
    bool m_connected = false;
    bool m_done = false;      // failed() or closed() was emitted
};

}  // namespace imprint::devsim::mqtt
