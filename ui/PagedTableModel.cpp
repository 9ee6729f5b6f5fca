#include "ui/PagedTableModel.h"

namespace imprint::ui {

void PagedTableModel::startOver()
{
    beginResetModel();
    forgetRows();
    m_more = false;
    m_pages = 0;
    ++m_ticket;  // what is still on its way belongs to the old filter
    endResetModel();
    requestNext();
}

void PagedTableModel::requestNext()
{
    m_pending = true;
    requestPage(m_ticket, lastRowId());
}

void PagedTableModel::acceptFailure(quint64 ticket, const QString& message)
{
    if (!isCurrent(ticket))
        return;
    m_pending = false;
    m_more = false;
    Q_EMIT failed(message);
}

bool PagedTableModel::canFetchMore(const QModelIndex& parent) const
{
    return !parent.isValid() && m_more && !m_pending;
}

void PagedTableModel::fetchMore(const QModelIndex& parent)
{
    if (canFetchMore(parent))
        requestNext();
}

}  // namespace imprint::ui
