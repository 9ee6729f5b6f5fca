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

#include <memory>
#include <optional>

namespace imprint {
class OperatorPrompt;
}

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

// The answer to "who is this?" for a scanned or typed operator ID.
struct OperatorCheck
{
    quint64 ticket = 0;
    QString id;
    QString role;     // "operator" (a technician) or "supervisor"; empty when unknown
    QString message;  // why not, in plain words
    [[nodiscard]] bool known() const { return !role.isEmpty(); }
    [[nodiscard]] bool supervisor() const { return role == QLatin1String("supervisor"); }
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

    // Looks `id` up in the audit's operators table; the answer is operatorChecked(ticket…).
    virtual void checkOperator(quint64 ticket, const QString& id) = 0;
    // The person on record for every unit started from now on (empty: nobody; nothing starts).
    virtual void setOperator(const QString& id) = 0;
    // The supervisor approves rework of the device `slot` refused as already provisioned.
    virtual void approveRework(int slot, const QString& supervisorId) = 0;
    // The supervisor lets the open batch take units past its quota (the device `slot` refused
    // for the quota first); the answer is quotaOverrideAnswered.
    virtual void approveQuotaOverride(int slot, const QString& supervisorId) = 0;
    // A scanned label for `slot`, or (nothing) for the next slot waiting for one.
    virtual void submitLabel(std::optional<int> slot, const QString& label) = 0;
    // An automatic slot starts by itself once its port exists (a device plugged in).
    virtual void setAutoStart(int slot, bool automatic) = 0;
    // Who answers the station's questions, such as the token's PIN when neither a pin-source
    // nor IMPRINT_HSM_PIN gives it: the window's prompt. Shared, because a job on the station's
    // thread may still be asking when the window goes. Until one is set, such a question fails
    // with a plain reason.
    virtual void setOperatorPrompt(std::shared_ptr<OperatorPrompt> prompt) = 0;

Q_SIGNALS:
    void slotChanged(const imprint::pipeline::SlotSnapshot& snapshot);
    void slotRunningChanged(int slot, bool running);
    void batchChanged(const imprint::audit::BatchSummary& batch);
    void importFinished(const imprint::ui::ImportResult& result);
    // True while the station works on something the operator asked for (opening, stopping…).
    void busyChanged(bool busy, const QString& what);
    void problem(const QString& message);
    // Something the technician should read that is not a problem ("the batch is complete…").
    void notice(const QString& message);
    void operatorChecked(const imprint::ui::OperatorCheck& check);
    void reworkAnswered(int slot, bool approved, const QString& message);
    void quotaOverrideAnswered(int slot, bool approved, const QString& message);
    // An automatic slot is waiting for its port (true) or has started or been set manual (false).
    void autoStartWaiting(int slot, bool waiting);
    // The station turned a slot's automatic start on or off (off: stopped by hand, or it failed).
    void autoStartChanged(int slot, bool automatic);
};

// Registers the types the signals above carry across threads. Call once before connecting.
void registerStationTypes();

}  // namespace imprint::ui

Q_DECLARE_METATYPE(imprint::audit::BatchSummary)
Q_DECLARE_METATYPE(imprint::ui::ImportResult)
Q_DECLARE_METATYPE(imprint::ui::ImportRequest)
Q_DECLARE_METATYPE(imprint::ui::OperatorCheck)
