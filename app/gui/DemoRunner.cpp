#include "app/gui/DemoRunner.h"

#include "core/audit/SqlConnection.h"
#include "core/audit/StationIdentity.h"
#include "core/audit/UnitRecords.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace imprint::gui {

namespace {

QString firstExisting(const QStringList& candidates)
{
    for (const QString& candidate : candidates) {
        if (QFileInfo::exists(candidate))
            return candidate;
    }
    return candidates.isEmpty() ? QString() : candidates.first();
}

}  // namespace

QString findDevsim()
{
    const QString here = QCoreApplication::applicationDirPath();
    return firstExisting({here + QStringLiteral("/imprint-devsim"), here + QStringLiteral("/../devsim/imprint-devsim"),
                          QStringLiteral(IMPRINT_DEVSIM_BUILD_PATH)});
}

QString findSampleWorkOrder()
{
    const QString here = QCoreApplication::applicationDirPath();
    return firstExisting({here + QStringLiteral("/../share/imprint/samples/demo-work-order.csv"),
                          QStringLiteral(IMPRINT_SOURCE_DIR "/resources/samples/demo-work-order.csv")});
}

QList<pipeline::SlotConfig> demoSlots(const QString& deviceDir, int ports)
{
    QList<pipeline::SlotConfig> slots;
    for (int slot = 0; slot < ports; ++slot)
        slots.append({slot, QDir(deviceDir).filePath(QStringLiteral("slot%1").arg(slot))});
    return slots;
}

DemoRunner::DemoRunner(DemoSettings settings, LiveStation& station, QObject* parent)
    : QObject(parent), m_settings(std::move(settings)), m_station(station)
{
    m_devsim.setProcessChannelMode(QProcess::MergedChannels);
    connect(&m_devsim, &QProcess::readyReadStandardOutput, this, [this] {
        m_devsimOutput += m_devsim.readAllStandardOutput();
        if (!m_devicesReady && m_devsimOutput.contains("devsim: ready")) {
            m_devicesReady = true;
            maybeStartSlots();
        }
    });
    connect(&m_devsim, &QProcess::errorOccurred, this, [this](QProcess::ProcessError) {
        Q_EMIT failed(tr("the device simulator %1 did not start: %2").arg(m_settings.devsim, m_devsim.errorString()));
    });
    connect(&m_station, &ui::StationControl::importFinished, this, [this](const ui::ImportResult& result) {
        if (result.ok && result.batchName == m_settings.batchName) {
            m_imported = true;
            maybeStartSlots();
        } else if (!result.ok) {
            Q_EMIT failed(tr("the sample work order was not imported: %1").arg(result.message));
        }
    });
}

DemoRunner::~DemoRunner()
{
    if (m_devsim.state() != QProcess::NotRunning) {
        m_devsim.terminate();
        if (!m_devsim.waitForFinished(3000))
            m_devsim.kill();
        m_devsim.waitForFinished(1000);
    }
}

void DemoRunner::start()
{
    QDir(m_settings.deviceDir).removeRecursively();
    QDir().mkpath(m_settings.deviceDir);
    QStringList arguments{QStringLiteral("--dir"), m_settings.deviceDir, QStringLiteral("--ports"),
                          QString::number(m_settings.ports), QStringLiteral("--queue"), QString::number(m_settings.queue),
                          QStringLiteral("--protocol"), QStringLiteral("imprint")};
    if (!m_settings.faults.isEmpty())
        arguments << QStringLiteral("--fault") << m_settings.faults.join(u',');
    m_devsim.start(m_settings.devsim, arguments);  // returns at once; "ready" arrives as output

    m_station.post(QString(), [this] {
        if (Status registered = registerDemoPeople(); !registered)
            Q_EMIT failed(tr("the demo's operators were not registered: %1").arg(registered.error().message()));
    });
    m_station.ensureDevelopmentCa(m_settings.module);
    m_station.importWorkOrder({m_settings.workOrder, m_settings.batchName, m_settings.thingNameRule});
}

Status DemoRunner::registerDemoPeople() const
{
    auto connection = audit::SqlConnection::open(m_settings.database);
    if (!connection)
        return connection.error();
    const SystemClock clock;
    const QString station = audit::defaultStationName();
    audit::WriteContext context{*connection.value(), clock, station};
    if (auto begun = connection.value()->begin(QStringLiteral("registering the demo's people")); !begun)
        return begun;
    const audit::Actor supervisor{m_settings.supervisorId, m_settings.supervisorId};
    for (const auto& [name, role] : {std::pair{m_settings.supervisorId, QStringLiteral("supervisor")},
                                     std::pair{m_settings.operatorId, QStringLiteral("operator")}}) {
        if (Status added = audit::addOperatorIn(context, name, role, supervisor); !added) {
            connection.value()->rollback();
            return added;
        }
    }
    return connection.value()->commit(QStringLiteral("registering the demo's people"));
}

void DemoRunner::maybeStartSlots()
{
    if (!m_devicesReady || !m_imported)
        return;
    QList<int> slots;
    for (const auto& slot : m_station.fixtureSlots())
        slots.append(slot.slot);
    m_station.startSlots(slots);
    Q_EMIT started();
}

}  // namespace imprint::gui
