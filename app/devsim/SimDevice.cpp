#include "SimDevice.h"

#include <QFile>
#include <QTimer>

namespace imprint::devsim {

QStringList faultKinds()
{
    return {QStringLiteral("drop"), QStringLiteral("corrupt"), QStringLiteral("corrupt-always"),
            QStringLiteral("stall"), QStringLiteral("reboot"), QStringLiteral("garbage-csr"),
            QStringLiteral("foreign-csr"), QStringLiteral("dup-id"), QStringLiteral("noise")};
}

bool addFault(Faults& faults, const QString& kind)
{
    bool* flags[] = {&faults.drop, &faults.corrupt, &faults.corruptAlways, &faults.stall, &faults.reboot,
                     &faults.garbageCsr, &faults.foreignCsr, &faults.duplicateId, &faults.noise};
    const qsizetype index = faultKinds().indexOf(kind);
    if (index < 0)
        return false;
    *flags[index] = true;
    return true;
}

SimDevice::SimDevice(DeviceSetup setup) : m_setup(std::move(setup))
{
    QDir().mkpath(m_setup.storeDirectory);
}

QString SimDevice::storePath(const QString& name) const { return m_setup.storeDirectory + u'/' + name; }

std::optional<QByteArray> SimDevice::loadFile(const QString& name) const
{
    QFile file(storePath(name));
    if (!file.open(QIODevice::ReadOnly))
        return std::nullopt;
    return file.readAll();
}

void SimDevice::saveFile(const QString& name, const QByteArray& data) const
{
    QFile file(storePath(name));
    if (file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        file.write(data);
}

void SimDevice::removeFile(const QString& name) const { QFile::remove(storePath(name)); }

void SimDevice::wipeStore() const
{
    QDir store(m_setup.storeDirectory);
    store.removeRecursively();
    QDir().mkpath(m_setup.storeDirectory);
}

EvpPkeyPtr SimDevice::loadKey() const
{
    const auto pem = loadFile(QStringLiteral("device-key.pem"));
    if (!pem)
        return nullptr;
    auto key = loadPrivateKey(*pem);
    return key.ok() ? std::move(key.value()) : nullptr;
}

void SimDevice::storeKey(EVP_PKEY* key) const { saveFile(QStringLiteral("device-key.pem"), privateKeyPem(key)); }

QByteArray SimDevice::logLine(const QByteArray& text) const
{
    ++m_logCounter;
    return "\x1b[0;32m[00:00:" + QByteArray::number(m_logCounter).rightJustified(2, '0') + ".123,456] <inf> app: "
           + text + "\x1b[0m\r\n";
}

QByteArray SimDevice::bootLog(const QByteArray& banner) const
{
    QByteArray log = banner + "\r\n";
    if (faults().noise) {
        log += logLine("flash: 1024 KiB, ram: 256 KiB");
        log += "\x1b[1;33mW: clock: no external crystal, using RC\x1b[0m\n";
        log += logLine("slot " + QByteArray::number(m_setup.slot) + " fixture contact ok");
    }
    return log;
}

void SimDevice::later(int ms, std::function<void()> work)
{
    QTimer::singleShot(ms, this, std::move(work));
}

}  // namespace imprint::devsim
