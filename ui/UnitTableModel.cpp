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

UnitTableModel::UnitTableModel(AuditSource* source, QObject* parent) : PagedTableModel(parent), m_source(source)
{
    connect(m_source, &AuditSource::unitsReady, this,
            [this](quint64 ticket, const audit::UnitPage& page) { acceptPage(ticket, m_rows, page.rows, page.more); });
    connect(m_source, &AuditSource::unitsFailed, this, &UnitTableModel::acceptFailure);
}

void UnitTableModel::setFilter(const audit::BrowseFilter& filter)
{
    m_filter = filter;
    startOver();
}

std::optional<qint64> UnitTableModel::lastRowId() const
{
    return m_rows.empty() ? std::nullopt : std::optional<qint64>(m_rows.back().id);
}

void UnitTableModel::requestPage(quint64 ticket, std::optional<qint64> before)
{
    m_source->requestUnits(ticket, m_filter, before, kPageSize);
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

}  // namespace imprint::ui
