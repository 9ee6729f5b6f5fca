// bench_template_render: what the template engine costs per device, for dry-running a batch and
// for the emulator's JITP/RegisterThing. Figures are ratios to a baseline measured in the same
// run: parsing the same template text with QJsonDocument (the least any evaluation must do).
#include "core/template/ProvisioningTemplate.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>

#include <cstdio>

using namespace imprint::provisioning;

namespace {

constexpr int kRounds = 20000;

template <typename Work>
double nanosecondsPerCall(Work&& work)
{
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < kRounds; ++i)
        work(i);
    return static_cast<double>(timer.nsecsElapsed()) / kRounds;
}

}  // namespace

int main()
{
    QFile file(QStringLiteral(IMPRINT_SOURCE_DIR "/tests/emulator/data/fleet-provisioning.json"));
    if (!file.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "bench_template_render: cannot read %s\n", qPrintable(file.fileName()));
        return 1;
    }
    const QByteArray body = file.readAll();
    auto parsed = ProvisioningTemplate::parse(body);
    if (!parsed) {
        std::fprintf(stderr, "bench_template_render: %s\n", qPrintable(parsed.error().message()));
        return 1;
    }
    QHash<QString, QString> values{{QStringLiteral("ThingName"), QStringLiteral("bulb")},
                                   {QStringLiteral("SerialNumber"), QStringLiteral("0001")},
                                   {QStringLiteral("DeviceLocation"), QStringLiteral("Seattle")},
                                   {QStringLiteral("AWS::IoT::Certificate::Id"), QString(64, u'a')}};
    qsizetype sink = 0;
    const double baseline = nanosecondsPerCall([&](int) { sink += QJsonDocument::fromJson(body).object().size(); });
    const double parse = nanosecondsPerCall([&](int) { sink += ProvisioningTemplate::parse(body).ok() ? 1 : 0; });
    const double render = nanosecondsPerCall([&](int i) {
        values.insert(QStringLiteral("SerialNumber"), QString::number(i));
        sink += parsed->render(values)->resources.size();
    });
    const double both = nanosecondsPerCall([&](int) {
        auto once = ProvisioningTemplate::parse(body);
        sink += once ? once->render(values)->resources.size() : 0;
    });
    std::printf("bench_template_render: %d rounds, fleet-provisioning template (%lld bytes), checksum %lld\n", kRounds,
                static_cast<long long>(body.size()), static_cast<long long>(sink));
    std::printf("baseline  QJsonDocument::fromJson      %8.0f ns/call  1.00x\n", baseline);
    std::printf("ProvisioningTemplate::parse            %8.0f ns/call  %.2fx baseline\n", parse, parse / baseline);
    std::printf("render (parsed once, per device)       %8.0f ns/call  %.2fx baseline  (%.0f devices/s)\n", render,
                render / baseline, 1e9 / render);
    std::printf("parse + render (per JITP connection)   %8.0f ns/call  %.2fx baseline\n", both, both / baseline);
    return 0;
}
