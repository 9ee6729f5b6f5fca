#pragma once

// The audit's units as a table that fills as it scrolls, a page at a time (PagedTableModel),
// newest first.

#include "core/audit/AuditBrowse.h"
#include "ui/PagedTableModel.h"

#include <vector>

namespace imprint::ui {

class AuditSource;

class UnitTableModel : public PagedTableModel
{
    Q_OBJECT
public:
    enum Column { UnitId, Started, Batch, Serial, Thing, HardwareId, Outcome, Operator, Slot, Error, ColumnCount };

    explicit UnitTableModel(AuditSource* source, QObject* parent = nullptr);

    // Starts over with `filter`: the rows go, the first page is asked for.
    void setFilter(const audit::BrowseFilter& filter);
    [[nodiscard]] const audit::BrowseFilter& filter() const { return m_filter; }
    void reload() { setFilter(m_filter); }

    [[nodiscard]] const audit::UnitRow* unitAt(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    void forgetRows() override { m_rows.clear(); }
    [[nodiscard]] std::optional<qint64> lastRowId() const override;
    void requestPage(quint64 ticket, std::optional<qint64> before) override;

    AuditSource* m_source;
    audit::BrowseFilter m_filter;
    std::vector<audit::UnitRow> m_rows;
};

// A unit's state as the technician reads it: a symbol and a word, never colour alone.
[[nodiscard]] QString unitStateText(const QString& state);

}  // namespace imprint::ui
