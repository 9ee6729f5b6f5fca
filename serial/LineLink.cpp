#include "serial/LineLink.h"

#include "core/Log.h"

#include <QDeadlineTimer>
#include <QSerialPort>

namespace imprint::serial {

QString describeDuration(std::chrono::milliseconds duration)
{
    const auto ms = duration.count();
    if (ms < 1000)
        return QStringLiteral("%1 ms").arg(ms);
    if (ms % 1000 == 0)
        return QStringLiteral("%1 s").arg(ms / 1000);
    return QStringLiteral("%1 s").arg(static_cast<double>(ms) / 1000.0, 0, 'f', 1);
}

LineLink::LineLink(std::unique_ptr<QIODevice> device, QString portName)
    : m_device(std::move(device)), m_portName(std::move(portName))
{
}

LineLink::~LineLink()
{
    if (m_device && m_device->isOpen())
        m_device->close();
}

Error LineLink::error(ErrorCode code, const QString& what) const
{
    return Error(code, QStringLiteral("port %1: %2").arg(m_portName, what));
}

QString LineLink::linkFailure() const
{
    if (!m_device->isOpen())
        return QStringLiteral("the port is closed");
    if (const auto* port = qobject_cast<const QSerialPort*>(m_device.get())) {
        const auto code = port->error();
        if (code != QSerialPort::NoError && code != QSerialPort::TimeoutError)
            return port->errorString();
    }
    return {};
}

bool LineLink::pullAvailable()
{
    const QByteArray bytes = m_device->readAll();
    if (bytes.isEmpty())
        return false;
    m_bytesReceived += bytes.size();
    m_splitter.feed(bytes);
    return true;
}

Status LineLink::send(const QByteArray& bytes, const QString& step, std::chrono::milliseconds timeout)
{
    if (const QString failure = linkFailure(); !failure.isEmpty())
        return error(ErrorCode::DeviceLinkLost,
                     QStringLiteral("link lost before %1 (%2)").arg(step, failure));
    const qint64 written = m_device->write(bytes);
    if (written != bytes.size())
        return error(ErrorCode::DeviceLinkLost,
                     QStringLiteral("could not send %1 (%2)").arg(step, m_device->errorString()));
    QDeadlineTimer deadline(timeout);
    while (m_device->bytesToWrite() > 0) {
        if (!m_device->waitForBytesWritten(static_cast<int>(deadline.remainingTime()))) {
            const QString failure = linkFailure();
            if (!failure.isEmpty())
                return error(ErrorCode::DeviceLinkLost,
                             QStringLiteral("link lost while sending %1 (%2)").arg(step, failure));
            if (deadline.hasExpired())
                return error(ErrorCode::Timeout, QStringLiteral("could not send %1 within %2")
                                                     .arg(step, describeDuration(timeout)));
        }
    }
    m_bytesSent += bytes.size();
    return Status::success();
}

Result<QByteArray> LineLink::readLine(const QString& step, std::chrono::milliseconds timeout)
{
    QDeadlineTimer deadline(timeout);
    for (;;) {
        if (auto line = m_splitter.takeLine()) {
            qCDebug(lcSerial) << m_portName << "<" << *line;
            return *line;
        }
        if (pullAvailable())
            continue;
        if (const QString failure = linkFailure(); !failure.isEmpty())
            return error(ErrorCode::DeviceLinkLost,
                         QStringLiteral("link lost while waiting for the answer to %1 (%2)").arg(step, failure));
        if (deadline.hasExpired())
            return error(ErrorCode::Timeout, QStringLiteral("device did not answer %1 within %2")
                                                 .arg(step, describeDuration(timeout)));
        if (!m_device->waitForReadyRead(static_cast<int>(std::max<qint64>(1, deadline.remainingTime())))
            && !m_device->isSequential()) {
            // A random-access device (a QBuffer in a test) never gets more data.
            if (!pullAvailable())
                return error(ErrorCode::Timeout, QStringLiteral("device did not answer %1 (end of input)").arg(step));
        }
    }
}

void LineLink::discardInput()
{
    (void)pullAvailable();
    m_splitter.clear();
}

}  // namespace imprint::serial
