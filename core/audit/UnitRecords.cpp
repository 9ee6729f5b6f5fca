#include "core/audit/UnitRecords.h"

#include "core/audit/EventChain.h"
#include "core/audit/SqlConnection.h"
#include "core/batch/ThingNameRule.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlQuery>
#include <QUuid>
#include <QVariant>

namespace imprint::audit {

namespace {

// What every event of a unit repeats about it, read from its row.
struct UnitRow
{
    qint64 id = 0;
    qint64 batchId = 0;
    qint64 batchDeviceId = 0;
    QString operatorName;
    std::optional<QString> supervisor;
    int slot = 0;
    QString port;
    std::optional<QString> hardwareId;
    QString serialNumber;
    QString thingName;
    QString state;
    bool rework = false;
};

Result<UnitRow> loadUnit(SqlConnection& connection, qint64 unitId)
{
    auto row = connection.one(
        QStringLiteral("SELECT id, batch_id, batch_device_id, operator, supervisor, slot, port, hardware_id, "
                       "serial_number, thing_name, state, rework FROM units WHERE id = ?"),
        {unitId}, QStringLiteral("reading unit %1").arg(unitId));
    if (!row)
        return row.error();
    if (!row.value())
        return Error(ErrorCode::NotFound, QStringLiteral("unit %1 is not in the audit database").arg(unitId));
    const QVariantList& c = *row.value();
    UnitRow unit;
    unit.id = c[0].toLongLong();
    unit.batchId = c[1].toLongLong();
    unit.batchDeviceId = c[2].toLongLong();
    unit.operatorName = c[3].toString();
    unit.supervisor = optionalText(c[4]);
    unit.slot = c[5].toInt();
    unit.port = c[6].toString();
    unit.hardwareId = optionalText(c[7]);
    unit.serialNumber = c[8].toString();
    unit.thingName = c[9].toString();
    unit.state = c[10].toString();
    unit.rework = c[11].toInt() != 0;
    return unit;
}

Result<UnitRow> loadRunningUnit(SqlConnection& connection, qint64 unitId, const QString& forWhat)
{
    auto unit = loadUnit(connection, unitId);
    if (unit && unit->state != QLatin1String("in_progress"))
        return Error(ErrorCode::InvalidInput, QStringLiteral("cannot %1 for unit %2 (serial %3): it is %4, "
                                                             "not in progress")
                                                  .arg(forWhat).arg(unitId).arg(unit->serialNumber, unit->state));
    return unit;
}

Result<qint64> unitEvent(WriteContext& context, const UnitRow& unit, const StepEvent& step)
{
    EventRecord event;
    event.at = context.clock.nowUtc();
    event.station = context.station;
    event.operatorName = unit.operatorName;
    event.supervisor = unit.supervisor;
    event.unitId = unit.id;
    event.batchId = unit.batchId;
    event.slot = unit.slot;
    event.port = unit.port;
    event.hardwareId = unit.hardwareId;
    event.serialNumber = unit.serialNumber;
    event.step = step.step;
    event.outcome = step.outcome;
    event.error = step.error;
    event.durationMs = step.durationMs;
    event.detail = step.detail;
    return appendEvent(context.connection, event);
}

struct BatchRow
{
    QString name;
    bool open = false;
    std::optional<qint64> quota;
    QString thingNameRule;
};

Result<BatchRow> loadBatch(SqlConnection& connection, qint64 batchId)
{
    auto row = connection.one(QStringLiteral("SELECT name, kind, quota, thing_name_rule FROM batches WHERE id = ?"),
                              {batchId}, QStringLiteral("reading batch %1").arg(batchId));
    if (!row)
        return row.error();
    if (!row.value())
        return Error(ErrorCode::NotFound, QStringLiteral("batch %1 does not exist").arg(batchId));
    const QVariantList& c = *row.value();
    return BatchRow{c[0].toString(), c[1].toString() == QLatin1String("open"),
                    c[2].isNull() ? std::nullopt : std::optional<qint64>(c[2].toLongLong()), c[3].toString()};
}

struct DeviceRow
{
    qint64 id = 0;
    qint64 batchId = 0;
    QString serialNumber;
    std::optional<QString> hardwareId;
    QString thingName;
};

Result<std::optional<DeviceRow>> findDevice(SqlConnection& connection, const BeginUnit& request)
{
    const bool bySerial = request.serialNumber.has_value();
    const QString sql = bySerial ? QStringLiteral("SELECT id, batch_id, serial_number, hardware_id, thing_name "
                                                  "FROM batch_devices WHERE serial_number = ?")
                                 : QStringLiteral("SELECT id, batch_id, serial_number, hardware_id, thing_name "
                                                  "FROM batch_devices WHERE hardware_id = ?");
    auto row = connection.one(sql, {bySerial ? *request.serialNumber : request.hardwareId.value_or(QString())},
                              QStringLiteral("finding the work-order row"));
    if (!row)
        return row.error();
    if (!row.value())
        return std::optional<DeviceRow>();
    const QVariantList& c = *row.value();
    return std::optional<DeviceRow>(
        DeviceRow{c[0].toLongLong(), c[1].toLongLong(), c[2].toString(), optionalText(c[3]), c[4].toString()});
}

QString deviceName(const BeginUnit& request)
{
    return request.serialNumber ? QStringLiteral("serial number %1").arg(*request.serialNumber)
                                : QStringLiteral("hardware ID %1").arg(request.hardwareId.value_or(QString()));
}

// An open batch takes any device up to its quota: its work-order row is made on first sight.
Result<DeviceRow> addOpenBatchDevice(WriteContext& context, const BatchRow& batch, const BeginUnit& request)
{
    if (!request.serialNumber)
        return Error(ErrorCode::InvalidInput, QStringLiteral("open batch '%1' needs the device's serial number "
                                                             "(port %2)").arg(batch.name, request.port));
    auto live = context.connection.one(
        QStringLiteral("SELECT COUNT(*) FROM units WHERE batch_id = ? AND state IN ('in_progress','passed')"),
        {request.batchId}, QStringLiteral("counting the batch's units"));
    if (!live)
        return live.error();
    const qint64 used = live.value()->at(0).toLongLong();
    if (batch.quota && used >= *batch.quota) {
        if (!request.quotaOverride)
            return Error(ErrorCode::PermissionDenied,
                         QStringLiteral("batch '%1' has reached its quota of %2 units; a supervisor can "
                                        "override the quota").arg(batch.name).arg(*batch.quota));
        if (auto allowed = requireSupervisor(context.connection, request.actor.supervisor,
                                             QStringLiteral("a quota override"));
            !allowed)
            return allowed.error();
    }
    if (request.hardwareId) {
        auto owner = context.connection.one(
            QStringLiteral("SELECT d.serial_number, b.name FROM batch_devices d JOIN batches b ON b.id = d.batch_id "
                           "WHERE d.hardware_id = ?"),
            {*request.hardwareId}, QStringLiteral("looking up hardware ID %1").arg(*request.hardwareId));
        if (!owner)
            return owner.error();
        if (owner.value())
            return Error(ErrorCode::AlreadyExists,
                         QStringLiteral("hardware ID %1 (port %2) already belongs to serial number %3 in batch '%4'; "
                                        "a supervisor can choose rework of that device")
                             .arg(*request.hardwareId, request.port, owner.value()->at(0).toString(),
                                  owner.value()->at(1).toString()));
    }
    const QString thingName = batch::applyThingNameRule(
        batch.thingNameRule.isEmpty() ? QStringLiteral("{serial}") : batch.thingNameRule, *request.serialNumber,
        request.hardwareId.value_or(QString()), batch.name);
    auto inserted = context.connection.run(
        QStringLiteral("INSERT INTO batch_devices (batch_id, serial_number, hardware_id, thing_name) "
                       "VALUES (?, ?, ?, ?)"),
        {request.batchId, *request.serialNumber, nullableText(request.hardwareId), thingName},
        QStringLiteral("adding %1 to open batch '%2'").arg(deviceName(request), batch.name));
    if (!inserted)
        return inserted.error();
    if (auto counted = context.connection.run(
            QStringLiteral("UPDATE batches SET device_count = device_count + 1 WHERE id = ?"), {request.batchId},
            QStringLiteral("counting the open batch's devices"));
        !counted)
        return counted.error();
    return DeviceRow{inserted.value()->lastInsertId().toLongLong(), request.batchId, *request.serialNumber,
                     request.hardwareId, thingName};
}

Result<DeviceRow> bindDevice(WriteContext& context, const BatchRow& batch, const BeginUnit& request)
{
    auto found = findDevice(context.connection, request);
    if (!found)
        return found.error();
    if (!found.value()) {
        if (batch.open)
            return addOpenBatchDevice(context, batch, request);
        return Error(ErrorCode::NotFound, QStringLiteral("%1 (port %2) is not in the work order of batch '%3'")
                                              .arg(deviceName(request), request.port, batch.name));
    }
    const DeviceRow& device = *found.value();
    if (device.batchId != request.batchId)
        return Error(ErrorCode::InvalidInput, QStringLiteral("%1 (port %2) belongs to batch %3, not to batch '%4'")
                                                  .arg(deviceName(request), request.port)
                                                  .arg(device.batchId)
                                                  .arg(batch.name));
    if (device.hardwareId && request.hardwareId && *device.hardwareId != *request.hardwareId)
        return Error(ErrorCode::InvalidInput,
                     QStringLiteral("the device on port %1 reports hardware ID %2, but the work order expects %3 "
                                    "for serial number %4")
                         .arg(request.port, *request.hardwareId, *device.hardwareId, device.serialNumber));
    return device;
}

// The units that make this device "already provisioned": a live unit of the same work-order row,
// or of any row with the same hardware ID.
Result<std::vector<std::pair<qint64, QString>>> liveUnits(SqlConnection& connection, qint64 batchDeviceId,
                                                          const std::optional<QString>& hardwareId)
{
    // Two index searches (one OR would scan every live unit: a million at the end of a big batch).
    auto query = connection.run(
        QStringLiteral("SELECT id, state FROM units WHERE batch_device_id = ? AND state IN ('in_progress','passed') "
                       "UNION SELECT id, state FROM units WHERE hardware_id = ? AND state IN ('in_progress','passed')"),
        {batchDeviceId, nullableText(hardwareId)},
        QStringLiteral("looking for earlier units of the device"));
    if (!query)
        return query.error();
    std::vector<std::pair<qint64, QString>> units;
    while (query.value()->next())
        units.emplace_back(query.value()->value(0).toLongLong(), query.value()->value(1).toString());
    query.value()->finish();
    return units;
}

// Supersedes a passed unit and its active certificate; queues the certificate's retirement in the cloud.
Status supersedeUnit(WriteContext& context, qint64 oldUnitId, qint64 newUnitId)
{
    const QString now = auditTime(context.clock.nowUtc());
    if (auto done = context.connection.run(QStringLiteral("UPDATE units SET state = 'superseded' WHERE id = ?"),
                                           {oldUnitId}, QStringLiteral("superseding unit %1").arg(oldUnitId));
        !done)
        return done.error();
    auto certificates = context.connection.run(
        QStringLiteral("SELECT id, serial FROM certificates WHERE unit_id = ? AND state IN ('issued','active')"),
        {oldUnitId}, QStringLiteral("finding the certificates of unit %1").arg(oldUnitId));
    if (!certificates)
        return certificates.error();
    std::vector<std::pair<qint64, QString>> found;
    while (certificates.value()->next())
        found.emplace_back(certificates.value()->value(0).toLongLong(), certificates.value()->value(1).toString());
    certificates.value()->finish();
    for (const auto& [certificateId, serial] : found) {
        if (auto done = context.connection.run(
                QStringLiteral("UPDATE certificates SET state = 'superseded', superseded_by_unit = ? WHERE id = ?"),
                {newUnitId, certificateId}, QStringLiteral("superseding certificate %1").arg(serial));
            !done)
            return done.error();
        const QJsonObject payload{{QStringLiteral("certificateSerial"), serial},
                                  {QStringLiteral("supersededByUnit"), newUnitId}};
        if (auto queued = context.connection.run(
                QStringLiteral("INSERT INTO cloud_outbox (unit_id, certificate_id, action, idempotency_key, "
                               "payload, state, next_attempt_at, created_at, updated_at) "
                               "VALUES (?, ?, 'supersede', ?, ?, 'queued', ?, ?, ?)"),
                {oldUnitId, certificateId, QString(QStringLiteral("supersede:") + serial),
                 QString::fromUtf8(QJsonDocument(payload).toJson(QJsonDocument::Compact)), now, now, now},
                QStringLiteral("queueing the retirement of certificate %1").arg(serial));
            !queued)
            return queued.error();
    }
    return Status::success();
}

// The certificates of earlier failed or interrupted attempts are never used: a new attempt
// abandons them, which frees the device's public key for the new certificate.
Status abandonEarlierCertificates(SqlConnection& connection, qint64 batchDeviceId)
{
    auto done = connection.run(
        QStringLiteral("UPDATE certificates SET state = 'abandoned' WHERE state = 'issued' AND unit_id IN "
                       "(SELECT id FROM units WHERE batch_device_id = ? AND state IN ('failed','interrupted'))"),
        {batchDeviceId}, QStringLiteral("abandoning certificates of earlier attempts"));
    return done ? Status::success() : Status(done.error());
}

Result<QJsonObject> registrationPayload(SqlConnection& connection, const UnitRow& unit, const QString& certSerial)
{
    auto row = connection.one(QStringLiteral("SELECT attributes, thing_groups, thing_type, template_parameters "
                                             "FROM batch_devices WHERE id = ?"),
                              {unit.batchDeviceId}, QStringLiteral("reading the work-order row of the unit"));
    if (!row)
        return row.error();
    QJsonObject payload{{QStringLiteral("thingName"), unit.thingName},
                        {QStringLiteral("serialNumber"), unit.serialNumber},
                        {QStringLiteral("certificateSerial"), certSerial}};
    if (row.value()) {
        const QVariantList& c = *row.value();
        auto addJson = [&payload](const QString& key, const QVariant& text) {
            if (!text.isNull())
                payload.insert(key, QJsonDocument::fromJson(text.toString().toUtf8()).isObject()
                                        ? QJsonValue(QJsonDocument::fromJson(text.toString().toUtf8()).object())
                                        : QJsonValue(QJsonDocument::fromJson(text.toString().toUtf8()).array()));
        };
        addJson(QStringLiteral("attributes"), c[0]);
        addJson(QStringLiteral("thingGroups"), c[1]);
        if (!c[2].isNull())
            payload.insert(QStringLiteral("thingType"), c[2].toString());
        addJson(QStringLiteral("templateParameters"), c[3]);
    }
    return payload;
}

}  // namespace

QVariant nullableText(const std::optional<QString>& value)
{
    return value ? QVariant(*value) : QVariant(QMetaType(QMetaType::QString));
}

Status requireSupervisor(SqlConnection& connection, const std::optional<QString>& supervisor, const QString& forWhat)
{
    if (!supervisor || supervisor->isEmpty())
        return Error(ErrorCode::PermissionDenied, QStringLiteral("%1 needs a supervisor's approval").arg(forWhat));
    auto row = connection.one(QStringLiteral("SELECT role FROM operators WHERE name = ?"), {*supervisor},
                              QStringLiteral("checking the role of %1").arg(*supervisor));
    if (!row)
        return row.error();
    if (!row.value() || row.value()->at(0).toString() != QLatin1String("supervisor"))
        return Error(ErrorCode::PermissionDenied,
                     QStringLiteral("%1 needs a supervisor's approval, and '%2' is not registered as a supervisor "
                                    "(imprint-cli audit add-operator)").arg(forWhat, *supervisor));
    return Status::success();
}

Result<std::optional<BindPreview>> previewBind(SqlConnection& connection, const BeginUnit& request)
{
    if (request.rework || (!request.serialNumber && !request.hardwareId))
        return std::optional<BindPreview>();
    auto device = findDevice(connection, request);
    if (!device)
        return device.error();
    if (!device.value() || device.value()->batchId != request.batchId)
        return std::optional<BindPreview>();
    const DeviceRow& row = *device.value();
    if (row.hardwareId && request.hardwareId && *row.hardwareId != *request.hardwareId)
        return std::optional<BindPreview>();
    const std::optional<QString> hardwareId = request.hardwareId ? request.hardwareId : row.hardwareId;
    auto live = connection.one(QStringLiteral("SELECT 1 FROM units WHERE batch_device_id = ? AND state IN "
                                              "('in_progress','passed') UNION ALL SELECT 1 FROM units WHERE "
                                              "hardware_id = ? AND state IN ('in_progress','passed') LIMIT 1"),
                               {row.id, nullableText(hardwareId)},
                               QStringLiteral("looking for earlier units of the device"));
    if (!live)
        return live.error();
    if (live.value())
        return std::optional<BindPreview>();
    return std::optional<BindPreview>(BindPreview{row.serialNumber, row.thingName});
}

Result<UnitHandle> beginUnitIn(WriteContext& context, const BeginUnit& request)
{
    if (request.actor.operatorName.trimmed().isEmpty())
        return Error(ErrorCode::InvalidInput, QStringLiteral("every unit needs an operator (port %1)").arg(request.port));
    if (!request.serialNumber && !request.hardwareId)
        return Error(ErrorCode::InvalidInput,
                     QStringLiteral("the device on port %1 has neither a serial number nor a hardware ID to bind "
                                    "it to the work order").arg(request.port));
    if (request.rework) {
        if (auto allowed = requireSupervisor(context.connection, request.actor.supervisor, QStringLiteral("rework"));
            !allowed)
            return allowed.error();
    }
    auto batch = loadBatch(context.connection, request.batchId);
    if (!batch)
        return batch.error();
    auto device = bindDevice(context, batch.value(), request);
    if (!device)
        return device.error();
    const std::optional<QString> hardwareId = request.hardwareId ? request.hardwareId : device->hardwareId;
    auto live = liveUnits(context.connection, device->id, hardwareId);
    if (!live)
        return live.error();
    for (const auto& [unitId, state] : live.value()) {
        if (state == QLatin1String("in_progress"))
            return Error(ErrorCode::AlreadyExists, QStringLiteral("serial number %1 (port %2) is being provisioned "
                                                                  "right now as unit %3")
                                                       .arg(device->serialNumber, request.port).arg(unitId));
        if (!request.rework)
            return Error(ErrorCode::AlreadyExists,
                         QStringLiteral("serial number %1%2 (port %3) is already provisioned (unit %4); a "
                                        "supervisor can choose rework")
                             .arg(device->serialNumber,
                                  hardwareId ? QStringLiteral(", hardware ID ") + *hardwareId : QString(),
                                  request.port)
                             .arg(unitId));
    }
    auto attempts = context.connection.one(QStringLiteral("SELECT COUNT(*) FROM units WHERE batch_device_id = ?"),
                                           {device->id}, QStringLiteral("counting attempts"));
    if (!attempts)
        return attempts.error();
    if (auto abandoned = abandonEarlierCertificates(context.connection, device->id); !abandoned)
        return abandoned.error();
    // A rework frees the old unit's place first: the database allows one live unit per device.
    std::optional<qint64> superseded;
    for (const auto& [unitId, state] : live.value()) {
        (void)state;
        auto done = context.connection.run(QStringLiteral("UPDATE units SET state = 'superseded' WHERE id = ?"),
                                           {unitId}, QStringLiteral("superseding unit %1").arg(unitId));
        if (!done)
            return done.error();
        superseded = unitId;
    }

    UnitHandle handle;
    handle.uuid = QUuid::createUuid().toString(QUuid::WithoutBraces);
    handle.batchId = request.batchId;
    handle.batchDeviceId = device->id;
    handle.attempt = static_cast<int>(attempts.value()->at(0).toLongLong()) + 1;
    handle.serialNumber = device->serialNumber;
    handle.thingName = device->thingName;
    handle.hardwareId = hardwareId;
    handle.supersededUnitId = superseded;
    auto inserted = context.connection.run(
        QStringLiteral("INSERT INTO units (uuid, batch_id, batch_device_id, attempt, station, operator, supervisor, "
                       "slot, port, hardware_id, serial_number, thing_name, state, rework, rework_of, started_at) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'in_progress', ?, ?, ?)"),
        {handle.uuid, handle.batchId, handle.batchDeviceId, handle.attempt, context.station,
         request.actor.operatorName, nullableText(request.actor.supervisor), request.slot, request.port,
         nullableText(hardwareId), handle.serialNumber, handle.thingName, request.rework ? 1 : 0,
         superseded ? QVariant(*superseded) : QVariant(QMetaType(QMetaType::LongLong)),
         auditTime(context.clock.nowUtc())},
        QStringLiteral("starting a unit for serial number %1").arg(handle.serialNumber));
    if (!inserted)
        return inserted.error();
    handle.unitId = inserted.value()->lastInsertId().toLongLong();
    for (const auto& [unitId, state] : live.value()) {
        (void)state;
        if (auto done = supersedeUnit(context, unitId, handle.unitId); !done)
            return done.error();
    }
    auto unit = loadUnit(context.connection, handle.unitId);
    if (!unit)
        return unit.error();
    const QString step = request.rework ? QStringLiteral("begin-rework") : QStringLiteral("begin");
    QStringList notes;
    if (request.scannedLabel)
        notes << QStringLiteral("scanned label '%1'").arg(*request.scannedLabel);
    if (superseded)
        notes << QStringLiteral("supersedes unit %1").arg(*superseded);
    auto event = unitEvent(context, unit.value(),
                           StepEvent{step, QStringLiteral("ok"),
                                     notes.isEmpty() ? std::nullopt : std::optional<QString>(notes.join(u"; ")),
                                     std::nullopt});
    if (!event)
        return event.error();
    return handle;
}

Result<qint64> recordCertificateIn(WriteContext& context, qint64 unitId, const CertificateRecord& certificate)
{
    auto unit = loadRunningUnit(context.connection, unitId, QStringLiteral("record a certificate"));
    if (!unit)
        return unit.error();
    auto holder = context.connection.one(
        QStringLiteral("SELECT c.unit_id, c.serial, u.serial_number, c.state FROM certificates c "
                       "JOIN units u ON u.id = c.unit_id WHERE c.public_key_sha256 = ? "
                       "AND c.state IN ('issued','active')"),
        {certificate.publicKeySha256}, QStringLiteral("checking the public key"));
    if (!holder)
        return holder.error();
    if (holder.value()) {
        const QVariantList& c = *holder.value();
        const qint64 holderUnit = c[0].toLongLong();
        const bool replaceable = unit->rework && holderUnit != unitId && c[3].toString() == QLatin1String("active");
        if (!replaceable)
            return Error(ErrorCode::AlreadyExists,
                         QStringLiteral("the public key of serial number %1 (port %2) is already certified "
                                        "(certificate %3, unit %4, serial number %5); a supervisor can choose "
                                        "rework")
                             .arg(unit->serialNumber, unit->port, c[1].toString())
                             .arg(holderUnit)
                             .arg(c[2].toString()));
        if (auto done = supersedeUnit(context, holderUnit, unitId); !done)
            return done.error();
    }
    auto inserted = context.connection.run(
        QStringLiteral("INSERT INTO certificates (unit_id, serial, fingerprint_sha256, subject, not_before, not_after, "
                       "pem, public_key_sha256, state, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'issued', ?)"),
        {unitId, certificate.serial, certificate.fingerprintSha256, certificate.subject,
         auditTime(certificate.notBefore), auditTime(certificate.notAfter), certificate.pem,
         certificate.publicKeySha256, auditTime(context.clock.nowUtc())},
        QStringLiteral("recording certificate %1 of serial number %2").arg(certificate.serial, unit->serialNumber));
    if (!inserted)
        return inserted.error();
    const qint64 certificateId = inserted.value()->lastInsertId().toLongLong();
    auto event = unitEvent(context, unit.value(),
                           StepEvent{QStringLiteral("certificate-recorded"), QStringLiteral("ok"),
                                     QStringLiteral("certificate serial %1").arg(certificate.serial), std::nullopt});
    if (!event)
        return event.error();
    return certificateId;
}

Result<qint64> appendUnitEventIn(WriteContext& context, qint64 unitId, const StepEvent& event)
{
    if (event.step.isEmpty() || event.outcome.isEmpty())
        return Error(ErrorCode::InvalidInput, QStringLiteral("an event of unit %1 needs a step and an outcome").arg(unitId));
    auto unit = loadUnit(context.connection, unitId);
    if (!unit)
        return unit.error();
    return unitEvent(context, unit.value(), event);
}

namespace {

Result<qint64> passUnitWithClaim(WriteContext& context, const UnitRow& unit, std::optional<qint64> durationMs)
{
    if (auto done = context.connection.run(
            QStringLiteral("UPDATE units SET state = 'passed', finished_at = ? WHERE id = ?"),
            {auditTime(context.clock.nowUtc()), unit.id}, QStringLiteral("passing unit %1").arg(unit.id));
        !done)
        return done.error();
    auto event = unitEvent(context, unit, StepEvent{QStringLiteral("unit"), QStringLiteral("passed"), std::nullopt, durationMs});
    if (!event)
        return event.error();
    return qint64{0};
}

}  // namespace

Result<qint64> completePassedIn(WriteContext& context, qint64 unitId, std::optional<qint64> durationMs,
                                std::optional<qint64> stepEvents, bool claimInstalled)
{
    auto unit = loadRunningUnit(context.connection, unitId, QStringLiteral("pass"));
    if (!unit)
        return unit.error();
    if (stepEvents) {
        // The store's own events of a running unit are its begin and its certificate's record.
        auto recorded = context.connection.one(
            QStringLiteral("SELECT COUNT(*) FROM events WHERE unit_id = ? "
                           "AND step NOT IN ('begin','begin-rework','certificate-recorded')"),
            {unitId}, QStringLiteral("counting the step events of unit %1").arg(unitId));
        if (!recorded)
            return recorded.error();
        const qint64 found = recorded.value()->at(0).toLongLong();
        if (found < *stepEvents)
            return Error(ErrorCode::Database, QStringLiteral("unit %1 (serial number %2) cannot pass: %3 of its %4 step "
                                                             "events are not on record")
                                                  .arg(unitId)
                                                  .arg(unit->serialNumber)
                                                  .arg(*stepEvents - found)
                                                  .arg(*stepEvents));
    }
    if (claimInstalled)  // no certificate of the station's; the device registers itself
        return passUnitWithClaim(context, unit.value(), durationMs);
    auto certificate = context.connection.one(
        QStringLiteral("SELECT id, serial FROM certificates WHERE unit_id = ? AND state = 'issued' "
                       "ORDER BY id DESC LIMIT 1"),
        {unitId}, QStringLiteral("finding the certificate of unit %1").arg(unitId));
    if (!certificate)
        return certificate.error();
    if (!certificate.value())
        return Error(ErrorCode::InvalidInput, QStringLiteral("unit %1 (serial number %2) cannot pass: no certificate "
                                                             "was recorded for it").arg(unitId).arg(unit->serialNumber));
    const qint64 certificateId = certificate.value()->at(0).toLongLong();
    const QString certificateSerial = certificate.value()->at(1).toString();
    const QString now = auditTime(context.clock.nowUtc());
    if (auto done = context.connection.run(
            QStringLiteral("UPDATE certificates SET state = 'active' WHERE id = ?"), {certificateId},
            QStringLiteral("activating certificate %1").arg(certificateSerial));
        !done)
        return done.error();
    if (auto done = context.connection.run(
            QStringLiteral("UPDATE units SET state = 'passed', finished_at = ? WHERE id = ?"), {now, unitId},
            QStringLiteral("passing unit %1").arg(unitId));
        !done)
        return done.error();
    auto payload = registrationPayload(context.connection, unit.value(), certificateSerial);
    if (!payload)
        return payload.error();
    auto queued = context.connection.run(
        QStringLiteral("INSERT INTO cloud_outbox (unit_id, certificate_id, action, idempotency_key, payload, state, "
                       "next_attempt_at, created_at, updated_at) VALUES (?, ?, 'register', ?, ?, 'queued', ?, ?, ?)"),
        {unitId, certificateId, QStringLiteral("register:%1:%2").arg(unit->thingName, certificateSerial),
         QString::fromUtf8(QJsonDocument(payload.value()).toJson(QJsonDocument::Compact)), now, now, now},
        QStringLiteral("queueing the cloud registration of %1").arg(unit->thingName));
    if (!queued)
        return queued.error();
    const qint64 outboxId = queued.value()->lastInsertId().toLongLong();
    auto event = unitEvent(context, unit.value(),
                           StepEvent{QStringLiteral("unit"), QStringLiteral("passed"), std::nullopt, durationMs});
    if (!event)
        return event.error();
    return outboxId;
}

Result<qint64> completeFailedIn(WriteContext& context, qint64 unitId, const QString& step, const QString& reason)
{
    auto unit = loadRunningUnit(context.connection, unitId, QStringLiteral("fail"));
    if (!unit)
        return unit.error();
    if (auto done = context.connection.run(
            QStringLiteral("UPDATE units SET state = 'failed', finished_at = ?, error = ? WHERE id = ?"),
            {auditTime(context.clock.nowUtc()), reason, unitId}, QStringLiteral("failing unit %1").arg(unitId));
        !done)
        return done.error();
    if (auto done = context.connection.run(
            QStringLiteral("UPDATE certificates SET state = 'abandoned' WHERE unit_id = ? AND state = 'issued'"),
            {unitId}, QStringLiteral("abandoning the certificate of unit %1").arg(unitId));
        !done)
        return done.error();
    return unitEvent(context, unit.value(), StepEvent{step, QStringLiteral("failed"), reason, std::nullopt});
}

Result<std::vector<InterruptedUnit>> recoverInterruptedIn(WriteContext& context)
{
    auto running = context.connection.run(
        QStringLiteral("SELECT id FROM units WHERE state = 'in_progress' AND station = ?"), {context.station},
        QStringLiteral("finding units left in progress"));
    if (!running)
        return running.error();
    std::vector<qint64> ids;
    while (running.value()->next())
        ids.push_back(running.value()->value(0).toLongLong());
    running.value()->finish();
    for (const qint64 id : ids) {
        auto unit = loadUnit(context.connection, id);
        if (!unit)
            return unit.error();
        if (auto done = context.connection.run(QStringLiteral("UPDATE units SET state = 'interrupted', "
                                                              "error = 'the station stopped during this unit' "
                                                              "WHERE id = ?"),
                                               {id}, QStringLiteral("marking unit %1 interrupted").arg(id));
            !done)
            return done.error();
        auto event = unitEvent(context, unit.value(),
                               StepEvent{QStringLiteral("unit"), QStringLiteral("interrupted"),
                                         QStringLiteral("the station stopped during this unit"), std::nullopt});
        if (!event)
            return event.error();
    }
    // Every interrupted unit whose device has not been provisioned by a later attempt.
    auto query = context.connection.run(
        QStringLiteral(
            "SELECT u.id, u.batch_id, u.batch_device_id, u.serial_number, u.hardware_id, u.slot, u.port, "
            "  (SELECT step FROM events e WHERE e.unit_id = u.id AND e.outcome <> 'interrupted' "
            "   ORDER BY e.id DESC LIMIT 1), "
            "  EXISTS (SELECT 1 FROM certificates c WHERE c.unit_id = u.id) "
            "FROM units u WHERE u.state = 'interrupted' AND u.id = (SELECT MAX(id) FROM units w "
            "  WHERE w.batch_device_id = u.batch_device_id) ORDER BY u.id"),
        {}, QStringLiteral("listing interrupted units"));
    if (!query)
        return query.error();
    std::vector<InterruptedUnit> units;
    QSqlQuery* q = query.value();
    while (q->next()) {
        units.push_back(InterruptedUnit{q->value(0).toLongLong(), q->value(1).toLongLong(), q->value(2).toLongLong(),
                                        q->value(3).toString(), optionalText(q->value(4)), q->value(5).toInt(),
                                        q->value(6).toString(), q->value(7).toString(), q->value(8).toInt() != 0});
    }
    q->finish();
    return units;
}

Result<qint64> appendStationEventIn(WriteContext& context, const Actor& actor, const QString& step,
                                    const QString& outcome, std::optional<qint64> batchId, std::optional<QString> error,
                                    std::optional<QString> detail)
{
    EventRecord event;
    event.at = context.clock.nowUtc();
    event.station = context.station;
    event.operatorName = actor.operatorName;
    event.supervisor = actor.supervisor;
    event.batchId = batchId;
    event.step = step;
    event.outcome = outcome;
    event.error = std::move(error);
    event.detail = std::move(detail);
    return appendEvent(context.connection, event);
}

Status addOperatorIn(WriteContext& context, const QString& name, const QString& role, const Actor& by)
{
    if (name.trimmed().isEmpty() || (role != QLatin1String("operator") && role != QLatin1String("supervisor")))
        return Error(ErrorCode::InvalidInput,
                     QStringLiteral("an operator needs a name and the role operator or supervisor (got '%1')").arg(role));
    auto supervisors = context.connection.one(QStringLiteral("SELECT COUNT(*) FROM operators WHERE role = 'supervisor'"),
                                              {}, QStringLiteral("counting supervisors"));
    if (!supervisors)
        return supervisors.error();
    const bool first = supervisors.value()->at(0).toLongLong() == 0;
    if (!first) {
        if (auto allowed = requireSupervisor(context.connection, by.supervisor,
                                             QStringLiteral("adding or changing an operator"));
            !allowed)
            return allowed;
    }
    auto done = context.connection.run(
        QStringLiteral("INSERT INTO operators (name, role, added_at, added_by) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT (name) DO UPDATE SET role = excluded.role"),
        {name, role, auditTime(context.clock.nowUtc()), by.supervisor.value_or(by.operatorName)},
        QStringLiteral("registering %1").arg(name));
    if (!done)
        return done.error();
    auto event = appendStationEventIn(context, by, QStringLiteral("operator-registered"), QStringLiteral("ok"),
                                      std::nullopt, QStringLiteral("%1 as %2").arg(name, role));
    return event ? Status::success() : Status(event.error());
}

}  // namespace imprint::audit
