// The station's audit writing, reduced to its commits, for tst_auditcrash: it is killed with
// SIGKILL at random moments and restarted. Usage: audit_crash_writer DB DEVICE_LOG BATCH_ID SLOTS
// On start it recovers interrupted units ("RECOVERED n"), then provisions every device of the
// batch not yet passed, SLOTS at a time. It "writes the certificate to the device" (appends its
// serial to DEVICE_LOG) only after recordCertificate returned, and prints "PASSED <serial>"
// only after completePassed returned: what the test may hold the audit to.
#include "core/Clock.h"
#include "core/audit/AuditStore.h"
#include "core/audit/SqlConnection.h"

#include <QCoreApplication>
#include <QDateTime>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

using namespace imprint;

namespace {

std::mutex g_outputMutex;

// The device's own time for a step (serial I/O): it keeps a run of the batch longer than all the
// kill delays together, so the kills land in real work on a fast machine too.
void deviceTime()
{
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
}

void say(const QByteArray& line)
{
    const std::lock_guard lock(g_outputMutex);
    std::fputs(line.constData(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

void writeToDevice(std::FILE* deviceLog, const QString& certificateSerial)
{
    const std::lock_guard lock(g_outputMutex);
    std::fputs(qPrintable(certificateSerial + u'\n'), deviceLog);
    std::fflush(deviceLog);  // into the kernel: survives SIGKILL of this process
}

QStringList pendingSerials(const QString& db, qint64 batchId)
{
    auto connection = audit::SqlConnection::open(db);
    if (!connection)
        qFatal("%s", qPrintable(connection.error().message()));
    QStringList serials;
    auto query = connection.value()->run(
        QStringLiteral("SELECT serial_number FROM batch_devices d WHERE batch_id = ? AND NOT EXISTS "
                       "(SELECT 1 FROM units u WHERE u.batch_device_id = d.id AND u.state = 'passed') ORDER BY id"),
        {batchId}, QStringLiteral("pending"));
    while (query.value()->next())
        serials << query.value()->value(0).toString();
    return serials;
}

// One device, start to finish; every 9th attempt fails once at "verify" to exercise redo.
bool provision(audit::AuditStore& store, std::FILE* deviceLog, qint64 batchId, int slot, const QString& serial)
{
    audit::BeginUnit request;
    request.batchId = batchId;
    request.serialNumber = serial;
    request.slot = slot;
    request.port = QStringLiteral("/dev/pts/%1").arg(slot);
    request.actor.operatorName = QStringLiteral("crash-test");
    auto unit = store.beginUnit(request);
    if (!unit) {
        say("REFUSED " + serial.toUtf8() + ": " + unit.error().message().toUtf8());
        return false;
    }
    deviceTime();
    (void)store.appendEvent(unit->unitId, {QStringLiteral("identify"), QStringLiteral("ok"), std::nullopt, 3});
    audit::CertificateRecord certificate;
    certificate.serial = QStringLiteral("%1-%2").arg(serial).arg(unit->attempt);
    certificate.fingerprintSha256 = certificate.serial;
    certificate.subject = QStringLiteral("CN=") + unit->thingName;
    certificate.notBefore = QDateTime::currentDateTimeUtc();
    certificate.notAfter = certificate.notBefore.addYears(10);
    certificate.pem = QStringLiteral("PEM ") + certificate.serial;
    certificate.publicKeySha256 = QStringLiteral("key-") + serial;  // the device keeps its key across attempts
    auto recorded = store.recordCertificate(unit->unitId, certificate);
    if (!recorded) {
        say("REFUSED " + serial.toUtf8() + ": " + recorded.error().message().toUtf8());
        return false;
    }
    writeToDevice(deviceLog, certificate.serial);
    deviceTime();
    (void)store.appendEvent(unit->unitId, {QStringLiteral("write-certificate"), QStringLiteral("ok"), std::nullopt, 5});
    if (qHash(serial) % 9 == 0 && unit->attempt == 1) {
        (void)store.completeFailed(unit->unitId, QStringLiteral("verify"), QStringLiteral("read-back mismatch"));
        return false;
    }
    deviceTime();  // read back and lock
    if (!store.completePassed(unit->unitId, 20)) {
        say("PASS-FAILED " + serial.toUtf8());
        return false;
    }
    say("PASSED " + serial.toUtf8());
    return true;
}

}  // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() != 5) {
        std::fputs("usage: audit_crash_writer DB DEVICE_LOG BATCH_ID SLOTS\n", stderr);
        return 2;
    }
    const QString db = args[1];
    const qint64 batchId = args[3].toLongLong();
    const int slots = args[4].toInt();
    std::FILE* deviceLog = std::fopen(qPrintable(args[2]), "a");
    if (!deviceLog)
        return 1;
    const SystemClock clock;
    auto store = audit::AuditStore::open(audit::StoreOptions{db, QStringLiteral("crash-station"), 512}, clock);
    if (!store) {
        std::fputs(qPrintable(store.error().message()), stderr);
        return 1;
    }
    auto interrupted = store.value()->recoverInterrupted();
    if (!interrupted)
        return 1;
    say("RECOVERED " + QByteArray::number(static_cast<qint64>(interrupted->size())));
    const QStringList pending = pendingSerials(db, batchId);
    std::atomic<qsizetype> next{0};
    std::vector<std::thread> workers;
    for (int slot = 1; slot <= slots; ++slot) {
        workers.emplace_back([&, slot] {
            for (qsizetype i = next++; i < pending.size(); i = next++) {
                // A failed attempt is redone at once, as the line would.
                for (int attempt = 0; attempt < 3 && !provision(*store.value(), deviceLog, batchId, slot, pending[i]); ++attempt) {
                }
            }
        });
    }
    for (auto& worker : workers)
        worker.join();
    say("DONE");
    std::fclose(deviceLog);
    return 0;
}
