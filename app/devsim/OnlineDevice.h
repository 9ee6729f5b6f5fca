#pragma once

// A simulated device going online after the fixture: it connects to an AWS IoT device endpoint
// with its own key and the certificate the station wrote (JITP/JITR drop the first connection
// by design, so it retries with backoff), or, holding only a claim certificate, obtains its own
// certificate by fleet provisioning (CreateCertificateFromCsr or CreateKeysAndCertificate, then
// RegisterThing), stores the result and reconnects with it. The claim is the one the station
// installed through the device protocol (objects "claimcert"/"claimkey", settings from the
// "config" object) or else the one given on the command line. Progress is reported as lines
// "devsim: slot<N> <serial> <what happened>" for scripts and tests.

#include "mqtt/FleetPayload.h"
#include "mqtt/MqttClient.h"

#include <QObject>
#include <QTimer>

#include <functional>
#include <optional>

namespace imprint::devsim {

struct ClaimSettings
{
    QString certificatePath;  // the claim certificate (PEM) and its key, shared by the fleet
    QString keyPath;
    QString templateName;
    bool fromCsr = true;      // CreateCertificateFromCsr (the key stays on the device); else CreateKeysAndCertificate
    mqtt::PayloadFormat format = mqtt::PayloadFormat::Json;
};

// For a claim the station installed (objects "claimcert" and "claimkey"): what its "config"
// object does not say (keys template=, claim-api=, claim-payload=).
struct ClaimDefaults
{
    QString templateName;
    bool fromCsr = true;
    mqtt::PayloadFormat format = mqtt::PayloadFormat::Json;
};

struct OnlineSettings
{
    mqtt::Endpoint endpoint;
    int attempts = 5;
    std::optional<ClaimSettings> claim;  // the claim given on the command line (--claim-cert ...)
    ClaimDefaults claimDefaults;
    bool atBoot = false;      // go online when booting, not when leaving the fixture
};

struct OnlineIdentity
{
    int slot = 0;
    QString serialNumber;
    QString storeDirectory;
};

class OnlineDevice : public QObject
{
public:
    OnlineDevice(const OnlineSettings& settings, OnlineIdentity identity);

    void start();
    std::function<void(const QString& line)> report;  // one progress line, without the prefix

    // Where the results of fleet provisioning are kept in the device's store.
    static constexpr auto kFleetCertificate = "fleet-certificate.pem";
    static constexpr auto kFleetThing = "fleet-thing.txt";
    static constexpr auto kFleetConfiguration = "fleet-configuration.json";

private:
    // Own certificate
    void connectWithOwnCertificate();
    void attempt();
    void attemptFailed(const Error& error);
    // Claim
    // The claim the station installed, with its settings from the "config" object; nullopt when none.
    [[nodiscard]] Result<std::optional<ClaimSettings>> installedClaim() const;
    void startClaim();
    void onClaimConnected();
    void onClaimSubscribed(const QList<quint8>& granted);
    void onClaimMessage(const QString& topic, const QByteArray& payload);
    void onCertificateAccepted(const QJsonObject& answer);
    void onThingRegistered(const QJsonObject& answer);
    void claimFailed(const QString& why);
    [[nodiscard]] Result<QByteArray> certificateRequestPem();
    [[nodiscard]] QString requestTopic() const;

    [[nodiscard]] QString storePath(const char* name) const;
    [[nodiscard]] std::optional<QByteArray> readStore(const char* name) const;
    [[nodiscard]] bool writeStore(const char* name, const QByteArray& data) const;
    void say(const QString& line) const;
    void replaceClient(mqtt::MqttClient* client);

    const OnlineSettings& m_settings;
    OnlineIdentity m_identity;
    std::optional<ClaimSettings> m_claim;  // the claim in use: installed, else the command line's
    mqtt::MqttClient* m_client = nullptr;  // child of this
    QTimer m_answerTimer;                  // a fleet-provisioning answer is due
    QString m_thingName;
    QString m_ownershipToken;
    int m_attempt = 0;
};

}  // namespace imprint::devsim
