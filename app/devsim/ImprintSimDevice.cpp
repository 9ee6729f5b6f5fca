#include "ImprintSimDevice.h"

#include "serial/DeviceCrypto.h"

namespace imprint::devsim {

using serial::ImprintFrame;
namespace protocol = serial::protocol;

namespace {
const QList<QByteArray> kObjects = {"chain", "rootca", "key", "config", "claimcert", "claimkey"};
}

void ImprintSimDevice::boot()
{
    m_lastSeq.reset();
    m_lastReply.clear();
    m_objectName.clear();
    transmit(bootLog("*** imprint-sim firmware 1.4.2 booting ***"));
    transmit(serial::encodeFrame({0, "READY", {"proto=" + QByteArray::number(protocol::kVersion)}}));
}

void ImprintSimDevice::receive(const QByteArray& bytes)
{
    if (m_gone)
        return;
    m_splitter.feed(bytes);
    while (!m_busy && !m_gone) {
        auto line = m_splitter.takeLine();
        if (!line)
            break;
        handleLine(*line);
    }
}

ImprintSimDevice::Reply ImprintSimDevice::refuse(DeviceError code, const QByteArray& detail)
{
    Reply reply{"ERR", {QByteArray::number(static_cast<int>(code)), protocol::errorName(code)}};
    if (!detail.isEmpty())
        reply.args.append(detail);
    return reply;
}

void ImprintSimDevice::answer(quint16 seq, const Reply& reply, bool cache)
{
    if (m_gone)
        return;
    QByteArray frame = serial::encodeFrame({seq, reply.word, reply.args});
    if (cache) {
        m_lastSeq = seq;
        m_lastReply = frame;
    }
    if (faults().noise)
        transmit(logLine("handled frame " + QByteArray::number(seq)));
    transmitFrame(frame);
}

void ImprintSimDevice::transmitFrame(QByteArray frame)
{
    const bool handshake = frame.contains(" proto=");
    if ((faults().corruptAlways && !handshake) || (faults().corrupt && !m_corruptDone && !handshake)) {
        m_corruptDone = true;
        frame[frame.size() / 2] = static_cast<char>(frame.at(frame.size() / 2) ^ 0x04);  // flip one bit
    }
    transmit(frame);
}

void ImprintSimDevice::handleLine(const QByteArray& line)
{
    if (line.size() > protocol::kMaxFrameLength) {
        answer(0, refuse(DeviceError::BadFrame, "frame too long"), false);
        return;
    }
    const serial::FrameParseResult parsed = serial::parseFrame(line);
    switch (parsed.outcome) {
    case serial::FrameParse::NotAFrame: return;  // a stray line: ignored, as a real device would
    case serial::FrameParse::BadChecksum:
        answer(parsed.frame.seq, refuse(DeviceError::BadChecksum), false);
        return;
    case serial::FrameParse::Malformed:
        answer(parsed.frame.seq, refuse(DeviceError::BadFrame, parsed.problem), false);
        return;
    case serial::FrameParse::Frame: break;
    }
    const ImprintFrame& request = parsed.frame;
    if (request.word != "HELLO" && m_lastSeq == request.seq && !m_lastReply.isEmpty()) {
        transmitFrame(m_lastReply);  // a retried command: the same answer, never applied twice
        return;
    }
    if (m_stalled)
        return;
    execute(request);
}

void ImprintSimDevice::execute(const ImprintFrame& request)
{
    const QByteArray& word = request.word;
    const quint16 seq = request.seq;
    if (word == "KEYGEN") {
        if (faults().stall) {
            m_stalled = true;
            return;
        }
        m_busy = true;
        later(setup().keygenMs, [this, seq, args = request.args] {
            m_busy = false;
            answer(seq, keygen(args));
            receive({});
        });
        return;
    }
    if (word == "CHUNK") {
        ++m_chunksSeen;
        if (faults().drop && m_chunksSeen == 2) {
            m_gone = true;
            unplug();
            return;
        }
        if (faults().reboot && !m_rebootDone && m_chunksSeen == 2) {
            m_rebootDone = true;
            rebootNow();
            return;
        }
    }
    Reply reply;
    if (word == "HELLO")
        reply = hello();
    else if (word == "PUBKEY")
        reply = pubkey();
    else if (word == "BEGIN")
        reply = begin(request.args);
    else if (word == "CHUNK")
        reply = chunk(request.args);
    else if (word == "COMMIT")
        reply = commit(request.args);
    else if (word == "POP")
        reply = pop(request.args);
    else if (word == "HASHES")
        reply = hashes();
    else if (word == "LOCK")
        reply = lock();
    else if (word == "RESET")
        reply = reset();
    else
        reply = refuse(DeviceError::UnknownCommand, word);
    answer(seq, reply);
    if (word == "LOCK" && reply.word == "OK" && finished)
        finished();
}

void ImprintSimDevice::rebootNow()
{
    m_busy = true;
    m_splitter.clear();
    later(100, [this] {
        m_busy = false;
        boot();
    });
}

ImprintSimDevice::Reply ImprintSimDevice::hello()
{
    m_lastSeq.reset();
    m_lastReply.clear();
    return {"OK",
            {"proto=" + QByteArray::number(protocol::kVersion), "hwid=" + setup().hardwareId.toUtf8(),
             "model=imprint-sim-1", "fw=1.4.2", "caps=keygen,inject,pop,config,lock,reset,claim",
             "serial=SIM-" + QByteArray::number(setup().slot) + '-' + QByteArray::number(setup().position)}};
}

ImprintSimDevice::Reply ImprintSimDevice::keygen(const QList<QByteArray>& args)
{
    if (locked())
        return refuse(DeviceError::Locked);
    if (args.size() > 1)
        return refuse(DeviceError::BadArgument, "KEYGEN takes one subject");
    auto key = generateP256();
    if (!key.ok())
        return refuse(DeviceError::KeygenFailed);
    storeKey(key->get());
    removeFile(QStringLiteral("key"));  // a generated key replaces an injected one
    const QString subject = args.isEmpty() ? QStringLiteral("CN=") + setup().hardwareId : QString::fromUtf8(args.first());
    if (faults().garbageCsr)
        return {"OK", {QByteArray("this is not a certificate request").toBase64()}};
    EvpPkeyPtr stranger;
    if (faults().foreignCsr) {
        auto other = generateP256();
        if (other.ok())
            stranger = std::move(other.value());
    }
    EVP_PKEY* csrKey = stranger ? stranger.get() : key->get();
    auto csr = makeCsr(csrKey, csrKey, subject, false);
    if (!csr.ok())
        return refuse(DeviceError::BadArgument, csr.error().message().toUtf8());
    return {"OK", {csr->toBase64()}};
}

ImprintSimDevice::Reply ImprintSimDevice::pubkey()
{
    const EvpPkeyPtr key = loadKey();
    if (!key)
        return refuse(DeviceError::NoKey);
    return {"OK", {publicKeyDer(key.get()).toBase64()}};
}

ImprintSimDevice::Reply ImprintSimDevice::begin(const QList<QByteArray>& args)
{
    if (locked())
        return refuse(DeviceError::Locked);
    if (args.size() != 3 || !kObjects.contains(args.at(0)))
        return refuse(DeviceError::BadArgument, "BEGIN <chain|rootca|key|config|claimcert|claimkey> <size> <sha256>");
    bool ok = false;
    const qsizetype size = args.at(1).toLongLong(&ok);
    if (!ok || size <= 0)
        return refuse(DeviceError::BadArgument, "size");
    if (size > protocol::kMaxObjectBytes)
        return refuse(DeviceError::TooLarge);
    const QByteArray digest = QByteArray::fromHex(args.at(2));
    if (digest.size() != 32)
        return refuse(DeviceError::BadArgument, "sha256");
    m_objectName = args.at(0);
    m_objectSize = size;
    m_objectDigest = digest;
    m_objectData.clear();
    m_nextChunk = 0;
    return {};
}

ImprintSimDevice::Reply ImprintSimDevice::chunk(const QList<QByteArray>& args)
{
    if (m_objectName.isEmpty())
        return refuse(DeviceError::NoTransfer);
    if (args.size() != 2 || args.at(0).toInt() != m_nextChunk)
        return refuse(DeviceError::BadArgument, "expected chunk " + QByteArray::number(m_nextChunk));
    auto data = QByteArray::fromBase64Encoding(args.at(1), QByteArray::AbortOnBase64DecodingErrors);
    if (!data || data.decoded.size() > protocol::kChunkBytes)
        return refuse(DeviceError::BadArgument, "chunk data");
    if (m_objectData.size() + data.decoded.size() > m_objectSize)
        return refuse(DeviceError::TooLarge, "more data than BEGIN announced");
    m_objectData += data.decoded;
    ++m_nextChunk;
    return {};
}

std::optional<QByteArray> ImprintSimDevice::validateObject(const QByteArray& name, const QByteArray& data) const
{
    if (name == "chain" || name == "rootca") {
        if (countCertificates(data) == 0)
            return "no PEM certificate";
        if (name == "rootca")
            return std::nullopt;
        const EvpPkeyPtr key = loadKey();
        if (!key)
            return "no device key for this certificate";
        auto leaf = serial::leafPublicKey(data);
        if (!leaf.ok() || leaf.value() != publicKeyDer(key.get()))
            return "certificate does not match the device key";
        return std::nullopt;
    }
    if (name == "key")
        return loadPrivateKey(data).ok() ? std::nullopt : std::optional<QByteArray>("not a PKCS#8 private key");
    if (name == "claimcert")
        return countCertificates(data) > 0 ? std::nullopt : std::optional<QByteArray>("claimcert holds no PEM certificate");
    if (name == "claimkey")
        return validateClaimKey(data);
    for (const QByteArray& line : data.split('\n')) {
        if (!line.isEmpty() && line.indexOf('=') <= 0)
            return "configuration line without key=value";
    }
    return std::nullopt;
}

std::optional<QByteArray> ImprintSimDevice::validateClaimKey(const QByteArray& data) const
{
    auto key = loadPrivateKey(data);
    if (!key.ok())
        return "claimkey is not a PEM or DER private key";
    const auto certificate = loadFile(QStringLiteral("claimcert"));
    if (!certificate)
        return "no claimcert stored for this claimkey (write claimcert first)";
    auto certificateKey = serial::leafPublicKey(*certificate);
    if (!certificateKey.ok() || certificateKey.value() != publicKeyDer(key->get()))
        return "claimkey does not match the public key of claimcert";
    return std::nullopt;
}

ImprintSimDevice::Reply ImprintSimDevice::commit(const QList<QByteArray>& args)
{
    if (m_objectName.isEmpty() || args.value(0) != m_objectName)
        return refuse(DeviceError::NoTransfer);
    const QByteArray name = m_objectName;
    m_objectName.clear();
    if (m_objectData.size() != m_objectSize || serial::sha256(m_objectData) != m_objectDigest)
        return refuse(DeviceError::ObjectChecksum);
    if (const auto problem = validateObject(name, m_objectData))
        return refuse(DeviceError::ObjectInvalid, *problem);
    if (name == "key") {
        auto key = loadPrivateKey(m_objectData);
        storeKey(key->get());
    }
    if (name == "claimcert")
        removeFile(QStringLiteral("claimkey"));  // a new claim certificate starts a new claim
    saveFile(QString::fromLatin1(name), m_objectData);
    m_objectData.fill('\0');
    return {};
}

ImprintSimDevice::Reply ImprintSimDevice::pop(const QList<QByteArray>& args)
{
    const EvpPkeyPtr key = loadKey();
    if (!key)
        return refuse(DeviceError::NoKey);
    const QByteArray nonce = QByteArray::fromHex(args.value(0));
    if (nonce.size() < 16 || nonce.size() > 64)
        return refuse(DeviceError::BadArgument, "nonce of 16..64 bytes in hex");
    auto signature = signDer(key.get(), nonce);
    if (!signature.ok())
        return refuse(DeviceError::KeygenFailed);
    return {"OK", {signature->toBase64()}};
}

ImprintSimDevice::Reply ImprintSimDevice::hashes()
{
    Reply reply;
    for (const QByteArray& name : kObjects) {
        if (const auto data = loadFile(QString::fromLatin1(name)))
            reply.args.append(name + '=' + serial::sha256(*data).toHex().toUpper());
    }
    return reply;
}

ImprintSimDevice::Reply ImprintSimDevice::lock()
{
    // Provisioned means its own key and certificate, or a claim to trade for them online.
    const bool ownIdentity = loadKey() && loadFile(QStringLiteral("chain"));
    const bool claim = loadFile(QStringLiteral("claimcert")) && loadFile(QStringLiteral("claimkey"))
                       && loadFile(QStringLiteral("config"));
    if (!ownIdentity && !claim)
        return refuse(DeviceError::NoKey, "nothing provisioned to lock: neither key and chain nor claimcert, claimkey and config");
    saveFile(QStringLiteral("locked"), "1");
    return {};
}

ImprintSimDevice::Reply ImprintSimDevice::reset()
{
    wipeStore();
    m_objectName.clear();
    return {};
}

}  // namespace imprint::devsim
