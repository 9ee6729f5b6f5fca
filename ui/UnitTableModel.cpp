#include "ui/UnitTableModel.h"

#include "ui/AuditSource.h"

#include <QBrush>
#include <QColor>

namespace imprint::ui {

QString unitStateText(const QString& state)
{
    if (state == QLatin1String("passed"))
        return QStringLiteral("\u2714 passed");
    if (state == QLatin1String("failed"))
        return QStringLiteral("\u2716 failed");
    if (state == QLatin1String("interrupted"))
        return QStringLiteral("\u26A0 interrupted");
    if (state == QLatin1String("superseded"))
        return QStringLiteral("\u21B7 superseded");
    if (state == QLatin1String("in_progress"))
        return QStringLiteral("\u21BB in progress");
    return state;
}

namespace {

QColor stateColour(const QString& state)
{
    if (state == QLatin1String("passed"))
        return {0x1b, 0x7f, 0x3b};
    if (state == QLatin1String("failed"))
        return {0xb0, 0x00, 0x20};
    return {0x45, 0x45, 0x45};
}

}  // namespace

UnitTableModel::UnitTableModel(AuditSource* source, QObject* parent) : QAbstractTableModel(parent), m_source(source)
{
    connect(m_source, &AuditSource::unitsReady, this, &UnitTableModel::onPage);
    connect(m_source, &AuditSource::unitsFailed, this, &UnitTableModel::onFailed);
}

void UnitTableModel::setFilter(const audit::BrowseFilter& filter)
{
    beginResetModel();
    m_filter = filter;
    m_rows.clear();
    m_more = false;
    m_pages = 0;
    ++m_ticket;  // a page still on its way belongs to the old filter
    endResetModel();
    request();
}

void UnitTableModel::request()
{
    m_pending = true;
    std::optional<qint64> before;
    if (!m_rows.empty())
        before = m_rows.back().id;
    m_source->requestUnits(m_ticket, m_filter, before, kPageSize);
}

void UnitTableModel::onPage(quint64 ticket, const audit::UnitPage& page)
{
    if (ticket != m_ticket)
        return;
    m_pending = false;
    m_more = page.more;
    ++m_pages;
    if (!page.rows.empty()) {
        const int first = static_cast<int>(m_rows.size());
        beginInsertRows({}, first, first + static_cast<int>(page.rows.size()) - 1);
        m_rows.insert(m_rows.end(), page.rows.begin(), page.rows.end());
        endInsertRows();
    }
    Q_EMIT pageArrived(static_cast<int>(page.rows.size()));
}

void UnitTableModel::onFailed(quint64 ticket, const QString& message)
{
    if (ticket != m_ticket)
        return;
    m_pending = false;
    m_more = false;
    Q_EMIT failed(message);
}

const audit::UnitRow* UnitTableModel::unitAt(int row) const
{
    return row >= 0 && row < rowCount() ? &m_rows[static_cast<size_t>(row)] : nullptr;
}

int UnitTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int UnitTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant UnitTableModel::data(const QModelIndex& index, int role) const
{
    const audit::UnitRow* unit = index.isValid() ? unitAt(index.row()) : nullptr;
    if (!unit)
        return {};
    if (role == Qt::ForegroundRole && index.column() == Outcome)
        return QBrush(stateColour(unit->state));
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
        return {};
    switch (index.column()) {
    case UnitId: return unit->id;
    case Started: return unit->startedAt;
    case Batch: return unit->batch;
    case Serial: return unit->serialNumber;
    case Thing: return unit->thingName;
    case HardwareId: return unit->hardwareId;
    case Outcome: return QString(unitStateText(unit->state) + (unit->rework ? tr(" (rework)") : QString()));
    case Operator:
        return unit->supervisor.isEmpty() ? unit->operatorName
                                          : tr("%1, approved by %2").arg(unit->operatorName, unit->supervisor);
    case Slot: return unit->slot + 1;
    case Error: return unit->error;
    default: return {};
    }
}

QVariant UnitTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case UnitId: return tr("Unit");
    case Started: return tr("Started (UTC)");
    case Batch: return tr("Batch");
    case Serial: return tr("Serial");
    case Thing: return tr("Thing");
    case HardwareId: return tr("Hardware ID");
    case Outcome: return tr("Outcome");
    case Operator: return tr("Operator");
    case Slot: return tr("Slot");
    case Error: return tr("Why it failed");
    default: return {};
    }
}

bool UnitTableModel::canFetchMore(const QModelIndex& parent) const
{
    return !parent.isValid() && m_more && !m_pending;
}

void UnitTableModel::fetchMore(const QModelIndex& parent)
{
    if (canFetchMore(parent))
        request();
}

}  // namespace imprint::ui
