#pragma once

// A simulated device behind one pseudo-terminal. Subclasses speak one protocol; this base
// holds what every simulated device has: an identity, a persistent key store directory, the
// injected faults, and hooks to the port and the fixture slot.

#include "SimCrypto.h"

#include <QByteArray>
#include <QDir>
#include <QObject>
#include <QString>

#include <functional>
#include <optional>

namespace imprint::devsim {

struct Faults
{
    bool drop = false;           // the port vanishes in the middle of the first object transfer
    bool corrupt = false;        // one reply is corrupted once (a retry heals it)
    bool corruptAlways = false;  // every reply after the handshake is corrupted
    bool stall = false;          // never answers key generation
    bool reboot = false;         // restarts once in the middle of a write
    bool garbageCsr = false;     // KEYGEN returns bytes that are no CSR
    bool foreignCsr = false;     // the CSR carries, and is signed by, a key the device does not hold
    bool duplicateId = false;    // reports the hardware ID of slot 0's first device
    bool noise = false;          // boot log and coloured log lines between replies
};

// Parses "drop", "corrupt", ... into `faults`; false for an unknown kind.
[[nodiscard]] bool addFault(Faults& faults, const QString& kind);
[[nodiscard]] QStringList faultKinds();

struct DeviceSetup
{
    QString hardwareId;
    QString storeDirectory;  // persistent key store of this device
    int slot = 0;
    int position = 0;        // place in the port's queue of devices
    int keygenMs = 300;
    Faults faults;
};

class SimDevice : public QObject
{
public:
    explicit SimDevice(DeviceSetup setup);

    // Wiring to the port and the slot.
    std::function<void(const QByteArray&)> transmit;
    std::function<void()> unplug;     // the link drops (fault)
    std::function<void()> finished;   // the device left provisioning: the operator swaps it

    virtual void boot() = 0;
    virtual void receive(const QByteArray& bytes) = 0;

protected:
    [[nodiscard]] const DeviceSetup& setup() const { return m_setup; }
    [[nodiscard]] const Faults& faults() const { return m_setup.faults; }
    [[nodiscard]] QString storePath(const QString& name) const;
    [[nodiscard]] std::optional<QByteArray> loadFile(const QString& name) const;
    void saveFile(const QString& name, const QByteArray& data) const;
    void removeFile(const QString& name) const;
    void wipeStore() const;
    // The device's key from the store, created on demand when `create`.
    [[nodiscard]] EvpPkeyPtr loadKey() const;
    void storeKey(EVP_PKEY* key) const;
    // A coloured log line, as firmware with a logging backend prints it.
    [[nodiscard]] QByteArray logLine(const QByteArray& text) const;
    [[nodiscard]] QByteArray bootLog(const QByteArray& banner) const;
    // Runs `work` after `ms`, unless the device is gone by then.
    void later(int ms, std::function<void()> work);

private:
    DeviceSetup m_setup;
    mutable int m_logCounter = 0;
};

}  // namespace imprint::devsim
