#pragma once

// `imprint --demo`: the sample batch on simulated devices, from the window alone. Starts
// imprint-devsim (8 ports, 2 devices each) without waiting for it, has the station make the
// development token and CA (once) and import the sample work order, then starts every slot as
// soon as the devices are ready and the batch is imported.

#include "app/gui/LiveStation.h"

#include <QObject>
#include <QProcess>

namespace imprint::gui {

struct DemoSettings
{
    QString devsim;      // the imprint-devsim program
    QString deviceDir;   // where its pseudo-terminal links go (slot0…)
    int ports = 8;
    int queue = 2;
    QStringList faults;  // devsim --fault values, e.g. "2:corrupt-always"
    QString workOrder;   // the sample CSV
    QString batchName = QStringLiteral("demo");
    QString thingNameRule = QStringLiteral("demo-{serial}");
    QString module;      // PKCS#11 module for the development token
    QString database;    // the demo's audit, where its two people are registered
    QString operatorId = QStringLiteral("demo");                // a technician
    QString supervisorId = QStringLiteral("demo-supervisor");   // approves rework in the demo
};

// Where the demo's programs and files are: next to the application when installed, else the
// build and source trees.
[[nodiscard]] QString findDevsim();
[[nodiscard]] QString findSampleWorkOrder();
[[nodiscard]] QList<pipeline::SlotConfig> demoSlots(const QString& deviceDir, int ports);

class DemoRunner : public QObject
{
    Q_OBJECT
public:
    DemoRunner(DemoSettings settings, LiveStation& station, QObject* parent = nullptr);
    ~DemoRunner() override;  // stops the simulated devices

    void start();

Q_SIGNALS:
    void failed(const QString& message);
    void started();

private:
    void maybeStartSlots();
    // On the station thread: the demo's technician and supervisor in its fresh audit.
    [[nodiscard]] Status registerDemoPeople() const;

    DemoSettings m_settings;
    LiveStation& m_station;
    QProcess m_devsim;
    QByteArray m_devsimOutput;
    bool m_devicesReady = false;
    bool m_imported = false;
};

}  // namespace imprint::gui
