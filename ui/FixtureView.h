#pragma once

// The fixture: one tile per slot in a grid, four to a row as the slots sit on the bench.
// Arrow keys move between tiles; the tile with the focus is "the selected slot".

#include "core/pipeline/ProvisioningRun.h"
#include "ui/SlotTile.h"

#include <QList>
#include <QWidget>

#include <map>

class QGridLayout;
class QTimer;

namespace imprint::ui {

class FixtureView : public QWidget
{
    Q_OBJECT
public:
    explicit FixtureView(QWidget* parent = nullptr);

    void setSlots(const QList<pipeline::SlotConfig>& slots);
    void applySnapshot(const pipeline::SlotSnapshot& snapshot);
    void setSlotRunning(int slot, bool running);
    void setControlsEnabled(bool enabled);
    void setAutoStart(int slot, bool automatic);
    void setAutoWaiting(int slot, bool waiting);

    [[nodiscard]] SlotTile* tile(int slot) const;
    [[nodiscard]] QList<int> slotNumbers() const;
    [[nodiscard]] QList<int> runningSlots() const;
    [[nodiscard]] std::optional<int> selectedSlot() const;
    void selectSlot(int slot);

Q_SIGNALS:
    void startRequested(int slot);
    void stopRequested(int slot);
    // A unit ended on a slot (counted once, when the slot's pass or fail count grows).
    void unitFinished(int slot, bool passed);
    void reworkRequested(int slot);
    void quotaOverrideRequested(int slot);
    void autoStartToggled(int slot, bool automatic);
    // Printable keys typed on a tile: a barcode scanner started a label for that slot.
    void labelTyped(int slot, const QString& text);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void moveSelection(int rowStep, int columnStep);

    static constexpr int kColumns = 4;
    QGridLayout* m_grid = nullptr;
    QTimer* m_ticker = nullptr;
    std::map<int, SlotTile*> m_tiles;
    QList<int> m_order;
};

}  // namespace imprint::ui
