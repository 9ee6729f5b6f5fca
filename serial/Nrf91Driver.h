#pragma once

// DeviceDriver for Nordic nRF91 modems running the AT host library, speaking the dialogue of
// Nordic's device_credentials_installer: AT+CFUN=4, AT+CGSN, AT+CGMR, AT%DEVICEUUID,
// AT%KEYGEN, AT%CMNG. The modem has no configuration store and cannot sign a station nonce,
// so writeConfiguration() and proveKeyPossession() report Unsupported; possession of the key
// is shown by the CSR's own signature and the COSE attestation that comes with it.

#include "core/device/DeviceDriver.h"
#include "serial/LineLink.h"
#include "serial/Nrf91At.h"

#include <optional>

namespace imprint::serial {

class Nrf91Driver final : public device::DeviceDriver
{
public:
    Nrf91Driver(std::unique_ptr<LineLink> link, device::DeviceTimeouts timeouts,
                quint32 secTag = nrf91::kDefaultSecTag);

    [[nodiscard]] QString portName() const override { return m_link->portName(); }
    [[nodiscard]] Result<device::DeviceIdentity> identify() override;
    [[nodiscard]] Result<device::CsrResult> generateKeyAndCsr(const QString& subject) override;
    [[nodiscard]] Result<QByteArray> publicKey() override;
    [[nodiscard]] Status writeCertificateChain(const QByteArray& pem) override;
    [[nodiscard]] Status writeServerRootCa(const QByteArray& pem) override;
    [[nodiscard]] Status writeConfiguration(const device::ConfigurationValues& values) override;
    [[nodiscard]] Status writePrivateKey(const SecureBytes& pkcs8) override;
    // Into sec tag nrf91::kClaimSecTag: type 1 the certificate, type 2 the key.
    [[nodiscard]] Status writeClaim(const QByteArray& certificatePem, const SecureBytes& privateKeyPem) override;
    [[nodiscard]] Result<QByteArray> proveKeyPossession(const QByteArray& nonce) override;
    [[nodiscard]] Result<QList<device::ObjectHash>> readBackHashes() override;
    [[nodiscard]] Status lock() override;
    [[nodiscard]] Status factoryReset() override;
    [[nodiscard]] QByteArray expectedHash(const QString& object, const QByteArray& written) const override;

    [[nodiscard]] const LineLink& link() const { return *m_link; }
    [[nodiscard]] int retries() const { return m_retries; }

private:
    struct Reply
    {
        nrf91::FinalLine final;
        QList<QByteArray> lines;
    };
    // Sends one AT command and collects the lines up to OK / ERROR / +CME ERROR.
    [[nodiscard]] Result<Reply> command(const QByteArray& text, const QString& step, std::chrono::milliseconds timeout);
    // The same, but an ERROR or +CME ERROR is an error naming the step.
    [[nodiscard]] Result<QList<QByteArray>> require(const QByteArray& text, const QString& step,
                                                    std::chrono::milliseconds timeout);
    [[nodiscard]] Status writeCredential(quint32 tag, int type, const QByteArray& text, const QString& what);
    // A private key (PKCS#8 DER is armoured as PEM), every copy made on the way wiped.
    [[nodiscard]] Status writeKeyCredential(quint32 tag, const SecureBytes& key, const QString& what);
    [[nodiscard]] Status deleteCredential(quint32 tag, int type);
    [[nodiscard]] QByteArray cmng(int opcode, quint32 tag, int type) const;
    // Reads and drops lines until the device has been silent for a moment (end of a boot log).
    void waitUntilQuiet();

    std::unique_ptr<LineLink> m_link;
    device::DeviceTimeouts m_timeouts;
    quint32 m_secTag;
    std::optional<QByteArray> m_publicKey;
    bool m_rebooted = false;
    int m_retries = 0;
};

}  // namespace imprint::serial
