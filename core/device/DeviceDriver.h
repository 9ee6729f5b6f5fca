#pragma once

// What the provisioning pipeline needs from a device on the fixture, whatever its family.
// One implementation per device family (serial/ImprintDriver: the Imprint protocol for custom
// firmware; serial/Nrf91Driver: Nordic's AT commands); a further family is one new class.
//
// Threading: a driver is created, used and destroyed on the slot's own worker thread and every
// call is SYNCHRONOUS: it returns when the device has answered or the call's timeout has run
// out. A driver is never touched from two threads and never from the GUI thread. Every error
// names the port and the step ("port /dev/ttyACM0: device did not answer KEYGEN within 20 s").

#include "core/Result.h"
#include "core/SecureBytes.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>

#include <chrono>
#include <memory>

namespace imprint::device {

// Who the device says it is. `hardwareId` is the identity the audit keys on (a chip unique ID,
// the nRF91 device UUID); `serialNumber` is a second identity where the family has one (IMEI).
struct DeviceIdentity
{
    QString hardwareId;
    QString model;
    QString firmware;
    QString protocol;          // "imprint/1", "nrf91-at"
    QStringList capabilities;  // e.g. "keygen", "inject", "pop", "lock", "config", "reset"
    QString serialNumber;      // empty when the family has none

    [[nodiscard]] bool can(const QString& capability) const { return capabilities.contains(capability); }
};

// A CSR as the device produced it. For nRF91 devices also the device UUID carried by the COSE
// attestation that came with the KEYGEN reply (empty when the modem sent none).
struct CsrResult
{
    QByteArray csrDer;
    QString attestedDeviceUuid;
};

// A SHA-256 the device computed over one object it holds ("chain", "rootca", "key", "config").
struct ObjectHash
{
    QString object;
    QByteArray sha256;  // 32 bytes
};

using ConfigurationValues = QList<QPair<QString, QString>>;

// Per-step time limits; the defaults suit real devices at 115200 baud.
struct DeviceTimeouts
{
    std::chrono::milliseconds command{3000};   // a short exchange (handshake, hash read-back)
    std::chrono::milliseconds keygen{20000};   // key generation plus CSR
    std::chrono::milliseconds write{10000};    // one object written to flash
};

class DeviceDriver
{
public:
    virtual ~DeviceDriver() = default;

    // The port this driver talks through, as named in every error.
    [[nodiscard]] virtual QString portName() const = 0;

    [[nodiscard]] virtual Result<DeviceIdentity> identify() = 0;
    // The device makes an EC P-256 key it never reveals and returns a CSR for `subject`
    // ("CN=...,O=..."; empty: the device chooses, e.g. CN=<UUID> on nRF91).
    [[nodiscard]] virtual Result<CsrResult> generateKeyAndCsr(const QString& subject) = 0;
    // SubjectPublicKeyInfo DER of the device key.
    [[nodiscard]] virtual Result<QByteArray> publicKey() = 0;
    [[nodiscard]] virtual Status writeCertificateChain(const QByteArray& pem) = 0;
    [[nodiscard]] virtual Status writeServerRootCa(const QByteArray& pem) = 0;
    [[nodiscard]] virtual Status writeConfiguration(const ConfigurationValues& values) = 0;
    // Inject mode only: a station-made key as PKCS#8 (PEM or DER); wiped by the caller.
    [[nodiscard]] virtual Status writePrivateKey(const SecureBytes& pkcs8) = 0;
    // Claim modes (fleet provisioning by claim or by trusted user): the claim certificate and its
    // private key (PEM), kept apart from the device's own identity; the device trades them for its
    // own certificate on its first connection. Read back as objects "claimcert" and "claimkey".
    // The key is wiped by the caller. Families that cannot hold a claim answer Unsupported.
    [[nodiscard]] virtual Status writeClaim(const QByteArray& certificatePem, const SecureBytes& privateKeyPem)
    {
        static_cast<void>(certificatePem);
        static_cast<void>(privateKeyPem);
        return Error(ErrorCode::Unsupported,
                     QStringLiteral("port %1: this device family cannot hold a fleet-provisioning claim").arg(portName()));
    }
    // ECDSA-SHA256 signature (DER) over `nonce` with the device key, to be checked against the
    // issued certificate.
    [[nodiscard]] virtual Result<QByteArray> proveKeyPossession(const QByteArray& nonce) = 0;
    [[nodiscard]] virtual Result<QList<ObjectHash>> readBackHashes() = 0;
    // Leave provisioning mode: the device refuses further writes until a factory reset.
    [[nodiscard]] virtual Status lock() = 0;
    // Rework: forget key, certificates and configuration.
    [[nodiscard]] virtual Status factoryReset() = 0;

    // The SHA-256 that readBackHashes() must report for `object` after `written` was written
    // (families store some objects in a normalised form: nRF91 turns LF into CRLF). For
    // "config" pass configurationText(values).
    [[nodiscard]] virtual QByteArray expectedHash(const QString& object, const QByteArray& written) const = 0;
};

// Configuration values as one object: "key=value\n" per pair, in the given order.
[[nodiscard]] inline QByteArray configurationText(const ConfigurationValues& values)
{
    QByteArray text;
    for (const auto& [key, value] : values)
        text += key.toUtf8() + '=' + value.toUtf8() + '\n';
    return text;
}

struct LinkSettings
{
    QString port;              // /dev/ttyACM0, /dev/serial/by-path/..., a pseudo-terminal
    QString protocol;          // "imprint" or "nrf91"
    qint32 baudRate = 115200;
    bool hardwareFlowControl = false;
    DeviceTimeouts timeouts;
};

// Default settings for a port and protocol.
[[nodiscard]] inline LinkSettings linkSettings(QString port, QString protocol)
{
    LinkSettings settings;
    settings.port = std::move(port);
    settings.protocol = std::move(protocol);
    return settings;
}

// Opens a port and returns the driver for its protocol; implemented by serial/.
// Call it on the worker thread that will use the driver.
class DeviceConnector
{
public:
    virtual ~DeviceConnector() = default;
    [[nodiscard]] virtual Result<std::unique_ptr<DeviceDriver>> open(const LinkSettings& settings) = 0;
};

}  // namespace imprint::device
