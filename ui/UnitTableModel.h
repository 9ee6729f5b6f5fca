#pragma once

// The audit's units as a table that fills as it scrolls: rows arrive a page at a time from an
// AuditSource (fetchMore asks for the next page and returns at once; the page lands later), so
// a million units cost no more to open than a hundred. Newest first.

#include "core/audit/AuditBrowse.h"

#include <QAbstractTableModel>

#include <vector>

namespace imprint::ui {

class AuditSource;

class UnitTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { UnitId, Started, Batch, Serial, Thing, HardwareId, Outcome, Operator, Slot, Error, ColumnCount };
    static constexpr int kPageSize = 200;

    explicit UnitTableModel(AuditSource* source, QObject* parent = nullptr);

    // Starts over with `filter`: the rows go, the first page is asked for.
    void setFilter(const audit::BrowseFilter& filter);
    [[nodiscard]] const audit::BrowseFilter& filter() const { return m_filter; }
    void reload() { setFilter(m_filter); }

    [[nodiscard]] const audit::UnitRow* unitAt(int row) const;
    [[nodiscard]] bool loading() const { return m_pending; }
    [[nodiscard]] bool complete() const { return !m_more && !m_pending; }
    [[nodiscard]] int pagesLoaded() const { return m_pages; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    bool canFetchMore(const QModelIndex& parent) const override;
    void fetchMore(const QModelIndex& parent) override;

Q_SIGNALS:
    void pageArrived(int rows);
    void failed(const QString& message);

private:
    void onPage(quint64 ticket, const audit::UnitPage& page);
    void onFailed(quint64 ticket, const QString& message);
    void request();

    AuditSource* m_source;
    audit::BrowseFilter m_filter;
    std::vector<audit::UnitRow> m_rows;
    quint64 m_ticket = 0;
    bool m_pending = false;
    bool m_more = false;
    int m_pages = 0;
};

// A unit's state as the technician reads it: a symbol and a word, never colour alone.
[[nodiscard]] QString unitStateText(const QString& state);

}  // namespace imprint::ui
