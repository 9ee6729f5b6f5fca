#include "serial/Nrf91Driver.h"

#include "core/Log.h"
#include "core/crypto/KeyPair.h"
#include "serial/Cbor.h"
#include "serial/DeviceCrypto.h"

#include <QDeadlineTimer>

namespace imprint::serial {

namespace {

// What an object of the device interface is called in the modem's credential store.
struct CredentialType
{
    quint32 tag;
    int type;
    const char* object;
};
constexpr CredentialType kRootCa{nrf91::kDefaultSecTag, 0, "rootca"};
constexpr CredentialType kClientCertificate{nrf91::kDefaultSecTag, 1, "chain"};
constexpr CredentialType kPrivateKey{nrf91::kDefaultSecTag, 2, "key"};
constexpr CredentialType kClaimCertificate{nrf91::kClaimSecTag, 1, "claimcert"};
constexpr CredentialType kClaimKey{nrf91::kClaimSecTag, 2, "claimkey"};
// Every credential the station writes, in read-back order (the key of the identity last but
// the claim's: the simulator, like an operator, takes the unit off after the identity's key).
constexpr CredentialType kCredentials[] = {kRootCa, kClientCertificate, kPrivateKey, kClaimCertificate, kClaimKey};

// PKCS#8 (RFC 5958) as PEM: the label of its armour.
constexpr char kPkcs8PemLabel[] = "PRIVATE KEY";

// `der` as PEM with `label`, the base64 on one line (the modem's parser takes any line length,
// and the read-back hash is of exactly what was sent). The base64 copy is wiped: `der` may be
// a private key.
QByteArray pemArmoured(const char* label, const QByteArray& der)
{
    QByteArray base64 = der.toBase64();
    QByteArray pem = QByteArray("-----BEGIN ") + label + "-----\n";
    pem += base64;
    pem += QByteArray("\n-----END ") + label + "-----\n";
    base64.fill('\0');
    return pem;
}

bool isBootBanner(const QByteArray& line)
{
    return line.contains("Booting") || line.startsWith("*** ");
}

}  // namespace

Nrf91Driver::Nrf91Driver(std::unique_ptr<LineLink> link, device::DeviceTimeouts timeouts, quint32 secTag)
    : m_link(std::move(link)), m_timeouts(timeouts), m_secTag(secTag)
{
}

QByteArray Nrf91Driver::cmng(int opcode, quint32 tag, int type) const
{
    // The identity's credentials live in the driver's sec tag (the default unless configured).
    const quint32 secTag = tag == nrf91::kDefaultSecTag ? m_secTag : tag;
    return "AT%CMNG=" + QByteArray::number(opcode) + ',' + QByteArray::number(secTag) + ',' + QByteArray::number(type);
}

Result<Nrf91Driver::Reply> Nrf91Driver::command(const QByteArray& text, const QString& step,
                                                std::chrono::milliseconds timeout)
{
    // As Nordic's tools do: late or unsolicited lines from before this command are dropped.
    m_link->discardInput();
    if (auto sent = m_link->send(text + "\r\n", step); !sent.ok())
        return sent.error();
    Reply reply;
    const QDeadlineTimer deadline(timeout);
    for (;;) {
        auto line = m_link->readLine(step, std::chrono::milliseconds(std::max<qint64>(0, deadline.remainingTime())));
        if (!line.ok()) {
            if (line.error().code() == ErrorCode::Timeout)
                return m_link->error(ErrorCode::Timeout, QStringLiteral("device did not answer %1 within %2")
                                                             .arg(step, describeDuration(timeout)));
            return line.error();
        }
        if (isBootBanner(line.value())) {
            m_rebooted = true;
            return m_link->error(ErrorCode::DeviceLinkLost, QStringLiteral("device rebooted during %1 (it printed \"%2\")")
                                                                .arg(step, QString::fromUtf8(line.value())));
        }
        reply.final = nrf91::classifyLine(line.value());
        if (reply.final.kind != nrf91::Final::None)
            return reply;
        reply.lines.append(line.value());
    }
}

Result<QList<QByteArray>> Nrf91Driver::require(const QByteArray& text, const QString& step,
                                               std::chrono::milliseconds timeout)
{
    auto reply = command(text, step, timeout);
    if (!reply.ok())
        return reply.error();
    switch (reply->final.kind) {
    case nrf91::Final::Ok: return reply->lines;
    case nrf91::Final::CmeError:
        return m_link->error(ErrorCode::DeviceRefused,
                             QStringLiteral("%1 failed: %2").arg(step, nrf91::describeCme(reply->final.cmeCode)));
    default: return m_link->error(ErrorCode::DeviceRefused, QStringLiteral("device answered ERROR to %1").arg(step));
    }
}

void Nrf91Driver::waitUntilQuiet()
{
    constexpr std::chrono::milliseconds kQuiet(300);
    const QDeadlineTimer limit(m_timeouts.command);
    while (!limit.hasExpired()) {
        auto line = m_link->readLine(QStringLiteral("the boot log"), kQuiet);
        if (!line.ok())
            return;  // silence (or a lost link, which the next command reports)
    }
}

Result<device::DeviceIdentity> Nrf91Driver::identify()
{
    // A bare terminator first, as nrfcredstore does, so a half-typed line on the modem ends.
    (void)m_link->send("\r\n", QStringLiteral("the opening line break"));
    m_rebooted = false;
    auto cfun = require("AT+CFUN=4", QStringLiteral("AT+CFUN=4"), m_timeouts.command);
    if (!cfun.ok() && m_rebooted) {
        // A board just put on the fixture is still printing its boot log: let it finish.
        waitUntilQuiet();
        cfun = require("AT+CFUN=4", QStringLiteral("AT+CFUN=4"), m_timeouts.command);
    }
    if (!cfun.ok())
        return cfun.error();
    device::DeviceIdentity identity;
    identity.protocol = QStringLiteral("nrf91-at");
    identity.capabilities = {QStringLiteral("keygen"), QStringLiteral("inject"), QStringLiteral("attest"),
                             QStringLiteral("reset"), QStringLiteral("claim")};
    auto imeiLines = require("AT+CGSN", QStringLiteral("AT+CGSN"), m_timeouts.command);
    if (!imeiLines.ok())
        return imeiLines.error();
    const auto imei = nrf91::parseImei(imeiLines.value());
    if (!imei)
        return m_link->error(ErrorCode::DeviceProtocol, QStringLiteral("AT+CGSN reply holds no 15-digit IMEI"));
    identity.serialNumber = *imei;
    auto firmwareLines = require("AT+CGMR", QStringLiteral("AT+CGMR"), m_timeouts.command);
    if (!firmwareLines.ok())
        return firmwareLines.error();
    identity.firmware = firmwareLines->isEmpty() ? QString() : QString::fromUtf8(firmwareLines->last());
    if (!nrf91::parseFirmwareVersion(firmwareLines.value()))
        return m_link->error(ErrorCode::DeviceProtocol,
                             QStringLiteral("AT+CGMR reply '%1' holds no x.y.z modem firmware version").arg(identity.firmware));
    auto model = command("AT+CGMM", QStringLiteral("AT+CGMM"), m_timeouts.command);
    if (!model.ok())
        return model.error();
    identity.model = model->final.kind == nrf91::Final::Ok && !model->lines.isEmpty()
                         ? QString::fromUtf8(model->lines.last())
                         : QStringLiteral("nRF91");
    auto uuid = command("AT%DEVICEUUID", QStringLiteral("AT%DEVICEUUID"), m_timeouts.command);
    if (!uuid.ok())
        return uuid.error();
    // Older modem firmware has no %DEVICEUUID; the UUID then comes with the KEYGEN attestation
    // and the IMEI stands in as the hardware identity until then.
    const auto deviceUuid = uuid->final.kind == nrf91::Final::Ok ? nrf91::parseDeviceUuid(uuid->lines) : std::nullopt;
    identity.hardwareId = deviceUuid ? *deviceUuid : QStringLiteral("imei:") + *imei;
    return identity;
}

Result<device::CsrResult> Nrf91Driver::generateKeyAndCsr(const QString& subject)
{
    if (subject.contains(u'"'))
        return m_link->error(ErrorCode::InvalidInput, QStringLiteral("a KEYGEN subject may not contain '\"'"));
    QByteArray text = "AT%KEYGEN=" + QByteArray::number(m_secTag) + ",2,0";
    if (!subject.isEmpty())
        text += ",\"" + subject.toUtf8() + '"';
    const QString step = QStringLiteral("AT%KEYGEN");
    auto reply = command(text, step, m_timeouts.keygen);
    if (reply.ok() && reply->final.kind == nrf91::Final::CmeError && reply->final.cmeCode == 519) {
        // A key is already in this sec tag (a re-provisioned device): delete it and try again.
        qCInfo(lcSerial) << portName() << "a key exists in sec tag" << m_secTag << "- deleting it for KEYGEN";
        if (auto deleted = deleteCredential(kPrivateKey.tag, kPrivateKey.type); !deleted.ok())
            return deleted.error();
        reply = command(text, step, m_timeouts.keygen);
    }
    if (!reply.ok())
        return reply.error();
    if (reply->final.kind != nrf91::Final::Ok)
        return m_link->error(ErrorCode::DeviceRefused,
                             QStringLiteral("%1 failed: %2").arg(step, reply->final.kind == nrf91::Final::CmeError
                                                                           ? nrf91::describeCme(reply->final.cmeCode)
                                                                           : QStringLiteral("ERROR")));
    auto parsed = nrf91::parseKeygen(reply->lines);
    if (!parsed.ok())
        return m_link->error(ErrorCode::DeviceProtocol, parsed.error().message());
    auto spki = checkCsr(parsed->csrDer, QStringLiteral("port ") + portName());
    if (!spki.ok())
        return spki.error();
    device::CsrResult result{parsed->csrDer, {}};
    if (!parsed->cose.isEmpty()) {
        auto attestation = parseCoseAttestation(parsed->cose);
        if (!attestation.ok())
            return m_link->error(ErrorCode::DeviceProtocol, attestation.error().message());
        if (!attestation->digest.isEmpty() && attestation->digest != sha256(parsed->csrDer))
            return m_link->error(ErrorCode::CsrRejected,
                                 QStringLiteral("the KEYGEN attestation's digest does not match the CSR it came with"));
        result.attestedDeviceUuid = attestation->deviceUuid;
    }
    m_publicKey = spki.value();
    return result;
}

Result<QByteArray> Nrf91Driver::publicKey()
{
    if (!m_publicKey)
        return m_link->error(ErrorCode::Unsupported,
                             QStringLiteral("an nRF91 modem reveals its public key only in the CSR of AT%KEYGEN; "
                                            "generate the key first"));
    return *m_publicKey;
}

Status Nrf91Driver::writeCredential(quint32 tag, int type, const QByteArray& pem, const QString& what)
{
    auto text = nrf91::formatCredential(pem);
    if (!text.ok())
        return m_link->error(ErrorCode::InvalidInput, text.error().message());
    QByteArray line = cmng(0, tag, type) + ",\"" + text.value() + '"';
    text.value().fill('\0');  // a private key comes through here too
    const QString step = QStringLiteral("AT%CMNG=0 (%1)").arg(what);
    m_rebooted = false;
    auto written = require(line, step, m_timeouts.write);
    if (!written.ok() && m_rebooted) {
        // Nothing is stored when the modem restarts mid-command; writing again is safe. Once.
        ++m_retries;
        m_rebooted = false;
        qCInfo(lcSerial) << portName() << written.error().message() << "- writing it again";
        written = require(line, step, m_timeouts.write);
    }
    line.fill('\0');
    return written.ok() ? Status::success() : Status(written.error());
}

Status Nrf91Driver::deleteCredential(quint32 tag, int type)
{
    auto reply = command(cmng(3, tag, type), QStringLiteral("AT%CMNG=3"), m_timeouts.command);
    if (!reply.ok())
        return reply.error();
    const bool absent = reply->final.kind == nrf91::Final::CmeError && reply->final.cmeCode == 513;
    if (reply->final.kind == nrf91::Final::Ok || absent)
        return Status::success();
    return m_link->error(ErrorCode::DeviceRefused, QStringLiteral("AT%CMNG=3 (delete type %1) failed: %2")
                                                       .arg(type)
                                                       .arg(reply->final.kind == nrf91::Final::CmeError
                                                                ? nrf91::describeCme(reply->final.cmeCode)
                                                                : QStringLiteral("ERROR")));
}

Status Nrf91Driver::writeCertificateChain(const QByteArray& pem)
{
    return writeCredential(kClientCertificate.tag, kClientCertificate.type, pem, QStringLiteral("client certificate"));
}

Status Nrf91Driver::writeServerRootCa(const QByteArray& pem)
{
    return writeCredential(kRootCa.tag, kRootCa.type, pem, QStringLiteral("root CA"));
}

Status Nrf91Driver::writeConfiguration(const device::ConfigurationValues& values)
{
    if (values.isEmpty())
        return Status::success();
    return m_link->error(ErrorCode::Unsupported,
                         QStringLiteral("an nRF91 modem has no configuration store (%1 values not written)").arg(values.size()));
}

Status Nrf91Driver::writeKeyCredential(quint32 tag, const SecureBytes& key, const QString& what)
{
    // The modem stores PEM only: DER is armoured here, and every copy of the key made on the way
    // is wiped (the caller wipes its own). A view, not a copy, of the caller's bytes.
    const QByteArray view = QByteArray::fromRawData(key.data(), static_cast<qsizetype>(key.size()));
    QByteArray pem = view.startsWith("-----BEGIN") ? QByteArray(view.constData(), view.size()) : pemArmoured(kPkcs8PemLabel, view);
    Status status = writeCredential(tag, kPrivateKey.type, pem, what);
    pem.fill('\0');
    return status;
}

Status Nrf91Driver::writePrivateKey(const SecureBytes& pkcs8)
{
    return writeKeyCredential(kPrivateKey.tag, pkcs8, QStringLiteral("private key"));
}

Status Nrf91Driver::writeClaim(const QByteArray& certificatePem, const SecureBytes& privateKeyPem)
{
    // The modem does not check that the two belong together; the station does, before writing.
    const QByteArray key = QByteArray::fromRawData(privateKeyPem.data(), static_cast<qsizetype>(privateKeyPem.size()));
    if (auto paired = crypto::checkKeyPair(certificatePem, key); !paired.ok())
        return m_link->error(ErrorCode::InvalidInput, QStringLiteral("claim not written: ") + paired.error().message());
    if (Status written = writeCredential(kClaimCertificate.tag, kClaimCertificate.type, certificatePem,
                                         QStringLiteral("claim certificate"));
        !written.ok())
        return written;
    return writeKeyCredential(kClaimKey.tag, privateKeyPem, QStringLiteral("claim key"));
}

Result<QByteArray> Nrf91Driver::proveKeyPossession(const QByteArray&)
{
    return m_link->error(ErrorCode::Unsupported,
                         QStringLiteral("an nRF91 modem cannot sign a station nonce; possession is shown by the "
                                        "CSR signature and the KEYGEN attestation"));
}

Result<QList<device::ObjectHash>> Nrf91Driver::readBackHashes()
{
    QList<device::ObjectHash> hashes;
    for (const CredentialType& credential : kCredentials) {
        const QString step = QStringLiteral("AT%CMNG=1 (%1)").arg(QString::fromLatin1(credential.object));
        auto reply = command(cmng(1, credential.tag, credential.type), step, m_timeouts.command);
        if (!reply.ok())
            return reply.error();
        if (reply->final.kind == nrf91::Final::CmeError && reply->final.cmeCode == 513)
            continue;
        if (reply->final.kind != nrf91::Final::Ok)
            return m_link->error(ErrorCode::DeviceRefused, QStringLiteral("device answered ERROR to %1").arg(step));
        auto digest = nrf91::parseCmngHash(reply->lines, credential.type);
        if (!digest.ok())
            return m_link->error(ErrorCode::DeviceProtocol, digest.error().message());
        if (digest.value())
            hashes.append({QString::fromLatin1(credential.object), *digest.value()});
    }
    return hashes;
}

Status Nrf91Driver::lock()
{
    // The modem has no lock; powering it off (CFUN=0) is the end of Nordic's own flow.
    auto reply = require("AT+CFUN=0", QStringLiteral("AT+CFUN=0"), m_timeouts.command);
    return reply.ok() ? Status::success() : Status(reply.error());
}

Status Nrf91Driver::factoryReset()
{
    for (const CredentialType& credential : kCredentials) {
        if (auto deleted = deleteCredential(credential.tag, credential.type); !deleted.ok())
            return deleted;
    }
    m_publicKey.reset();
    return Status::success();
}

QByteArray Nrf91Driver::expectedHash(const QString& object, const QByteArray& written) const
{
    // A key written as DER went in armoured (writeKeyCredential).
    const bool derKey = (object == QLatin1String(kPrivateKey.object) || object == QLatin1String(kClaimKey.object))
                        && !written.startsWith("-----BEGIN");
    QByteArray pem = derKey ? pemArmoured(kPkcs8PemLabel, written) : written;
    auto text = nrf91::formatCredential(pem);
    if (derKey)
        pem.fill('\0');
    QByteArray digest = text.ok() ? sha256(text.value()) : QByteArray();
    if (text.ok())
        text.value().fill('\0');  // it may be a key
    return digest;
}

}  // namespace imprint::serial
