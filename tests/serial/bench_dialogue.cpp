// bench_dialogue: the whole provisioning dialogue (handshake, keygen + CSR, chain + root CA +
// configuration written, hashes read back, proof of possession, lock) against imprint-devsim at
// 115200 baud, compared with the bytes-on-the-wire limit measured in the same run: the bytes
// both ways ÷ (baud / 10). Key generation is set to 0 ms so the figure is the link's alone.
// Then the same with 16 devices at once, each on its own port and thread.
//   bench_dialogue [--protocol imprint|nrf91] [--baud B] [--devices N]
#include "SerialTestSupport.h"
#include "serial/ImprintDriver.h"
#include "serial/Nrf91Driver.h"
#include "serial/DeviceLinkFactory.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QThread>

#include <cstdio>

using namespace imprint;

namespace {

struct Outcome
{
    bool ok = false;
    QString error;
    qint64 bytes = 0;
    double seconds = 0;
};

template <typename Driver>
Status dialogue(Driver& driver, const test::TestCa& ca, bool imprintProtocol)
{
    if (auto identity = driver.identify(); !identity.ok())
        return identity.error();
    auto csr = driver.generateKeyAndCsr(QStringLiteral("CN=bench"));
    if (!csr.ok())
        return csr.error();
    auto chain = ca.issueChain(csr->csrDer);
    if (!chain.ok())
        return chain.error();
    if (auto s = driver.writeCertificateChain(chain.value()); !s.ok())
        return s;
    if (auto s = driver.writeServerRootCa(ca.caPem()); !s.ok())
        return s;
    if (imprintProtocol) {
        if (auto s = driver.writeConfiguration({{QStringLiteral("endpoint"), QStringLiteral("a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com")},
                                                {QStringLiteral("thing"), QStringLiteral("bench-thing-000001")}});
            !s.ok())
            return s;
    }
    if (auto hashes = driver.readBackHashes(); !hashes.ok())
        return hashes.error();
    if (imprintProtocol) {
        if (auto pop = driver.proveKeyPossession(QByteArray(32, '\x42')); !pop.ok())
            return pop.error();
    }
    return driver.lock();
}

Outcome runOne(const QString& port, const QString& protocol, qint32 baud, const test::TestCa& ca)
{
    Outcome outcome;
    auto settings = device::linkSettings(port, protocol);
    settings.baudRate = baud;
    auto opened = serial::openSerialPort(settings);
    if (!opened.ok()) {
        outcome.error = opened.error().message();
        return outcome;
    }
    auto link = std::make_unique<serial::LineLink>(std::move(opened.value()), port);
    QElapsedTimer timer;
    timer.start();
    Status status;
    if (protocol == QLatin1String("nrf91")) {
        serial::Nrf91Driver driver(std::move(link), settings.timeouts);
        status = dialogue(driver, ca, false);
        outcome.bytes = driver.link().bytesSent() + driver.link().bytesReceived();
    } else {
        serial::ImprintDriver driver(std::move(link), settings.timeouts);
        status = dialogue(driver, ca, true);
        outcome.bytes = driver.link().bytesSent() + driver.link().bytesReceived();
    }
    outcome.seconds = static_cast<double>(timer.nsecsElapsed()) / 1e9;
    outcome.ok = status.ok();
    if (!status.ok())
        outcome.error = status.error().message();
    return outcome;
}

}  // namespace

int main(int argc, char** argv)
{
    QCoreApplication application(argc, argv);
    QString protocol = QStringLiteral("imprint");
    qint32 baud = 115200;
    int devices = 16;
    const QStringList arguments = application.arguments();
    for (qsizetype index = 1; index + 1 < arguments.size(); index += 2) {
        if (arguments.at(index) == QLatin1String("--protocol"))
            protocol = arguments.at(index + 1);
        else if (arguments.at(index) == QLatin1String("--baud"))
            baud = arguments.at(index + 1).toInt();
        else if (arguments.at(index) == QLatin1String("--devices"))
            devices = arguments.at(index + 1).toInt();
    }
    auto ca = test::TestCa::create();
    auto simulate = [&](int ports) {
        return test::Devsim::start({QStringLiteral("--ports"), QString::number(ports), QStringLiteral("--protocol"), protocol,
                                    QStringLiteral("--baud"), QString::number(baud), QStringLiteral("--keygen-ms"),
                                    QStringLiteral("0")});
    };
    auto lone = simulate(1);
    auto devsim = simulate(devices);
    if (!ca.ok() || !devsim.ok() || !lone.ok()) {
        std::fprintf(stderr, "bench_dialogue: cannot start the CA or imprint-devsim\n");
        return 1;
    }
    const double bytesPerSecond = baud / 10.0;

    // One device.
    const Outcome single = runOne(lone.value()->slot(0), protocol, baud, *ca.value());
    if (!single.ok) {
        std::fprintf(stderr, "bench_dialogue: %s\n", qPrintable(single.error));
        return 1;
    }
    const double singleLimit = static_cast<double>(single.bytes) / bytesPerSecond;
    std::printf("protocol %s, %d baud, keygen 0 ms\n", qPrintable(protocol), baud);
    std::printf("1 device:   %lld bytes on the wire, limit %.3f s (baseline), dialogue %.3f s, ratio %.2f\n",
                static_cast<long long>(single.bytes), singleLimit, single.seconds, single.seconds / singleLimit);

    // N devices at once, one thread per port.
    std::vector<Outcome> outcomes(static_cast<size_t>(devices));
    std::vector<std::unique_ptr<QThread>> threads;
    QElapsedTimer wall;
    wall.start();
    for (int index = 0; index < devices; ++index) {
        const QString port = devsim.value()->slot(index);
        Outcome* slot = &outcomes[static_cast<size_t>(index)];
        const test::TestCa* authority = ca.value().get();
        threads.emplace_back(QThread::create([slot, port, protocol, baud, authority] {
            *slot = runOne(port, protocol, baud, *authority);
        }));
        threads.back()->start();
    }
    for (auto& thread : threads)
        thread->wait();
    const double parallelSeconds = static_cast<double>(wall.nsecsElapsed()) / 1e9;
    qint64 maxBytes = 0;
    qint64 totalBytes = 0;
    for (const Outcome& outcome : outcomes) {
        if (!outcome.ok) {
            std::fprintf(stderr, "bench_dialogue: %s\n", qPrintable(outcome.error));
            return 1;
        }
        maxBytes = std::max(maxBytes, outcome.bytes);
        totalBytes += outcome.bytes;
    }
    // Each port is its own wire: the limit is the busiest port's bytes ÷ rate.
    const double parallelLimit = static_cast<double>(maxBytes) / bytesPerSecond;
    std::printf("%d devices: %lld bytes on the wires, limit %.3f s (baseline), all done in %.3f s, ratio %.2f\n", devices,
                static_cast<long long>(totalBytes), parallelLimit, parallelSeconds, parallelSeconds / parallelLimit);
    std::printf("%d devices vs 1 device, units per second: %.2f vs %.2f, ratio %.2f (ideal %d)\n", devices,
                devices / parallelSeconds, 1.0 / single.seconds, (devices / parallelSeconds) * single.seconds, devices);
    return devsim.value()->stop() && lone.value()->stop() ? 0 : 1;
}
