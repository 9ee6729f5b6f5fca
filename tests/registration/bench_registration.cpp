// bench_registration: a full batch through the cloud outbox against imprint-iot-emulator.
//  - RegisterThing per unit at AWS's default RegisterThing limit (10/s) and with the limit
//    raised (30/s, 50/s, 100/s): registrations per second as a ratio to the configured limit (target
//    ≥ 0.9) and to a baseline measured in the same run: the same sender with no client-side
//    limit (what the emulator, the audit database's fsyncs and the network stack allow here).
//  - Bulk mode (one StartThingRegistrationTask for the batch: input file to S3, task polled,
//    reports mapped back to every unit's row): units per second, end to end, against the same
//    baseline.
// Every unit's certificate comes from a test PKI; each batch is passed in the audit database
// before its timed run (the timing covers sending and recording only).
#include "RegistrationFixture.h"

#include "core/registration/BulkRegistration.h"
#include "core/registration/OutboxSender.h"

#include <QCoreApplication>
#include <QElapsedTimer>

#include <cstdio>

using namespace imprint;
using namespace imprint::test;

namespace {

constexpr int kInFlight = 16;

struct Run
{
    int units = 0;
    double seconds = 0;
    [[nodiscard]] double perSecond() const { return units / seconds; }
};

class Bench
{
public:
    explicit Bench(RegistrationFixture& fixture) : m_fixture(fixture)
    {
        m_template = readAll(sourceFile("resources/templates/register-thing.json"));
        if (m_template.isEmpty())
            qFatal("no register-thing.json");
    }

    // `units` RegisterThing with RegisterThing limited to `limit` per second (0: none).
    Run registerThing(int units, double limit)
    {
        m_fixture.passUnits(units);
        auto client = m_fixture.client();
        client->iotTransport().setRateLimit(QStringLiteral("RegisterThing"), limit > 0 ? limit : 1e6);
        auto connection = audit::SqlConnection::open(m_fixture.db);
        if (!connection)
            qFatal("%s", qPrintable(connection.error().message()));
        registration::SenderSettings sending;
        sending.templateBody = m_template;
        sending.maxInFlight = kInFlight;
        sending.rowsPerPass = units;  // the whole batch in one pass
        registration::OutboxSender sender(*connection.value(), *client, sending, m_fixture.clock);
        QElapsedTimer timer;
        timer.start();
        auto report = sender.runPassAndWait();
        const Run run{units, static_cast<double>(timer.nsecsElapsed()) / 1e9};
        if (!report || report->registered != units)
            qFatal("the pass did not register every unit: %s",
                   report ? qPrintable(QString::number(report->registered)) : qPrintable(report.error().message()));
        return run;
    }

    // `units` in one bulk registration task (the batch's pending rows).
    Run bulk(int units)
    {
        m_fixture.passUnits(units);
        auto client = m_fixture.client();
        auto connection = audit::SqlConnection::open(m_fixture.db);
        if (!connection)
            qFatal("%s", qPrintable(connection.error().message()));
        registration::BulkSettings settings;
        settings.batch = QStringLiteral("bench");
        settings.templateBody = m_template;
        settings.bucket = QStringLiteral("bench-bucket");
        settings.roleArn = QStringLiteral("arn:aws:iam::123456789012:role/BulkRegistration");
        settings.pollIntervalMs = 100;
        QElapsedTimer timer;
        timer.start();
        auto report = registration::runBulkRegistration(*connection.value(), *client, settings, m_fixture.clock);
        const Run run{units, static_cast<double>(timer.nsecsElapsed()) / 1e9};
        if (!report || report->registered != units)
            qFatal("the bulk task did not register every unit: %s",
                   report ? qPrintable(QString::number(report->registered)) : qPrintable(report.error().message()));
        return run;
    }

private:
    RegistrationFixture& m_fixture;
    QByteArray m_template;
};

}  // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    RegistrationFixture fixture;
    struct Plan
    {
        double limit;
        int units;
    };
    const int baselineUnits = 200;
    const Plan plans[] = {{10.0, 60}, {30.0, 120}, {50.0, 200}, {100.0, 300}};
    const int bulkUnits = 300;
    int total = baselineUnits + bulkUnits;
    for (const auto& plan : plans)
        total += plan.units;
    if (const QString error = fixture.setUp(QStringLiteral("bench"), total); !error.isEmpty())
        qFatal("%s", qPrintable(error));
    Bench bench(fixture);

    const Run baseline = bench.registerThing(baselineUnits, 0);
    std::printf("bench_registration: a batch through the cloud outbox, RegisterThing %d in flight, audit fsync per "
                "state change\n",
                kInFlight);
    std::printf("  baseline (no client limit, %3d units):  %7.1f registrations/s\n", baseline.units, baseline.perSecond());
    for (const auto& plan : plans) {
        const Run run = bench.registerThing(plan.units, plan.limit);
        std::printf("  limit %5.0f/s (%3d units):             %7.1f registrations/s  ratio to limit %.2f  ratio to "
                    "baseline %.2f%s\n",
                    plan.limit, plan.units, run.perSecond(), run.perSecond() / plan.limit,
                    run.perSecond() / baseline.perSecond(), plan.limit == 10.0 ? "  (AWS default)" : "");
    }
    const Run bulk = bench.bulk(bulkUnits);
    std::printf("  bulk task (%3d units, poll 100 ms):     %7.1f units/s          ratio to baseline %.2f  (%.2f s end to "
                "end)\n",
                bulk.units, bulk.perSecond(), bulk.perSecond() / baseline.perSecond(), bulk.seconds);
    return 0;
}
