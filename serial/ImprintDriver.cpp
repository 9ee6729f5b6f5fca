#include "serial/ImprintDriver.h"

#include "core/Log.h"
#include "serial/DeviceCrypto.h"
#include "serial/ImprintProtocol.h"

#include <QDeadlineTimer>
#include <QScopeGuard>
#include <QRandomGenerator>

#include <algorithm>

namespace imprint::serial {

using namespace std::chrono_literals;

ImprintDriver::ImprintDriver(std::unique_ptr<LineLink> link, device::DeviceTimeouts timeouts)
    : m_link(std::move(link)), m_timeouts(timeouts),
      // A fresh random start, so a reply the device cached for an earlier session's sequence
      // number can never be taken for the answer to this session's first command.
      m_seq(static_cast<quint16>(QRandomGenerator::global()->bounded(1, 60000)))
{
}

quint16 ImprintDriver::nextSeq()
{
    m_seq = m_seq >= 0xFFFF ? 1 : static_cast<quint16>(m_seq + 1);
    return m_seq;
}

Result<QList<QByteArray>> ImprintDriver::awaitReply(const ImprintFrame& request, const QString& step,
                                                    std::chrono::milliseconds timeout, bool& retry)
{
    const QDeadlineTimer deadline(timeout);
    for (;;) {
        auto line = m_link->readLine(step, std::chrono::milliseconds(std::max<qint64>(0, deadline.remainingTime())));
        if (!line.ok()) {
            if (line.error().code() == ErrorCode::Timeout)
                return m_link->error(ErrorCode::Timeout, QStringLiteral("device did not answer %1 within %2")
                                                             .arg(step, describeDuration(timeout)));
            return line.error();
        }
        const FrameParseResult parsed = parseFrame(line.value());
        if (parsed.outcome == FrameParse::NotAFrame) {
            qCDebug(lcSerial) << m_link->portName() << "device log:" << line.value();
            continue;
        }
        if (parsed.outcome == FrameParse::BadChecksum || parsed.outcome == FrameParse::Malformed) {
            retry = true;
            return m_link->error(ErrorCode::DeviceProtocol, QStringLiteral("frame checksum mismatch on %1").arg(step));
        }
        const ImprintFrame& reply = parsed.frame;
        if (reply.word == "READY" && reply.seq == 0) {
            if (request.word == "HELLO")
                continue;  // a device that just booted (or was just plugged in)
            m_rebooted = true;
            return m_link->error(ErrorCode::DeviceLinkLost, QStringLiteral("device rebooted during %1").arg(step));
        }
        if (reply.seq != request.seq || reply.word == "BUSY")
            continue;  // a stale reply to an earlier command, or "still working"
        if (reply.word == "OK")
            return reply.args;
        if (reply.word == "ERR" && !reply.args.isEmpty()
            && reply.args.first().toInt() == static_cast<int>(protocol::DeviceError::BadChecksum)) {
            retry = true;
            return m_link->error(ErrorCode::DeviceProtocol,
                                 QStringLiteral("the device saw a frame checksum mismatch on %1").arg(step));
        }
        if (reply.word == "ERR") {
            QStringList detail;
            for (const QByteArray& arg : reply.args)
                detail << QString::fromUtf8(arg);
            return m_link->error(ErrorCode::DeviceRefused,
                                 QStringLiteral("device refused %1: ERR %2").arg(step, detail.join(u' ')));
        }
        return m_link->error(ErrorCode::DeviceProtocol, QStringLiteral("unexpected reply %1 to %2")
                                                            .arg(QString::fromLatin1(reply.word), step));
    }
}

Result<QList<QByteArray>> ImprintDriver::exchange(const QByteArray& word, const QList<QByteArray>& args,
                                                  std::chrono::milliseconds timeout, const QString& step,
                                                  Content content)
{
    const ImprintFrame request{nextSeq(), word, args};
    QByteArray encoded = encodeFrame(request);
    const auto wipeFrame = qScopeGuard([&encoded, content] {
        if (content == Content::Secret)
            encoded.fill('\0');  // unshared: encodeFrame built it
    });
    const QString name = step.isEmpty() ? QString::fromLatin1(word) : step;
    for (int attempt = 1;; ++attempt) {
        if (auto sent = m_link->send(encoded, name); !sent.ok())
            return sent.error();
        bool retry = false;
        auto reply = awaitReply(request, name, timeout, retry);
        if (reply.ok() || !retry)
            return reply;
        if (attempt == protocol::kFrameAttempts)
            return m_link->error(ErrorCode::DeviceProtocol,
                                 QStringLiteral("frame checksum mismatch on %1, retried %2 times")
                                     .arg(name).arg(protocol::kFrameAttempts - 1));
        ++m_retries;
        qCInfo(lcSerial) << m_link->portName() << reply.error().message() << "- sending it again";
        m_link->discardInput();
    }
}

Status ImprintDriver::ensureHandshake()
{
    if (m_identity)
        return Status::success();
    auto identity = identify();
    return identity.ok() ? Status::success() : Status(identity.error());
}

Result<device::DeviceIdentity> ImprintDriver::identify()
{
    m_link->discardInput();
    auto reply = exchange("HELLO", {QByteArray::number(protocol::kVersion)}, m_timeouts.command);
    if (!reply.ok())
        return reply.error();
    device::DeviceIdentity identity;
    QByteArray version;
    for (const KeyValue& pair : keyValues(reply.value())) {
        const QString value = QString::fromUtf8(pair.value);
        if (pair.key == "proto")
            version = pair.value;
        else if (pair.key == "hwid")
            identity.hardwareId = value;
        else if (pair.key == "model")
            identity.model = value;
        else if (pair.key == "fw")
            identity.firmware = value;
        else if (pair.key == "caps")
            identity.capabilities = value.split(u',', Qt::SkipEmptyParts);
        else if (pair.key == "serial")
            identity.serialNumber = value;
    }
    if (version.toInt() != protocol::kVersion)
        return m_link->error(ErrorCode::Unsupported,
                             QStringLiteral("device speaks Imprint protocol version '%1', the station speaks %2")
                                 .arg(QString::fromLatin1(version))
                                 .arg(protocol::kVersion));
    if (identity.hardwareId.isEmpty())
        return m_link->error(ErrorCode::DeviceProtocol, QStringLiteral("HELLO reply carries no hwid"));
    identity.protocol = QStringLiteral("imprint/%1").arg(protocol::kVersion);
    m_identity = identity;
    return identity;
}

Result<QByteArray> ImprintDriver::singleBase64(const QList<QByteArray>& args, const QString& step)
{
    if (args.size() != 1)
        return m_link->error(ErrorCode::DeviceProtocol,
                             QStringLiteral("%1 reply has %2 arguments, expected 1").arg(step).arg(args.size()));
    auto decoded = QByteArray::fromBase64Encoding(args.first(), QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded || decoded.decoded.isEmpty())
        return m_link->error(ErrorCode::DeviceProtocol, QStringLiteral("%1 reply is not base64").arg(step));
    return decoded.decoded;
}

Result<device::CsrResult> ImprintDriver::generateKeyAndCsr(const QString& subject)
{
    if (auto ready = ensureHandshake(); !ready.ok())
        return ready.error();
    const QList<QByteArray> args = subject.isEmpty() ? QList<QByteArray>() : QList<QByteArray>{subject.toUtf8()};
    auto reply = exchange("KEYGEN", args, m_timeouts.keygen);
    if (!reply.ok())
        return reply.error();
    auto csr = singleBase64(reply.value(), QStringLiteral("KEYGEN"));
    if (!csr.ok())
        return csr.error();
    if (auto checked = checkCsr(csr.value(), QStringLiteral("port ") + portName()); !checked.ok())
        return checked.error();
    return device::CsrResult{csr.value(), {}};
}

Result<QByteArray> ImprintDriver::publicKey()
{
    if (auto ready = ensureHandshake(); !ready.ok())
        return ready.error();
    auto reply = exchange("PUBKEY", {}, m_timeouts.command);
    if (!reply.ok())
        return reply.error();
    return singleBase64(reply.value(), QStringLiteral("PUBKEY"));
}

Status ImprintDriver::transferObject(const QByteArray& name, const QByteArray& data, Content content)
{
    const QString object = QString::fromLatin1(name);
    const QByteArray digest = sha256(data).toHex().toUpper();
    if (auto begun = exchange("BEGIN", {name, QByteArray::number(data.size()), digest}, m_timeouts.command,
                              QStringLiteral("BEGIN ") + object);
        !begun.ok())
        return begun.error();
    for (qsizetype offset = 0, index = 0; offset < data.size(); offset += protocol::kChunkBytes, ++index) {
        // Deep copies (never a shared view of `data`), so wiping them cannot touch the caller's bytes.
        QByteArray raw(data.constData() + offset, std::min(protocol::kChunkBytes, data.size() - offset));
        QByteArray chunk = raw.toBase64();
        auto sent = exchange("CHUNK", {QByteArray::number(index), chunk}, m_timeouts.command,
                             QStringLiteral("CHUNK %1 of %2").arg(index).arg(object), content);
        if (content == Content::Secret) {
            raw.fill('\0');
            chunk.fill('\0');  // the frame that shared it is gone: no detach, the bytes themselves
        }
        if (!sent.ok())
            return sent.error();
    }
    auto committed = exchange("COMMIT", {name}, m_timeouts.write, QStringLiteral("COMMIT ") + object);
    return committed.ok() ? Status::success() : Status(committed.error());
}

Status ImprintDriver::writeObject(const QByteArray& name, const QByteArray& data, Content content)
{
    if (auto ready = ensureHandshake(); !ready.ok())
        return ready;
    if (data.size() > protocol::kMaxObjectBytes)
        return m_link->error(ErrorCode::InvalidInput, QStringLiteral("%1 is %2 bytes, more than the protocol's %3")
                                                          .arg(QString::fromLatin1(name))
                                                          .arg(data.size())
                                                          .arg(protocol::kMaxObjectBytes));
    m_rebooted = false;
    Status status = transferObject(name, data, content);
    if (!status.ok() && m_rebooted) {
        // The device lost the half-written object when it restarted; nothing was committed,
        // so sending the whole object again is safe. Once: a device that keeps rebooting is broken.
        qCInfo(lcSerial) << portName() << status.error().message() << "- writing" << name << "again";
        ++m_retries;
        m_rebooted = false;
        status = transferObject(name, data, content);
    }
    return status;
}

Status ImprintDriver::writeSecretObject(const QByteArray& name, const SecureBytes& secret)
{
    // A view of the caller's buffer, not a copy: the caller wipes it.
    const QByteArray view = QByteArray::fromRawData(secret.data(), static_cast<qsizetype>(secret.size()));
    return writeObject(name, view, Content::Secret);
}

Status ImprintDriver::writeCertificateChain(const QByteArray& pem) { return writeObject("chain", pem); }

Status ImprintDriver::writeServerRootCa(const QByteArray& pem) { return writeObject("rootca", pem); }

Status ImprintDriver::writeConfiguration(const device::ConfigurationValues& values)
{
    for (const auto& [key, value] : values) {
        if (key.isEmpty() || key.contains(u'=') || key.contains(u'\n') || value.contains(u'\n'))
            return m_link->error(ErrorCode::InvalidInput,
                                 QStringLiteral("configuration key '%1' or its value holds '=' or a line break").arg(key));
    }
    return writeObject("config", device::configurationText(values));
}

Status ImprintDriver::writePrivateKey(const SecureBytes& pkcs8) { return writeSecretObject("key", pkcs8); }

Status ImprintDriver::writeClaim(const QByteArray& certificatePem, const SecureBytes& privateKeyPem)
{
    if (auto ready = ensureHandshake(); !ready.ok())
        return ready;
    if (!m_identity->can(QStringLiteral("claim")))
        return m_link->error(ErrorCode::Unsupported,
                             QStringLiteral("device %1 (%2, firmware %3) cannot hold a fleet-provisioning claim: "
                                            "its capabilities are '%4', without 'claim'")
                                 .arg(m_identity->hardwareId, m_identity->model, m_identity->firmware,
                                      m_identity->capabilities.join(u',')));
    if (privateKeyPem.isEmpty())
        return m_link->error(ErrorCode::InvalidInput, QStringLiteral("the claim's private key is empty"));
    // Certificate first: the device checks the key against it (and a new claimcert drops an older claimkey).
    if (Status written = writeObject("claimcert", certificatePem); !written.ok())
        return written;
    return writeSecretObject("claimkey", privateKeyPem);
}

Result<QByteArray> ImprintDriver::proveKeyPossession(const QByteArray& nonce)
{
    if (auto ready = ensureHandshake(); !ready.ok())
        return ready.error();
    auto reply = exchange("POP", {nonce.toHex().toUpper()}, m_timeouts.keygen);
    if (!reply.ok())
        return reply.error();
    return singleBase64(reply.value(), QStringLiteral("POP"));
}

Result<QList<device::ObjectHash>> ImprintDriver::readBackHashes()
{
    if (auto ready = ensureHandshake(); !ready.ok())
        return ready.error();
    auto reply = exchange("HASHES", {}, m_timeouts.command);
    if (!reply.ok())
        return reply.error();
    QList<device::ObjectHash> hashes;
    for (const KeyValue& pair : keyValues(reply.value())) {
        const QByteArray digest = QByteArray::fromHex(pair.value);
        if (digest.size() != 32)
            return m_link->error(ErrorCode::DeviceProtocol, QStringLiteral("HASHES reply: '%1' is not a SHA-256")
                                                                .arg(QString::fromLatin1(pair.key)));
        hashes.append({QString::fromLatin1(pair.key), digest});
    }
    return hashes;
}

Status ImprintDriver::lock()
{
    if (auto ready = ensureHandshake(); !ready.ok())
        return ready;
    auto reply = exchange("LOCK", {}, m_timeouts.write);
    return reply.ok() ? Status::success() : Status(reply.error());
}

QByteArray ImprintDriver::expectedHash(const QString&, const QByteArray& written) const
{
    return sha256(written);
}

Status ImprintDriver::factoryReset()
{
    if (auto ready = ensureHandshake(); !ready.ok())
        return ready;
    auto reply = exchange("RESET", {}, m_timeouts.write);
    return reply.ok() ? Status::success() : Status(reply.error());
}

}  // namespace imprint::serial
