#pragma once

// The window's StationControl on the real station: a StationSession (CA on the token, audit,
// serial ports) owned by one worker thread. Every request is queued to that thread and returns
// at once; answers come back as signals, delivered queued to the GUI thread.

#include "app/common/StationSession.h"
#include "ui/SlotFeed.h"
#include "ui/StationControl.h"

#include <QThread>
#include <QTimer>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <set>

namespace imprint::gui {

struct LiveStationOptions
{
    station::SessionOptions session;
    QList<pipeline::SlotConfig> slots;
    QString batch;  // selected at start when set (id or name)
};

class LiveStation : public ui::StationControl
{
    Q_OBJECT
public:
    LiveStation(LiveStationOptions options, const Clock& clock, QObject* parent = nullptr);
    ~LiveStation() override;  // stops every slot after its current unit

    [[nodiscard]] QList<pipeline::SlotConfig> fixtureSlots() const override { return m_options.slots; }
    void startSlots(const QList<int>& slots) override;
    void stopSlots(const QList<int>& slots) override;
    void importWorkOrder(const ui::ImportRequest& request) override;
    void selectBatch(const QString& batch) override;
    void refreshBatch() override;
    void checkOperator(quint64 ticket, const QString& id) override;
    void setOperator(const QString& id) override;
    void approveRework(int slot, const QString& supervisorId) override;
    void approveQuotaOverride(int slot, const QString& supervisorId) override;
    void submitLabel(std::optional<int> slot, const QString& label) override;
    void setAutoStart(int slot, bool automatic) override;
    void setOperatorPrompt(std::shared_ptr<OperatorPrompt> prompt) override;

    // For the demo and tests: the development token and CA, made once (on the worker thread).
    void ensureDevelopmentCa(const QString& module);

    // Runs `job` on the station's thread, after every request already queued; a non-empty
    // `what` marks the station busy meanwhile. Whatever touches the PKCS#11 module goes here:
    // two users of one module in a process must not initialise and finalise it under each other.
    void post(const QString& what, std::function<void()> job);

private:
    [[nodiscard]] bool ensureSession();
    [[nodiscard]] std::optional<pipeline::SlotConfig> slotConfig(int slot) const;
    void readBatch();
    void stopSlotsIfJustCompleted(const audit::BatchSummary& batch);
    // On the station thread: starts one slot; false (and a problem signal) when it cannot.
    [[nodiscard]] bool startOne(int slot);
    void checkAutoSlots();
    void clearAuto(int slot);

    LiveStationOptions m_options;
    const Clock& m_clock;
    ui::SlotFeed m_feed;
    QThread m_thread;
    QObject* m_context = nullptr;  // lives on m_thread: the target of posted jobs
    std::atomic<bool> m_refreshQueued{false};
    // Touched only on the worker thread:
    std::unique_ptr<station::StationSession> m_session;
    std::shared_ptr<OperatorPrompt> m_prompt;  // asks for the PIN when the CA opens
    QString m_batch;
    std::optional<qint64> m_completedBatch;  // the batch whose completion has stopped the slots
    QTimer* m_autoTimer = nullptr;  // polls the ports of automatic slots
    std::set<int> m_autoSlots;
    std::set<int> m_autoWaiting;
};

}  // namespace imprint::gui
