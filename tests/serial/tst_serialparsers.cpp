// The device-link parsers on their own: line framing, Imprint frames, nRF91 AT replies, CBOR
// and the COSE attestation, with Nordic's own test fixture and malformed input.
#include "serial/Cbor.h"
#include "serial/DeviceCrypto.h"
#include "serial/ImprintFrame.h"
#include "serial/LineLink.h"
#include "serial/LineSplitter.h"
#include "serial/Nrf91At.h"
#include "serial/PortEnumerator.h"
#include "serial/SerialSettings.h"

#include <QBuffer>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

using namespace imprint;
using namespace imprint::serial;

namespace {

// nrfcloud-utils' TEST_KEYGEN_UUID fixture (sec tag 52), via docs peer-tools.md c.3.
const QByteArray kNordicKeygen =
    "%KEYGEN: \"MIIBCzCBrwIBADAvMS0wKwYDVQQDDCQ1MDM2Mzk1My0zMjM0LTQ3MjMtODBiOS0xNTAzZDg4MjcxYmYwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQ37lDghqs2kF2iiH8lYRDDxNMiziQRPPdw9Meb1iHfTEZNdlB1xZzMV-oK6i52p1GHYQszjoDzUAZF2zU2MTGGoB4wHAYJKoZIhvcNAQkOMQ8wDTALBgNVHQ8EBAMCA-gwDAYIKoZIzj0EAwIFAANJADBGAiEAzaMPi5NcWFYZBJGBMk0tU-TBoNDVlQUzhHWJzXKRTWsCIQCWYpYqjccA281F5Geb8SwOP3tnjS_ZbAXUgVWhTVNuvg.0oRDoQEmoQRBIVhM2dn3hQlQUDY5UzI0RyOAuRUD2IJxv0IYNFggTaa7Z9K-8bQPz3YG5o_h32quNr0FHEtnX5VpEZ-8gflQY8D67v4xx32mF0L3-mbuuVhAfY3TgibaimIVPaN1C3Sz_oWj6JPf8sEOV2XNBDUNCV3sD3WdNOjgv32-rLXAx_vBIvpk1DTCb3Y97zqFhhdKlw\"";

QList<QByteArray> allLines(const QByteArray& stream)
{
    LineSplitter splitter;
    splitter.feed(stream);
    QList<QByteArray> lines;
    while (auto line = splitter.takeLine())
        lines << *line;
    return lines;
}

}  // namespace

class TestSerialParsers : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void lineEndingsAndEscapes_data()
    {
        QTest::addColumn<QByteArray>("stream");
        QTest::addColumn<QList<QByteArray>>("lines");
        QTest::newRow("CRLF") << QByteArray("OK\r\nERROR\r\n") << QList<QByteArray>{"OK", "ERROR"};
        QTest::newRow("LF") << QByteArray("a\nb\n") << QList<QByteArray>{"a", "b"};
        QTest::newRow("CR") << QByteArray("a\rb\r") << QList<QByteArray>{"a", "b"};
        QTest::newRow("NUL") << QByteArray("a\0b\0", 4) << QList<QByteArray>{"a", "b"};
        QTest::newRow("empty lines dropped") << QByteArray("\r\n\r\n  \r\nx\r\n") << QList<QByteArray>{"x"};
        QTest::newRow("partial line waits") << QByteArray("done\r\npart") << QList<QByteArray>{"done"};
        QTest::newRow("ANSI colour removed") << QByteArray("\x1b[0;32mI: boot\x1b[0m\r\nOK\r\n")
                                             << QList<QByteArray>{"I: boot", "OK"};
        QTest::newRow("control bytes removed") << QByteArray("O\x07K\r\n") << QList<QByteArray>{"OK"};
    }

    void lineEndingsAndEscapes()
    {
        QFETCH(QByteArray, stream);
        QFETCH(QList<QByteArray>, lines);
        QCOMPARE(allLines(stream), lines);
    }

    void lineSplitterBytewiseEqualsWhole()
    {
        const QByteArray stream = "\x1b[1;33mW: x\x1b[0m\r\n$12 OK*ABCD\r\nlast\n";
        LineSplitter splitter;
        QList<QByteArray> lines;
        for (const char c : stream) {
            splitter.feed(QByteArray(1, c));
            while (auto line = splitter.takeLine())
                lines << *line;
        }
        QCOMPARE(lines, allLines(stream));
    }

    void endlessLineIsCut()
    {
        LineSplitter splitter;
        splitter.feed(QByteArray(LineSplitter::kMaxLineLength * 2 + 10, 'x'));
        auto first = splitter.takeLine();
        QVERIFY(first);
        QCOMPARE(first->size(), LineSplitter::kMaxLineLength);
    }

    void crcIsCcittFalse() { QCOMPARE(crc16Ccitt("123456789"), quint16(0x29B1)); }

    void frameRoundTrip()
    {
        const ImprintFrame frame{4711, "KEYGEN", {"CN=dev 1,O=Acme*$%", QByteArray("\r\n\x01", 3)}};
        const QByteArray encoded = encodeFrame(frame);
        QVERIFY(encoded.endsWith("\r\n"));
        QVERIFY(!encoded.contains(QByteArray("CN=dev 1")));
        const auto parsed = parseFrame(encoded.chopped(2));
        QCOMPARE(int(parsed.outcome), int(FrameParse::Frame));
        QCOMPARE(parsed.frame.seq, frame.seq);
        QCOMPARE(parsed.frame.word, frame.word);
        QCOMPARE(parsed.frame.args, frame.args);
    }

    void framesThatDoNotParse_data()
    {
        QTest::addColumn<QByteArray>("line");
        QTest::addColumn<int>("outcome");
        const QByteArray good = encodeFrame({7, "HELLO", {"1"}}).chopped(2);
        QByteArray flipped = good;
        flipped[3] = 'X';
        QTest::newRow("log line") << QByteArray("I: booting") << int(FrameParse::NotAFrame);
        QTest::newRow("bit flip") << flipped << int(FrameParse::BadChecksum);
        QTest::newRow("no crc") << QByteArray("$7 HELLO 1") << int(FrameParse::Malformed);
        QTest::newRow("short crc") << QByteArray("$7 HELLO 1*AB") << int(FrameParse::Malformed);
        QTest::newRow("seq too big") << encodeFrame({0, "OK", {}}).chopped(2).replace("$0 ", "$70000 ")
                                     << int(FrameParse::BadChecksum);
        const QByteArray body = "99999 OK";
        QTest::newRow("seq out of range, good crc")
            << ('$' + body + '*' + QByteArray::number(crc16Ccitt(body), 16).toUpper().rightJustified(4, '0'))
            << int(FrameParse::Malformed);
        const QByteArray lower = "1 ok";
        QTest::newRow("lower-case word")
            << ('$' + lower + '*' + QByteArray::number(crc16Ccitt(lower), 16).toUpper().rightJustified(4, '0'))
            << int(FrameParse::Malformed);
        QTest::newRow("just a dollar") << QByteArray("$") << int(FrameParse::Malformed);
    }

    void framesThatDoNotParse()
    {
        QFETCH(QByteArray, line);
        QFETCH(int, outcome);
        QCOMPARE(int(parseFrame(line).outcome), outcome);
    }

    void nordicKeygenFixture()
    {
        const auto keygen = nrf91::parseKeygen({kNordicKeygen});
        QVERIFY2(keygen.ok(), qPrintable(keygen.ok() ? QString() : keygen.error().message()));
        // The fixture's CSR uses the legacy ecdsa-with-SHA256 + NULL encoding; OpenSSL still reads it.
        QVERIFY(keygen->csrDer.contains("50363953-3234-4723-80b9-1503d88271bf"));
        const auto attestation = parseCoseAttestation(keygen->cose);
        QVERIFY2(attestation.ok(), qPrintable(attestation.ok() ? QString() : attestation.error().message()));
        QCOMPARE(attestation->payloadId, quint64(9));
        QCOMPARE(attestation->deviceUuid, QStringLiteral("50363953-3234-4723-80b9-1503d88271bf"));
        QCOMPARE(attestation->secTag, quint64(52));
        QCOMPARE(attestation->digest, sha256(keygen->csrDer));
    }

    void keygenWithoutAttestation()
    {
        const auto keygen = nrf91::parseKeygen({"%KEYGEN: \"MIIBCzCBrwIBADAv\""});
        QVERIFY(keygen.ok());
        QVERIFY(keygen->cose.isEmpty());
    }

    void badKeygenReplies_data()
    {
        QTest::addColumn<QByteArray>("line");
        QTest::newRow("no line") << QByteArray("OK");
        QTest::newRow("no quotes") << QByteArray("%KEYGEN: MIIB");
        QTest::newRow("three parts") << QByteArray("%KEYGEN: \"a.b.c\"");
        QTest::newRow("not base64url") << QByteArray("%KEYGEN: \"!!!!\"");
        QTest::newRow("empty") << QByteArray("%KEYGEN: \"\"");
    }

    void badKeygenReplies()
    {
        QFETCH(QByteArray, line);
        QVERIFY(!nrf91::parseKeygen({line}).ok());
    }

    void cmeErrors_data()
    {
        QTest::addColumn<QByteArray>("line");
        QTest::addColumn<int>("kind");
        QTest::addColumn<int>("code");
        QTest::newRow("ok") << QByteArray("OK") << int(nrf91::Final::Ok) << -1;
        QTest::newRow("error") << QByteArray("ERROR") << int(nrf91::Final::Error) << -1;
        QTest::newRow("cme colon") << QByteArray("+CME ERROR: 514") << int(nrf91::Final::CmeError) << 514;
        QTest::newRow("cme no colon") << QByteArray("+CME ERROR 519") << int(nrf91::Final::CmeError) << 519;
        QTest::newRow("cme garbage") << QByteArray("+CME ERROR: x") << int(nrf91::Final::CmeError) << -1;
        QTest::newRow("data") << QByteArray("355025930000000") << int(nrf91::Final::None) << -1;
        QTest::newRow("OK inside") << QByteArray("OKAY") << int(nrf91::Final::None) << -1;
    }

    void cmeErrors()
    {
        QFETCH(QByteArray, line);
        QFETCH(int, kind);
        QFETCH(int, code);
        const auto final = nrf91::classifyLine(line);
        QCOMPARE(int(final.kind), kind);
        QCOMPARE(final.cmeCode, code);
    }

    void cmeDescriptionNamesCode() { QCOMPARE(nrf91::describeCme(514), QStringLiteral("+CME ERROR 514 (not allowed)")); }

    void identityReplies()
    {
        QCOMPARE(nrf91::parseImei({"355025930000000"}).value_or(QString()), QStringLiteral("355025930000000"));
        QVERIFY(!nrf91::parseImei({"35502593000"}).has_value());
        QVERIFY(!nrf91::parseImei({"3550259300000x0"}).has_value());
        QCOMPARE(nrf91::parseFirmwareVersion({"mfw_nrf91x1_2.0.2"}).value_or(QString()), QStringLiteral("2.0.2"));
        QCOMPARE(nrf91::parseFirmwareVersion({"mfw_nrf9160_1.3.5-ntn"}).value_or(QString()), QStringLiteral("1.3.5"));
        QVERIFY(!nrf91::parseFirmwareVersion({"mfw_1.2.3_4.5.6"}).has_value());
        QCOMPARE(nrf91::parseDeviceUuid({"%DEVICEUUID: creating device uuid...", "%DEVICEUUID: 988234BD-a066-a101-656e-684d6f5adad6"})
                     .value_or(QString()),
                 QStringLiteral("988234bd-a066-a101-656e-684d6f5adad6"));
    }

    void cmngHashes()
    {
        const QByteArray hex = "8CEA57609B0F95C0D0F80383A7A21ECD1C6E102FDCC3CDCEB1948B0EA828601D";
        auto found = nrf91::parseCmngHash({"%CMNG: 42,0,\"" + hex + '"', "%CMNG: 42, 1, \"" + hex + '"'}, 1);
        QVERIFY(found.ok() && found->has_value());
        QCOMPARE(found->value().toHex().toUpper(), hex);
        auto absent = nrf91::parseCmngHash({"%CMNG: 42,0,\"" + hex + '"'}, 2);
        QVERIFY(absent.ok() && !absent->has_value());
        QVERIFY(!nrf91::parseCmngHash({"%CMNG: 42,1,\"XYZ\""}, 1).ok());
        QVERIFY(!nrf91::parseCmngHash({"%CMNG: 42,1"}, 1).ok());
    }

    void credentialFormatting()
    {
        auto text = nrf91::formatCredential("-----BEGIN X-----\nAAAA\r\n-----END X-----");
        QVERIFY(text.ok());
        QCOMPARE(text.value(), QByteArray("-----BEGIN X-----\r\nAAAA\r\n-----END X-----\r\n"));
        QVERIFY(!nrf91::formatCredential("a\"b").ok());
    }

    void cborRoundTripAndLimits()
    {
        const QByteArray encoded = cbor::tag(18, cbor::array({cbor::unsignedInt(16842753), cbor::negativeInt(-7),
                                                              cbor::bytes(QByteArray(300, 'x'))}));
        auto item = cbor::decode(encoded);
        QVERIFY(item.ok());
        QCOMPARE(item->number, quint64(18));
        const auto& array = item->children.first().children;
        QCOMPARE(array.size(), 3);
        QCOMPARE(array.at(0).number, quint64(16842753));
        QCOMPARE(int(array.at(1).kind), int(cbor::Item::Kind::Negative));
        QCOMPARE(array.at(1).number, quint64(6));
        QCOMPARE(array.at(2).bytes.size(), 300);
        QVERIFY(!cbor::decode(encoded.chopped(1)).ok());                      // truncated
        QVERIFY(!cbor::decode(encoded + '\x00').ok());                        // trailing byte
        QVERIFY(!cbor::decode(QByteArray(40, '\x81') + '\x00').ok());         // too deep
        QVERIFY(!cbor::decode(QByteArray::fromHex("9bffffffffffffffff")).ok());  // absurd length
        QVERIFY(!parseCoseAttestation(cbor::array({cbor::unsignedInt(1)})).ok());
    }

    void randomBytesNeverCrashTheParsers()
    {
        QRandomGenerator random(20261126);
        for (int round = 0; round < 3000; ++round) {
            QByteArray data(random.bounded(0, 200), '\0');
            for (auto& byte : data)
                byte = static_cast<char>(random.bounded(256));
            if (round % 3 == 0)
                data.prepend(round % 2 ? "$" : "%KEYGEN: \"");
            (void)parseFrame(data);
            (void)cbor::decode(data);
            (void)parseCoseAttestation(data);
            (void)nrf91::parseKeygen({data});
            (void)nrf91::parseCmngHash({"%CMNG: " + data}, 1);
            (void)allLines(data);
            (void)checkCsr(data, QStringLiteral("fuzz"));
        }
        QVERIFY(true);
    }

    void lineLinkOverAnyIoDevice()
    {
        auto buffer = std::make_unique<QBuffer>();
        buffer->setData("noise\r\n$1 OK*0000\r\n");
        QVERIFY(buffer->open(QIODevice::ReadOnly));
        LineLink link(std::move(buffer), QStringLiteral("buffer"));
        QCOMPARE(link.readLine(QStringLiteral("X"), std::chrono::milliseconds(10)).value(), QByteArray("noise"));
        QCOMPARE(link.readLine(QStringLiteral("X"), std::chrono::milliseconds(10)).value(), QByteArray("$1 OK*0000"));
        const auto end = link.readLine(QStringLiteral("HELLO"), std::chrono::milliseconds(10));
        QVERIFY(!end.ok());
        QCOMPARE(end.error().code(), ErrorCode::Timeout);
        QVERIFY(end.error().message().startsWith(QStringLiteral("port buffer: device did not answer HELLO")));
        QCOMPARE(link.bytesReceived(), qint64(19));
    }

    void vidPidFilters()
    {
        PortDescription nordic;
        nordic.hasUsbIds = true;
        nordic.vendorId = 0x1915;
        nordic.productId = 0x9100;
        PortDescription ftdi = nordic;
        ftdi.vendorId = 0x0403;
        ftdi.productId = 0x6001;
        QCOMPARE(nordic.vidPid(), QStringLiteral("1915:9100"));
        QVERIFY(PortFilter{}.accepts(nordic));
        QVERIFY(PortFilter({QStringLiteral("1915:*")}, {}).accepts(nordic));
        QVERIFY(!PortFilter({QStringLiteral("1915:*")}, {}).accepts(ftdi));
        QVERIFY(!PortFilter({}, {QStringLiteral("0403:6001")}).accepts(ftdi));
        QVERIFY(checkVidPidPattern(QStringLiteral("1915:9100")).ok());
        QVERIFY(!checkVidPidPattern(QStringLiteral("1915-9100")).ok());
        QVERIFY(!checkVidPidPattern(QStringLiteral("*:9100")).ok());
    }

    void stationIniSerialGroup()
    {
        QTemporaryDir directory;
        const QString path = directory.filePath(QStringLiteral("station.ini"));
        {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("[serial]\nprotocol=nrf91\nbaud=921600\nrtscts=true\nallow=1915:*, 0403:6001\n"
                       "ports=/tmp/f/slot0, /tmp/f/slot1\nkeygen_timeout_ms=45000\n");
        }
        const QSettings ini(path, QSettings::IniFormat);
        auto settings = readSerialSettings(ini);
        QVERIFY2(settings.ok(), qPrintable(settings.ok() ? QString() : settings.error().message()));
        QCOMPARE(settings->protocol, QStringLiteral("nrf91"));
        QCOMPARE(settings->filter.allow, (QStringList{QStringLiteral("1915:*"), QStringLiteral("0403:6001")}));
        QCOMPARE(settings->explicitPorts.size(), 2);
        const auto link = settings->linkFor(QStringLiteral("/tmp/f/slot1"));
        QCOMPARE(link.baudRate, 921600);
        QVERIFY(link.hardwareFlowControl);
        QCOMPARE(link.timeouts.keygen, std::chrono::milliseconds(45000));
        QCOMPARE(link.timeouts.command, std::chrono::milliseconds(3000));

        const QSettings empty(directory.filePath(QStringLiteral("none.ini")), QSettings::IniFormat);
        auto defaults = readSerialSettings(empty);
        QVERIFY(defaults.ok());
        QCOMPARE(defaults->protocol, QStringLiteral("imprint"));
        QCOMPARE(defaults->baudRate, 115200);
    }

    void stationIniErrorsNameKeyAndValue_data()
    {
        QTest::addColumn<QByteArray>("line");
        QTest::addColumn<QString>("message");
        QTest::newRow("protocol") << QByteArray("protocol=esp") << QStringLiteral("[serial] protocol=esp");
        QTest::newRow("baud") << QByteArray("baud=fast") << QStringLiteral("[serial] baud=fast");
        QTest::newRow("rtscts") << QByteArray("rtscts=yes") << QStringLiteral("[serial] rtscts=yes");
        QTest::newRow("allow") << QByteArray("allow=nordic") << QStringLiteral("'nordic' is not a VID:PID");
        QTest::newRow("timeout") << QByteArray("write_timeout_ms=0") << QStringLiteral("[serial] write_timeout_ms=0");
    }

    void stationIniErrorsNameKeyAndValue()
    {
        QFETCH(QByteArray, line);
        QFETCH(QString, message);
        QTemporaryDir directory;
        const QString path = directory.filePath(QStringLiteral("station.ini"));
        {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("[serial]\n" + line + '\n');
        }
        const auto settings = readSerialSettings(QSettings(path, QSettings::IniFormat));
        QVERIFY(!settings.ok());
        QCOMPARE(settings.error().code(), ErrorCode::InvalidInput);
        QVERIFY2(settings.error().message().contains(message), qPrintable(settings.error().message()));
    }
};

QTEST_GUILESS_MAIN(TestSerialParsers)
#include "tst_serialparsers.moc"
