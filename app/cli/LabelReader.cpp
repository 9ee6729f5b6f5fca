#include "app/cli/LabelReader.h"

#include <QByteArray>
#include <QRegularExpression>

#include <poll.h>
#include <unistd.h>

namespace imprint::cli {

LabelReader::LabelReader(int fd, pipeline::ScannedLabels& labels) : m_fd(fd), m_labels(labels)
{
    m_thread = std::thread([this] { readLoop(); });
}

LabelReader::~LabelReader()
{
    m_stopping = true;
    m_thread.join();
}

void LabelReader::route(const QString& line, pipeline::ScannedLabels& labels)
{
    static const QRegularExpression addressed(QStringLiteral("^\\s*(\\d+)\\s*:(.*)$"));
    const auto match = addressed.match(line);
    if (match.hasMatch())
        labels.submit(match.captured(1).toInt(), match.captured(2));
    else
        labels.submitToNextWaiting(line);
}

void LabelReader::readLoop()
{
    QByteArray pending;
    char buffer[4096];
    while (!m_stopping) {
        // Poll briefly rather than block in read(): the run may end while nobody types.
        pollfd watched{m_fd, POLLIN, 0};
        const int ready = ::poll(&watched, 1, 100);
        if (ready < 0)
            return;
        if (ready == 0)
            continue;
        const ssize_t got = ::read(m_fd, buffer, sizeof buffer);
        if (got <= 0) {
            if (!pending.isEmpty())
                route(QString::fromUtf8(pending), m_labels);
            return;  // end of input: the labels given so far stay queued
        }
        pending.append(buffer, static_cast<qsizetype>(got));
        for (qsizetype end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
            route(QString::fromUtf8(pending.left(end)), m_labels);  // trimmed (\r too) by ScannedLabels
            pending.remove(0, end + 1);
        }
    }
}

}  // namespace imprint::cli
