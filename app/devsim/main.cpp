// imprint-devsim: N simulated devices on pseudo-terminals, with stable symlinks DIR/slot0...
//   imprint-devsim --ports N --protocol imprint|nrf91 --dir DIR [--baud B] [--keygen-ms MS]
//                  [--fault SLOT:KIND[,SLOT:KIND...]] [--queue K]
// Prints "devsim: ready N ports in DIR" once every port exists; exits cleanly on SIGTERM/SIGINT.

#include "ImprintSimDevice.h"
#include "Nrf91SimDevice.h"
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
};

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
        m_device->finished = [this] {
            // The operator takes the finished device off the fixture and puts the next one on.
            QTimer::singleShot(300, this, [this] { plugNext(); });
        };
        m_device->boot();
    }

    const Options& m_options;
    int m_index;
    int m_position = 0;
    std::unique_ptr<PtyPort> m_port;
    std::unique_ptr<SimDevice> m_device;
};

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
    return std::nullopt;
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
