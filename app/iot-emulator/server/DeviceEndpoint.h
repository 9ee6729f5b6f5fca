#pragma once

// The emulator's device endpoint: TLS on a loopback port with client certificates requested
// (QueryPeer: Qt does not judge the chain; the registry does, through
// IotService::deviceConnected, which is also where JITR and JITP happen), and enough MQTT
// 3.1.1 for a real client such as mosquitto_pub/mosquitto_sub: CONNECT/CONNACK,
// SUBSCRIBE/SUBACK, UNSUBSCRIBE/UNSUBACK, PUBLISH QoS 0 and 1 (with PUBACK), PINGREQ and
// DISCONNECT. Messages are delivered to every matching subscription of every session.

#include "app/iot-emulator/server/IotService.h"

#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSslServer>
#include <QSslSocket>

namespace imprint::emulator {

class DeviceEndpoint : public QObject
{
    Q_OBJECT
public:
    DeviceEndpoint(IotService& service, const EmulatorCa& ca, QObject* parent = nullptr);

    // Returns the port (the chosen one when `port` is 0).
    [[nodiscard]] Result<quint16> listen(const QHostAddress& address, quint16 port);

private:
    struct Session
    {
        QPointer<QSslSocket> socket;
        QByteArray buffer;
        QStringList subscriptions;
        bool connected = false;
    };

    void accept(QSslSocket* socket);
    void readPackets(Session& session);
    bool handlePacket(Session& session, quint8 header, const QByteArray& body);
    void deliver(const QString& topic, const QByteArray& payload);
    Session* sessionOf(QSslSocket* socket);

    IotService& m_service;
    QSslServer m_server;
    QList<std::shared_ptr<Session>> m_sessions;
};

// MQTT topic filter matching with + and # (exposed for tests).
[[nodiscard]] bool topicMatches(const QString& filter, const QString& topic);

}  // namespace imprint::emulator
