#pragma once

// Every event of the audit as a table that fills as it scrolls, a page at a time
// (PagedTableModel), newest first; with the count of events matching the filter.

#include "core/audit/EventBrowse.h"
#include "ui/PagedTableModel.h"

#include <optional>
#include <vector>

namespace imprint::ui {

class AuditSource;

class EventTableModel : public PagedTableModel
{
    Q_OBJECT
public:
    enum Column { EventId, At, Step, Outcome, Serial, HardwareId, Slot, Operator, Unit, Error, ColumnCount };

    explicit EventTableModel(AuditSource* source, QObject* parent = nullptr);

    // Starts over with `filter`: the rows go, the first page and the count are asked for.
    void setFilter(const audit::EventFilter& filter);
    [[nodiscard]] const audit::EventFilter& filter() const { return m_filter; }
    void reload() { setFilter(m_filter); }

    [[nodiscard]] const audit::EventListRow* eventAt(int row) const;
    // How many events match the filter; unset until the count arrives.
    [[nodiscard]] std::optional<qint64> matching() const { return m_matching; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

Q_SIGNALS:
    void countArrived(qint64 count);

private:
    void forgetRows() override;
    [[nodiscard]] std::optional<qint64> lastRowId() const override;
    void requestPage(quint64 ticket, std::optional<qint64> before) override;
    void onCount(quint64 ticket, qint64 count);

    AuditSource* m_source;
    audit::EventFilter m_filter;
    std::vector<audit::EventListRow> m_rows;
    std::optional<qint64> m_matching;
};

}  // namespace imprint::ui
