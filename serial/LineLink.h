#pragma once

// Line I/O with a device over any QIODevice (a QSerialPort on a USB port or a pseudo-terminal,
// a QBuffer or a socket in tests), every read bounded by a timeout.
//
// Why blocking waits: a LineLink lives on its slot's worker thread (never the GUI thread), and
// the device dialogue is strictly request/response, so waitForReadyRead() on that thread gives
// the simplest correct code: no state machine, the timeout of each step is a local deadline,
// and a vanished port surfaces as an error from the very call that was waiting. Other slots
// are untouched because each has its own thread and its own port.

#include "core/Result.h"
#include "serial/LineSplitter.h"

#include <QByteArray>
#include <QIODevice>
#include <QString>

#include <chrono>
#include <memory>

namespace imprint::serial {

class LineLink
{
public:
    // Takes an open device. `portName` is used in every error message.
    LineLink(std::unique_ptr<QIODevice> device, QString portName);
    ~LineLink();
    LineLink(const LineLink&) = delete;
    LineLink& operator=(const LineLink&) = delete;

    [[nodiscard]] const QString& portName() const { return m_portName; }

    // Writes all of `bytes` within `timeout`. `step` names the command for errors.
    [[nodiscard]] Status send(const QByteArray& bytes, const QString& step,
                              std::chrono::milliseconds timeout = std::chrono::seconds(5));
    // The next clean, non-empty line, or a Timeout / DeviceLinkLost error naming `step`.
    [[nodiscard]] Result<QByteArray> readLine(const QString& step, std::chrono::milliseconds timeout);
    // Drops whatever has arrived and not been read (late or unsolicited output).
    void discardInput();

    [[nodiscard]] qint64 bytesSent() const { return m_bytesSent; }
    [[nodiscard]] qint64 bytesReceived() const { return m_bytesReceived; }

    // "port P: <what>"
    [[nodiscard]] Error error(ErrorCode code, const QString& what) const;

private:
    [[nodiscard]] bool pullAvailable();
    [[nodiscard]] QString linkFailure() const;

    std::unique_ptr<QIODevice> m_device;
    QString m_portName;
    LineSplitter m_splitter;
    qint64 m_bytesSent = 0;
    qint64 m_bytesReceived = 0;
};

// "20 s", "1.5 s", "300 ms"
[[nodiscard]] QString describeDuration(std::chrono::milliseconds duration);

}  // namespace imprint::serial
