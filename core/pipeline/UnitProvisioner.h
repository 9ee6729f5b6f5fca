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
#include "core/claims/ClaimProvider.h"
#include "core/device/DeviceDriver.h"
#include "core/pipeline/LabelScanner.h"
#include "core/pipeline/ProvisioningProfile.h"
#include "core/pipeline/SlotState.h"

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
    // Claim modes (RegistrationMode::Claim, TrustedUser): where the unit's claim comes from
    // (required then). Not owned.
    claims::ClaimProvider* claims = nullptr;
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
    // Turned away before binding, for a reason a supervisor can lift (None otherwise).
    [[nodiscard]] Refusal refusal() const;
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

    // Claim modes: when the claim being installed expires (unset: none yet, or it never does).
    // For the slot's tile; read it from the step callback (same thread).
    [[nodiscard]] std::optional<QDateTime> claimExpiresAt() const { return m_claimExpiresAt; }

private:
    struct Failure
    {
        QString step;
        Error error;
        std::optional<QString> hint = std::nullopt;  // instead of hintFor(error.code())
    };
    // Object name and the SHA-256 the device must report for it after it was written.
    using ExpectedHashes = QList<QPair<QString, QByteArray>>;

    // BindMode::Barcode: the slot's scanned label, checked against the serial the device reports.
    [[nodiscard]] Result<QString> scanLabel(const device::DeviceIdentity& identity, const UnitContext& context);
    [[nodiscard]] Result<audit::UnitHandle> bind(const audit::BeginUnit& begin, const UnitContext& context,
                                                 const device::DeviceIdentity& identity);
    [[nodiscard]] std::optional<Failure> provision(const device::DeviceIdentity& identity,
                                                   const audit::UnitHandle& unit, UnitOutcome& outcome);
    [[nodiscard]] Result<ca::IssuedCertificate> keyAndIssue(const device::DeviceIdentity& identity,
                                                            const audit::UnitHandle& unit);
    [[nodiscard]] Status writeAndVerify(const ca::IssuedCertificate& certificate, const ca::DeviceIdentity& ids);
    // Root CA (if any) and configuration (with `extra` values), both added to `written`.
    [[nodiscard]] Status writeRootCaAndConfiguration(const ca::DeviceIdentity& ids,
                                                     const device::ConfigurationValues& extra, ExpectedHashes& written);
    [[nodiscard]] Status verifyReadBack(const ExpectedHashes& written);
    // Claim modes: request (trusted user) and write the claim, configure, verify, lock.
    [[nodiscard]] std::optional<Failure> installClaim(const device::DeviceIdentity& identity,
                                                      const audit::UnitHandle& unit);
    [[nodiscard]] Result<claims::UnitClaim> requestClaim();
    [[nodiscard]] bool lastsInstallation(const claims::UnitClaim& claim) const;
    [[nodiscard]] std::optional<Failure> lockBeforeExpiry(const device::DeviceIdentity& identity,
                                                          const claims::UnitClaim& claim);
    [[nodiscard]] Status proveAndLock(const ca::IssuedCertificate& certificate, const device::DeviceIdentity& identity);
    // The provisioning lock, or its skip on record for a family that has none.
    [[nodiscard]] Status lockIfSupported(const device::DeviceIdentity& identity);

    // Runs one step: announces it, times it, retries transient failures, records its event.
    template <typename T>
    Result<T> step(const QString& name, const std::function<Result<T>()>& action, bool onDevice = true,
                   bool retryable = true, bool announced = true);
    void announce(const QString& name);
    // A step that does not apply to this device: announced and recorded as skipped, with why.
    void skip(const QString& name, const QString& why);

    void recordEvent(const QString& name, const QString& outcome, const std::optional<QString>& error,
                     qint64 durationNs, const std::optional<QString>& detail = std::nullopt);
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
    claims::ClaimProvider* m_claims = nullptr;
    std::optional<QDateTime> m_claimExpiresAt;
    std::optional<QString> m_stepDetail;  // the detail of the step running now, on its events
};

}  // namespace imprint::pipeline
