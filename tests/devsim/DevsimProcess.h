#pragma once

// imprint-devsim as a test starts it, with its output kept so the test can wait for the
// devices' progress lines ("devsim: slot0 SIM-0-0 connected as …").

#include <QProcess>
#include <QRegularExpression>
#include <QStringList>

namespace imprint::test {

class DevsimProcess
{
public:
    DevsimProcess() = default;
    ~DevsimProcess();
    DevsimProcess(const DevsimProcess&) = delete;
    DevsimProcess& operator=(const DevsimProcess&) = delete;

    // Starts it and waits for "devsim: ready". Empty on success, else what it printed.
    [[nodiscard]] QString start(const QStringList& arguments, const QProcessEnvironment& environment);
    // Waits until `count` output lines match `pattern`; false after `timeoutMs`.
    [[nodiscard]] bool waitForLines(const QRegularExpression& pattern, int count, int timeoutMs = 60'000);
    [[nodiscard]] QStringList lines(const QRegularExpression& pattern);
    [[nodiscard]] QString output();  // everything so far, for failure messages
    void stop();

private:
    QProcess m_process;
    QByteArray m_output;
};

}  // namespace imprint::test
