#include "DevsimProcess.h"

#include <QElapsedTimer>

namespace imprint::test {

DevsimProcess::~DevsimProcess()
{
    stop();
}

QString DevsimProcess::start(const QStringList& arguments, const QProcessEnvironment& environment)
{
    m_process.setProcessEnvironment(environment);
    m_process.setProcessChannelMode(QProcess::MergedChannels);
    m_process.start(QStringLiteral(IMPRINT_DEVSIM_PATH), arguments);
    if (waitForLines(QRegularExpression(QStringLiteral("^devsim: ready")), 1, 15'000))
        return {};
    return QStringLiteral("imprint-devsim did not get ready: ") + output();
}

bool DevsimProcess::waitForLines(const QRegularExpression& pattern, int count, int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    for (;;) {
        if (lines(pattern).size() >= count)
            return true;
        if (timer.elapsed() > timeoutMs || m_process.state() == QProcess::NotRunning)
            return false;
        m_process.waitForReadyRead(200);
    }
}

QStringList DevsimProcess::lines(const QRegularExpression& pattern)
{
    QStringList matching;
    for (const QString& line : output().split(u'\n')) {
        if (pattern.match(line).hasMatch())
            matching << line;
    }
    return matching;
}

QString DevsimProcess::output()
{
    m_output += m_process.readAll();
    return QString::fromUtf8(m_output);
}

void DevsimProcess::stop()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.terminate();
        if (!m_process.waitForFinished(5'000))
            m_process.kill();
        m_process.waitForFinished();
    }
}

}  // namespace imprint::test
