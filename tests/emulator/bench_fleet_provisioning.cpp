// bench_fleet_provisioning: what the emulator's fleet-provisioning API costs per device, in
// process (no TLS, no MQTT framing): the request decoded, the certificate signed and stored with
// its ownership token, RegisterThing rendered and provisioned into the registry, the answer
// encoded. Figures are ratios to a baseline measured in the same run: signing the same CSR with
// the emulator's CA alone (the least any CreateCertificateFromCsr must do).
#include "app/iot-emulator/server/FleetProvisioning.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QLoggingCategory>
#include <QProcess>

#include <cstdio>

using namespace imprint::emulator;

namespace {

constexpr int kRounds = 300;

template <typename Work>
double microsecondsPerCall(Work&& work)
{
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < kRounds; ++i)
        work(i);
    return static_cast<double>(timer.nsecsElapsed()) / 1000.0 / kRounds;
}

QByteArray makeCsr()
{
    QProcess openssl;
    openssl.start(QStringLiteral("openssl"), {QStringLiteral("req"), QStringLiteral("-new"), QStringLiteral("-newkey"), QStringLiteral("ec"),
                                              QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:P-256"), QStringLiteral("-nodes"),
                                              QStringLiteral("-keyout"), QStringLiteral("/dev/null"), QStringLiteral("-subj"),
                                              QStringLiteral("/CN=bench")});
    return openssl.waitForFinished(20000) && openssl.exitCode() == 0 ? openssl.readAllStandardOutput() : QByteArray();
}

int fail(const QString& what)
{
    std::fprintf(stderr, "bench_fleet_provisioning: %s\n", qPrintable(what));
    return 1;
}

}  // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QLoggingCategory::setFilterRules(QStringLiteral("imprint.cloud.info=false"));  // one log line per request would be timed too
    QFile templateFile(QStringLiteral(IMPRINT_SOURCE_DIR "/tests/emulator/data/fleet-claim.json"));
    const QByteArray csr = makeCsr();
    auto registry = Registry::open(QStringLiteral(":memory:"));
    auto ca = EmulatorCa::loadOrCreate({});
    if (!templateFile.open(QIODevice::ReadOnly) || csr.isEmpty() || !registry || !ca)
        return fail(QStringLiteral("setup failed (template file, openssl req, registry or CA)"));
    IotService service(*registry.value(), ca.value(), QStringLiteral("us-east-1"), QStringLiteral("123456789012"));
    PreProvisioningHook hook(PreProvisioningHook::Rule::Allow, {});
    FleetProvisioning fleet(service, hook);
    ApiCall create;
    create.body = {{QStringLiteral("templateName"), QStringLiteral("Bench")},
                   {QStringLiteral("templateBody"), QString::fromUtf8(templateFile.readAll())},
                   {QStringLiteral("provisioningRoleArn"), QStringLiteral("arn:aws:iam::123456789012:role/Provisioning")},
                   {QStringLiteral("enabled"), true}};
    if (std::holds_alternative<ApiError>(service.createProvisioningTemplate(create)))
        return fail(QStringLiteral("cannot create the template"));

    const QJsonObject csrRequest{{QStringLiteral("certificateSigningRequest"), QString::fromUtf8(csr)}};
    int accepted = 0;
    QList<QString> tokens;
    const auto call = [&](const QString& topic, const QByteArray& payload, PayloadFormat format) {
        fleet.handle(*parseFleetRequest(topic), payload, {QStringLiteral("bench"), QString()},
                     [&](const QString& answerTopic, const QByteArray& answer) {
                         if (!answerTopic.endsWith(QStringLiteral("/accepted")))
                             return;
                         ++accepted;
                         const auto object = decodeFleetPayload(answer, format);
                         if (object && object->contains(QStringLiteral("certificateOwnershipToken")))
                             tokens << object->value(QStringLiteral("certificateOwnershipToken")).toString();
                     });
    };
    const auto registerThing = [&](const QString& format, PayloadFormat encoding, int i) {
        const QJsonObject request{{QStringLiteral("certificateOwnershipToken"), tokens.at(i)},
                                  {QStringLiteral("parameters"), QJsonObject{{QStringLiteral("SerialNumber"), QString(format + QString::number(i))}}}};
        call(QStringLiteral("$aws/provisioning-templates/Bench/provision/") + format, encodeFleetPayload(request, encoding), encoding);
    };

    const double baseline = microsecondsPerCall([&](int) { accepted += ca->issueForCsr(csr, 3600).ok() ? 1 : 0; });
    const int signedCount = accepted;
    accepted = 0;
    const double csrJson = microsecondsPerCall([&](int) {
        call(QStringLiteral("$aws/certificates/create-from-csr/json"), encodeFleetPayload(csrRequest, PayloadFormat::Json), PayloadFormat::Json);
    });
    const double registerJson = microsecondsPerCall([&](int i) { registerThing(QStringLiteral("json"), PayloadFormat::Json, i); });
    tokens.clear();
    const double csrCbor = microsecondsPerCall([&](int) {
        call(QStringLiteral("$aws/certificates/create-from-csr/cbor"), encodeFleetPayload(csrRequest, PayloadFormat::Cbor), PayloadFormat::Cbor);
    });
    const double registerCbor = microsecondsPerCall([&](int i) { registerThing(QStringLiteral("cbor"), PayloadFormat::Cbor, i); });
    const double createKeys = microsecondsPerCall([&](int) {
        call(QStringLiteral("$aws/certificates/create/json"), {}, PayloadFormat::Json);
    });
    if (signedCount != kRounds || accepted != 5 * kRounds)
        return fail(QStringLiteral("%1 of %2 signed, %3 of %4 requests accepted").arg(signedCount).arg(kRounds).arg(accepted).arg(5 * kRounds));

    std::printf("bench_fleet_provisioning: %d rounds each, in-memory registry, EC P-256, template fleet-claim.json\n", kRounds);
    std::printf("baseline  EmulatorCa::issueForCsr              %8.0f us/call  1.00x\n", baseline);
    std::printf("CreateCertificateFromCsr (json)                %8.0f us/call  %.2fx baseline\n", csrJson, csrJson / baseline);
    std::printf("RegisterThing (json)                           %8.0f us/call  %.2fx baseline\n", registerJson, registerJson / baseline);
    std::printf("CreateCertificateFromCsr (cbor)                %8.0f us/call  %.2fx baseline\n", csrCbor, csrCbor / baseline);
    std::printf("RegisterThing (cbor)                           %8.0f us/call  %.2fx baseline\n", registerCbor, registerCbor / baseline);
    std::printf("CreateKeysAndCertificate (json, new EC key)    %8.0f us/call  %.2fx baseline\n", createKeys, createKeys / baseline);
    std::printf("one device (CSR + RegisterThing, json)         %8.0f us       %.2fx baseline  (%.0f devices/s)\n",
                csrJson + registerJson, (csrJson + registerJson) / baseline, 1e6 / (csrJson + registerJson));
    return 0;
}
