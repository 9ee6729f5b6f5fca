#include "PtyPort.h"

#include <QFile>
#include <QFileInfo>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

namespace imprint::devsim {

namespace {
constexpr qsizetype kMaxQueued = 256 * 1024;  // output nobody reads is dropped beyond this
constexpr int kPumpIntervalMs = 1;
}  // namespace

Result<std::unique_ptr<PtyPort>> PtyPort::create(const QString& linkPath, qint32 baudRate)
{
    int master = -1;
    int slave = -1;
    termios settings{};
    cfmakeraw(&settings);  // no echo, no CR/LF translation: the line discipline must not talk back
    if (openpty(&master, &slave, nullptr, &settings, nullptr) != 0)
        return Error(ErrorCode::Io, QStringLiteral("openpty failed: %1").arg(QString::fromLocal8Bit(std::strerror(errno))));
    const int flags = fcntl(master, F_GETFL);
    if (flags < 0 || fcntl(master, F_SETFL, flags | O_NONBLOCK) != 0) {
        ::close(master);
        ::close(slave);
        return Error(ErrorCode::Io, QStringLiteral("cannot make the pseudo-terminal non-blocking"));
    }
    const QString slavePath = QString::fromLocal8Bit(ptsname(master));
    QFile::remove(linkPath);
    if (!QFile::link(slavePath, linkPath)) {
        ::close(master);
        ::close(slave);
        return Error(ErrorCode::Io, QStringLiteral("cannot create the symlink %1 -> %2").arg(linkPath, slavePath));
    }
    return std::unique_ptr<PtyPort>(new PtyPort(master, slave, linkPath, baudRate));
}

PtyPort::PtyPort(int master, int slave, QString linkPath, qint32 baudRate)
    : m_master(master), m_slave(slave), m_linkPath(std::move(linkPath)),
      m_bytesPerMs(static_cast<double>(baudRate) / 10.0 / 1000.0)
{
    m_notifier = std::make_unique<QSocketNotifier>(m_master, QSocketNotifier::Read);
    connect(m_notifier.get(), &QSocketNotifier::activated, this, [this] { readMaster(); });
    m_pump.setTimerType(Qt::PreciseTimer);
    m_pump.setInterval(kPumpIntervalMs);
    connect(&m_pump, &QTimer::timeout, this, [this] { pump(); });
    m_clock.start();
}

PtyPort::~PtyPort()
{
    unplug();
}

void PtyPort::unplug()
{
    if (m_master < 0)
        return;
    m_pump.stop();
    m_notifier.reset();
    QFile::remove(m_linkPath);
    ::close(m_master);
    ::close(m_slave);
    m_master = -1;
    m_slave = -1;
    m_outgoing.clear();
    m_incoming.clear();
}

void PtyPort::write(const QByteArray& bytes)
{
    if (m_master < 0)
        return;
    m_outgoing += bytes;
    if (m_outgoing.size() > kMaxQueued)
        m_outgoing.remove(0, m_outgoing.size() - kMaxQueued);
    if (!m_pump.isActive()) {
        m_lastPumpMs = m_clock.elapsed();
        m_pump.start();
    }
}

void PtyPort::readMaster()
{
    char buffer[4096];
    const ssize_t count = ::read(m_master, buffer, sizeof buffer);
    if (count <= 0)
        return;
    m_incoming.append(buffer, static_cast<qsizetype>(count));
    if (!m_pump.isActive()) {
        m_lastPumpMs = m_clock.elapsed();
        m_pump.start();
    }
}

void PtyPort::pump()
{
    const qint64 now = m_clock.elapsed();
    const double earned = static_cast<double>(now - m_lastPumpMs) * m_bytesPerMs;
    m_lastPumpMs = now;
    // The budget never stores more than one tick's worth (plus a byte), so an idle link does
    // not burst later: the wire is never faster than the baud rate.
    const double cap = m_bytesPerMs * kPumpIntervalMs + 1.0;
    m_sendBudget = std::min(cap, m_sendBudget + earned);
    m_receiveBudget = std::min(cap, m_receiveBudget + earned);

    if (!m_outgoing.isEmpty() && m_sendBudget >= 1) {
        const auto allowed = std::min<qsizetype>(m_outgoing.size(), static_cast<qsizetype>(m_sendBudget));
        const ssize_t written = ::write(m_master, m_outgoing.constData(), static_cast<size_t>(allowed));
        if (written > 0) {
            m_outgoing.remove(0, static_cast<qsizetype>(written));
            m_sendBudget -= static_cast<double>(written);
        }
    }
    if (!m_incoming.isEmpty() && m_receiveBudget >= 1) {
        const auto allowed = std::min<qsizetype>(m_incoming.size(), static_cast<qsizetype>(m_receiveBudget));
        const QByteArray delivered = m_incoming.left(allowed);
        m_incoming.remove(0, allowed);
        m_receiveBudget -= static_cast<double>(allowed);
        if (m_receiver)
            m_receiver(delivered);  // may unplug the port
    }
    if (m_master >= 0 && m_outgoing.isEmpty() && m_incoming.isEmpty())
        m_pump.stop();
}

}  // namespace imprint::devsim
