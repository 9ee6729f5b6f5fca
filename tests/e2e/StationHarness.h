#pragma once

// Drives the real station end to end as a line engineer would: imprint-cli and imprint-devsim
// as processes, a development SoftHSM2 token and CA in a temporary data directory, SQLite
// audit files. Used by the run, fault and crash tests.

#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>

namespace imprint::test {

struct CliRun
{
    int exitCode = -1;
    QString out;
    QString err;
};

class StationHarness
{
public:
    StationHarness();
    ~StationHarness();

    // Creates the development token and a CA (once per harness). Empty on success, else why not.
    [[nodiscard]] QString setUpCa();

    [[nodiscard]] CliRun cli(const QStringList& arguments, int timeoutMs = 120'000) const;
    // Starts imprint-cli without waiting (to interrupt or kill it).
    [[nodiscard]] std::unique_ptr<QProcess> startCli(const QStringList& arguments) const;
    // Starts imprint-devsim in `dir` and waits for its ready line. Empty on success.
    [[nodiscard]] QString startDevices(const QString& dir, const QStringList& arguments);
    void stopDevices();

    // A work order of devsim's serial numbers SIM-<slot>-<position>, imported into `db`.
    [[nodiscard]] CliRun importOrder(const QString& db, const QString& name, int ports, int perPort) const;

    [[nodiscard]] QString path(const QString& name) const { return m_dir.filePath(name); }
    [[nodiscard]] QProcessEnvironment environment() const { return m_environment; }
    [[nodiscard]] static QStringList portArguments(const QString& dir, int ports);

private:
    QTemporaryDir m_dir;
    QProcessEnvironment m_environment;
    std::unique_ptr<QProcess> m_devices;
};

// Runs an SQL count on an audit file (a connection of the test's own; -1 when it fails).
[[nodiscard]] qint64 countRows(const QString& db, const QString& sql);
// The rows of a query as text, one line per row, for failure messages.
[[nodiscard]] QString dumpRows(const QString& db, const QString& sql);

}  // namespace imprint::test
