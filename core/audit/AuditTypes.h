#pragma once

// The records the provisioning pipeline hands to the audit store, and what it gets back.

#include <QDateTime>
#include <QString>

#include <optional>

namespace imprint::audit {

// Who did it: every event carries the operator; rework and quota overrides also need the name
// of a supervisor (a person registered with the supervisor role in the operators table).
struct Actor
{
    QString operatorName;
    std::optional<QString> supervisor;
};

// How a device found on a slot is bound to a work-order row: by its serial number (read from
// the device or scanned from its barcode) and/or by its hardware ID.
struct BeginUnit
{
    qint64 batchId = 0;
    std::optional<QString> serialNumber;
    std::optional<QString> hardwareId;  // what the device reports; refused if already provisioned
    int slot = 0;
    QString port;
    Actor actor;
    bool rework = false;         // supervisor-approved: supersedes the device's earlier unit
    bool quotaOverride = false;  // supervisor-approved: an open batch past its quota
    // Bound by a scanned barcode label (then also serialNumber): recorded on the unit's first event.
    std::optional<QString> scannedLabel;
};

struct UnitHandle
{
    qint64 unitId = 0;
    QString uuid;
    qint64 batchId = 0;
    qint64 batchDeviceId = 0;
    int attempt = 1;
    QString serialNumber;
    QString thingName;
    std::optional<QString> hardwareId;
    std::optional<qint64> supersededUnitId;  // set on rework
};

struct CertificateRecord
{
    QString serial;             // hex, as in the certificate
    QString fingerprintSha256;  // hex of SHA-256 over the DER certificate
    QString subject;
    QDateTime notBefore;
    QDateTime notAfter;
    QString pem;
    QString publicKeySha256;    // hex of SHA-256 over the DER SubjectPublicKeyInfo
};

struct StepEvent
{
    QString step;
    QString outcome;  // "ok", "failed", "retry", ...
    std::optional<QString> error;
    std::optional<qint64> durationMs;
    // What the step used or produced, as `key=value` pairs separated by spaces (e.g. the claim
    // installed: "claim=<certificate id> via=trusted-user expires=<ISO time>"). Never a secret.
    std::optional<QString> detail = std::nullopt;
};

struct InterruptedUnit
{
    qint64 unitId = 0;
    qint64 batchId = 0;
    qint64 batchDeviceId = 0;
    QString serialNumber;
    std::optional<QString> hardwareId;
    int slot = 0;
    QString port;
    QString lastStep;
    bool certificateIssued = false;  // its certificate may be on the device: redo, never reuse
};

}  // namespace imprint::audit
