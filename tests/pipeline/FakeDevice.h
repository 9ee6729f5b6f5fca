#pragma once

// A scriptable device for pipeline tests: a real EC P-256 key and real CSRs and signatures
// (so the HSM CA and the proof-of-possession check run for real), with hooks to make any
// step fail the way real devices do.

#include "core/device/DeviceDriver.h"

#include <QHash>

#include <functional>
#include <memory>

namespace imprint::test {

class FakeDevice final : public device::DeviceDriver
{
public:
    explicit FakeDevice(QString hardwareId, QString port = QStringLiteral("/dev/fake0"));
    ~FakeDevice() override;

    // Fails the named step ("keygen", "chain", "rootca", "config", "key", "hashes", "pop", "lock")
    // with `error` the next `times` times it is called.
    void failNext(const QString& step, Error error, int times = 1);
    // The proof of possession is signed with another key than the CSR's.
    void signWithAnotherKey() { m_signWithOther = true; }
    // The read-back hash of `object` is wrong.
    void corruptReadBack(const QString& object) { m_corrupt = object; }
    // Runs inside writeCertificateChain, before it succeeds (to look at the audit at that moment).
    std::function<void()> onWriteChain;
    // Runs inside writeClaim, before it succeeds (e.g. to move a FakeClock past the claim's expiry).
    std::function<void()> onWriteClaim;
    // The device family cannot hold a claim: writeClaim answers as DeviceDriver's default does.
    void holdNoClaims() { m_holdsClaims = false; }

    [[nodiscard]] QString portName() const override { return m_port; }
    [[nodiscard]] Result<device::DeviceIdentity> identify() override;
    [[nodiscard]] Result<device::CsrResult> generateKeyAndCsr(const QString& subject) override;
    [[nodiscard]] Result<QByteArray> publicKey() override;
    [[nodiscard]] Status writeCertificateChain(const QByteArray& pem) override;
    [[nodiscard]] Status writeServerRootCa(const QByteArray& pem) override;
    [[nodiscard]] Status writeConfiguration(const device::ConfigurationValues& values) override;
    [[nodiscard]] Status writePrivateKey(const SecureBytes& pkcs8) override;
    // Step "claim"; stored as "claimcert" and "claimkey".
    [[nodiscard]] Status writeClaim(const QByteArray& certificatePem, const SecureBytes& privateKeyPem) override;
    [[nodiscard]] Result<QByteArray> proveKeyPossession(const QByteArray& nonce) override;
    [[nodiscard]] Result<QList<device::ObjectHash>> readBackHashes() override;
    [[nodiscard]] Status lock() override;
    [[nodiscard]] Status factoryReset() override;
    [[nodiscard]] QByteArray expectedHash(const QString& object, const QByteArray& written) const override;

    [[nodiscard]] const QHash<QString, QByteArray>& stored() const { return m_stored; }
    [[nodiscard]] bool locked() const { return m_locked; }
    [[nodiscard]] QString lastCsrSubject() const { return m_lastSubject; }
    [[nodiscard]] bool hasInjectedKey() const { return m_injected; }

private:
    [[nodiscard]] std::optional<Error> scripted(const QString& step);

    struct Key;
    QString m_hardwareId;
    QString m_port;
    std::unique_ptr<Key> m_key;
    std::unique_ptr<Key> m_otherKey;
    QHash<QString, QPair<Error, int>> m_failures;
    QHash<QString, QByteArray> m_stored;
    QString m_corrupt;
    QString m_lastSubject;
    bool m_signWithOther = false;
    bool m_locked = false;
    bool m_injected = false;
    bool m_holdsClaims = true;
};

}  // namespace imprint::test
