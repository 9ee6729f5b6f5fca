#include "Nrf91SimDevice.h"

#include "serial/Cbor.h"
#include "serial/DeviceCrypto.h"
#include "serial/Nrf91At.h"

#include <QRandomGenerator>

namespace imprint::devsim {

namespace cbor = serial::cbor;

Nrf91SimDevice::Nrf91SimDevice(DeviceSetup setup) : SimDevice(std::move(setup)) {}

QByteArray Nrf91SimDevice::imei() const
{
    // 35502593 + a 7-digit number unique per hardware ID.
    const QByteArray digest = serial::sha256(setup().hardwareId.toUtf8());
    quint32 number = 0;
    for (int index = 0; index < 4; ++index)
        number = (number << 8) | static_cast<unsigned char>(digest.at(index));
    return "35502593" + QByteArray::number(number % 10000000).rightJustified(7, '0');
}

void Nrf91SimDevice::boot()
{
    m_cfun = 0;
    m_command.clear();
    m_insideQuotes = false;
    transmit(bootLog("*** Booting nRF Connect SDK v2.6.0 ***") + "Ready\r\n");
}

void Nrf91SimDevice::receive(const QByteArray& bytes)
{
    if (m_gone)
        return;
    m_pending += bytes;
    while (!m_busy && !m_gone && !m_pending.isEmpty()) {
        const char c = m_pending.front();
        m_pending.remove(0, 1);
        if (c == '"')
            m_insideQuotes = !m_insideQuotes;
        const bool terminator = (c == '\r' || c == '\n' || c == '\0') && !m_insideQuotes;
        if (!terminator) {
            if (m_command.size() < 8192)
                m_command.append(c);
            continue;
        }
        const QByteArray command = m_command.trimmed();
        m_command.clear();
        if (!command.isEmpty())
            handleCommand(command);
    }
}

void Nrf91SimDevice::reply(const QByteArray& text)
{
    if (m_gone)
        return;
    if (faults().noise)
        transmit(logLine("+CEREG: 2,\"1A2B\",\"01234567\",7"));
    transmit(text);
}

void Nrf91SimDevice::handleCommand(const QByteArray& command)
{
    if (m_stalled)
        return;
    if (command.startsWith("at ") || command.startsWith("at '")) {
        reply("ERROR\r\n");  // not a Zephyr shell: answer quickly, as the AT host does
        return;
    }
    if (command.startsWith("AT+CFUN=")) {
        bool ok = false;
        const int mode = command.mid(8).toInt(&ok);
        if (!ok) {
            reply("ERROR\r\n");
            return;
        }
        m_cfun = mode;
        reply("OK\r\n");
        // Power-off after a client certificate is in: this device is done, the next comes.
        if (mode == 0)
            finishIfProvisioned();
        return;
    }
    if (command == "AT+CFUN?")
        return reply("+CFUN: " + QByteArray::number(m_cfun) + "\r\nOK\r\n");
    if (command == "AT+CGSN")
        return reply(imei() + "\r\nOK\r\n");
    if (command == "AT+CGMR")
        return reply("mfw_nrf91x1_2.0.2\r\nOK\r\n");
    if (command == "AT+CGMM")
        return reply("nRF9161-LACA\r\nOK\r\n");
    if (command == "AT%DEVICEUUID")
        return reply("%DEVICEUUID: " + setup().hardwareId.toUtf8() + "\r\nOK\r\n");
    if (command.startsWith("AT%KEYGEN=")) {
        if (faults().stall) {
            m_stalled = true;
            return;
        }
        m_busy = true;
        later(setup().keygenMs, [this, arguments = command.mid(10)] {
            m_busy = false;
            reply(keygen(arguments));
            receive({});
        });
        return;
    }
    if (command.startsWith("AT%CMNG=")) {
        if (command.startsWith("AT%CMNG=0")) {
            if (faults().drop) {
                m_gone = true;
                unplug();
                return;
            }
            if (faults().reboot && !m_rebootDone) {
                m_rebootDone = true;
                m_busy = true;
                later(100, [this] {
                    m_busy = false;
                    m_pending.clear();
                    boot();
                });
                return;
            }
        }
        reply(cmng(command.mid(8)));
        // The station reads the key's hash last when it verifies (Nordic's --verify order):
        // with a client certificate in, the unit is done and the operator takes it off.
        if (command.startsWith("AT%CMNG=1,") && command.endsWith(",2"))
            finishIfProvisioned();
        return;
    }
    reply("ERROR\r\n");
}

void Nrf91SimDevice::finishIfProvisioned()
{
    // Its own client certificate, or a claim certificate to trade for one online.
    const bool identity = loadFile(QString::fromLatin1(credentialName(serial::nrf91::kDefaultSecTag, 1))).has_value();
    const bool claim = loadFile(QString::fromLatin1(credentialName(serial::nrf91::kClaimSecTag, 1))).has_value();
    if (m_finished || (!identity && !claim))
        return;
    m_finished = true;
    if (finished)
        finished();
}

QByteArray Nrf91SimDevice::credentialName(quint64 tag, int type) const
{
    return "cred-" + QByteArray::number(tag) + '-' + QByteArray::number(type) + ".txt";
}

QByteArray Nrf91SimDevice::keygen(const QByteArray& arguments)
{
    // <sec_tag>,<key_type>,<format>[,"<attributes>"]
    const qsizetype quote = arguments.indexOf('"');
    const QByteArray numbers = quote < 0 ? arguments : arguments.left(quote);
    const QList<QByteArray> fields = numbers.split(',');
    bool tagOk = false;
    const quint64 tag = fields.value(0).toULongLong(&tagOk);
    if (!tagOk || fields.size() < 3 || fields.at(1) != "2" || fields.at(2) != "0")
        return "ERROR\r\n";
    QString subject = QStringLiteral("CN=") + setup().hardwareId;
    if (quote >= 0) {
        const qsizetype end = arguments.indexOf('"', quote + 1);
        if (end < 0)
            return "ERROR\r\n";
        subject = QString::fromUtf8(arguments.mid(quote + 1, end - quote - 1));
    }
    if (modemActive())
        return cme(518);
    if (loadFile(QString::fromLatin1(credentialName(tag, 2))))
        return cme(519);
    auto key = generateP256();
    if (!key.ok())
        return cme(523);
    saveFile(QString::fromLatin1(credentialName(tag, 2)), privateKeyPem(key->get()));
    storeKey(key->get());
    EvpPkeyPtr stranger;
    if (faults().foreignCsr) {
        auto other = generateP256();
        if (other.ok())
            stranger = std::move(other.value());
    }
    auto genuine = makeCsr(key->get(), key->get(), subject, true);
    if (!genuine.ok())
        return cme(523);
    QByteArray csr = genuine.value();
    if (stranger) {
        auto foreign = makeCsr(stranger.get(), stranger.get(), subject, true);
        if (foreign.ok())
            csr = foreign.value();
    }
    if (faults().garbageCsr)
        csr = "this is not a certificate request";
    // The attestation always describes the CSR the device really made.
    const QByteArray uuid = QByteArray::fromHex(setup().hardwareId.toLatin1().replace("-", ""));
    const QByteArray payload = cbor::tag(55799, cbor::array({cbor::unsignedInt(9), cbor::bytes(uuid),
                                                            cbor::bytes(cbor::unsignedInt(tag)),
                                                            cbor::bytes(serial::sha256(genuine.value())),
                                                            cbor::bytes(serial::sha256(uuid).left(16))}));
    const QByteArray protectedHeader = cbor::head(5, 1) + cbor::unsignedInt(1) + cbor::negativeInt(-7);
    auto signature = signRaw(key->get(), payload);
    const QByteArray cose = cbor::tag(18, cbor::array({cbor::bytes(protectedHeader),
                                                       cbor::head(5, 1) + cbor::unsignedInt(4)
                                                           + cbor::bytes(cbor::negativeInt(-2)),
                                                       cbor::bytes(payload),
                                                       cbor::bytes(signature.ok() ? signature.value() : QByteArray(64, '\0'))}));
    const auto options = QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals;
    QByteArray text = csr.toBase64(options) + '.' + cose.toBase64(options);
    if (faults().corrupt || faults().corruptAlways) {
        const qsizetype at = text.size() / 3;
        text[at] = text.at(at) == 'A' ? 'B' : 'A';
    }
    return "%KEYGEN: \"" + text + "\"\r\nOK\r\n";
}

QByteArray Nrf91SimDevice::cmng(const QByteArray& arguments)
{
    // <opcode>[,<sec_tag>[,<type>[,"<content>"]]]
    const qsizetype quote = arguments.indexOf('"');
    const QList<QByteArray> fields = (quote < 0 ? arguments : arguments.left(quote)).split(',');
    bool ok = false;
    const int opcode = fields.value(0).toInt(&ok);
    if (!ok)
        return "ERROR\r\n";
    const quint64 tag = fields.value(1).toULongLong(&ok);
    const bool hasTag = ok;
    const int type = fields.value(2).toInt(&ok);
    const bool hasType = ok && fields.size() > 2;
    const QString name = QString::fromLatin1(credentialName(tag, type));
    switch (opcode) {
    case 0: {
        if (!hasTag || !hasType || quote < 0 || !arguments.endsWith('"'))
            return "ERROR\r\n";
        if (modemActive())
            return cme(518);
        const QByteArray content = arguments.mid(quote + 1, arguments.size() - quote - 2);
        const bool valid = type == 2 ? loadPrivateKey(content).ok() : (type > 2 || countCertificates(content) > 0);
        if (!valid)
            return "ERROR\r\n";
        saveFile(name, content);
        return "OK\r\n";
    }
    case 1: {
        QByteArray lines;
        const QStringList stored = QDir(setup().storeDirectory).entryList({QStringLiteral("cred-*.txt")}, QDir::Files, QDir::Name);
        for (const QString& file : stored) {
            const QStringList parts = file.chopped(4).split(u'-');  // cred-<tag>-<type>
            if (parts.size() != 3 || (hasTag && parts.at(1).toULongLong() != tag) || (hasType && parts.at(2).toInt() != type))
                continue;
            const auto content = loadFile(file);
            lines += "%CMNG: " + parts.at(1).toLatin1() + ',' + parts.at(2).toLatin1() + ",\""
                     + serial::sha256(content.value_or(QByteArray())).toHex().toUpper() + "\"\r\n";
        }
        return lines + "OK\r\n";
    }
    case 3:
        if (!hasTag || !hasType)
            return "ERROR\r\n";
        if (modemActive())
            return cme(518);
        if (!loadFile(name))
            return cme(513);
        removeFile(name);
        return "OK\r\n";
    default: return "ERROR\r\n";
    }
}

}  // namespace imprint::devsim
