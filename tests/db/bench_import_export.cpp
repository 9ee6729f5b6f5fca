// bench_import_export [ROWS]: the audit database against the sqlite3 shell, same machine, same run.
//  1. import: a ROWS-line work order (CSV, every column) through `batch import`'s code, against
//     `sqlite3 .import` of the same file into an equivalent table (same columns, same UNIQUE
//     constraints, same WAL + synchronous=FULL);
//  2. export: ROWS units as CSV through `audit export`'s code, against `sqlite3 -csv` running the
//     same SELECT on the same database file; JSON Lines against the same baseline;
//  3. group commit: 16 threads appending events through the AuditStore, grouped, against one
//     transaction per event, on the same database file;
//  4. an event's detail: the same grouped appends with a claim's detail on every event, against
//     none (what the detail column costs), on the same database file.
// Each figure is printed with its same-run baseline and the ratio (target >= 0.5 for 1 and 2).
#include "core/Clock.h"
#include "core/audit/AuditExport.h"
#include "core/audit/AuditStore.h"
#include "core/audit/SqlConnection.h"
#include "core/batch/WorkOrderImport.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <thread>

using namespace imprint;

namespace {

[[noreturn]] void die(const QString& message)
{
    std::fprintf(stderr, "bench_import_export: %s\n", qPrintable(message));
    std::exit(1);
}

long peakRssMiB()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss / 1024;
}

void writeWorkOrder(const QString& path, qint64 rows)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        die(QStringLiteral("cannot write %1").arg(path));
    QByteArray chunk = "serial_number,hardware_id,thing_name,attributes,thing_groups,thing_type,template_parameters\n";
    for (qint64 i = 0; i < rows; ++i) {
        const QByteArray n = QByteArray::number(i).rightJustified(8, '0');
        chunk += "SN" + n + ",HW-" + n + ",sensor-" + n + ",model=th100;line=A,line-a;sensors,TempSensor,"
                 "\"{\"\"Site\"\":\"\"Plant-1\"\",\"\"Fw\"\":\"\"1.4.2\"\"}\"\n";
        if (chunk.size() > (1 << 20)) {
            file.write(chunk);
            chunk.clear();
        }
    }
    file.write(chunk);
}

double seconds(const QElapsedTimer& timer)
{
    return static_cast<double>(timer.nsecsElapsed()) / 1e9;
}

// Runs the sqlite3 shell; returns its wall time in seconds.
double sqliteShell(const QStringList& arguments, const QString& stdoutFile = QString())
{
    QProcess shell;
    if (!stdoutFile.isEmpty())
        shell.setStandardOutputFile(stdoutFile);
    QElapsedTimer timer;
    timer.start();
    shell.start(QStringLiteral("sqlite3"), arguments);
    if (!shell.waitForFinished(600000) || shell.exitCode() != 0)
        die(QStringLiteral("sqlite3 %1 failed: %2").arg(arguments.join(u' '), QString::fromUtf8(shell.readAllStandardError())));
    return seconds(timer);
}

void line(const char* what, double ours, double baseline, const char* unit)
{
    std::printf("%-44s imprint %12.0f %s   sqlite3 %12.0f %s   ratio %.2f\n", what, ours, unit, baseline, unit,
                ours / baseline);
}

void exec(audit::SqlConnection& connection, const QString& sql)
{
    if (auto done = connection.exec(sql, QStringLiteral("bench setup")); !done)
        die(done.error().message());
}

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    const size_t middle = values.size() / 2;
    return values.size() % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

double groupCommitRate(const QString& db, qint64 batchId, int maxGroup, int threads, int eventsPerThread, qint64* transactions,
                       const std::optional<QString>& detail = std::nullopt)
{
    const SystemClock clock;
    auto store = audit::AuditStore::open(audit::StoreOptions{db, QStringLiteral("bench"), maxGroup}, clock);
    if (!store)
        die(store.error().message());
    static int runs = 0;
    const int run = ++runs;  // each run binds devices of its own
    std::vector<qint64> units;
    for (int t = 0; t < threads; ++t) {
        audit::BeginUnit request;
        request.batchId = batchId;
        request.serialNumber = QStringLiteral("G%1-%2").arg(run).arg(t);
        request.slot = t + 1;
        request.port = QStringLiteral("/dev/ttyUSB%1").arg(t);
        request.actor.operatorName = QStringLiteral("bench");
        auto unit = store.value()->beginUnit(request);
        if (!unit)
            die(unit.error().message());
        units.push_back(unit->unitId);
    }
    const qint64 before = store.value()->stats().transactions;
    QElapsedTimer timer;
    timer.start();
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            for (int i = 0; i < eventsPerThread; ++i) {
                if (!store.value()->appendEvent(units[static_cast<size_t>(t)], {QStringLiteral("step"), QStringLiteral("ok"), std::nullopt, i, detail}))
                    die(QStringLiteral("append failed"));
            }
        });
    }
    for (auto& worker : workers)
        worker.join();
    const double elapsed = seconds(timer);
    *transactions = store.value()->stats().transactions - before;
    return threads * eventsPerThread / elapsed;
}

}  // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const qint64 rows = argc > 1 ? QByteArray(argv[1]).toLongLong() : 1'000'000;
    QTemporaryDir dir;
    const QString csv = dir.filePath(QStringLiteral("work-order.csv"));
    const QString ours = dir.filePath(QStringLiteral("imprint.sqlite"));
    const QString theirs = dir.filePath(QStringLiteral("sqlite3.sqlite"));
    writeWorkOrder(csv, rows);
    std::printf("bench_import_export: %lld rows, CSV %.1f MiB, sqlite3 shell and imprint on the same files\n",
                static_cast<long long>(rows), static_cast<double>(QFile(csv).size()) / 1048576.0);

    // 1. Import.
    const SystemClock clock;
    auto connection = audit::SqlConnection::open(ours);
    if (!connection)
        die(connection.error().message());
    batch::ImportOptions options;
    options.batchName = QStringLiteral("bench");
    options.actor.operatorName = QStringLiteral("bench");
    options.station = QStringLiteral("bench");
    QElapsedTimer timer;
    timer.start();
    auto imported = batch::importWorkOrder(*connection.value(), csv, options, clock, [](const batch::ImportIssue& issue) {
        die(QStringLiteral("line %1: %2").arg(issue.line).arg(issue.reason));
    });
    const double ourImport = seconds(timer);
    if (!imported || imported->devices != rows)
        die(imported ? QStringLiteral("imported %1 rows").arg(imported->devices) : imported.error().message());
    const long importRss = peakRssMiB();
    const double theirImport = sqliteShell(
        {theirs, QStringLiteral("PRAGMA journal_mode=WAL;"), QStringLiteral("PRAGMA synchronous=FULL;"),
         QStringLiteral("CREATE TABLE wo (serial_number TEXT NOT NULL UNIQUE, hardware_id TEXT UNIQUE, "
                        "thing_name TEXT NOT NULL UNIQUE, attributes TEXT, thing_groups TEXT, thing_type TEXT, "
                        "template_parameters TEXT);"),
         QStringLiteral(".mode csv"), QStringLiteral(".import --skip 1 ") + csv + QStringLiteral(" wo")});
    line("import CSV (rows/s)", static_cast<double>(rows) / ourImport, static_cast<double>(rows) / theirImport, "rows/s");
    std::printf("%-44s imprint %.2f s, sqlite3 %.2f s; peak RSS after import %ld MiB\n", "", ourImport, theirImport, importRss);

    // 2. Export: one unit (with its certificate) per work-order row, made by SQL (setup, untimed).
    exec(*connection.value(), QStringLiteral("INSERT INTO units (uuid, batch_id, batch_device_id, attempt, station, operator, slot, "
                                             "port, hardware_id, serial_number, thing_name, state, started_at, finished_at) "
                                             "SELECT 'u-' || id, batch_id, id, 1, 'bench', 'olivia', id % 16, '/dev/ttyUSB' || (id % 16), "
                                             "hardware_id, serial_number, thing_name, 'passed', '2026-01-01T08:00:00.000Z', "
                                             "'2026-01-01T08:00:02.000Z' FROM batch_devices"));
    exec(*connection.value(), QStringLiteral("INSERT INTO certificates (unit_id, serial, fingerprint_sha256, subject, not_before, "
                                             "not_after, pem, public_key_sha256, state, recorded_at) SELECT id, printf('%016X', id), "
                                             "hex(randomblob(32)), 'CN=' || thing_name, '2026-01-01T00:00:00.000Z', "
                                             "'2036-01-01T00:00:00.000Z', 'PEM', hex(randomblob(32)), 'active', started_at FROM units"));
    const QString ourCsv = dir.filePath(QStringLiteral("imprint-export.csv"));
    QFile out(ourCsv);
    if (!out.open(QIODevice::WriteOnly))
        die(QStringLiteral("cannot write the export"));
    timer.restart();
    auto exported = audit::exportAudit(*connection.value(), audit::ExportFormat::Csv, audit::ExportSubject::Units, {}, out);
    const double ourExport = seconds(timer);
    out.close();
    if (!exported || exported.value() != rows)
        die(QStringLiteral("export failed"));
    const long exportRss = peakRssMiB();
    QFile jsonOut(dir.filePath(QStringLiteral("imprint-export.jsonl")));
    if (!jsonOut.open(QIODevice::WriteOnly))
        die(QStringLiteral("cannot write the export"));
    timer.restart();
    auto exportedJson = audit::exportAudit(*connection.value(), audit::ExportFormat::JsonLines, audit::ExportSubject::Units, {}, jsonOut);
    const double ourJsonExport = seconds(timer);
    jsonOut.close();
    if (!exportedJson)
        die(exportedJson.error().message());
    connection.value().reset();
    const QString theirCsv = dir.filePath(QStringLiteral("sqlite3-export.csv"));
    const double theirExport = sqliteShell({QStringLiteral("-csv"), QStringLiteral("-header"), ours,
                                            audit::exportSelect(audit::ExportSubject::Units) + u';'},
                                           theirCsv);
    if (QFile(theirCsv).size() < QFile(ourCsv).size() / 2)
        die(QStringLiteral("the sqlite3 export is unexpectedly small"));
    line("export units CSV (rows/s)", static_cast<double>(rows) / ourExport, static_cast<double>(rows) / theirExport, "rows/s");
    line("export units JSONL vs sqlite3 CSV (rows/s)", static_cast<double>(rows) / ourJsonExport,
         static_cast<double>(rows) / theirExport, "rows/s");
    std::printf("%-44s imprint %.2f s (JSONL %.2f s), sqlite3 %.2f s; peak RSS after export %ld MiB\n", "", ourExport,
                ourJsonExport, theirExport, exportRss);

    // 3. Group commit vs one transaction per event, 16 threads, on the same file.
    {
        auto setup = audit::SqlConnection::open(ours);
        auto open = batch::createOpenBatch(*setup.value(), QStringLiteral("bench-open"), 1000, QString(),
                                           audit::Actor{QStringLiteral("bench"), std::nullopt}, QStringLiteral("bench"), clock);
        if (!open)
            die(open.error().message());
        qint64 groupedTransactions = 0;
        qint64 singleTransactions = 0;
        const double grouped = groupCommitRate(ours, open.value(), 512, 16, 500, &groupedTransactions);
        const double single = groupCommitRate(ours, open.value(), 1, 16, 100, &singleTransactions);
        std::printf("%-44s grouped %10.0f events/s (%lld commits)   one per event %10.0f events/s (%lld commits)   ratio %.2f\n",
                    "group commit, 16 threads (events/s)", grouped, static_cast<long long>(groupedTransactions), single,
                    static_cast<long long>(singleTransactions), grouped / single);

        // 4. The detail column: the same grouped appends without and with a detail, six runs
        // each, in alternating order; the medians, so one slow fsync does not decide the ratio.
        const QString claim = QStringLiteral("claim=4f1c9a0e5b7d2c81 via=trusted-user expires=2026-11-26T12:05:00.000Z");
        std::vector<double> withoutRuns;
        std::vector<double> withRuns;
        for (int round = 0; round < 6; ++round) {
            qint64 unused = 0;
            const bool detailFirst = round % 2 == 1;
            if (detailFirst)
                withRuns.push_back(groupCommitRate(ours, open.value(), 512, 16, 500, &unused, claim));
            withoutRuns.push_back(groupCommitRate(ours, open.value(), 512, 16, 500, &unused));
            if (!detailFirst)
                withRuns.push_back(groupCommitRate(ours, open.value(), 512, 16, 500, &unused, claim));
        }
        const double without = median(withoutRuns);
        const double with = median(withRuns);
        std::printf("%-44s with detail %10.0f events/s   without %10.0f events/s   ratio %.2f\n",
                    "event detail vs none, grouped (median of 6)", with, without, with / without);
    }
    return 0;
}
