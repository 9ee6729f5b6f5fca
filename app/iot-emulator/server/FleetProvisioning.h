#pragma once

// The fleet-provisioning MQTT API between the device endpoint and IotService: decodes a
// request (JSON or CBOR), runs it (RegisterThing asks the pre-provisioning hook first), and
// hands the encoded answer and its topic (…/accepted or …/rejected) to `reply`, which the
// endpoint delivers to the requesting connection only.

#include "app/iot-emulator/server/FleetApi.h"
#include "app/iot-emulator/server/IotService.h"
#include "app/iot-emulator/server/PreProvisioningHook.h"

#include <QObject>

#include <functional>

namespace imprint::emulator {

struct FleetRequester
{
    QString clientId;
    QString certificateId;  // the connection's certificate (the claim)
};

class FleetProvisioning : public QObject
{
    Q_OBJECT
public:
    using Reply = std::function<void(const QString& topic, const QByteArray& payload)>;

    FleetProvisioning(IotService& service, PreProvisioningHook& hook, QObject* parent = nullptr);

    // `reply` may be called later (the hook may run a command); it is called exactly once.
    void handle(const FleetRequest& request, const QByteArray& payload, const FleetRequester& requester, Reply reply);

private:
    void registerThing(const FleetRequest& request, const QJsonObject& body, const FleetRequester& requester, Reply reply);
    static void answer(const FleetRequest& request, const FleetAnswer& result, const Reply& reply);

    IotService& m_service;
    PreProvisioningHook& m_hook;
};

}  // namespace imprint::emulator
