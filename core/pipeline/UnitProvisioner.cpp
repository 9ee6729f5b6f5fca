#include "core/pipeline/UnitProvisioner.h"

#include "core/Log.h"
#include "core/audit/UnitRecords.h"
#include "core/pipeline/ProofOfPossession.h"

#include <algorithm>
#include <utility>
#include <thread>

namespace imprint::pipeline {

namespace {

const QString kScanLabel = QStringLiteral("scan label");
const QString kBind = QStringLiteral("bind");
const QString kFactoryReset = QStringLiteral("factory reset");
const QString kGenerateKey = QStringLiteral("generate key");
const QString kIssue = QStringLiteral("issue");
const QString kWriteKey = QStringLiteral("write key");
const QString kWriteChain = QStringLiteral("write chain");
const QString kWriteRootCa = QStringLiteral("write root CA");
const QString kRequestClaim = QStringLiteral("request claim");
const QString kWriteClaim = QStringLiteral("write claim");
const QString kWriteConfiguration = QStringLiteral("write configuration");
const QString kVerify = QStringLiteral("verify");
const QString kProofOfPossession = QStringLiteral("proof of possession");
const QString kLock = QStringLiteral("lock");
const QString kComplete = QStringLiteral("complete");

// RFC 4514 escaping of one attribute value.
QString escapeDnValue(const QString& value)
{
    QString escaped;
    for (const QChar c : value) {
        if (c == u',' || c == u'+' || c == u'"' || c == u'\\' || c == u'<' || c == u'>' || c == u';'
            || c == u'=')
            escaped += u'\\';
        escaped += c;
    }
    return escaped;
}

QString subjectText(const ca::SubjectPattern& subject)
{
    const QList<QPair<QString, QString>> fields = {
        {QStringLiteral("CN"), subject.commonName},     {QStringLiteral("C"), subject.country},
        {QStringLiteral("O"), subject.organization},    {QStringLiteral("OU"), subject.organizationalUnit},
        {QStringLiteral("serialNumber"), subject.serialNumber}, {QStringLiteral("dnQualifier"), subject.dnQualifier}};
    QStringList parts;
    for (const auto& [name, value] : fields) {
        if (!value.isEmpty())
            parts << name + u'=' + escapeDnValue(value);
    }
    return parts.join(u',');
}

audit::CertificateRecord toRecord(const ca::IssuedCertificate& certificate)
{
    return {certificate.serialHex, certificate.sha256Fingerprint, certificate.subject, certificate.notBefore,
            certificate.notAfter, QString::fromLatin1(certificate.pem), certificate.publicKeySha256};
}

bool isTransient(ErrorCode code)
{
    return code == ErrorCode::Timeout || code == ErrorCode::DeviceProtocol;
}

std::optional<QString> nonEmpty(const QString& text)
{
    return text.isEmpty() ? std::nullopt : std::optional<QString>(text);
}

}  // namespace

Refusal UnitOutcome::refusal() const
{
    if (unitId || !errorCode)
        return Refusal::None;
    switch (*errorCode) {
    case ErrorCode::AlreadyExists: return Refusal::AlreadyProvisioned;  // the audit's bind refusals
    case ErrorCode::PermissionDenied: return Refusal::OverQuota;        // the open batch's quota
    default: return Refusal::None;
    }
}

QString hintFor(ErrorCode code)
{
    switch (code) {
    case ErrorCode::AlreadyExists:
        return QStringLiteral("This device is already provisioned. Set it aside, or ask a supervisor to approve rework.");
    case ErrorCode::NotFound:
        return QStringLiteral("This device is not in the work order (or the batch is full). Set it aside for the supervisor.");
    case ErrorCode::Timeout:
        return QStringLiteral("The device stopped answering. Re-seat it on the fixture (or power-cycle it) and start the slot again.");
    case ErrorCode::DeviceLinkLost:
        return QStringLiteral("The connection was lost. Check the cable and the fixture contacts, then re-seat the device.");
    case ErrorCode::DeviceProtocol:
        return QStringLiteral("The device answered with garbage. Check the cable; if it happens again, set the device aside for engineering.");
    case ErrorCode::DeviceRefused:
    case ErrorCode::CsrRejected:
        return QStringLiteral("The device failed a security check. Put it in the reject bin and tell engineering.");
    case ErrorCode::PinIncorrect:
    case ErrorCode::PinLocked:
    case ErrorCode::TokenNotFound:
    case ErrorCode::TokenRemoved:
    case ErrorCode::HsmModule:
    case ErrorCode::KeyNotFound:
    case ErrorCode::CaInvalid:
    case ErrorCode::Crypto:
        return QStringLiteral("The HSM cannot sign. Stop the line and call the supervisor.");
    case ErrorCode::Database:
    case ErrorCode::IntegrityViolation:
        return QStringLiteral("The audit database cannot be written. Stop the line and call the supervisor.");
    default:
        return QStringLiteral("Set the device aside and call the supervisor.");
    }
}

UnitProvisioner::UnitProvisioner(device::DeviceDriver& driver, ca::CertificateIssuer& issuer,
                                 audit::AuditStore& audit, const ProvisioningProfile& profile, const Clock& clock)
    : m_driver(driver), m_issuer(issuer), m_audit(audit), m_profile(profile), m_clock(clock)
{
}

QStringList UnitProvisioner::stepNames(const ProvisioningProfile& profile)
{
    QStringList steps;
    if (profile.bind == BindMode::Barcode)
        steps << kScanLabel;
    steps << kBind;
    if (installsClaim(profile.registration)) {  // no key, no certificate: the device gets them online
        if (profile.registration == RegistrationMode::TrustedUser)
            steps << kRequestClaim;
        steps << kWriteClaim;
        if (!profile.serverRootCaPem.isEmpty())
            steps << kWriteRootCa;
        steps << kWriteConfiguration << kVerify << kLock << kComplete;
        return steps;
    }
    if (profile.keyMode == KeyMode::DeviceCsr)
        steps << kGenerateKey << kIssue;
    else
        steps << kIssue << kWriteKey;
    steps << kWriteChain;
    if (!profile.serverRootCaPem.isEmpty())
        steps << kWriteRootCa;
    if (!profile.configuration.isEmpty())
        steps << kWriteConfiguration;
    steps << kVerify << kProofOfPossession << kLock << kComplete;
    return steps;
}

UnitOutcome UnitProvisioner::run(const device::DeviceIdentity& identity, const UnitContext& context,
                                 const StepCallback& onStep)
{
    m_onStep = onStep;
    m_steps = stepNames(m_profile);
    m_rework = context.rework;
    if (m_rework)  // a provisioned device is locked: it is wiped before it is keyed again
        m_steps.insert(m_steps.indexOf(kBind) + 1, kFactoryReset);
    m_unitId.reset();
    m_pendingEvents.clear();
    m_deferEvents = false;
    m_deferredEvents.clear();
    m_earlyCsr.reset();
    m_deviceNs = 0;
    m_stationKey.reset();
    m_claims = context.claims;
    m_claimExpiresAt.reset();
    m_stepDetail.reset();

    const qint64 start = m_clock.monotonicNs();
    UnitOutcome outcome;
    auto finish = [&](UnitOutcome& result) -> UnitOutcome {
        result.totalNs = m_clock.monotonicNs() - start;
        result.deviceNs = m_deviceNs;
        if (m_stationKey)
            m_stationKey->wipe();
        m_stationKey.reset();
        return result;
    };
    auto fail = [&](const QString& failedStep, const Error& error) {
        outcome.step = failedStep;
        outcome.reason = error.message();
        outcome.errorCode = error.code();
        outcome.hint = hintFor(error.code());
    };

    // Not bound, so no unit row: a refusal is still on record, as a station event.
    auto refuse = [&](const QString& failedStep, const Error& error) {
        if (error.code() == ErrorCode::Cancelled) {  // the run stopped: nothing was refused
            fail(failedStep, error);
            return;
        }
        const Status noted = m_audit.appendStationEvent(context.actor, failedStep, QStringLiteral("refused"),
                                                        context.batchId,
                                                        QStringLiteral("port %1, device %2: %3")
                                                            .arg(m_driver.portName(), identity.hardwareId,
                                                                 error.message()));
        fail(failedStep, noted ? error : error.withContext(noted.error().message()));
    };

    std::optional<QString> label;
    if (m_profile.bind == BindMode::Barcode) {
        auto scanned = scanLabel(identity, context);
        if (!scanned) {
            refuse(kScanLabel, scanned.error());
            outcome.hint = scanned.error().code() == ErrorCode::Timeout
                               ? QStringLiteral("Scan the device's label (or check the scanner), then re-seat the device.")
                               : QStringLiteral("Scan the label of the device on this slot again; if it still does not "
                                                "match, set the device aside for the supervisor.");
            return finish(outcome);
        }
        label = scanned.value();
    }

    const QString serial = label ? *label
                           : identity.serialNumber.isEmpty() && context.hardwareIdAsSerial ? identity.hardwareId
                                                                                            : identity.serialNumber;
    const audit::BeginUnit begin{context.batchId, nonEmpty(serial),   nonEmpty(identity.hardwareId),
                                 context.slot,    m_driver.portName(), context.actor,
                                 context.rework,  context.quotaOverride, label};
    auto unit = bind(begin, context, identity);
    if (!unit) {
        refuse(kBind, unit.error());
        return finish(outcome);
    }
    m_unitId = unit->unitId;
    for (const audit::StepEvent& deferred : std::exchange(m_deferredEvents, {}))
        recordEvent(deferred.step, deferred.outcome, deferred.error, deferred.durationMs.value_or(0) * 1'000'000,
                    deferred.detail);
    outcome.unitId = unit->unitId;
    outcome.serialNumber = unit->serialNumber;
    outcome.thingName = unit->thingName;

    if (auto failure = provision(identity, unit.value(), outcome)) {
        fail(failure->step, failure->error);
        if (failure->hint)
            outcome.hint = *failure->hint;
        const Status events = awaitEvents();
        const Status recorded = m_audit.completeFailed(unit->unitId, failure->step, failure->error.message());
        if (!events || !recorded) {
            const Error& lost = !recorded ? recorded.error() : events.error();
            outcome.reason += QStringLiteral(" (and the failure could not be recorded: %1)").arg(lost.message());
            outcome.hint = hintFor(ErrorCode::Database);
        }
        return finish(outcome);
    }

    // The final record follows the step events through the one writer: it checks they are all on
    // record instead of the unit waiting for their commit first (one durable commit fewer).
    const qint64 durationMs = (m_clock.monotonicNs() - start) / 1'000'000;
    std::vector<std::future<Status>> stepEvents = std::exchange(m_pendingEvents, {});
    const auto stepEventCount = static_cast<qint64>(stepEvents.size());
    const bool claimInstalled = installsClaim(m_profile.registration);
    auto completed = step<qint64>(
        kComplete, [&] { return m_audit.completePassed(unit->unitId, durationMs, stepEventCount, claimInstalled); },
        false, false);
    const Status events = awaitEvents(stepEvents);  // settled already: queued before the final record
    if (!completed) {
        const Error& why = events ? completed.error() : events.error();
        fail(kComplete, why);
        static_cast<void>(m_audit.completeFailed(unit->unitId, kComplete, why.message()));
        return finish(outcome);
    }
    outcome.passed = true;
    return finish(outcome);
}

Result<audit::UnitHandle> UnitProvisioner::bind(const audit::BeginUnit& begin, const UnitContext& context,
                                                 const device::DeviceIdentity& identity)
{
    auto sequential = [&] { return step<audit::UnitHandle>(kBind, [&] { return m_audit.beginUnit(begin); }, false, false); };
    // Only a device whose binding is all but certain is asked for its key before the bind has
    // committed: a device that will be refused (already provisioned…) is never touched.
    if (m_profile.keyMode != KeyMode::DeviceCsr || !context.reader || installsClaim(m_profile.registration))
        return sequential();
    auto preview = audit::previewBind(*context.reader, begin);
    if (!preview || !preview.value())
        return sequential();
    const ca::DeviceIdentity ids{preview.value()->thingName, preview.value()->serialNumber, identity.hardwareId};
    auto subject = ca::expandSubject(m_profile.certificate.subject, ids);
    if (!subject)
        return sequential();  // keyAndIssue reports it, with the unit on record

    announce(kBind);
    auto pending = m_audit.beginUnitAsync(begin);
    m_deferEvents = true;
    m_earlyCsr = step<device::CsrResult>(kGenerateKey,
                                         [&] { return m_driver.generateKeyAndCsr(subjectText(subject.value())); });
    m_deferEvents = false;
    // Station time: only what is left of the commit once the device has answered.
    auto unit = step<audit::UnitHandle>(kBind, [&] { return pending.get(); }, false, false, false);
    if (!unit || unit->thingName != ids.thingName || unit->serialNumber != ids.serialNumber) {
        m_earlyCsr.reset();  // refused, or bound otherwise than previewed: the key is made again if needed
        if (!unit)
            m_deferredEvents.clear();
    }
    return unit;
}

Result<QString> UnitProvisioner::scanLabel(const device::DeviceIdentity& identity, const UnitContext& context)
{
    return step<QString>(
        kScanLabel,
        [&]() -> Result<QString> {
            if (!context.labels)
                return Error(ErrorCode::Internal, QStringLiteral("slot %1 (port %2): the profile binds by barcode, but "
                                                                 "no label scanner is connected to the run")
                                                      .arg(context.slot)
                                                      .arg(m_driver.portName()));
            auto scanned = context.labels->waitForLabel(context.slot, m_driver.portName(), m_profile.labelTimeout);
            if (!scanned)
                return scanned;
            if (!identity.serialNumber.isEmpty() && identity.serialNumber != scanned.value())
                return Error(ErrorCode::InvalidInput,
                             QStringLiteral("label %1 does not match the device's serial %2 on slot %3 (port %4)")
                                 .arg(scanned.value(), identity.serialNumber)
                                 .arg(context.slot)
                                 .arg(m_driver.portName()));
            return scanned;
        },
        true, false);  // waiting for a person to scan is not the station's time
}

std::optional<UnitProvisioner::Failure> UnitProvisioner::provision(const device::DeviceIdentity& identity,
                                                                   const audit::UnitHandle& unit,
                                                                   UnitOutcome& outcome)
{
    if (m_rework) {
        const Status reset = identity.can(QStringLiteral("reset"))
                                 ? step<void>(kFactoryReset, [&] { return m_driver.factoryReset(); })
                                 : Status(Error(ErrorCode::Unsupported,
                                                QStringLiteral("port %1: the device family has no factory reset, so a "
                                                               "provisioned device cannot be reworked on the station")
                                                    .arg(m_driver.portName())));
        if (!reset)
            return Failure{kFactoryReset, reset.error()};
    }
    if (installsClaim(m_profile.registration))
        return installClaim(identity, unit);
    auto issued = keyAndIssue(identity, unit);
    if (!issued)
        return Failure{m_steps.value(m_currentStep), issued.error()};
    outcome.certificateSerial = issued->serialHex;

    const ca::DeviceIdentity ids{unit.thingName, unit.serialNumber, identity.hardwareId};
    if (Status written = writeAndVerify(issued.value(), ids); !written)
        return Failure{m_steps.value(m_currentStep), written.error()};
    if (Status done = proveAndLock(issued.value(), identity); !done)
        return Failure{m_steps.value(m_currentStep), done.error()};
    return std::nullopt;
}

Result<ca::IssuedCertificate> UnitProvisioner::keyAndIssue(const device::DeviceIdentity& identity,
                                                           const audit::UnitHandle& unit)
{
    ca::IssueRequest request;
    request.device = {unit.thingName, unit.serialNumber, identity.hardwareId};
    request.profile = m_profile.certificate;
    request.stationKeyType = m_profile.stationKeyType;

    // Issuing and recording are one step: a certificate that is not committed to the audit
    // is never handed on to the device.
    auto recorded = [this, &unit](const ca::IssuedCertificate& certificate) -> Status {
        auto row = m_audit.recordCertificate(unit.unitId, toRecord(certificate));
        if (!row)
            return row.error();
        return {};
    };

    if (m_profile.keyMode == KeyMode::StationKey) {
        auto withKey = step<ca::IssuedWithKey>(
            kIssue,
            [&]() -> Result<ca::IssuedWithKey> {
                auto made = m_issuer.issueWithStationKey(request);
                if (!made)
                    return made.error();
                if (Status saved = recorded(made->certificate); !saved)
                    return saved.error();
                return made;
            },
            false, false);
        if (!withKey)
            return withKey.error();
        m_stationKey = std::move(withKey.value().privateKeyPkcs8Der);
        return withKey->certificate;
    }

    Result<device::CsrResult> csr = Error(ErrorCode::Internal, QString());
    if (m_earlyCsr) {
        csr = std::move(*m_earlyCsr);  // made while the bind committed
        m_earlyCsr.reset();
        m_currentStep = static_cast<int>(m_steps.indexOf(kGenerateKey));
    } else {
        auto subject = ca::expandSubject(m_profile.certificate.subject, request.device);
        if (!subject)
            return subject.error();
        csr = step<device::CsrResult>(kGenerateKey, [&] { return m_driver.generateKeyAndCsr(subjectText(subject.value())); });
    }
    if (!csr)
        return csr.error();
    request.csr = csr->csrDer;
    return step<ca::IssuedCertificate>(
        kIssue,
        [&]() -> Result<ca::IssuedCertificate> {
            auto certificate = m_issuer.issueFromCsr(request);
            if (!certificate)
                return certificate;
            if (Status saved = recorded(certificate.value()); !saved)
                return saved.error();
            return certificate;
        },
        false, false);
}

Status UnitProvisioner::writeAndVerify(const ca::IssuedCertificate& certificate, const ca::DeviceIdentity& ids)
{
    if (m_stationKey) {
        const Status keyWritten = step<void>(kWriteKey, [&] { return m_driver.writePrivateKey(*m_stationKey); });
        m_stationKey->wipe();  // handed over once; nothing of it stays on the station
        m_stationKey.reset();
        if (!keyWritten)
            return keyWritten;
    }

    ExpectedHashes written;
    const QByteArray chain = certificate.pem + m_issuer.caChainPem();
    if (Status ok = step<void>(kWriteChain, [&] { return m_driver.writeCertificateChain(chain); }); !ok)
        return ok;
    written.append({QStringLiteral("chain"), m_driver.expectedHash(QStringLiteral("chain"), chain)});
    if (Status ok = writeRootCaAndConfiguration(ids, {}, written); !ok)
        return ok;
    return verifyReadBack(written);
}

Status UnitProvisioner::writeRootCaAndConfiguration(const ca::DeviceIdentity& ids,
                                                    const device::ConfigurationValues& extra, ExpectedHashes& written)
{
    if (!m_profile.serverRootCaPem.isEmpty()) {
        if (Status ok = step<void>(kWriteRootCa, [&] { return m_driver.writeServerRootCa(m_profile.serverRootCaPem); }); !ok)
            return ok;
        written.append({QStringLiteral("rootca"), m_driver.expectedHash(QStringLiteral("rootca"), m_profile.serverRootCaPem)});
    }

    if (!m_profile.configuration.isEmpty() || !extra.isEmpty()) {
        device::ConfigurationValues values;
        for (const auto& [key, pattern] : m_profile.configuration) {
            auto value = ca::expandPattern(pattern, ids);
            if (!value)
                return value.error().withContext(QStringLiteral("configuration value '%1'").arg(key));
            values.append({key, value.value()});
        }
        values.append(extra);
        if (Status ok = step<void>(kWriteConfiguration, [&] { return m_driver.writeConfiguration(values); }); !ok)
            return ok;
        written.append({QStringLiteral("config"),
                        m_driver.expectedHash(QStringLiteral("config"), device::configurationText(values))});
    }
    return {};
}

Status UnitProvisioner::verifyReadBack(const ExpectedHashes& written)
{
    auto verified = step<bool>(kVerify, [&]() -> Result<bool> {
        auto hashes = m_driver.readBackHashes();
        if (!hashes)
            return hashes.error();
        for (const auto& [object, expected] : written) {
            const auto found = std::find_if(hashes->cbegin(), hashes->cend(),
                                            [&](const device::ObjectHash& h) { return h.object == object; });
            if (found == hashes->cend())
                return Error(ErrorCode::DeviceRefused,
                             QStringLiteral("port %1: the device reported no hash for '%2' after it was written")
                                 .arg(m_driver.portName(), object));
            if (found->sha256 != expected)
                return Error(ErrorCode::DeviceRefused,
                             QStringLiteral("port %1: read-back of '%2' does not match what was written "
                                            "(device SHA-256 %3, expected %4)")
                                 .arg(m_driver.portName(), object, QString::fromLatin1(found->sha256.toHex()),
                                      QString::fromLatin1(expected.toHex())));
        }
        return true;
    });
    if (!verified)
        return verified.error();
    return {};
}

Status UnitProvisioner::proveAndLock(const ca::IssuedCertificate& certificate, const device::DeviceIdentity& identity)
{
    if (identity.can(QStringLiteral("pop"))) {
        const QByteArray nonce = makeNonce();
        auto proven = step<bool>(kProofOfPossession, [&]() -> Result<bool> {
            auto signature = m_driver.proveKeyPossession(nonce);
            if (!signature)
                return signature.error();
            if (Status match = verifyPossession(certificate.der, nonce, signature.value()); !match)
                return match.error();
            return true;
        });
        if (!proven)
            return proven.error();
    } else {
        // The CSR's verified signature was the proof of possession for this family.
        skip(kProofOfPossession, QStringLiteral("device family cannot sign a challenge; the CSR signature was verified"));
    }

    return lockIfSupported(identity);
}

Status UnitProvisioner::lockIfSupported(const device::DeviceIdentity& identity)
{
    if (identity.can(QStringLiteral("lock")))
        return step<void>(kLock, [&] { return m_driver.lock(); });
    skip(kLock, QStringLiteral("device family has no provisioning lock"));
    return {};
}

std::optional<UnitProvisioner::Failure> UnitProvisioner::installClaim(const device::DeviceIdentity& identity,
                                                                      const audit::UnitHandle& unit)
{
    const QString first = m_profile.registration == RegistrationMode::TrustedUser ? kRequestClaim : kWriteClaim;
    if (!m_claims)
        return Failure{first, Error(ErrorCode::Internal, QStringLiteral("the profile installs %1 claims, but the run has "
                                                                        "no claim provider")
                                                             .arg(registrationModeName(m_profile.registration)))};
    auto claim = m_profile.registration == RegistrationMode::TrustedUser ? requestClaim() : m_claims->claimForUnit();
    if (!claim)
        return Failure{first, claim.error()};
    m_claimExpiresAt = claim->expiresAt;

    // The key is on the station only until the device has it: its expected hash is taken, then it is wiped.
    ExpectedHashes written;
    m_stepDetail = claims::claimDetail(claim.value());
    const Status installed = step<void>(kWriteClaim, [&] { return m_driver.writeClaim(claim->certificatePem, claim->privateKeyPem); });
    if (installed) {
        QByteArray key(claim->privateKeyPem.data(), static_cast<qsizetype>(claim->privateKeyPem.size()));
        written.append({QStringLiteral("claimcert"), m_driver.expectedHash(QStringLiteral("claimcert"), claim->certificatePem)});
        written.append({QStringLiteral("claimkey"), m_driver.expectedHash(QStringLiteral("claimkey"), key)});
        key.fill('\0');
    }
    claim->privateKeyPem.wipe();
    if (!installed) {
        if (installed.error().code() == ErrorCode::Unsupported)
            return Failure{kWriteClaim, installed.error(),
                           QStringLiteral("This device family cannot hold a fleet-provisioning claim. Set it aside: it "
                                          "needs a batch whose profile has the station issue its certificate.")};
        return Failure{kWriteClaim, installed.error()};
    }

    const ca::DeviceIdentity ids{unit.thingName, unit.serialNumber, identity.hardwareId};
    device::ConfigurationValues extra;
    const bool hasTemplate = std::any_of(m_profile.configuration.cbegin(), m_profile.configuration.cend(),
                                         [](const auto& pair) { return pair.first == u"template"; });
    if (!hasTemplate)
        extra.append({QStringLiteral("template"), m_profile.claimTemplate});
    if (Status ok = writeRootCaAndConfiguration(ids, extra, written); !ok)
        return Failure{m_steps.value(m_currentStep), ok.error()};
    if (Status ok = verifyReadBack(written); !ok)
        return Failure{kVerify, ok.error()};
    return lockBeforeExpiry(identity, claim.value());
}

bool UnitProvisioner::lastsInstallation(const claims::UnitClaim& claim) const
{
    return !claim.expiresAt || m_clock.nowUtc().msecsTo(*claim.expiresAt) >= m_profile.claimInstallBudget.count();
}

Result<claims::UnitClaim> UnitProvisioner::requestClaim()
{
    return step<claims::UnitClaim>(
        kRequestClaim,
        [&]() -> Result<claims::UnitClaim> {
            auto claim = m_claims->claimForUnit();
            if (!claim || lastsInstallation(claim.value())) {
                if (claim)
                    m_stepDetail = claims::claimDetail(claim.value());
                return claim;
            }
            // Too little time left to install and lock before it expires: on record, and replaced.
            const qint64 leftMs = m_clock.nowUtc().msecsTo(*claim->expiresAt);
            const QString why = QStringLiteral("claim %1 had %2 s left; installing needs %3 s: a fresh claim was requested")
                                    .arg(claim->certificateId)
                                    .arg(double(leftMs) / 1000.0, 0, 'f', 1)
                                    .arg(double(m_profile.claimInstallBudget.count()) / 1000.0, 0, 'f', 0);
            qCInfo(lcPipeline).noquote() << "port" << m_driver.portName() << why;
            recordEvent(kRequestClaim, QStringLiteral("renewed"), why, 0, claims::claimDetail(claim.value()));
            claim->privateKeyPem.wipe();
            auto fresh = m_claims->claimForUnit();
            if (!fresh || lastsInstallation(fresh.value())) {
                if (fresh)
                    m_stepDetail = claims::claimDetail(fresh.value());
                return fresh;
            }
            fresh->privateKeyPem.wipe();
            return Error(ErrorCode::CloudRejected,
                         QStringLiteral("the fresh claim %1 also expires in less than the %2 s installing needs (at %3): "
                                        "check the station's clock against AWS's")
                             .arg(fresh->certificateId)
                             .arg(double(m_profile.claimInstallBudget.count()) / 1000.0, 0, 'f', 0)
                             .arg(fresh->expiresAt->toUTC().toString(Qt::ISODate)));
        },
        false, false);
}

std::optional<UnitProvisioner::Failure> UnitProvisioner::lockBeforeExpiry(const device::DeviceIdentity& identity,
                                                                          const claims::UnitClaim& claim)
{
    // A device must never be reported passed holding a claim that expired before it was locked:
    // it could never trade the claim for its certificate.
    if (claim.expiresAt && m_clock.nowUtc() >= *claim.expiresAt) {
        const Error expired(ErrorCode::Timeout,
                            QStringLiteral("port %1: claim %2 expired at %3, before the device was locked")
                                .arg(m_driver.portName(), claim.certificateId,
                                     claim.expiresAt->toUTC().toString(Qt::ISODate)));
        static_cast<void>(step<void>(kLock, [&]() -> Status { return expired; }, false, false));
        return Failure{kLock, expired,
                       QStringLiteral("The claim ran out before the device was finished. Re-seat the device: it gets a "
                                      "fresh claim (if it keeps happening, raise the profile's claim budget).")};
    }
    if (Status locked = lockIfSupported(identity); !locked)
        return Failure{kLock, locked.error()};
    return std::nullopt;
}

template <typename T>
Result<T> UnitProvisioner::step(const QString& name, const std::function<Result<T>()>& action, bool onDevice,
                                bool retryable, bool announced)
{
    if (announced)
        announce(name);
    m_currentStep = static_cast<int>(m_steps.indexOf(name));
    auto backoff = m_profile.retry.backoff;
    const int attempts = retryable ? std::max(1, m_profile.retry.attempts) : 1;
    for (int attempt = 1;; ++attempt) {
        const qint64 started = m_clock.monotonicNs();
        Result<T> result = action();
        const qint64 took = m_clock.monotonicNs() - started;
        if (onDevice)
            m_deviceNs += took;
        if (result.ok()) {
            recordEvent(name, QStringLiteral("ok"), std::nullopt, took, std::exchange(m_stepDetail, std::nullopt));
            return result;
        }
        if (!isTransient(result.error().code()) || attempt >= attempts) {
            recordEvent(name, QStringLiteral("failed"), result.error().message(), took,
                        std::exchange(m_stepDetail, std::nullopt));
            return result;
        }
        qCInfo(lcPipeline).noquote() << "retrying" << name << "after:" << result.error().message();
        recordEvent(name, QStringLiteral("retry"), result.error().message(), took, m_stepDetail);
        const qint64 waitStart = m_clock.monotonicNs();
        std::this_thread::sleep_for(backoff);
        if (onDevice)
            m_deviceNs += m_clock.monotonicNs() - waitStart;
        backoff *= 2;
    }
}

void UnitProvisioner::announce(const QString& name)
{
    m_currentStep = static_cast<int>(m_steps.indexOf(name));
    if (m_onStep)
        m_onStep(name, m_currentStep, static_cast<int>(m_steps.size()));
}

void UnitProvisioner::skip(const QString& name, const QString& why)
{
    announce(name);
    recordEvent(name, QStringLiteral("skipped"), why, 0);
}

void UnitProvisioner::recordEvent(const QString& name, const QString& outcome, const std::optional<QString>& error,
                                  qint64 durationNs, const std::optional<QString>& detail)
{
    const audit::StepEvent event{name, outcome, error, durationNs / 1'000'000, detail};
    if (m_deferEvents) {
        m_deferredEvents.push_back(event);
        return;
    }
    if (!m_unitId)
        return;
    // Step events go to the writer without waiting: they are grouped with other slots' events
    // into one commit. Before the unit is reported passed, awaitEvents() waits for all of them.
    m_pendingEvents.push_back(m_audit.appendEventAsync(*m_unitId, event));
}

Status UnitProvisioner::awaitEvents()
{
    return awaitEvents(m_pendingEvents);
}

Status UnitProvisioner::awaitEvents(std::vector<std::future<Status>>& pendingEvents)
{
    Status first;
    for (auto& pending : pendingEvents) {
        Status recorded = pending.get();
        if (!recorded && first.ok())
            first = recorded;
    }
    pendingEvents.clear();
    return first;
}

}  // namespace imprint::pipeline
