#pragma once

// Every event of the audit as a table that fills as it scrolls, like UnitTableModel: rows come
// a page at a time from an AuditSource (fetchMore asks and returns at once; the page lands
// later), newest first, so a million events cost no more to open than a hundred.

#include "core/audit/EventBrowse.h"

#include <QAbstractTableModel>

#include <optional>
#include <vector>

namespace imprint::ui {

class AuditSource;

class EventTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { EventId, At, Step, Outcome, Serial, HardwareId, Slot, Operator, Unit, Error, ColumnCount };
    static constexpr int kPageSize = 200;

    explicit EventTableModel(AuditSource* source, QObject* parent = nullptr);

    // Starts over with `filter`: the rows go, the first page and the count are asked for.
    void setFilter(const audit::EventFilter& filter);
    [[nodiscard]] const audit::EventFilter& filter() const { return m_filter; }
    void reload() { setFilter(m_filter); }

    [[nodiscard]] const audit::EventListRow* eventAt(int row) const;
    [[nodiscard]] bool loading() const { return m_pending; }
    [[nodiscard]] bool complete() const { return !m_more && !m_pending; }
    [[nodiscard]] int pagesLoaded() const { return m_pages; }
    // How many events match the filter; unset until the count arrives.
    [[nodiscard]] std::optional<qint64> matching() const { return m_matching; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    bool canFetchMore(const QModelIndex& parent) const override;
    void fetchMore(const QModelIndex& parent) override;

Q_SIGNALS:
    void pageArrived(int rows);
    void countArrived(qint64 count);
    void failed(const QString& message);

private:
    void onPage(quint64 ticket, const audit::EventPage& page);
    void onCount(quint64 ticket, qint64 count);
    void onFailed(quint64 ticket, const QString& message);
    void request();

    AuditSource* m_source;
    audit::EventFilter m_filter;
    std::vector<audit::EventListRow> m_rows;
    std::optional<qint64> m_matching;
    quint64 m_ticket = 0;
    bool m_pending = false;
    bool m_more = false;
    int m_pages = 0;
};

}  // namespace imprint::ui
