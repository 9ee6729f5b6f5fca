// Benchmark of the whole station (not a test): imprint-cli run against imprint-devsim at
// 115200 baud with the SoftHSM2 CA and a SQLite audit.
//  (a) units per hour with 16 slots, as a ratio to 16 x the single-slot rate of the same run;
//  (b) station time per unit excluding device time (p50/p99), next to the disk's fdatasync
//      latency measured in the same run: each unit waits for two durable commits (certificate
//      before it is written, final record; the bind commits while the device makes its key), so
//      that is the floor. The same 16 slots with the bind committed first (--no-bind-overlap,
//      three commits on the critical path, as before) are measured in the same run.
#include "StationHarness.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QRegularExpression>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace imprint;

namespace {

struct Figures
{
    int passed = 0;
    double seconds = 0;
    double p50 = 0;
    double p99 = 0;
};

Figures runSlots(test::StationHarness& station, int ports, int perPort, const QString& name,
                 const QStringList& extra = {})
{
    const QString db = station.path(name + QStringLiteral(".sqlite"));
    const QString devices = station.path(name + QStringLiteral("-devices"));
    if (station.importOrder(db, name, ports, perPort).exitCode != 0)
        return {};
    if (!station.startDevices(devices, {QStringLiteral("--ports"), QString::number(ports), QStringLiteral("--queue"),
                                        QString::number(perPort), QStringLiteral("--protocol"), QStringLiteral("imprint"),
                                        QStringLiteral("--baud"), QStringLiteral("115200")})
             .isEmpty())
        return {};
    const auto run = station.cli(QStringList{QStringLiteral("run"), QStringLiteral("--db"), db, QStringLiteral("--batch"), name}
                                     + test::StationHarness::portArguments(devices, ports) + extra,
                                 600'000);
    station.stopDevices();
    Figures figures;
    const auto summary = QRegularExpression(QStringLiteral("run: (\\d+) passed, \\d+ failed, \\d+ refused in ([0-9.]+) s")).match(run.out);
    const auto station_ = QRegularExpression(QStringLiteral("p50 ([0-9.]+) ms, p99 ([0-9.]+) ms")).match(run.out);
    if (!summary.hasMatch() || !station_.hasMatch()) {
        std::fprintf(stderr, "run failed: %s%s\n", qPrintable(run.out), qPrintable(run.err));
        return {};
    }
    figures.passed = summary.captured(1).toInt();
    figures.seconds = summary.captured(2).toDouble();
    figures.p50 = station_.captured(1).toDouble();
    figures.p99 = station_.captured(2).toDouble();
    return figures;
}

double fdatasyncMs(const QString& path)
{
    const int fd = ::open(QFile::encodeName(path).constData(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::vector<double> samples;
    const QByteArray page(4096, 'x');
    for (int i = 0; i < 100; ++i) {
        if (::write(fd, page.constData(), static_cast<size_t>(page.size())) < 0)
            break;
        QElapsedTimer timer;
        timer.start();
        ::fdatasync(fd);
        samples.push_back(static_cast<double>(timer.nsecsElapsed()) / 1e6);
    }
    ::close(fd);
    std::sort(samples.begin(), samples.end());
    return samples.empty() ? 0.0 : samples[samples.size() / 2];
}

}  // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    const int perPort = argc > 1 ? QByteArray(argv[1]).toInt() : 4;
    test::StationHarness station;
    if (const QString failure = station.setUpCa(); !failure.isEmpty()) {
        std::fprintf(stderr, "%s\n", qPrintable(failure));
        return 1;
    }
    const double sync = fdatasyncMs(station.path(QStringLiteral("fsync-probe")));
    const Figures one = runSlots(station, 1, perPort, QStringLiteral("one"));
    const Figures sixteen = runSlots(station, 16, perPort, QStringLiteral("sixteen"));
    const Figures serialBind = runSlots(station, 16, perPort, QStringLiteral("serialbind"),
                                        {QStringLiteral("--no-bind-overlap")});
    if (one.passed == 0 || sixteen.passed == 0 || serialBind.passed == 0)
        return 1;
    const double oneRate = one.passed / one.seconds * 3600.0;
    const double sixteenRate = sixteen.passed / sixteen.seconds * 3600.0;
    std::printf("bench_station (imprint devsim at 115200 baud, %d devices per port, SoftHSM2 EC P-256 CA)\n", perPort);
    std::printf("(a) 1 slot:   %3d units in %6.2f s = %8.0f units/hour (baseline)\n", one.passed, one.seconds, oneRate);
    std::printf("    16 slots: %3d units in %6.2f s = %8.0f units/hour\n", sixteen.passed, sixteen.seconds, sixteenRate);
    std::printf("    ratio to 16 x single slot: %.2f (target >= 0.9)\n", sixteenRate / (16.0 * oneRate));
    std::printf("(b) station time per unit excluding the device, 1 slot:   p50 %6.2f ms  p99 %6.2f ms\n", one.p50, one.p99);
    std::printf("                                                16 slots: p50 %6.2f ms  p99 %6.2f ms\n", sixteen.p50, sixteen.p99);
    std::printf("    16 slots, bind committed before the key (--no-bind-overlap, baseline): p50 %6.2f ms  p99 %6.2f ms\n",
                serialBind.p50, serialBind.p99);
    std::printf("    ratio of 16-slot p99 with the overlap to without: %.2f\n", sixteen.p99 / serialBind.p99);
    std::printf("    baseline: fdatasync of this disk, p50 %.2f ms (2 durable commits per unit: %.2f ms)\n", sync, 2 * sync);
    std::printf("    ratio of 1-slot p50 to the 2-commit floor: %.2f\n", one.p50 / (2 * sync));
    return 0;
}
