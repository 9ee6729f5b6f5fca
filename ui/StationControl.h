#pragma once

// What the window asks of the station, and what it hears back. The application implements it
// with the real station (CA, audit, serial ports) working on its own thread; every call returns
// at once and every answer arrives as a signal on the GUI thread. The window never waits.

#include "core/audit/AuditQueries.h"
#include "core/batch/WorkOrderReader.h"
#include "core/pipeline/ProvisioningRun.h"

#include <QList>
#include <QMetaType>
#include <QObject>
#include <QString>

namespace imprint::ui {

struct ImportRequest
{
    QString path;
    QString batchName;
    QString thingNameRule;
};

struct ImportResult
{
    bool ok = false;
    QString batchName;
    qint64 devices = 0;
    QString message;  // on failure: why, in plain words
    QList<batch::ImportIssue> issues;
};

class StationControl : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    // The fixture: one slot per port, in position order.
    [[nodiscard]] virtual QList<pipeline::SlotConfig> fixtureSlots() const = 0;
    virtual void startSlots(const QList<int>& slots) = 0;
    virtual void stopSlots(const QList<int>& slots) = 0;
    virtual void importWorkOrder(const ImportRequest& request) = 0;
    virtual void selectBatch(const QString& batch) = 0;
    virtual void refreshBatch() = 0;

Q_SIGNALS:
    void slotChanged(const imprint::pipeline::SlotSnapshot& snapshot);
    void slotRunningChanged(int slot, bool running);
    void batchChanged(const imprint::audit::BatchSummary& batch);
    void importFinished(const imprint::ui::ImportResult& result);
    // True while the station works on something the operator asked for (opening, stopping…).
    void busyChanged(bool busy, const QString& what);
    void problem(const QString& message);
};

// Registers the types the signals above carry across threads. Call once before connecting.
void registerStationTypes();

}  // namespace imprint::ui

Q_DECLARE_METATYPE(imprint::audit::BatchSummary)
Q_DECLARE_METATYPE(imprint::ui::ImportResult)
Q_DECLARE_METATYPE(imprint::ui::ImportRequest)
