#pragma once

// The AWS IoT control plane as the emulator implements it: every operation takes the
// decoded request (path parameters, query, JSON body, headers) and answers with the JSON
// AWS would send or with an AWS error (type, HTTP status, message). The HTTP side
// (ControlPlane) and the device endpoint (JITR/JITP on connect) both call into it.
// Shapes, status codes and validation rules follow the service model
// (../shared/reference/aws-iot-service-2.json) and docs/emulator.md.

#include "app/iot-emulator/server/ClaimPolicy.h"
#include "app/iot-emulator/server/FleetApi.h"
#include "app/iot-emulator/server/Registry.h"
#include "app/iot-emulator/server/X509Tools.h"
#include "core/template/ProvisioningTemplate.h"

#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QStringList>
#include <QUrlQuery>

#include <variant>

namespace imprint::emulator {

struct ApiError
{
    QString type;  // e.g. ResourceNotFoundException; sent as x-amzn-ErrorType
    int status = 400;
    QString message;
};

using Answer = std::variant<QJsonObject, ApiError>;

struct ApiCall
{
    QStringList pathParameters;          // decoded, in the order of the path template
    QUrlQuery query;
    QJsonObject body;
    QHash<QByteArray, QByteArray> headers;  // names in lower case
};

[[nodiscard]] ApiError invalidRequest(const QString& message);
[[nodiscard]] ApiError notFound(const QString& message);
[[nodiscard]] ApiError alreadyExists(const QString& message);
[[nodiscard]] ApiError internalFailure(const QString& message);

// What a device endpoint does with a TLS client after its certificate was looked at.
struct ConnectVerdict
{
    ConnectVerdict(bool accepted, QString why, QString id = {}, std::optional<ClaimScope> claimScope = std::nullopt)
        : accept(accepted), reason(std::move(why)), certificateId(std::move(id)), claim(std::move(claimScope))
    {
    }
    bool accept = false;
    QString reason;                   // for the log: why accepted or dropped
    QString certificateId;            // of an accepted connection
    std::optional<ClaimScope> claim;  // set when the certificate is a claim: it may use only these topics
};

// RegisterThing over MQTT between its checks and the provisioning, while the template's
// pre-provisioning hook is asked.
struct PendingRegistration
{
    QString templateName;
    QString templateArn;
    QString templateBody;
    QJsonObject certificate;             // the ownership token's certificate
    QHash<QString, QString> parameters;  // the request's; the hook's overrides are merged in later
    bool hasHook = false;
};

class IotService : public QObject
{
    Q_OBJECT
public:
    IotService(Registry& registry, const EmulatorCa& ca, QString region, QString accountId, QObject* parent = nullptr);

    [[nodiscard]] QString arn(const QString& resource) const;
    [[nodiscard]] static double epochSeconds(const QDateTime& time) { return static_cast<double>(time.toMSecsSinceEpoch()) / 1000.0; }

    // Certificates and CAs (IotCertificates.cpp)
    Answer getRegistrationCode(const ApiCall& call);
    Answer registerCaCertificate(const ApiCall& call);
    Answer describeCaCertificate(const ApiCall& call);
    Answer updateCaCertificate(const ApiCall& call);
    Answer listCaCertificates(const ApiCall& call);
    Answer registerCertificate(const ApiCall& call);
    Answer registerCertificateWithoutCa(const ApiCall& call);
    Answer describeCertificate(const ApiCall& call);
    Answer updateCertificate(const ApiCall& call);
    Answer createKeysAndCertificate(const ApiCall& call);  // IotFleet.cpp; e.g. a fleet's claim

    // Things, types, groups, policies, attachments (IotThings.cpp)
    Answer createThing(const ApiCall& call);
    Answer describeThing(const ApiCall& call);
    Answer createThingType(const ApiCall& call);
    Answer createThingGroup(const ApiCall& call);
    Answer createPolicy(const ApiCall& call);
    Answer attachPolicy(const ApiCall& call);
    Answer attachThingPrincipal(const ApiCall& call);
    Answer listThingPrincipals(const ApiCall& call);
    Answer listAttachedPolicies(const ApiCall& call);  // one page: no marker

    // Provisioning templates, versions, claims (IotTemplates.cpp)
    Answer createProvisioningTemplate(const ApiCall& call);
    Answer describeProvisioningTemplate(const ApiCall& call);
    Answer listProvisioningTemplates(const ApiCall& call);
    Answer updateProvisioningTemplate(const ApiCall& call);
    Answer deleteProvisioningTemplate(const ApiCall& call);
    Answer createProvisioningTemplateVersion(const ApiCall& call);
    Answer describeProvisioningTemplateVersion(const ApiCall& call);
    Answer listProvisioningTemplateVersions(const ApiCall& call);
    Answer deleteProvisioningTemplateVersion(const ApiCall& call);
    Answer createProvisioningClaim(const ApiCall& call);

    // RegisterThing and bulk registration (IotProvisioning.cpp)
    Answer registerThing(const ApiCall& call);
    Answer startThingRegistrationTask(const ApiCall& call);
    Answer describeThingRegistrationTask(const ApiCall& call);
    Answer listThingRegistrationTaskReports(const ApiCall& call);  // IotTaskReports.cpp

    // The device endpoint's question on every TLS connection (JITR/JITP happen here).
    ConnectVerdict deviceConnected(const QByteArray& certificatePem);

    // The fleet-provisioning MQTT API (IotFleet.cpp). Certificates start PENDING_ACTIVATION and
    // come with a one-hour ownership token.
    FleetAnswer createKeysAndCertificate();
    FleetAnswer createCertificateFromCsr(const QJsonObject& request);
    std::variant<PendingRegistration, FleetError> beginRegisterThing(const QString& templateName, const QJsonObject& request);
    // Answers {"thingName","deviceConfiguration"}.
    FleetAnswer finishRegisterThing(const PendingRegistration& pending);

    // The emulator's clock: the system's plus --clock-offset (claims, tokens, validity at connect).
    void setClockOffsetSeconds(qint64 seconds) { m_clockOffsetSeconds = seconds; }
    [[nodiscard]] QDateTime now() const { return QDateTime::currentDateTimeUtc().addSecs(m_clockOffsetSeconds); }

    // Records an MQTT message from AWS IoT itself (registration events) and hands it to the broker.
    void publish(const QString& topic, const QByteArray& payload);

    [[nodiscard]] Registry& registry() { return m_registry; }

Q_SIGNALS:
    void published(const QString& topic, const QByteArray& payload);

private:
    struct Registered
    {
        QJsonObject certificate;
        bool created = false;
    };
    // Stores a certificate (id = SHA-256 of the DER) with its issuing CA (may be empty).
    Result<Registered> storeCertificate(const QByteArray& pem, const QString& caCertificateId,
                                        const QString& status, const QString& mode);
    // The registered CA document that issued `certificate`, if any.
    std::optional<QJsonObject> issuingCa(X509* certificate) const;
    std::optional<ApiError> checkThingTypeAndGroups(const QString& thingType, const QStringList& groups) const;
    // Runs a rendered template: the three resources, attachments and the certificate status.
    std::variant<QJsonObject, ApiError> provision(const provisioning::RenderedTemplate& rendered);
    void runRegistrationTask(const QString& taskId);
    // Writes the ERRORS and RESULTS report files into the emulator's S3; returns their keys.
    QJsonObject storeTaskReports(const QString& taskId, const QJsonArray& errors, const QJsonArray& results);
    QString templateBodyOf(const QJsonObject& registrationConfig) const;
    void publishRegistrationEvent(const QJsonObject& certificate);
    Status save(const QString& kind, const QString& id, const QJsonObject& document);
    // A new fleet-provisioning certificate (PENDING_ACTIVATION) and its ownership token.
    FleetAnswer storeFleetCertificate(const QByteArray& certificatePem);
    std::variant<QJsonObject, FleetError> certificateOfToken(const QString& token);
    std::optional<ClaimScope> claimScopeOf(const QJsonObject& certificate) const;
    ConnectVerdict claimConnected(const QJsonObject& claim);

    Registry& m_registry;
    const EmulatorCa& m_ca;
    QString m_region;
    QString m_accountId;
    qint64 m_clockOffsetSeconds = 0;
};

}  // namespace imprint::emulator
