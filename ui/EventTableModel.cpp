#include "ui/EventTableModel.h"

#include "ui/AuditSource.h"

#include <QBrush>
#include <QColor>

namespace imprint::ui {

namespace {

// Word and colour both (the outcome is always written out): readable for colour-blind people.
QColor outcomeColour(const QString& outcome)
{
    if (outcome == QLatin1String("failed") || outcome == QLatin1String("refused"))
        return {0xb0, 0x00, 0x20};
    if (outcome == QLatin1String("ok") || outcome == QLatin1String("passed"))
        return {0x1b, 0x7f, 0x3b};
    return {0x45, 0x45, 0x45};
}

}  // namespace

EventTableModel::EventTableModel(AuditSource* source, QObject* parent) : PagedTableModel(parent), m_source(source)
{
    connect(m_source, &AuditSource::eventsReady, this,
            [this](quint64 ticket, const audit::EventPage& page) { acceptPage(ticket, m_rows, page.rows, page.more); });
    connect(m_source, &AuditSource::eventsFailed, this, &EventTableModel::acceptFailure);
    connect(m_source, &AuditSource::eventCountReady, this, &EventTableModel::onCount);
}

void EventTableModel::setFilter(const audit::EventFilter& filter)
{
    m_filter = filter;
    startOver();
    m_source->requestEventCount(ticket(), m_filter);
}

void EventTableModel::forgetRows()
{
    m_rows.clear();
    m_matching.reset();
}

std::optional<qint64> EventTableModel::lastRowId() const
{
    return m_rows.empty() ? std::nullopt : std::optional<qint64>(m_rows.back().id);
}

void EventTableModel::requestPage(quint64 ticket, std::optional<qint64> before)
{
    m_source->requestEvents(ticket, m_filter, before, kPageSize);
}

void EventTableModel::onCount(quint64 ticket, qint64 count)
{
    if (!isCurrent(ticket))
        return;
    m_matching = count;
    Q_EMIT countArrived(count);
}

const audit::EventListRow* EventTableModel::eventAt(int row) const
{
    return row >= 0 && row < rowCount() ? &m_rows[static_cast<size_t>(row)] : nullptr;
}

int EventTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int EventTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EventTableModel::data(const QModelIndex& index, int role) const
{
    const audit::EventListRow* event = index.isValid() ? eventAt(index.row()) : nullptr;
    if (!event)
        return {};
    if (role == Qt::ForegroundRole && index.column() == Outcome)
        return QBrush(outcomeColour(event->outcome));
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
        return {};
    switch (index.column()) {
    case EventId: return event->id;
    case At: return event->at;
    case Step: return event->step;
    case Outcome: return event->outcome;
    case Serial: return event->serialNumber;
    case HardwareId: return event->hardwareId;
    case Slot: return event->slot ? QVariant(*event->slot + 1) : QVariant();
    case Operator:
        return event->supervisor.isEmpty() ? event->operatorName
                                           : tr("%1, approved by %2").arg(event->operatorName, event->supervisor);
    case Unit: return event->unitId ? QVariant(*event->unitId) : QVariant(tr("station"));
    case Error: return event->error;
    default: return {};
    }
}

QVariant EventTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case EventId: return tr("Event");
    case At: return tr("At (UTC)");
    case Step: return tr("Step");
    case Outcome: return tr("Outcome");
    case Serial: return tr("Serial");
    case HardwareId: return tr("Hardware ID");
    case Slot: return tr("Slot");
    case Operator: return tr("Operator");
    case Unit: return tr("Unit");
    case Error: return tr("Error");
    default: return {};
    }
}

}  // namespace imprint::ui
