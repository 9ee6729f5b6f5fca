#pragma once

// The pipeline tests' starting point: a fresh audit database holding the work order "order-1"
// (serials SN-1…SN-n, hardware IDs HW-1…HW-n, things sensor-{serial}), open for writing.

#include "core/Clock.h"
#include "core/audit/AuditStore.h"
#include "core/audit/SqlConnection.h"
#include "core/batch/WorkOrderImport.h"

#include <QFile>
#include <QString>

#include <memory>

namespace imprint::test {

struct WorkOrderDatabase
{
    qint64 batchId = 0;
    std::unique_ptr<audit::AuditStore> audit;
};

// Writes the work order next to `db` (order.csv), imports it as `actor` and opens the store.
inline Result<WorkOrderDatabase> openWorkOrderDatabase(const QString& db, const QString& csv, int devices,
                                                       const audit::Actor& actor, const Clock& clock)
{
    QFile file(csv);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return Error(ErrorCode::Io, QStringLiteral("cannot write ") + csv);
    file.write("serial_number,hardware_id\n");
    for (int i = 1; i <= devices; ++i)
        file.write(QStringLiteral("SN-%1,HW-%1\n").arg(i).toUtf8());
    file.close();
    WorkOrderDatabase opened;
    {
        auto connection = audit::SqlConnection::open(db);
        if (!connection)
            return connection.error();
        batch::ImportOptions options;
        options.batchName = QStringLiteral("order-1");
        options.thingNameRule = QStringLiteral("sensor-{serial}");
        options.actor = actor;
        options.station = QStringLiteral("station-1");
        auto imported = batch::importWorkOrder(*connection.value(), csv, options, clock, {});
        if (!imported)
            return imported.error();
        opened.batchId = imported->batchId;
    }
    auto store = audit::AuditStore::open({db, QStringLiteral("station-1")}, clock);
    if (!store)
        return store.error();
    opened.audit = std::move(store).value();
    return opened;
}

}  // namespace imprint::test
