// bench_registration: RegisterThing registrations per second through the outbox sender against
// imprint-iot-emulator, at AWS's default RegisterThing limit (10/s) and with the limit raised
// (50/s). Each figure is printed as a ratio to its configured limit (target ≥ 0.9) and to a
// baseline measured in the same run: the same sender with no client-side limit at all (what the
// emulator, the audit database's fsyncs and the network stack allow on this machine).
#include "AuditFixture.h"
#include "EmulatorProcess.h"
#include "TestPki.h"

#include "core/cloud/AwsIotClient.h"
#include "core/registration/OutboxSender.h"

#include <QCoreApplication>
#include <QElapsedTimer>

#include <cstdio>

using namespace imprint;
using namespace imprint::test;

namespace {

constexpr int kUnits = 60;  // per run

struct Bench
{
    QTemporaryDir dir;
    SystemClock clock;
    EmulatorProcess emulator;
    std::unique_ptr<TestPki> pki;
    QString db;
    qint64 batch = 0;
    int nextDevice = 1;
    QByteArray templateBody;

    void passUnits(int count)
    {
        auto store = audit::AuditStore::open(audit::StoreOptions{db, QStringLiteral("bench")}, clock);
        if (!store)
            qFatal("%s", qPrintable(store.error().message()));
        for (int i = 0; i < count; ++i, ++nextDevice) {
            const QString serial = QStringLiteral("SN%1").arg(nextDevice, 4, 10, QLatin1Char('0'));
            if (const QString error = pki->makeLeaf(serial, QStringLiteral("/CN=thing-") + serial, QStringLiteral("ca")); !error.isEmpty())
                qFatal("%s", qPrintable(error));
            auto unit = store.value()->beginUnit(unitFor(batch, serial));
            if (!unit)
                qFatal("%s", qPrintable(unit.error().message()));
            audit::CertificateRecord certificate = fakeCertificate(QStringLiteral("C0") + serial, QStringLiteral("key-") + serial);
            certificate.pem = QString::fromUtf8(pki->certPem(serial));
            if (!store.value()->recordCertificate(unit->unitId, certificate).ok() || !store.value()->completePassed(unit->unitId).ok())
                qFatal("cannot pass %s", qPrintable(serial));
        }
    }

    // Registrations per second for kUnits units with RegisterThing limited to `limit` (0: none).
    double run(double limit)
    {
        passUnits(kUnits);
        cloud::AwsSettings settings;
        settings.credentials.accessKeyId = QString::fromLatin1(kAccessKeyId);
        settings.credentials.secretAccessKey = SecureBytes::fromString(kSecretAccessKey);
        settings.region = QStringLiteral("us-east-1");
        settings.endpointUrl = emulator.endpoint();
        auto client = cloud::AwsIotClient::create(std::move(settings));
        if (!client)
            qFatal("%s", qPrintable(client.error().message()));
        client.value()->iotTransport().setRateLimit(QStringLiteral("RegisterThing"), limit > 0 ? limit : 1e6);
        auto connection = audit::SqlConnection::open(db);
        if (!connection)
            qFatal("%s", qPrintable(connection.error().message()));
        registration::SenderSettings sending;
        sending.templateBody = templateBody;
        sending.maxInFlight = 16;
        registration::OutboxSender sender(*connection.value(), *client.value(), sending, clock);
        QElapsedTimer timer;
        timer.start();
        auto report = sender.runPassAndWait();
        const double seconds = static_cast<double>(timer.nsecsElapsed()) / 1e9;
        if (!report || report->registered != kUnits)
            qFatal("the pass did not register every unit: %s",
                   report ? qPrintable(QString::number(report->registered)) : qPrintable(report.error().message()));
        return kUnits / seconds;
    }
};

}  // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    Bench bench;
    bench.db = bench.dir.filePath(QStringLiteral("audit.sqlite"));
    bench.batch = importDevices(bench.db, bench.dir, QStringLiteral("bench"), 4 * kUnits);
    addPerson(bench.db, QStringLiteral("olivia"), QStringLiteral("operator"));
    bench.pki = std::make_unique<TestPki>(bench.dir.path());
    if (const QString error = bench.pki->makeCa(QStringLiteral("ca"), QStringLiteral("/CN=Bench CA")); !error.isEmpty())
        qFatal("%s", qPrintable(error));
    QFile file(QStringLiteral(IMPRINT_SOURCE_DIR "/resources/templates/register-thing.json"));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("no register-thing.json");
    bench.templateBody = file.readAll();
    if (const QString error = bench.emulator.start(); !error.isEmpty())
        qFatal("%s", qPrintable(error));

    const double baseline = bench.run(0);
    std::printf("bench_registration: %d RegisterThing per run, 16 in flight, audit fsync per state change\n", kUnits);
    std::printf("  baseline (no client limit):  %7.1f registrations/s\n", baseline);
    for (const double limit : {10.0, 50.0}) {
        const double rate = bench.run(limit);
        std::printf("  limit %4.0f/s:                %7.1f registrations/s  ratio to limit %.2f  ratio to baseline %.2f\n",
                    limit, rate, rate / limit, rate / baseline);
    }
    return 0;
}
