#pragma once

// Shared by the audit tests: a fresh audit database in a temporary directory, a small imported
// work order, a registered supervisor, and made-up certificates (the audit stores what the CA
// issued; these tests need no CA).

#include "core/Clock.h"
#include "core/audit/AuditStore.h"
#include "core/audit/SqlConnection.h"
#include "core/audit/UnitRecords.h"
#include "core/batch/WorkOrderImport.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

namespace imprint::test {

inline QString writeFile(const QTemporaryDir& dir, const QString& name, const QByteArray& content)
{
    const QString path = dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(content) != content.size())
        qFatal("cannot write %s", qPrintable(path));
    return path;
}

// Imports `devices` rows SN0001.. (hardware IDs HW0001..) as batch `name`; returns its id.
inline qint64 importDevices(const QString& dbPath, const QTemporaryDir& dir, const QString& name, int devices,
                            const QString& serialPrefix = QStringLiteral("SN"))
{
    QByteArray csv = "serial_number,hardware_id,template_parameters\n";
    for (int i = 1; i <= devices; ++i) {
        const QByteArray n = QByteArray::number(i).rightJustified(4, '0');
        csv += serialPrefix.toLatin1() + n + ",HW-" + serialPrefix.toLatin1() + n + ",\"{\"\"Site\"\":\"\"A\"\"}\"\n";
    }
    auto connection = audit::SqlConnection::open(dbPath);
    if (!connection)
        qFatal("%s", qPrintable(connection.error().message()));
    batch::ImportOptions options;
    options.batchName = name;
    options.thingNameRule = QStringLiteral("thing-{serial}");
    options.actor.operatorName = QStringLiteral("olivia");
    options.station = QStringLiteral("station-1");
    const SystemClock clock;
    auto imported = batch::importWorkOrder(*connection.value(), writeFile(dir, name + QStringLiteral(".csv"), csv),
                                           options, clock, [](const batch::ImportIssue& issue) {
                                               qFatal("import issue: %s", qPrintable(issue.reason));
                                           });
    if (!imported)
        qFatal("%s", qPrintable(imported.error().message()));
    return imported->batchId;
}

inline void addPerson(const QString& dbPath, const QString& name, const QString& role)
{
    auto connection = audit::SqlConnection::open(dbPath);
    const SystemClock clock;
    const QString station = QStringLiteral("station-1");
    audit::WriteContext context{*connection.value(), clock, station};
    if (!connection.value()->begin(QStringLiteral("test")).ok())
        qFatal("begin");
    auto added = audit::addOperatorIn(context, name, role,
                                      audit::Actor{QStringLiteral("setup"), QStringLiteral("sam")});
    if (!added)
        qFatal("%s", qPrintable(added.error().message()));
    if (!connection.value()->commit(QStringLiteral("test")).ok())
        qFatal("commit");
}

inline audit::CertificateRecord fakeCertificate(const QString& serial, const QString& publicKey)
{
    audit::CertificateRecord record;
    record.serial = serial;
    record.fingerprintSha256 = QStringLiteral("f") + serial;
    record.subject = QStringLiteral("CN=") + serial;
    record.notBefore = QDateTime(QDate(2026, 1, 1), QTime(0, 0), Qt::UTC);
    record.notAfter = QDateTime(QDate(2036, 1, 1), QTime(0, 0), Qt::UTC);
    record.pem = QStringLiteral("-----BEGIN CERTIFICATE-----\n") + serial + QStringLiteral("\n-----END CERTIFICATE-----\n");
    record.publicKeySha256 = publicKey;
    return record;
}

inline audit::BeginUnit unitFor(qint64 batchId, const QString& serial, int slot = 1)
{
    audit::BeginUnit request;
    request.batchId = batchId;
    request.serialNumber = serial;
    request.slot = slot;
    request.port = QStringLiteral("/dev/ttyUSB%1").arg(slot);
    request.actor.operatorName = QStringLiteral("olivia");
    return request;
}

// Runs a query on its own connection and returns the first column of the first row.
inline QVariant scalar(const QString& dbPath, const QString& sql)
{
    auto connection = audit::SqlConnection::open(dbPath);
    if (!connection)
        qFatal("%s", qPrintable(connection.error().message()));
    auto row = connection.value()->one(sql, {}, QStringLiteral("test query"));
    if (!row || !row.value())
        return {};
    return row.value()->at(0);
}

// `imprint-cli audit verify --db DB`, run as its own process: exit code (-1 if it did not
// finish), standard output and standard error.
struct CliVerdict
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

inline CliVerdict verifyWithCli(const QString& dbPath)
{
    QProcess cli;
    cli.start(QStringLiteral(IMPRINT_CLI_PATH), {QStringLiteral("audit"), QStringLiteral("verify"), QStringLiteral("--db"), dbPath});
    CliVerdict verdict;
    if (!cli.waitForFinished(30000))
        return verdict;
    verdict.exitCode = cli.exitStatus() == QProcess::NormalExit ? cli.exitCode() : -1;
    verdict.out = cli.readAllStandardOutput();
    verdict.err = cli.readAllStandardError();
    return verdict;
}

}  // namespace imprint::test
