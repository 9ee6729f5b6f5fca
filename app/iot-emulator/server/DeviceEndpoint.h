#pragma once

// The emulator's device endpoint: TLS on a loopback port with client certificates requested
// (QueryPeer: Qt does not judge the chain; the registry does, through
// IotService::deviceConnected, which is also where JITR and JITP happen), and enough MQTT
// 3.1.1 for a real client such as mosquitto_pub/mosquitto_sub: CONNECT/CONNACK,
// SUBSCRIBE/SUBACK, UNSUBSCRIBE/UNSUBACK, PUBLISH QoS 0 and 1 (with PUBACK), PINGREQ and
// DISCONNECT. Messages are delivered to every matching subscription of every session, except
// the fleet-provisioning API's requests, which FleetProvisioning answers on the requesting
// connection only. A claim certificate's connection may use only its claim's topics; anything
// else disconnects it, as AWS IoT does on an authorization failure.

#include "app/iot-emulator/server/FleetProvisioning.h"
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
    DeviceEndpoint(IotService& service, const EmulatorCa& ca, FleetProvisioning& fleet, QObject* parent = nullptr);

    // Returns the port (the chosen one when `port` is 0).
    [[nodiscard]] Result<quint16> listen(const QHostAddress& address, quint16 port);

private:
    struct Session
    {
        QPointer<QSslSocket> socket;
        QByteArray buffer;
        QStringList subscriptions;
        bool connected = false;
        QString clientId;
        QString certificateId;
        std::optional<ClaimScope> claim;
    };

    void accept(QSslSocket* socket);
    void readPackets(Session& session);
    bool handlePacket(Session& session, quint8 header, const QByteArray& body);
    bool handlePublish(Session& session, quint8 header, const QByteArray& body);
    bool handleSubscribe(Session& session, const QByteArray& body);
    void deliver(const QString& topic, const QByteArray& payload);
    // Only to `socket`'s session, if it subscribed to a matching filter.
    void deliverTo(QSslSocket* socket, const QString& topic, const QByteArray& payload);
    Session* sessionOf(QSslSocket* socket);

    IotService& m_service;
    FleetProvisioning& m_fleet;
    QSslServer m_server;
    QList<std::shared_ptr<Session>> m_sessions;
};

// MQTT topic filter matching with + and # (exposed for tests).
[[nodiscard]] bool topicMatches(const QString& filter, const QString& topic);

}  // namespace imprint::emulator
