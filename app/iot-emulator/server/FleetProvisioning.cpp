#include "app/iot-emulator/server/FleetProvisioning.h"

#include "core/Log.h"

namespace imprint::emulator {

FleetProvisioning::FleetProvisioning(IotService& service, PreProvisioningHook& hook, QObject* parent)
    : QObject(parent), m_service(service), m_hook(hook)
{
}

void FleetProvisioning::answer(const FleetRequest& request, const FleetAnswer& result, const Reply& reply)
{
    if (const auto* error = std::get_if<FleetError>(&result)) {
        qCInfo(lcCloud).noquote() << "fleet provisioning:" << request.topic << "rejected:" << error->statusCode
                                  << error->errorCode << error->errorMessage;
        reply(request.topic + QStringLiteral("/rejected"), encodeFleetPayload(error->toJson(), request.format));
        return;
    }
    qCInfo(lcCloud).noquote() << "fleet provisioning:" << request.topic << "accepted";
    reply(request.topic + QStringLiteral("/accepted"), encodeFleetPayload(std::get<QJsonObject>(result), request.format));
}

void FleetProvisioning::handle(const FleetRequest& request, const QByteArray& payload, const FleetRequester& requester, Reply reply)
{
    // CreateKeysAndCertificate's payload is empty by AWS's definition: nothing to read.
    if (request.operation == FleetOperation::CreateKeysAndCertificate) {
        answer(request, m_service.createKeysAndCertificate(), reply);
        return;
    }
    const auto body = decodeFleetPayload(payload, request.format);
    if (!body) {
        answer(request, invalidPayload(request.format == PayloadFormat::Json ? QStringLiteral("The payload is not a JSON object")
                                                                             : QStringLiteral("The payload is not a CBOR map")),
               reply);
        return;
    }
    if (request.operation == FleetOperation::CreateCertificateFromCsr) {
        answer(request, m_service.createCertificateFromCsr(*body), reply);
        return;
    }
    registerThing(request, *body, requester, std::move(reply));
}

void FleetProvisioning::registerThing(const FleetRequest& request, const QJsonObject& body, const FleetRequester& requester, Reply reply)
{
    auto begun = m_service.beginRegisterThing(request.templateName, body);
    if (const auto* error = std::get_if<FleetError>(&begun)) {
        answer(request, *error, reply);
        return;
    }
    PendingRegistration pending = std::get<PendingRegistration>(begun);
    if (!pending.hasHook) {
        answer(request, m_service.finishRegisterThing(pending), reply);
        return;
    }
    QJsonObject parameters;
    for (auto it = pending.parameters.begin(); it != pending.parameters.end(); ++it)
        parameters.insert(it.key(), it.value());
    const QJsonObject input{{QStringLiteral("claimCertificateId"), requester.certificateId},
                            {QStringLiteral("certificateId"), pending.certificate.value(QStringLiteral("certificateId"))},
                            {QStringLiteral("certificatePem"), pending.certificate.value(QStringLiteral("certificatePem"))},
                            {QStringLiteral("templateArn"), pending.templateArn},
                            {QStringLiteral("clientId"), requester.clientId},
                            {QStringLiteral("parameters"), parameters}};
    // The registry may change while the hook runs; finishRegisterThing checks everything again.
    m_hook.ask(input, [this, request, pending, reply = std::move(reply)](const HookVerdict& verdict) mutable {
        qCInfo(lcCloud).noquote() << "fleet provisioning: pre-provisioning hook of" << pending.templateName << ":" << verdict.reason;
        if (!verdict.allow) {
            answer(request, FleetError{403, QStringLiteral("AccessDenied"),
                                       QStringLiteral("Pre-provisioning hook denied provisioning: ") + verdict.reason},
                   reply);
            return;
        }
        for (auto it = verdict.parameterOverrides.begin(); it != verdict.parameterOverrides.end(); ++it)
            pending.parameters.insert(it.key(), it.value());
        answer(request, m_service.finishRegisterThing(pending), reply);
    });
}

}  // namespace imprint::emulator
