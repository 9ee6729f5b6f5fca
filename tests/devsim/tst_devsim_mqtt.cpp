// imprint-devsim's MQTT 3.1.1 client: the packet codec and the fleet-provisioning payloads as
// pure functions, then the client over TLS against imprint-iot-emulator's device endpoint with a
// certificate registered through the real AWS CLI (and refusals: unknown certificate, untrusted
// broker, nothing listening, a broker that never answers), and against a real mosquitto broker
// (code not written here) with a test PKI: a round trip, and a CONNACK refusal.
#include "EmulatorProcess.h"
#include "mqtt/FleetPayload.h"
#include "mqtt/MqttClient.h"

#include <QFile>
#include <QProcess>
#include <QTcpServer>
#include <QTcpSocket>

#include <unistd.h>
#include <QTemporaryDir>
#include <QTest>

using namespace imprint;
using namespace imprint::devsim::mqtt;

namespace {

// What one client reported, collected by connecting to its signals.
struct Observed
{
    bool connected = false;
    bool closed = false;
    QList<quint16> published;
    QList<QList<quint8>> subscribed;
    QList<std::pair<QString, QByteArray>> messages;
    std::optional<Error> failure;

    explicit Observed(MqttClient& client)
    {
        QObject::connect(&client, &MqttClient::connected, &client, [this] { connected = true; });
        QObject::connect(&client, &MqttClient::closed, &client, [this] { closed = true; });
        QObject::connect(&client, &MqttClient::published, &client, [this](quint16 id) { published << id; });
        QObject::connect(&client, &MqttClient::subscribed, &client,
                         [this](quint16, const QList<quint8>& granted) { subscribed << granted; });
        QObject::connect(&client, &MqttClient::messageReceived, &client,
                         [this](const QString& topic, const QByteArray& payload) { messages.append({topic, payload}); });
        QObject::connect(&client, &MqttClient::failed, &client, [this](const Error& error) { failure = error; });
    }
    [[nodiscard]] QString why() const { return failure ? failure->message() : QStringLiteral("no failure"); }
};

QByteArray readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

}  // namespace

class TestDevsimMqtt : public QObject
{
    Q_OBJECT

    test::EmulatorProcess m_emulator;
    QTemporaryDir m_dir;

    // A self-signed EC key and certificate made with the openssl tool; empty on failure.
    bool makeCertificate(const QString& name)
    {
        QProcess openssl;
        openssl.start(QStringLiteral("openssl"),
                      {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), QStringLiteral("ec"),
                       QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:P-256"), QStringLiteral("-nodes"),
                       QStringLiteral("-days"), QStringLiteral("2"), QStringLiteral("-keyout"), m_dir.filePath(name + QStringLiteral(".key")),
                       QStringLiteral("-out"), m_dir.filePath(name + QStringLiteral(".pem")), QStringLiteral("-subj"),
                       QStringLiteral("/CN=") + name});
        return openssl.waitForFinished(30'000) && openssl.exitCode() == 0;
    }

    TlsIdentity identity(const QString& name)
    {
        const QByteArray key = readAll(m_dir.filePath(name + QStringLiteral(".key")));
        auto made = makeTlsIdentity(readAll(m_dir.filePath(name + QStringLiteral(".pem"))),
                                    SecureBytes(key.constData(), static_cast<std::size_t>(key.size())));
        return made ? made.value() : TlsIdentity{};
    }

    // openssl req with `arguments`; true when it succeeded.
    static bool openssl(const QStringList& arguments)
    {
        QProcess tool;
        tool.start(QStringLiteral("openssl"), arguments);
        return tool.waitForFinished(30'000) && tool.exitCode() == 0;
    }

    // A CA, a server certificate for 127.0.0.1 and a client certificate, all P-256, in m_dir/broker-*.
    bool makeBrokerPki()
    {
        const QStringList key{QStringLiteral("-newkey"), QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
                              QStringLiteral("ec_paramgen_curve:P-256"), QStringLiteral("-nodes"), QStringLiteral("-days"), QStringLiteral("2")};
        const QString dir = m_dir.path() + QStringLiteral("/broker-");
        const QStringList leaf{QStringLiteral("-addext"), QStringLiteral("basicConstraints=critical,CA:FALSE"), QStringLiteral("-CA"),
                               dir + QStringLiteral("ca.pem"), QStringLiteral("-CAkey"), dir + QStringLiteral("ca.key")};
        return openssl(QStringList{QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-subj"), QStringLiteral("/CN=Broker Test CA"),
                                   QStringLiteral("-keyout"), dir + QStringLiteral("ca.key"), QStringLiteral("-out"), dir + QStringLiteral("ca.pem")}
                       + key)
               && openssl(QStringList{QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-subj"), QStringLiteral("/CN=localhost"),
                                      QStringLiteral("-addext"), QStringLiteral("subjectAltName=IP:127.0.0.1"), QStringLiteral("-keyout"),
                                      dir + QStringLiteral("server.key"), QStringLiteral("-out"), dir + QStringLiteral("server.pem")}
                          + key + leaf)
               && openssl(QStringList{QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-subj"), QStringLiteral("/CN=client"),
                                      QStringLiteral("-keyout"), m_dir.filePath(QStringLiteral("broker-client.key")), QStringLiteral("-out"),
                                      m_dir.filePath(QStringLiteral("broker-client.pem"))}
                          + key + leaf);
    }

    static quint16 freePort()
    {
        QTcpServer probe;
        return probe.listen(QHostAddress::LocalHost) ? probe.serverPort() : 0;
    }

    // mosquitto with two TLS listeners requiring a client certificate: anonymous allowed on the
    // first, refused (CONNACK 5) on the second.
    QString startMosquitto(QProcess& broker, quint16 open, quint16 closed)
    {
        const QString dir = m_dir.path() + QStringLiteral("/broker-");
        QString config = QStringLiteral("per_listener_settings true\n");
        if (::geteuid() == 0)
            config += QStringLiteral("user root\n");  // else it drops to 'mosquitto', who cannot read the test's files
        for (const auto& [port, anonymous] : {std::pair{open, true}, std::pair{closed, false}}) {
            config += QStringLiteral("listener %1 127.0.0.1\ncafile %2ca.pem\ncertfile %2server.pem\nkeyfile %2server.key\n"
                                     "require_certificate true\nallow_anonymous %3\n")
                          .arg(port)
                          .arg(dir, anonymous ? QStringLiteral("true") : QStringLiteral("false"));
        }
        QFile file(dir + QStringLiteral("mosquitto.conf"));
        if (!file.open(QIODevice::WriteOnly) || file.write(config.toUtf8()) < 0)
            return QStringLiteral("cannot write the mosquitto configuration");
        file.close();
        broker.setProcessChannelMode(QProcess::MergedChannels);
        broker.start(QStringLiteral("/usr/sbin/mosquitto"), {QStringLiteral("-c"), file.fileName()});
        for (int tries = 0; tries < 100; ++tries) {
            QTcpSocket probe;
            probe.connectToHost(QHostAddress::LocalHost, closed);
            if (probe.waitForConnected(100))
                return {};
            if (broker.state() == QProcess::NotRunning)
                break;
            QTest::qWait(50);
        }
        return QStringLiteral("mosquitto did not start: ") + QString::fromUtf8(broker.readAll());
    }

    Endpoint emulatorEndpoint()
    {
        auto ca = readCaFile(m_emulator.tlsDirectory() + QStringLiteral("/ca.crt"));
        return {QStringLiteral("127.0.0.1"), m_emulator.mqttPort(), ca ? ca.value() : QList<QSslCertificate>{}};
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        const QString started = m_emulator.start();
        QVERIFY2(started.isEmpty(), qPrintable(started));
        QVERIFY(makeCertificate(QStringLiteral("active-device")));
        QVERIFY(makeCertificate(QStringLiteral("stranger")));
        const auto registered = m_emulator.aws({QStringLiteral("iot"), QStringLiteral("register-certificate-without-ca"),
                                                QStringLiteral("--certificate-pem"),
                                                QStringLiteral("file://") + m_dir.filePath(QStringLiteral("active-device.pem")),
                                                QStringLiteral("--status"), QStringLiteral("ACTIVE")});
        QVERIFY2(registered.ok(), qPrintable(registered.describe()));
    }

    // ---- codec -------------------------------------------------------------------------

    void publishRoundTrip_data()
    {
        QTest::addColumn<int>("payloadSize");
        QTest::addColumn<int>("qos");
        QTest::addColumn<int>("lengthBytes");  // of the remaining length field
        QTest::newRow("empty, QoS 0") << 0 << 0 << 1;
        QTest::newRow("fits one length byte") << 50 << 1 << 1;
        QTest::newRow("two length bytes") << 200 << 1 << 2;
        QTest::newRow("three length bytes") << 20'000 << 0 << 3;
        QTest::newRow("a certificate response") << 300'000 << 1 << 3;
    }

    void publishRoundTrip()
    {
        QFETCH(int, payloadSize);
        QFETCH(int, qos);
        QFETCH(int, lengthBytes);
        const Publish sent{QStringLiteral("$aws/certificates/create/json/accepted"), QByteArray(payloadSize, 'x'), qos,
                           static_cast<quint16>(qos > 0 ? 4242 : 0)};
        QByteArray wire = encodePublish(sent) + encodePingReq();
        QCOMPARE(static_cast<quint8>(wire.at(0)), static_cast<quint8>(0x30 | (qos << 1)));
        QCOMPARE(static_cast<quint8>(wire.at(lengthBytes)) & 0x80, 0);

        QByteArray partial = wire.left(wire.size() / 2);
        auto incomplete = takePacket(partial);
        QVERIFY(incomplete.ok());
        QVERIFY(!incomplete.value().has_value());

        auto taken = takePacket(wire);
        QVERIFY(taken.ok() && taken.value().has_value());
        auto received = parsePublish(*taken.value());
        QVERIFY2(received.ok(), qPrintable(received.ok() ? QString() : received.error().message()));
        QCOMPARE(received->topic, sent.topic);
        QCOMPARE(received->payload, sent.payload);
        QCOMPARE(received->qos, qos);
        QCOMPARE(received->packetId, sent.packetId);
        QCOMPARE(wire, encodePingReq());  // the next packet stays in the buffer
    }

    void malformedFromBroker_data()
    {
        QTest::addColumn<QByteArray>("wire");
        QTest::addColumn<QString>("expected");
        QTest::newRow("remaining length of 5 bytes") << QByteArray::fromHex("30ffffffff01") << QStringLiteral("longer than 4 bytes");
        QTest::newRow("larger than accepted") << QByteArray::fromHex("30ffffff7f") << QStringLiteral("more than the");
        QTest::newRow("topic past the end") << QByteArray::fromHex("3003ffff61") << QStringLiteral("past the end");
        QTest::newRow("QoS 1 without packet id") << QByteArray::fromHex("3203000161") << QStringLiteral("without a packet id");
        QTest::newRow("QoS 2") << QByteArray::fromHex("34050001610001") << QStringLiteral("QoS 2");
        QTest::newRow("short CONNACK") << QByteArray::fromHex("200100") << QStringLiteral("CONNACK");
        QTest::newRow("short SUBACK") << QByteArray::fromHex("90020001") << QStringLiteral("SUBACK");
    }

    void malformedFromBroker()
    {
        QFETCH(QByteArray, wire);
        QFETCH(QString, expected);
        auto taken = takePacket(wire);
        QString message;
        if (!taken) {
            message = taken.error().message();
        } else {
            QVERIFY(taken.value().has_value());
            const Packet& packet = *taken.value();
            if (packet.type == PacketType::Publish)
                message = parsePublish(packet).error().message();
            else if (packet.type == PacketType::ConnAck)
                message = parseConnAck(packet).error().message();
            else
                message = parseSubAck(packet).error().message();
        }
        QVERIFY2(message.contains(expected), qPrintable(message));
        QVERIFY(message.contains(QStringLiteral("malformed")));
    }

    void subscribeAndConnectEncoding()
    {
        // Fixed flags 0010 on SUBSCRIBE (§3.8.1); CONNECT names MQTT level 4 with a clean session.
        const QByteArray subscribe = encodeSubscribe(7, {QStringLiteral("a/+")}, 1);
        QCOMPARE(static_cast<quint8>(subscribe.at(0)), quint8{0x82});
        QCOMPARE(subscribe.mid(2), QByteArray::fromHex("00070003612f2b01"));
        const QByteArray connect = encodeConnect({QStringLiteral("dev"), 30, true});
        QCOMPARE(connect.toHex(), QByteArray("100f00044d5154540402001e0003646576"));
    }

    void payloads_data()
    {
        QTest::addColumn<int>("format");
        QTest::newRow("json") << static_cast<int>(PayloadFormat::Json);
        QTest::newRow("cbor") << static_cast<int>(PayloadFormat::Cbor);
    }

    void payloads()
    {
        QFETCH(int, format);
        const auto kind = static_cast<PayloadFormat>(format);
        const QJsonObject request{{QStringLiteral("certificateOwnershipToken"), QStringLiteral("tok")},
                                  {QStringLiteral("parameters"), QJsonObject{{QStringLiteral("SerialNumber"), QStringLiteral("SIM-1-0")}}}};
        const QByteArray encoded = encodePayload(request, kind);
        QCOMPARE(encoded.startsWith('{'), kind == PayloadFormat::Json);
        auto decoded = decodePayload(encoded, kind);
        QVERIFY(decoded.ok());
        QCOMPARE(decoded.value(), request);
        QVERIFY(!decodePayload(QByteArray::fromHex("ff00"), kind).ok());
        QVERIFY(!decodePayload(kind == PayloadFormat::Json ? QByteArray("[1]") : QByteArray::fromHex("8101"), kind).ok());
        QCOMPARE(registerThingTopic(QStringLiteral("T"), kind),
                 QStringLiteral("$aws/provisioning-templates/T/provision/") + formatName(kind));
        QCOMPARE(describeRejection({{QStringLiteral("statusCode"), 400},
                                    {QStringLiteral("errorCode"), QStringLiteral("InvalidCertificateOwnershipToken")},
                                    {QStringLiteral("errorMessage"), QStringLiteral("Certificate ownership token cannot be empty.")}}),
                 QStringLiteral("400 InvalidCertificateOwnershipToken: Certificate ownership token cannot be empty."));
    }

    void endpointParsing()
    {
        auto endpoint = parseEndpoint(QStringLiteral("iot.example.com:8883"));
        QVERIFY(endpoint.ok());
        QCOMPARE(endpoint->host, QStringLiteral("iot.example.com"));
        QCOMPARE(endpoint->port, quint16{8883});
        QVERIFY(!parseEndpoint(QStringLiteral("iot.example.com")).ok());
        QVERIFY(!parseEndpoint(QStringLiteral("h:70000")).ok());
    }

    // ---- the client against the emulator ------------------------------------------------

    void activeCertificateSubscribesPublishesAndReceives()
    {
        MqttClient client(emulatorEndpoint(), identity(QStringLiteral("active-device")), {QStringLiteral("active-device"), 30, true});
        Observed seen(client);
        client.open();
        QTRY_VERIFY2_WITH_TIMEOUT(seen.connected || seen.failure, "CONNACK", 15'000);
        QVERIFY2(seen.connected, qPrintable(seen.why()));
        QVERIFY(client.isConnected());
        client.subscribe({QStringLiteral("devices/active-device/#")}, 1);
        QTRY_COMPARE_WITH_TIMEOUT(seen.subscribed.size(), 1, 10'000);
        QCOMPARE(seen.subscribed.first(), QList<quint8>{1});
        const quint16 id = client.publish(QStringLiteral("devices/active-device/hello"), "qos1", 1);
        client.publish(QStringLiteral("devices/active-device/hello"), "qos0", 0);
        QTRY_COMPARE_WITH_TIMEOUT(seen.messages.size(), 2, 10'000);
        QCOMPARE(seen.published, QList<quint16>{id});
        QCOMPARE(seen.messages.at(0).first, QStringLiteral("devices/active-device/hello"));
        QCOMPARE(seen.messages.at(0).second, QByteArray("qos1"));
        QCOMPARE(seen.messages.at(1).second, QByteArray("qos0"));
        client.close();
        QVERIFY(seen.closed);
        QVERIFY2(!seen.failure, qPrintable(seen.why()));
    }

    void keepAliveHoldsTheSession()
    {
        MqttClient client(emulatorEndpoint(), identity(QStringLiteral("active-device")), {QStringLiteral("keepalive"), 1, true});
        client.setResponseTimeout(800);
        Observed seen(client);
        client.open();
        QTRY_VERIFY_WITH_TIMEOUT(seen.connected || seen.failure, 15'000);
        QVERIFY2(seen.connected, qPrintable(seen.why()));
        QTest::qWait(2'600);  // two PINGREQs, each answered within 800 ms
        QVERIFY2(!seen.failure, qPrintable(seen.why()));
        QVERIFY(client.isConnected());
        client.close();
    }

    void unknownCertificateIsDroppedBeforeConnAck()
    {
        MqttClient client(emulatorEndpoint(), identity(QStringLiteral("stranger")), {QStringLiteral("stranger"), 30, true});
        Observed seen(client);
        client.open();
        QTRY_VERIFY_WITH_TIMEOUT(seen.failure.has_value(), 15'000);
        QVERIFY(!seen.connected);
        QVERIFY2(seen.why().contains(QStringLiteral("127.0.0.1:%1").arg(m_emulator.mqttPort())), qPrintable(seen.why()));
        QVERIFY2(seen.why().contains(QStringLiteral("closed the connection before CONNACK")), qPrintable(seen.why()));
    }

    void untrustedBrokerIsRefused()
    {
        Endpoint endpoint = emulatorEndpoint();
        endpoint.caCertificates = QSslCertificate::fromPath(m_dir.filePath(QStringLiteral("stranger.pem")));
        MqttClient client(endpoint, identity(QStringLiteral("active-device")), {QStringLiteral("x"), 30, true});
        Observed seen(client);
        client.open();
        QTRY_VERIFY_WITH_TIMEOUT(seen.failure.has_value(), 15'000);
        QVERIFY(!seen.connected);
        QCOMPARE(seen.failure->code(), ErrorCode::Network);
        QVERIFY2(seen.why().contains(QStringLiteral("certificate is not trusted")), qPrintable(seen.why()));
    }

    void nothingListening()
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost));
        const quint16 port = probe.serverPort();
        probe.close();
        Endpoint endpoint = emulatorEndpoint();
        endpoint.port = port;
        MqttClient client(endpoint, identity(QStringLiteral("active-device")), {QStringLiteral("x"), 30, true});
        Observed seen(client);
        client.open();
        QTRY_VERIFY_WITH_TIMEOUT(seen.failure.has_value(), 15'000);
        QCOMPARE(seen.failure->code(), ErrorCode::Network);
        QVERIFY2(seen.why().contains(QStringLiteral("127.0.0.1:%1").arg(port)), qPrintable(seen.why()));
        QVERIFY2(seen.why().contains(QStringLiteral("refused"), Qt::CaseInsensitive), qPrintable(seen.why()));
    }

    void realMosquittoBroker()
    {
        QVERIFY(makeBrokerPki());
        const quint16 open = freePort();
        const quint16 closed = freePort();
        QProcess broker;
        const QString started = startMosquitto(broker, open, closed);
        QVERIFY2(started.isEmpty(), qPrintable(started));
        auto ca = readCaFile(m_dir.filePath(QStringLiteral("broker-ca.pem")));
        QVERIFY(ca.ok());

        MqttClient client({QStringLiteral("127.0.0.1"), open, ca.value()}, identity(QStringLiteral("broker-client")),
                          {QStringLiteral("devsim-test"), 30, true});
        Observed seen(client);
        client.open();
        QTRY_VERIFY_WITH_TIMEOUT(seen.connected || seen.failure, 15'000);
        QVERIFY2(seen.connected, qPrintable(seen.why()));
        client.subscribe({QStringLiteral("devices/+/hello"), QStringLiteral("other/#")}, 1);
        QTRY_COMPARE_WITH_TIMEOUT(seen.subscribed.size(), 1, 10'000);
        QCOMPARE(seen.subscribed.first(), (QList<quint8>{1, 1}));
        const QByteArray large(200'000, 'z');  // a three-byte remaining length, both ways
        const quint16 id = client.publish(QStringLiteral("devices/d1/hello"), large, 1);
        QTRY_COMPARE_WITH_TIMEOUT(seen.messages.size(), 1, 10'000);
        QTRY_COMPARE_WITH_TIMEOUT(seen.published, QList<quint16>{id}, 10'000);
        QCOMPARE(seen.messages.first().second, large);
        client.close();
        QVERIFY2(!seen.failure, qPrintable(seen.why()));

        MqttClient refused({QStringLiteral("127.0.0.1"), closed, ca.value()}, identity(QStringLiteral("broker-client")),
                           {QStringLiteral("devsim-test"), 30, true});
        Observed refusal(refused);
        refused.open();
        QTRY_VERIFY_WITH_TIMEOUT(refusal.failure.has_value(), 15'000);
        QCOMPARE(refusal.failure->code(), ErrorCode::CloudRejected);
        QCOMPARE(refusal.why(), QStringLiteral("127.0.0.1:%1: connection refused: not authorized").arg(closed));
        broker.terminate();
        broker.waitForFinished(5'000);
    }

    void silentBrokerTimesOut()
    {
        QTcpServer silent;  // accepts, never says a word
        QVERIFY(silent.listen(QHostAddress::LocalHost));
        Endpoint endpoint = emulatorEndpoint();
        endpoint.port = silent.serverPort();
        MqttClient client(endpoint, identity(QStringLiteral("active-device")), {QStringLiteral("x"), 30, true});
        client.setResponseTimeout(500);
        Observed seen(client);
        client.open();
        QTRY_VERIFY_WITH_TIMEOUT(seen.failure.has_value(), 10'000);
        QCOMPARE(seen.failure->code(), ErrorCode::Timeout);
        QVERIFY2(seen.why().contains(QStringLiteral("no CONNACK within 500 ms")), qPrintable(seen.why()));
    }
};

QTEST_GUILESS_MAIN(TestDevsimMqtt)
#include "tst_devsim_mqtt.moc"
