#pragma once

// One slot of the fixture as the technician sees it from a metre away: position and port,
// the device, the current step with a progress bar, the elapsed time, and the outcome as a
// large colour AND an icon AND a word; on failure the reason and what to do. Focusable: Enter
// or Space starts a stopped slot and stops a running one.

#include "core/pipeline/ProvisioningRun.h"

#include <QElapsedTimer>
#include <QFrame>

class QCheckBox;
class QLabel;
class QProgressBar;
class QPushButton;

namespace imprint::ui {

// The word, colour and icon of a phase; never colour alone.
struct OutcomeLook
{
    QString word;
    QString symbol;  // a glyph that differs in shape per outcome
    QColor colour;
};
[[nodiscard]] OutcomeLook outcomeLook(pipeline::SlotPhase phase);

// The slot turned its device away as already provisioned: a supervisor may approve rework.
[[nodiscard]] bool offersRework(const pipeline::SlotSnapshot& snapshot);
// The slot turned its device away because the open batch reached its quota: a supervisor may
// let the batch go past it.
[[nodiscard]] bool offersQuotaOverride(const pipeline::SlotSnapshot& snapshot);

class SlotTile : public QFrame
{
    Q_OBJECT
public:
    SlotTile(const pipeline::SlotConfig& slot, QWidget* parent = nullptr);

    void display(const pipeline::SlotSnapshot& snapshot);
    void setRunning(bool running);
    void setControlsEnabled(bool enabled);
    // Automatic start: the tile says it waits for a device on its port.
    void setAutoStart(bool automatic);
    void setAutoWaiting(bool waiting);
    [[nodiscard]] bool autoStart() const;
    // Advances the elapsed time of a unit in progress (the snapshot only changes per step).
    void tick();

    [[nodiscard]] int slot() const { return m_slot; }
    [[nodiscard]] bool running() const { return m_running; }
    [[nodiscard]] const pipeline::SlotSnapshot& snapshot() const { return m_snapshot; }

Q_SIGNALS:
    void startRequested(int slot);
    void stopRequested(int slot);
    void reworkRequested(int slot);
    void quotaOverrideRequested(int slot);
    void autoStartToggled(int slot, bool automatic);

protected:
    void keyPressEvent(QKeyEvent* event) override;
    void focusInEvent(QFocusEvent* event) override;
    void focusOutEvent(QFocusEvent* event) override;

private:
    void toggle();
    void paintOutcome(pipeline::SlotPhase phase);
    void showElapsed(qint64 ms);
    void updateBorder();

    int m_slot = 0;
    bool m_running = false;
    pipeline::SlotSnapshot m_snapshot;
    QElapsedTimer m_sinceSnapshot;
    QLabel* m_title = nullptr;
    QLabel* m_outcome = nullptr;
    QLabel* m_identity = nullptr;
    QLabel* m_step = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_elapsed = nullptr;
    QLabel* m_reason = nullptr;
    QLabel* m_hint = nullptr;
    QPushButton* m_start = nullptr;
    QPushButton* m_stop = nullptr;
    QPushButton* m_rework = nullptr;
    QPushButton* m_pastQuota = nullptr;
    QCheckBox* m_auto = nullptr;
    QLabel* m_autoWaiting = nullptr;
    bool m_controlsEnabled = true;
};

}  // namespace imprint::ui
