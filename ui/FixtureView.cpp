#include "ui/FixtureView.h"

#include <QGridLayout>
#include <QKeyEvent>
#include <QTimer>

namespace imprint::ui {

FixtureView::FixtureView(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("fixtureView"));
    m_grid = new QGridLayout(this);
    m_ticker = new QTimer(this);
    m_ticker->setInterval(250);
    connect(m_ticker, &QTimer::timeout, this, [this] {
        for (auto& [slot, tile] : m_tiles)
            tile->tick();
    });
    m_ticker->start();
}

void FixtureView::setSlots(const QList<pipeline::SlotConfig>& slots)
{
    for (auto& [slot, tile] : m_tiles)
        delete tile;
    m_tiles.clear();
    m_order.clear();
    int index = 0;
    for (const auto& slot : slots) {
        auto* tile = new SlotTile(slot, this);
        tile->installEventFilter(this);
        connect(tile, &SlotTile::startRequested, this, &FixtureView::startRequested);
        connect(tile, &SlotTile::stopRequested, this, &FixtureView::stopRequested);
        connect(tile, &SlotTile::reworkRequested, this, &FixtureView::reworkRequested);
        connect(tile, &SlotTile::quotaOverrideRequested, this, &FixtureView::quotaOverrideRequested);
        connect(tile, &SlotTile::autoStartToggled, this, &FixtureView::autoStartToggled);
        m_grid->addWidget(tile, index / kColumns, index % kColumns);
        m_tiles.emplace(slot.slot, tile);
        m_order.append(slot.slot);
        ++index;
    }
    // Tab follows the bench: left to right, row after row.
    for (qsizetype i = 1; i < m_order.size(); ++i)
        setTabOrder(tile(m_order.at(i - 1)), tile(m_order.at(i)));
}

void FixtureView::applySnapshot(const pipeline::SlotSnapshot& snapshot)
{
    SlotTile* target = tile(snapshot.slot);
    if (!target)
        return;
    const pipeline::SlotSnapshot before = target->snapshot();
    target->display(snapshot);
    if (snapshot.passed > before.passed)
        Q_EMIT unitFinished(snapshot.slot, true);
    if (snapshot.failed > before.failed)
        Q_EMIT unitFinished(snapshot.slot, false);
}

void FixtureView::setSlotRunning(int slot, bool running)
{
    if (SlotTile* target = tile(slot))
        target->setRunning(running);
}

void FixtureView::setControlsEnabled(bool enabled)
{
    for (auto& [slot, tile] : m_tiles)
        tile->setControlsEnabled(enabled);
}

void FixtureView::setAutoStart(int slot, bool automatic)
{
    if (SlotTile* target = tile(slot))
        target->setAutoStart(automatic);
}

void FixtureView::setAutoWaiting(int slot, bool waiting)
{
    if (SlotTile* target = tile(slot))
        target->setAutoWaiting(waiting);
}

SlotTile* FixtureView::tile(int slot) const
{
    const auto found = m_tiles.find(slot);
    return found == m_tiles.end() ? nullptr : found->second;
}

QList<int> FixtureView::slotNumbers() const
{
    return m_order;
}

QList<int> FixtureView::runningSlots() const
{
    QList<int> running;
    for (int slot : m_order) {
        if (tile(slot)->running())
            running.append(slot);
    }
    return running;
}

std::optional<int> FixtureView::selectedSlot() const
{
    for (auto& [slot, tile] : m_tiles) {
        if (tile->hasFocus())
            return slot;
    }
    return std::nullopt;
}

void FixtureView::selectSlot(int slot)
{
    if (SlotTile* target = tile(slot))
        target->setFocus(Qt::ShortcutFocusReason);
}

void FixtureView::moveSelection(int rowStep, int columnStep)
{
    const auto selected = selectedSlot();
    if (!selected || m_order.isEmpty())
        return;
    const auto index = static_cast<int>(m_order.indexOf(*selected));
    const int next = index + rowStep * kColumns + columnStep;
    if (next >= 0 && next < m_order.size())
        selectSlot(m_order.at(next));
}

bool FixtureView::eventFilter(QObject* watched, QEvent* event)
{
    if (event->type() == QEvent::KeyPress && qobject_cast<SlotTile*>(watched)) {
        auto* key = static_cast<QKeyEvent*>(event);
        const bool printable = !key->text().isEmpty() && key->text().at(0).isPrint() && key->key() != Qt::Key_Space
                               && !(key->modifiers() & (Qt::ControlModifier | Qt::AltModifier | Qt::MetaModifier));
        if (printable) {
            // A scanner types like a keyboard: its label goes to the scan field, for this slot,
            // and the Enter that ends it never reaches the tile (where it would start or stop).
            Q_EMIT labelTyped(static_cast<SlotTile*>(watched)->slot(), key->text());
            return true;
        }
        switch (key->key()) {
        case Qt::Key_Left: moveSelection(0, -1); return true;
        case Qt::Key_Right: moveSelection(0, 1); return true;
        case Qt::Key_Up: moveSelection(-1, 0); return true;
        case Qt::Key_Down: moveSelection(1, 0); return true;
        default: break;
        }
    }
    return QWidget::eventFilter(watched, event);
}

}  // namespace imprint::ui
