// imprint-devsim: N simulated devices on pseudo-terminals, with stable symlinks DIR/slot0...
//   imprint-devsim --ports N --protocol imprint|nrf91 --dir DIR [--baud B] [--keygen-ms MS]
//                  [--fault SLOT:KIND[,SLOT:KIND...]] [--queue K]
//                  [--connect HOST:PORT --cafile CA.pem [--connect-attempts N] [--online-at-boot]
//                   [--claim-cert C --claim-key K] [--template NAME] [--claim-api csr|keys] [--payload json|cbor]]
// A device holding a claim the station installed (objects claimcert/claimkey) uses it, with the
// template and API from its config object (template=, claim-api=, claim-payload=) or else these flags.
// Prints "devsim: ready N ports in DIR" once every port exists; exits cleanly on SIGTERM/SIGINT.
// With --connect, each device goes online when it leaves the fixture (docs/devices.md).

#include "ImprintSimDevice.h"
#include "Nrf91SimDevice.h"
#include "OnlineDevice.h"
#include "PtyPort.h"
#include "serial/Cbor.h"
#include "serial/DeviceCrypto.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QHash>
#include <QSocketNotifier>
#include <QTextStream>
#include <QTimer>

#include <csignal>
#include <unistd.h>

namespace imprint::devsim {

namespace {

int g_signalPipe[2] = {-1, -1};

void onSignal(int)
{
    const char byte = 1;
    (void)!::write(g_signalPipe[1], &byte, 1);
}

struct Options
{
    int ports = 1;
    QString protocol;
    QString directory;
    qint32 baud = 115200;
    int keygenMs = 300;
    int queue = 1;
    QHash<int, Faults> faults;
    std::optional<OnlineSettings> online;
};

void printLine(const QString& line)
{
    QTextStream(stdout) << line << Qt::endl;
}

// A fixture slot: one port and the devices an operator puts on it, one after another.
class Slot : public QObject
{
public:
    Slot(const Options& options, int index, std::unique_ptr<PtyPort> port)
        : m_options(options), m_index(index), m_port(std::move(port))
    {
        m_port->setReceiver([this](const QByteArray& bytes) {
            if (m_device)
                m_device->receive(bytes);
        });
        plugNext();
    }

private:
    [[nodiscard]] QString hardwareId(int slot, int position) const
    {
        // Stable across restarts with the same DIR (so key stores persist), unique across DIRs.
        const QByteArray seed = QFileInfo(m_options.directory).canonicalFilePath().toUtf8() + '/'
                                + QByteArray::number(slot) + '/' + QByteArray::number(position);
        const QByteArray digest = serial::sha256(seed).left(16);
        if (m_options.protocol == QLatin1String("nrf91"))
            return serial::formatUuid(digest);
        return QString::fromLatin1(digest.left(8).toHex().toUpper());
    }

    void plugNext()
    {
        if (m_position >= m_options.queue) {
            m_device.reset();
            return;
        }
        DeviceSetup setup;
        setup.slot = m_index;
        setup.position = m_position;
        setup.keygenMs = m_options.keygenMs;
        setup.faults = m_options.faults.value(m_index);
        setup.hardwareId = setup.faults.duplicateId ? hardwareId(0, 0) : hardwareId(m_index, m_position);
        setup.storeDirectory = m_options.directory + QStringLiteral("/store/") + setup.hardwareId;
        ++m_position;
        if (m_options.protocol == QLatin1String("nrf91"))
            m_device = std::make_unique<Nrf91SimDevice>(setup);
        else
            m_device = std::make_unique<ImprintSimDevice>(setup);
        m_device->transmit = [this](const QByteArray& bytes) { m_port->write(bytes); };
        m_device->unplug = [this] { m_port->unplug(); };
        const OnlineIdentity identity{m_index, serialNumber(setup), setup.storeDirectory};
        m_device->finished = [this, identity] {
            // The operator takes the finished device off the fixture and puts the next one on.
            if (m_options.online && !m_options.online->atBoot)
                goOnline(identity);
            QTimer::singleShot(300, this, [this] { plugNext(); });
        };
        m_device->boot();
        if (m_options.online && m_options.online->atBoot)
            goOnline(identity);
    }

    [[nodiscard]] QString serialNumber(const DeviceSetup& setup) const
    {
        if (auto* nrf91 = dynamic_cast<Nrf91SimDevice*>(m_device.get()))
            return QString::fromLatin1(nrf91->imei());
        return QStringLiteral("SIM-%1-%2").arg(setup.slot).arg(setup.position);
    }

    void goOnline(const OnlineIdentity& identity)
    {
        auto device = std::make_unique<OnlineDevice>(*m_options.online, identity);
        device->report = [identity](const QString& line) {
            printLine(QStringLiteral("devsim: slot%1 %2 %3").arg(identity.slot).arg(identity.serialNumber, line));
        };
        device->start();
        m_online.push_back(std::move(device));
    }

    const Options& m_options;
    int m_index;
    int m_position = 0;
    std::unique_ptr<PtyPort> m_port;
    std::unique_ptr<SimDevice> m_device;
    std::vector<std::unique_ptr<OnlineDevice>> m_online;  // devices that left the fixture, on the network
};

std::optional<QString> parseOnlineOptions(const QCommandLineParser& parser, Options& options)
{
    if (!parser.isSet(QStringLiteral("connect"))) {
        for (const char* name : {"cafile", "claim-cert", "claim-key", "template", "online-at-boot"}) {
            if (parser.isSet(QString::fromLatin1(name)))
                return QStringLiteral("--%1 needs --connect HOST:PORT").arg(QLatin1String(name));
        }
        return std::nullopt;
    }
    auto endpoint = mqtt::parseEndpoint(parser.value(QStringLiteral("connect")));
    if (!endpoint)
        return QStringLiteral("--connect: ") + endpoint.error().message();
    if (!parser.isSet(QStringLiteral("cafile")))
        return QStringLiteral("--connect needs --cafile CA.pem (the endpoint's CA)");
    auto ca = mqtt::readCaFile(parser.value(QStringLiteral("cafile")));
    if (!ca)
        return QStringLiteral("--cafile: ") + ca.error().message();
    OnlineSettings online;
    online.endpoint = endpoint.value();
    online.endpoint.caCertificates = ca.value();
    online.atBoot = parser.isSet(QStringLiteral("online-at-boot"));
    bool ok = false;
    online.attempts = parser.value(QStringLiteral("connect-attempts")).toInt(&ok);
    if (!ok || online.attempts < 1)
        return QStringLiteral("--connect-attempts must be 1 or more");
    const QString certificate = parser.value(QStringLiteral("claim-cert"));
    const QString key = parser.value(QStringLiteral("claim-key"));
    const QString templateName = parser.value(QStringLiteral("template"));
    const QString api = parser.value(QStringLiteral("claim-api"));
    const QString payload = parser.value(QStringLiteral("payload"));
    if (api != QLatin1String("csr") && api != QLatin1String("keys"))
        return QStringLiteral("--claim-api must be csr or keys");
    if (payload != QLatin1String("json") && payload != QLatin1String("cbor"))
        return QStringLiteral("--payload must be json or cbor");
    // Also the defaults for a claim the station installs without naming these in its config object.
    online.claimDefaults = ClaimDefaults{templateName, api == QLatin1String("csr"),
                                         payload == QLatin1String("cbor") ? mqtt::PayloadFormat::Cbor : mqtt::PayloadFormat::Json};
    if (!certificate.isEmpty() || !key.isEmpty()) {
        if (certificate.isEmpty() || key.isEmpty() || templateName.isEmpty())
            return QStringLiteral("a claim needs --claim-cert, --claim-key and --template together");
        online.claim = ClaimSettings{certificate, key, templateName, online.claimDefaults.fromCsr, online.claimDefaults.format};
    }
    options.online = std::move(online);
    return std::nullopt;
}

std::optional<QString> parseOptions(const QStringList& arguments, Options& options)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Simulated provisioning devices on pseudo-terminals."));
    parser.addHelpOption();
    const QCommandLineOption ports(QStringLiteral("ports"), QStringLiteral("Number of ports (1-64)."), QStringLiteral("N"), QStringLiteral("1"));
    const QCommandLineOption protocol(QStringLiteral("protocol"), QStringLiteral("imprint or nrf91."), QStringLiteral("name"));
    const QCommandLineOption dir(QStringLiteral("dir"), QStringLiteral("Directory for slot symlinks and key stores."), QStringLiteral("DIR"));
    const QCommandLineOption baud(QStringLiteral("baud"), QStringLiteral("Simulated line rate (default 115200)."), QStringLiteral("B"), QStringLiteral("115200"));
    const QCommandLineOption keygen(QStringLiteral("keygen-ms"), QStringLiteral("Key generation time (default 300)."), QStringLiteral("MS"), QStringLiteral("300"));
    const QCommandLineOption fault(QStringLiteral("fault"),
                                   QStringLiteral("SLOT:KIND[,...]; kinds: %1.").arg(faultKinds().join(QStringLiteral(", "))),
                                   QStringLiteral("list"));
    const QCommandLineOption queue(QStringLiteral("queue"), QStringLiteral("Devices per port, one after another (default 1)."), QStringLiteral("K"), QStringLiteral("1"));
    parser.addOptions({ports, protocol, dir, baud, keygen, fault, queue});
    parser.addOptions({
        {QStringLiteral("connect"), QStringLiteral("Devices go online to this AWS IoT device endpoint (TLS MQTT)."), QStringLiteral("HOST:PORT")},
        {QStringLiteral("cafile"), QStringLiteral("CA certificate(s) of the endpoint (PEM)."), QStringLiteral("CA.pem")},
        {QStringLiteral("connect-attempts"), QStringLiteral("Connection attempts per device (default 5)."), QStringLiteral("N"), QStringLiteral("5")},
        {QStringLiteral("online-at-boot"), QStringLiteral("Go online at boot instead of when leaving the fixture.")},
        {QStringLiteral("claim-cert"), QStringLiteral("Fleet provisioning: the claim certificate (PEM)."), QStringLiteral("file")},
        {QStringLiteral("claim-key"), QStringLiteral("Fleet provisioning: the claim key (PEM)."), QStringLiteral("file")},
        {QStringLiteral("template"), QStringLiteral("Fleet provisioning: the template for RegisterThing (default for installed claims)."), QStringLiteral("name")},
        {QStringLiteral("claim-api"), QStringLiteral("csr (CreateCertificateFromCsr, default) or keys (CreateKeysAndCertificate)."), QStringLiteral("api"), QStringLiteral("csr")},
        {QStringLiteral("payload"), QStringLiteral("json (default) or cbor."), QStringLiteral("format"), QStringLiteral("json")},
    });
    if (!parser.parse(arguments))
        return parser.errorText();
    if (parser.isSet(QStringLiteral("help"))) {
        QTextStream(stdout) << parser.helpText();
        ::exit(0);
    }
    bool ok = false;
    options.ports = parser.value(ports).toInt(&ok);
    if (!ok || options.ports < 1 || options.ports > 64)
        return QStringLiteral("--ports must be 1..64");
    options.protocol = parser.value(protocol);
    if (options.protocol != QLatin1String("imprint") && options.protocol != QLatin1String("nrf91"))
        return QStringLiteral("--protocol must be imprint or nrf91");
    options.directory = parser.value(dir);
    if (options.directory.isEmpty())
        return QStringLiteral("--dir is required");
    options.baud = parser.value(baud).toInt(&ok);
    if (!ok || options.baud < 300)
        return QStringLiteral("--baud must be a rate of at least 300");
    options.keygenMs = parser.value(keygen).toInt(&ok);
    if (!ok || options.keygenMs < 0)
        return QStringLiteral("--keygen-ms must be 0 or more");
    options.queue = parser.value(queue).toInt(&ok);
    if (!ok || options.queue < 1)
        return QStringLiteral("--queue must be 1 or more");
    for (const QString& list : parser.values(fault)) {
        for (const QString& item : list.split(u',', Qt::SkipEmptyParts)) {
            const QStringList parts = item.split(u':');
            const int slot = parts.value(0).toInt(&ok);
            if (parts.size() != 2 || !ok || slot < 0 || slot >= options.ports || !addFault(options.faults[slot], parts.at(1)))
                return QStringLiteral("bad --fault '%1' (SLOT:KIND, kinds: %2)").arg(item, faultKinds().join(QStringLiteral(", ")));
        }
    }
    return parseOnlineOptions(parser, options);
}

}  // namespace

int run(int argc, char** argv)
{
    QCoreApplication application(argc, argv);
    QTextStream err(stderr);
    Options options;
    if (const auto problem = parseOptions(application.arguments(), options)) {
        err << "imprint-devsim: " << *problem << '\n';
        return 2;
    }
    if (!QDir().mkpath(options.directory)) {
        err << "imprint-devsim: cannot create " << options.directory << '\n';
        return 1;
    }
    options.directory = QFileInfo(options.directory).canonicalFilePath();
    if (::pipe(g_signalPipe) != 0)
        return 1;
    struct sigaction action{};
    action.sa_handler = onSignal;
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
    QSocketNotifier signalNotifier(g_signalPipe[0], QSocketNotifier::Read);
    QObject::connect(&signalNotifier, &QSocketNotifier::activated, &application, [] { QCoreApplication::quit(); });

    std::vector<std::unique_ptr<Slot>> slots;
    for (int index = 0; index < options.ports; ++index) {
        const QString link = options.directory + QStringLiteral("/slot") + QString::number(index);
        auto port = PtyPort::create(link, options.baud);
        if (!port.ok()) {
            err << "imprint-devsim: " << port.error().message() << '\n';
            return 1;
        }
        slots.push_back(std::make_unique<Slot>(options, index, std::move(port.value())));
    }
    QTextStream(stdout) << "devsim: ready " << options.ports << " ports in " << options.directory << Qt::endl;
    const int code = QCoreApplication::exec();
    slots.clear();  // removes the symlinks
    return code;
}

}  // namespace imprint::devsim

int main(int argc, char** argv)
{
    return imprint::devsim::run(argc, argv);
}
