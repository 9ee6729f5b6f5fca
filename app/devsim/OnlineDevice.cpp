#include "OnlineDevice.h"

#include "SimCrypto.h"

#include <QFile>
#include <QJsonDocument>

#include <algorithm>

namespace imprint::devsim {

namespace {

// The client certificate as the station left it: fleet provisioning's result first, then the
// Imprint protocol's "chain" object, then the nRF91 client certificate (sec tag 16842753).
constexpr const char* kCertificateFiles[] = {OnlineDevice::kFleetCertificate, "chain", "cred-16842753-1.txt"};
constexpr auto kDeviceKey = "device-key.pem";
// A claim the station installed, as imprint-devsim stores it: the Imprint protocol's objects,
// or the nRF91 modem's claim sec tag 16842754 (type 1 certificate, type 2 key).
struct InstalledClaimFiles
{
    const char* certificate;
    const char* key;
};
constexpr InstalledClaimFiles kInstalledClaims[] = {{"claimcert", "claimkey"},
                                                    {"cred-16842754-1.txt", "cred-16842754-2.txt"}};
constexpr auto kConfiguration = "config";  // the Imprint protocol's object; a modem has none
constexpr int kAnswerTimeoutMs = 15'000;

int backoffMs(int failedAttempts)
{
    return std::min(250 << std::min(failedAttempts - 1, 4), 2'000);
}

QByteArray pemWrap(const QByteArray& der, const char* label)
{
    const QByteArray base64 = der.toBase64();
    QByteArray pem = QByteArray("-----BEGIN ") + label + "-----\n";
    for (qsizetype at = 0; at < base64.size(); at += 64)
        pem += base64.mid(at, 64) + '\n';
    return pem + "-----END " + label + "-----\n";
}

// A file's contents as a secret (the claim key); the plain copy is wiped.
Result<SecureBytes> readSecret(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error(ErrorCode::NotFound, QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    QByteArray plain = file.readAll();
    SecureBytes secret(plain.constData(), static_cast<std::size_t>(plain.size()));
    plain.fill('\0');
    return secret;
}

// The station may install the claim key as DER; the TLS stack takes PEM.
Result<SecureBytes> asPem(const SecureBytes& key)
{
    const QByteArray view = QByteArray::fromRawData(key.data(), static_cast<qsizetype>(key.size()));
    if (view.startsWith("-----BEGIN"))
        return SecureBytes(key.data(), key.size());
    auto loaded = loadPrivateKey(view);
    if (!loaded)
        return loaded.error();
    QByteArray pem = privateKeyPem(loaded->get());
    SecureBytes secret(pem.constData(), static_cast<std::size_t>(pem.size()));
    pem.fill('\0');
    return secret;
}

}  // namespace

OnlineDevice::OnlineDevice(const OnlineSettings& settings, OnlineIdentity identity)
    : m_settings(settings), m_identity(std::move(identity))
{
    m_answerTimer.setSingleShot(true);
    m_answerTimer.setInterval(kAnswerTimeoutMs);
    connect(&m_answerTimer, &QTimer::timeout, this,
            [this] { claimFailed(QStringLiteral("no answer from %1 within %2 ms").arg(requestTopic()).arg(kAnswerTimeoutMs)); });
}

void OnlineDevice::start()
{
    const bool hasCertificate = std::any_of(std::begin(kCertificateFiles), std::end(kCertificateFiles),
                                            [this](const char* name) { return QFile::exists(storePath(name)); });
    if (hasCertificate && QFile::exists(storePath(kDeviceKey)))
        return connectWithOwnCertificate();
    auto installed = installedClaim();
    if (!installed)
        return claimFailed(installed.error().message());
    m_claim = installed.value() ? installed.value() : m_settings.claim;
    if (!m_claim)
        return say(QStringLiteral("not connected: it holds neither its own certificate and key nor a claim"));
    if (installed.value())
        say(QStringLiteral("using the claim installed by the station (template %1, %2)")
                .arg(m_claim->templateName, m_claim->fromCsr ? QStringLiteral("csr") : QStringLiteral("keys")));
    startClaim();
}

// ---- connecting with its own certificate -------------------------------------------------

void OnlineDevice::connectWithOwnCertificate()
{
    m_attempt = 0;
    attempt();
}

void OnlineDevice::attempt()
{
    ++m_attempt;
    std::optional<QByteArray> certificate;
    for (const char* name : kCertificateFiles) {
        if ((certificate = readStore(name)))
            break;
    }
    auto key = readSecret(storePath(kDeviceKey));
    if (!certificate || !key)
        return say(QStringLiteral("not connected: its certificate or key is missing from %1").arg(m_identity.storeDirectory));
    auto identity = mqtt::makeTlsIdentity(*certificate, key.value());
    if (!identity)
        return say(QStringLiteral("not connected: ") + identity.error().message());
    if (const auto thing = readStore(kFleetThing))
        m_thingName = QString::fromUtf8(*thing).trimmed();
    else
        m_thingName = identity->chain.first().subjectInfo(QSslCertificate::CommonName).value(0);
    auto* client = new mqtt::MqttClient(m_settings.endpoint, std::move(identity.value()), {m_thingName, 30, true}, this);
    replaceClient(client);
    connect(client, &mqtt::MqttClient::connected, this, [this, client] {
        // A QoS 1 message acknowledged proves the session works, not only the handshake.
        client->publish(QStringLiteral("devices/%1/hello").arg(m_thingName),
                        QStringLiteral(R"({"serialNumber":"%1"})").arg(m_identity.serialNumber).toUtf8(), 1);
    });
    connect(client, &mqtt::MqttClient::published, this, [this, client] {
        say(QStringLiteral("connected as %1 after %2 attempt(s)").arg(m_thingName).arg(m_attempt));
        client->close();
    });
    connect(client, &mqtt::MqttClient::failed, this, &OnlineDevice::attemptFailed);
    client->open();
}

void OnlineDevice::attemptFailed(const Error& error)
{
    if (m_attempt >= m_settings.attempts)
        return say(QStringLiteral("not connected after %1 attempt(s): %2").arg(m_attempt).arg(error.message()));
    const int delay = backoffMs(m_attempt);
    say(QStringLiteral("attempt %1 failed: %2; retrying in %3 ms").arg(m_attempt).arg(error.message()).arg(delay));
    QTimer::singleShot(delay, this, &OnlineDevice::attempt);
}

// ---- fleet provisioning by claim -------------------------------------------------------------

QString OnlineDevice::requestTopic() const
{
    const ClaimSettings& claim = *m_claim;
    return claim.fromCsr ? mqtt::createFromCsrTopic(claim.format) : mqtt::createKeysTopic(claim.format);
}

Result<std::optional<ClaimSettings>> OnlineDevice::installedClaim() const
{
    const auto* files = std::find_if(std::begin(kInstalledClaims), std::end(kInstalledClaims), [this](const InstalledClaimFiles& claim) {
        return QFile::exists(storePath(claim.certificate)) && QFile::exists(storePath(claim.key));
    });
    if (files == std::end(kInstalledClaims))
        return std::optional<ClaimSettings>();
    const ClaimDefaults& defaults = m_settings.claimDefaults;
    ClaimSettings claim{storePath(files->certificate), storePath(files->key), defaults.templateName, defaults.fromCsr,
                        defaults.format};
    const QByteArray configuration = readStore(kConfiguration).value_or(QByteArray());
    for (const QByteArray& line : configuration.split('\n')) {
        const qsizetype equals = line.indexOf('=');
        const QByteArray key = line.left(equals);
        const QString value = QString::fromUtf8(line.mid(equals + 1)).trimmed();
        if (equals <= 0)
            continue;
        if (key == "template")
            claim.templateName = value;
        else if (key == "claim-api" && (value == QLatin1String("csr") || value == QLatin1String("keys")))
            claim.fromCsr = value == QLatin1String("csr");
        else if (key == "claim-payload" && (value == QLatin1String("json") || value == QLatin1String("cbor")))
            claim.format = value == QLatin1String("cbor") ? mqtt::PayloadFormat::Cbor : mqtt::PayloadFormat::Json;
        else if (key == "claim-api" || key == "claim-payload")
            return Error(ErrorCode::InvalidInput, QStringLiteral("the installed config has %1=%2; expected %3")
                                                      .arg(QString::fromLatin1(key), value,
                                                           key == "claim-api" ? QStringLiteral("csr or keys")
                                                                              : QStringLiteral("json or cbor")));
    }
    if (claim.templateName.isEmpty())
        return Error(ErrorCode::InvalidInput, QStringLiteral("the installed claim names no template: the config object has "
                                                             "no template= and imprint-devsim was given no --template"));
    return std::optional<ClaimSettings>(std::move(claim));
}

void OnlineDevice::startClaim()
{
    const ClaimSettings& claim = *m_claim;
    QFile certificate(claim.certificatePath);
    if (!certificate.open(QIODevice::ReadOnly))
        return claimFailed(QStringLiteral("cannot read the claim certificate %1: %2").arg(claim.certificatePath, certificate.errorString()));
    auto key = readSecret(claim.keyPath);
    if (!key)
        return claimFailed(key.error().message());
    if (auto pem = asPem(key.value()); pem)
        key.value() = std::move(pem.value());
    else
        return claimFailed(QStringLiteral("the claim key %1: %2").arg(claim.keyPath, pem.error().message()));
    auto identity = mqtt::makeTlsIdentity(certificate.readAll(), key.value());
    if (!identity)
        return claimFailed(QStringLiteral("claim: ") + identity.error().message());
    auto* client = new mqtt::MqttClient(m_settings.endpoint, std::move(identity.value()), {m_identity.serialNumber, 30, true}, this);
    replaceClient(client);
    connect(client, &mqtt::MqttClient::connected, this, &OnlineDevice::onClaimConnected);
    connect(client, &mqtt::MqttClient::subscribed, this,
            [this](quint16, const QList<quint8>& granted) { onClaimSubscribed(granted); });
    connect(client, &mqtt::MqttClient::messageReceived, this, &OnlineDevice::onClaimMessage);
    connect(client, &mqtt::MqttClient::failed, this, [this](const Error& error) { claimFailed(error.message()); });
    client->open();
}

void OnlineDevice::onClaimConnected()
{
    // Subscribe to the answers before asking (they come only on this connection).
    const ClaimSettings& claim = *m_claim;
    m_client->subscribe({requestTopic() + QStringLiteral("/+"),
                         mqtt::registerThingTopic(claim.templateName, claim.format) + QStringLiteral("/+")},
                        1);
}

void OnlineDevice::onClaimSubscribed(const QList<quint8>& granted)
{
    if (granted.contains(quint8{0x80}))
        return claimFailed(QStringLiteral("the endpoint refused the subscription to the fleet-provisioning answers"));
    QByteArray request;  // CreateKeysAndCertificate: an empty payload, as AWS expects
    if (m_claim->fromCsr) {
        auto csr = certificateRequestPem();
        if (!csr)
            return claimFailed(csr.error().message());
        request = mqtt::encodePayload({{QStringLiteral("certificateSigningRequest"), QString::fromLatin1(csr.value())}},
                                      m_claim->format);
    }
    m_client->publish(requestTopic(), request, 1);
    m_answerTimer.start();
}

Result<QByteArray> OnlineDevice::certificateRequestPem()
{
    // The device's own key (made on the fixture, or now); it never leaves the device.
    EvpPkeyPtr key;
    if (const auto pem = readStore(kDeviceKey)) {
        auto loaded = loadPrivateKey(*pem);
        if (!loaded)
            return Error(loaded.error().code(), QStringLiteral("the device key in the store: ") + loaded.error().message());
        key = std::move(loaded.value());
    } else {
        auto made = generateP256();
        if (!made)
            return made.error();
        key = std::move(made.value());
        if (!writeStore(kDeviceKey, privateKeyPem(key.get())))
            return Error(ErrorCode::Io, QStringLiteral("cannot store the device key in %1").arg(m_identity.storeDirectory));
    }
    auto der = makeCsr(key.get(), key.get(), QStringLiteral("CN=") + m_identity.serialNumber, false);
    if (!der)
        return der.error();
    return pemWrap(der.value(), "CERTIFICATE REQUEST");
}

void OnlineDevice::onClaimMessage(const QString& topic, const QByteArray& payload)
{
    const ClaimSettings& claim = *m_claim;
    auto answer = mqtt::decodePayload(payload, claim.format);
    if (!answer)
        return claimFailed(QStringLiteral("answer on %1: %2").arg(topic, answer.error().message()));
    const QString registerTopic = mqtt::registerThingTopic(claim.templateName, claim.format);
    if (topic.endsWith(QStringLiteral("/rejected")))
        return claimFailed(QStringLiteral("%1 rejected: %2").arg(topic.chopped(9), mqtt::describeRejection(answer.value())));
    if (topic == requestTopic() + QStringLiteral("/accepted"))
        return onCertificateAccepted(answer.value());
    if (topic == registerTopic + QStringLiteral("/accepted"))
        return onThingRegistered(answer.value());
}

void OnlineDevice::onCertificateAccepted(const QJsonObject& answer)
{
    m_answerTimer.stop();
    const QByteArray certificate = answer.value(QStringLiteral("certificatePem")).toString().toUtf8();
    m_ownershipToken = answer.value(QStringLiteral("certificateOwnershipToken")).toString();
    if (QSslCertificate(certificate).isNull() || m_ownershipToken.isEmpty())
        return claimFailed(QStringLiteral("%1/accepted lacks a certificatePem or a certificateOwnershipToken").arg(requestTopic()));
    if (!m_claim->fromCsr) {
        QByteArray key = answer.value(QStringLiteral("privateKey")).toString().toUtf8();
        const bool parses = loadPrivateKey(key).ok();
        const bool stored = parses && writeStore(kDeviceKey, key);
        key.fill('\0');
        if (!stored)
            return claimFailed(QStringLiteral("the private key from CreateKeysAndCertificate does not parse or cannot be stored"));
    }
    if (!writeStore(kFleetCertificate, certificate))
        return claimFailed(QStringLiteral("cannot store the certificate in %1").arg(m_identity.storeDirectory));
    say(QStringLiteral("got certificate %1 by %2")
            .arg(answer.value(QStringLiteral("certificateId")).toString(),
                 m_claim->fromCsr ? QStringLiteral("CreateCertificateFromCsr") : QStringLiteral("CreateKeysAndCertificate")));
    const QJsonObject request{{QStringLiteral("certificateOwnershipToken"), m_ownershipToken},
                              {QStringLiteral("parameters"), QJsonObject{{QStringLiteral("SerialNumber"), m_identity.serialNumber}}}};
    m_client->publish(mqtt::registerThingTopic(m_claim->templateName, m_claim->format),
                      mqtt::encodePayload(request, m_claim->format), 1);
    m_answerTimer.start();
}

void OnlineDevice::onThingRegistered(const QJsonObject& answer)
{
    m_answerTimer.stop();
    const QString thing = answer.value(QStringLiteral("thingName")).toString();
    const QByteArray configuration = QJsonDocument(answer.value(QStringLiteral("deviceConfiguration")).toObject()).toJson();
    if (!writeStore(kFleetThing, thing.toUtf8()) || !writeStore(kFleetConfiguration, configuration))
        return claimFailed(QStringLiteral("cannot store the registration in %1").arg(m_identity.storeDirectory));
    say(QStringLiteral("registered thing %1 by RegisterThing (%2)").arg(thing, m_claim->templateName));
    // Leave the claim session and come back as itself.
    m_client->close();
    connectWithOwnCertificate();
}

void OnlineDevice::claimFailed(const QString& why)
{
    m_answerTimer.stop();
    if (m_client)
        m_client->close();
    say(QStringLiteral("claim failed: ") + why);
}

// ---- helpers -------------------------------------------------------------------------------

QString OnlineDevice::storePath(const char* name) const
{
    return m_identity.storeDirectory + u'/' + QString::fromLatin1(name);
}

std::optional<QByteArray> OnlineDevice::readStore(const char* name) const
{
    QFile file(storePath(name));
    if (!file.open(QIODevice::ReadOnly))
        return std::nullopt;
    return file.readAll();
}

bool OnlineDevice::writeStore(const char* name, const QByteArray& data) const
{
    QFile file(storePath(name));
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(data) == data.size();
}

void OnlineDevice::say(const QString& line) const
{
    if (report)
        report(line);
}

void OnlineDevice::replaceClient(mqtt::MqttClient* client)
{
    if (m_client)
        m_client->deleteLater();  // it may be in the middle of emitting
    m_client = client;
}

}  // namespace imprint::devsim
