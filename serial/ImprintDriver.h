#pragma once

// DeviceDriver for custom firmware speaking the Imprint device protocol
// (docs/device-protocol.md): checksummed, sequence-numbered ASCII frames.

#include "core/device/DeviceDriver.h"
#include "serial/ImprintFrame.h"
#include "serial/LineLink.h"

#include <optional>

namespace imprint::serial {

class ImprintDriver final : public device::DeviceDriver
{
public:
    ImprintDriver(std::unique_ptr<LineLink> link, device::DeviceTimeouts timeouts);

    [[nodiscard]] QString portName() const override { return m_link->portName(); }
    [[nodiscard]] Result<device::DeviceIdentity> identify() override;
    [[nodiscard]] Result<device::CsrResult> generateKeyAndCsr(const QString& subject) override;
    [[nodiscard]] Result<QByteArray> publicKey() override;
    [[nodiscard]] Status writeCertificateChain(const QByteArray& pem) override;
    [[nodiscard]] Status writeServerRootCa(const QByteArray& pem) override;
    [[nodiscard]] Status writeConfiguration(const device::ConfigurationValues& values) override;
    [[nodiscard]] Status writePrivateKey(const SecureBytes& pkcs8) override;
    // Objects "claimcert" then "claimkey"; needs the device's "claim" capability.
    [[nodiscard]] Status writeClaim(const QByteArray& certificatePem, const SecureBytes& privateKeyPem) override;
    [[nodiscard]] Result<QByteArray> proveKeyPossession(const QByteArray& nonce) override;
    [[nodiscard]] Result<QList<device::ObjectHash>> readBackHashes() override;
    [[nodiscard]] Status lock() override;
    [[nodiscard]] Status factoryReset() override;
    [[nodiscard]] QByteArray expectedHash(const QString& object, const QByteArray& written) const override;

    [[nodiscard]] const LineLink& link() const { return *m_link; }
    // Frames sent again after a checksum error or a device reboot (for tests and statistics).
    [[nodiscard]] int retries() const { return m_retries; }

private:
    // Whether a command carries (part of) a private key: then every copy the driver makes of
    // it (chunk, base64, frame) is wiped once sent.
    enum class Content { Plain, Secret };

    // Sends one command and returns the arguments of its OK reply; retries on checksum errors
    // with the same sequence number, so the device never applies a command twice.
    // `step` names the command in errors (the word, plus the object for BEGIN/CHUNK/COMMIT).
    [[nodiscard]] Result<QList<QByteArray>> exchange(const QByteArray& word, const QList<QByteArray>& args,
                                                     std::chrono::milliseconds timeout, const QString& step = {},
                                                     Content content = Content::Plain);
    [[nodiscard]] Result<QList<QByteArray>> awaitReply(const ImprintFrame& request, const QString& step,
                                                       std::chrono::milliseconds timeout, bool& retry);
    [[nodiscard]] Status writeObject(const QByteArray& name, const QByteArray& data, Content content = Content::Plain);
    [[nodiscard]] Status transferObject(const QByteArray& name, const QByteArray& data, Content content);
    [[nodiscard]] Status writeSecretObject(const QByteArray& name, const SecureBytes& secret);
    [[nodiscard]] Status ensureHandshake();
    [[nodiscard]] Result<QByteArray> singleBase64(const QList<QByteArray>& args, const QString& step);
    quint16 nextSeq();

    std::unique_ptr<LineLink> m_link;
    device::DeviceTimeouts m_timeouts;
    quint16 m_seq;
    std::optional<device::DeviceIdentity> m_identity;
    bool m_rebooted = false;
    int m_retries = 0;
};

}  // namespace imprint::serial
