#pragma once

// What the audit's tables have in common: rows arrive a page at a time from an AuditSource
// (fetchMore asks for the next page and returns at once; the page lands later), newest first, so
// a million rows cost no more to open than a hundred. A page or a count still on its way when the
// filter changes carries an old ticket and is dropped. Subclasses hold the rows and say how a
// page is asked for (UnitTableModel, EventTableModel).

#include <QAbstractTableModel>

#include <optional>
#include <vector>

namespace imprint::ui {

class PagedTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    static constexpr int kPageSize = 200;

    [[nodiscard]] bool loading() const { return m_pending; }
    [[nodiscard]] bool complete() const { return !m_more && !m_pending; }
    [[nodiscard]] int pagesLoaded() const { return m_pages; }

    bool canFetchMore(const QModelIndex& parent) const override;
    void fetchMore(const QModelIndex& parent) override;

Q_SIGNALS:
    void pageArrived(int rows);
    void failed(const QString& message);

protected:
    using QAbstractTableModel::QAbstractTableModel;

    // Forgets every row (a new filter) and asks for the first page.
    void startOver();
    [[nodiscard]] bool isCurrent(quint64 ticket) const { return ticket == m_ticket; }
    [[nodiscard]] quint64 ticket() const { return m_ticket; }

    // A page arrived for `ticket`: its rows go after `rows`, with the view told.
    template <typename Row>
    void acceptPage(quint64 ticket, std::vector<Row>& rows, const std::vector<Row>& page, bool more)
    {
        if (!isCurrent(ticket))
            return;
        m_pending = false;
        m_more = more;
        ++m_pages;
        if (!page.empty()) {
            const int first = static_cast<int>(rows.size());
            beginInsertRows({}, first, first + static_cast<int>(page.size()) - 1);
            rows.insert(rows.end(), page.begin(), page.end());
            endInsertRows();
        }
        Q_EMIT pageArrived(static_cast<int>(page.size()));
    }
    void acceptFailure(quint64 ticket, const QString& message);

private:
    virtual void forgetRows() = 0;
    // The id of the last row held, from which the next page goes on; unset when none is held.
    [[nodiscard]] virtual std::optional<qint64> lastRowId() const = 0;
    // Asks the source for the page after `before` (the first page when unset).
    virtual void requestPage(quint64 ticket, std::optional<qint64> before) = 0;
    void requestNext();

    quint64 m_ticket = 0;
    bool m_pending = false;
    bool m_more = false;
    int m_pages = 0;
};

}  // namespace imprint::ui
