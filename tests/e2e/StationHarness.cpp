#include "StationHarness.h"

#include <QFile>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QUuid>

namespace imprint::test {

StationHarness::StationHarness() : m_environment(QProcessEnvironment::systemEnvironment())
{
    m_environment.insert(QStringLiteral("IMPRINT_DATA_DIR"), m_dir.filePath(QStringLiteral("data")));
    // The development token's configuration comes from station.ini, as on a station.
    m_environment.remove(QStringLiteral("SOFTHSM2_CONF"));
    m_environment.insert(QStringLiteral("QT_LOGGING_RULES"), QStringLiteral("imprint.*.info=false"));
}

StationHarness::~StationHarness()
{
    stopDevices();
}

CliRun StationHarness::cli(const QStringList& arguments, int timeoutMs) const
{
    QProcess process;
    process.setProcessEnvironment(m_environment);
    process.start(QStringLiteral(IMPRINT_CLI_PATH), arguments);
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        return {-1, QString(), QStringLiteral("imprint-cli %1 did not finish in time").arg(arguments.join(u' '))};
    }
    return {process.exitCode(), QString::fromUtf8(process.readAllStandardOutput()),
            QString::fromUtf8(process.readAllStandardError())};
}

std::unique_ptr<QProcess> StationHarness::startCli(const QStringList& arguments) const
{
    auto process = std::make_unique<QProcess>();
    process->setProcessEnvironment(m_environment);
    process->start(QStringLiteral(IMPRINT_CLI_PATH), arguments);
    process->waitForStarted();
    return process;
}

QString StationHarness::setUpCa()
{
    const CliRun token = cli({QStringLiteral("hsm"), QStringLiteral("init-dev-token")});
    if (token.exitCode != 0)
        return QStringLiteral("init-dev-token: ") + token.err;
    const CliRun ca = cli({QStringLiteral("ca"), QStringLiteral("create")});
    if (ca.exitCode != 0)
        return QStringLiteral("ca create: ") + ca.err;
    return {};
}

QString StationHarness::startDevices(const QString& dir, const QStringList& arguments)
{
    stopDevices();
    m_devices = std::make_unique<QProcess>();
    m_devices->setProcessEnvironment(m_environment);
    m_devices->setProcessChannelMode(QProcess::MergedChannels);
    m_devices->start(QStringLiteral(IMPRINT_DEVSIM_PATH), QStringList{QStringLiteral("--dir"), dir} + arguments);
    QByteArray seen;
    while (m_devices->waitForReadyRead(10'000)) {
        seen += m_devices->readAll();
        if (seen.contains("devsim: ready"))
            return {};
    }
    return QStringLiteral("imprint-devsim did not get ready: ") + QString::fromUtf8(seen);
}

void StationHarness::stopDevices()
{
    if (m_devices && m_devices->state() != QProcess::NotRunning) {
        m_devices->terminate();
        if (!m_devices->waitForFinished(5'000))
            m_devices->kill();
        m_devices->waitForFinished();
    }
    m_devices.reset();
}

CliRun StationHarness::importOrder(const QString& db, const QString& name, int ports, int perPort) const
{
    const QString csv = path(name + QStringLiteral(".csv"));
    QFile file(csv);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return {-1, QString(), QStringLiteral("cannot write ") + csv};
    file.write("serial_number\n");
    for (int slot = 0; slot < ports; ++slot) {
        for (int position = 0; position < perPort; ++position)
            file.write(QStringLiteral("SIM-%1-%2\n").arg(slot).arg(position).toUtf8());
    }
    file.close();
    return cli({QStringLiteral("batch"), QStringLiteral("import"), csv, QStringLiteral("--db"), db,
                QStringLiteral("--name"), name, QStringLiteral("--thing-name-rule"), QStringLiteral("sensor-{serial}")});
}

QStringList StationHarness::portArguments(const QString& dir, int ports)
{
    QStringList arguments;
    for (int slot = 0; slot < ports; ++slot)
        arguments << QStringLiteral("--port") << dir + QStringLiteral("/slot%1").arg(slot);
    return arguments;
}

qint64 countRows(const QString& db, const QString& sql)
{
    const QString name = QUuid::createUuid().toString();
    qint64 count = -1;
    {
        QSqlDatabase connection = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        connection.setDatabaseName(db);
        if (connection.open()) {
            QSqlQuery query(connection);
            if (query.exec(sql) && query.next())
                count = query.value(0).toLongLong();
        }
    }
    QSqlDatabase::removeDatabase(name);
    return count;
}

}  // namespace imprint::test

namespace imprint::test {

QString dumpRows(const QString& db, const QString& sql)
{
    const QString name = QUuid::createUuid().toString();
    QStringList lines;
    {
        QSqlDatabase connection = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        connection.setDatabaseName(db);
        if (connection.open()) {
            QSqlQuery query(connection);
            if (query.exec(sql)) {
                while (query.next()) {
                    QStringList cells;
                    for (int i = 0; i < query.record().count(); ++i)
                        cells << query.value(i).toString();
                    lines << cells.join(u' ');
                }
            }
        }
    }
    QSqlDatabase::removeDatabase(name);
    return lines.join(u'\n');
}

}  // namespace imprint::test
