#pragma once

// One pseudo-terminal pair standing in for a USB serial port: the station opens the slave side
// through the stable symlink (DIR/slot3); the simulator reads and writes the master side, at
// the configured baud rate in both directions (10 bit times per byte, as 8N1 on a real wire).

#include "core/Result.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QObject>
#include <QSocketNotifier>
#include <QTimer>

#include <functional>
#include <memory>

namespace imprint::devsim {

class PtyPort : public QObject
{
public:
    [[nodiscard]] static Result<std::unique_ptr<PtyPort>> create(const QString& linkPath, qint32 baudRate);
    ~PtyPort() override;

    [[nodiscard]] const QString& linkPath() const { return m_linkPath; }
    // Queues bytes for the station; they leave at the baud rate.
    void write(const QByteArray& bytes);
    // Bytes from the station, delivered at the baud rate.
    void setReceiver(std::function<void(const QByteArray&)> receiver) { m_receiver = std::move(receiver); }
    // The device is unplugged: the pseudo-terminal and its symlink disappear.
    void unplug();
    [[nodiscard]] bool plugged() const { return m_master >= 0; }

private:
    PtyPort(int master, int slave, QString linkPath, qint32 baudRate);
    void readMaster();
    void pump();

    int m_master;
    int m_slave;  // kept open so the master never sees a hang-up when the station closes its side
    QString m_linkPath;
    double m_bytesPerMs;
    std::unique_ptr<QSocketNotifier> m_notifier;
    QTimer m_pump;
    QElapsedTimer m_clock;
    qint64 m_lastPumpMs = 0;
    double m_sendBudget = 0;
    double m_receiveBudget = 0;
    QByteArray m_outgoing;
    QByteArray m_incoming;
    std::function<void(const QByteArray&)> m_receiver;
};

}  // namespace imprint::devsim
