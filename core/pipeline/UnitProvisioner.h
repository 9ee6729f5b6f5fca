#pragma once

// Provisions one device that a slot has identified: bind it to its work-order row, key it,
// issue its certificate through the CA, write and verify everything, lock it, and record
// every step in the audit. Runs on the slot's worker thread; every call it makes blocks
// that thread only.
//
// Order that keeps the audit true even on a crash or a power cut:
//   the certificate is committed to the audit BEFORE it is written to the device, and the
//   unit is reported passed only AFTER its final record (and its cloud registration) committed.

#include "core/Clock.h"
#include "core/Result.h"
#include "core/audit/AuditStore.h"
#include "core/audit/SqlConnection.h"
#include "core/ca/CertificateIssuer.h"
#include "core/device/DeviceDriver.h"
#include "core/pipeline/LabelScanner.h"
#include "core/pipeline/ProvisioningProfile.h"

#include <functional>
#include <future>
#include <optional>
#include <vector>

namespace imprint::pipeline {

struct UnitContext
{
    qint64 batchId = 0;
    int slot = 0;
    audit::Actor actor;
    bool rework = false;
    bool quotaOverride = false;
    // Open batches take a device by serial number: a device family that reports none is taken
    // by its hardware ID instead.
    bool hardwareIdAsSerial = false;
    // BindMode::Barcode: where the slot's scanned label comes from (required then).
    LabelScanner* labels = nullptr;
    // A read connection of the slot's thread: with it, the bind commits while the device makes
    // its key (one durable commit fewer on the unit's critical path). Optional.
    audit::SqlConnection* reader = nullptr;
};

struct UnitOutcome
{
    bool passed = false;
    std::optional<qint64> unitId;     // unset when the device was refused before binding
    QString serialNumber;
    QString thingName;
    QString certificateSerial;
    QString step;                     // the failed step, on failure
    QString reason;                   // plain words, on failure
    QString hint;                     // what the technician should do, on failure
    std::optional<ErrorCode> errorCode;
    qint64 totalNs = 0;               // the whole unit
    qint64 deviceNs = 0;              // of which waiting for the device
    [[nodiscard]] qint64 stationNs() const { return totalNs - deviceNs; }
};

// What the technician should do about a failure of this kind, in plain words.
[[nodiscard]] QString hintFor(ErrorCode code);

class UnitProvisioner
{
public:
    using StepCallback = std::function<void(const QString& step, int index, int count)>;

    UnitProvisioner(device::DeviceDriver& driver, ca::CertificateIssuer& issuer, audit::AuditStore& audit,
                    const ProvisioningProfile& profile, const Clock& clock);

    // `identity` is what the slot's identify() returned for this device.
    [[nodiscard]] UnitOutcome run(const device::DeviceIdentity& identity, const UnitContext& context,
                                  const StepCallback& onStep = {});

    [[nodiscard]] static QStringList stepNames(const ProvisioningProfile& profile);

private:
    struct Failure
    {
        QString step;
        Error error;
    };

    // BindMode::Barcode: the slot's scanned label, checked against the serial the device reports.
    [[nodiscard]] Result<QString> scanLabel(const device::DeviceIdentity& identity, const UnitContext& context);
    [[nodiscard]] Result<audit::UnitHandle> bind(const audit::BeginUnit& begin, const UnitContext& context,
                                                 const device::DeviceIdentity& identity);
    [[nodiscard]] std::optional<Failure> provision(const device::DeviceIdentity& identity,
                                                   const audit::UnitHandle& unit, UnitOutcome& outcome);
    [[nodiscard]] Result<ca::IssuedCertificate> keyAndIssue(const device::DeviceIdentity& identity,
                                                            const audit::UnitHandle& unit);
    [[nodiscard]] Status writeAndVerify(const ca::IssuedCertificate& certificate, const ca::DeviceIdentity& ids);
    [[nodiscard]] Status proveAndLock(const ca::IssuedCertificate& certificate, const device::DeviceIdentity& identity);

    // Runs one step: announces it, times it, retries transient failures, records its event.
    template <typename T>
    Result<T> step(const QString& name, const std::function<Result<T>()>& action, bool onDevice = true,
                   bool retryable = true, bool announced = true);
    void announce(const QString& name);
    // A step that does not apply to this device: announced and recorded as skipped, with why.
    void skip(const QString& name, const QString& why);

    void recordEvent(const QString& name, const QString& outcome, const std::optional<QString>& error,
                     qint64 durationNs);
    [[nodiscard]] Status awaitEvents();
    [[nodiscard]] static Status awaitEvents(std::vector<std::future<Status>>& pendingEvents);

    device::DeviceDriver& m_driver;
    ca::CertificateIssuer& m_issuer;
    audit::AuditStore& m_audit;
    const ProvisioningProfile& m_profile;
    const Clock& m_clock;

    // Per run
    StepCallback m_onStep;
    QStringList m_steps;
    int m_currentStep = 0;
    std::optional<qint64> m_unitId;
    bool m_rework = false;
    std::vector<std::future<Status>> m_pendingEvents;
    bool m_deferEvents = false;                  // events of steps run before the unit is bound...
    std::vector<audit::StepEvent> m_deferredEvents;  // ...recorded once it is
    std::optional<Result<device::CsrResult>> m_earlyCsr;  // made while the bind committed
    qint64 m_deviceNs = 0;
    std::optional<SecureBytes> m_stationKey;
};

}  // namespace imprint::pipeline
