#pragma once

// Every event of the audit for auditors, in one table: newest first, filled a page at a time as
// it scrolls, narrowed by step, outcome, time and text, with the number of matching events.
// Keyboard first: the table has the focus when the page opens; Alt+S (search), Alt+T (step),
// Alt+O (outcome), Alt+R / Alt+N (from / until) reach the filters. Everything is asked of an
// AuditSource on its worker thread and arrives as signals: the page never waits on the database.

#include "core/audit/EventBrowse.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QTableView;

namespace imprint::ui {

class AuditSource;
class EventTableModel;
class SearchField;
class TimeRangeFields;

class EventBrowser : public QWidget
{
    Q_OBJECT
public:
    explicit EventBrowser(AuditSource* source, QWidget* parent = nullptr);

    [[nodiscard]] EventTableModel* model() const { return m_model; }
    [[nodiscard]] QTableView* table() const { return m_table; }
    [[nodiscard]] audit::EventFilter currentFilter() const;

public Q_SLOTS:
    // Reads the steps and outcomes and the first page again (when the page is shown, Ctrl+R).
    void refresh();
    void focusSearch();

private:
    QWidget* createFilterBar();
    void applyFilter();
    void showVocabulary(const audit::EventVocabulary& vocabulary);
    void updateStatus();

    AuditSource* m_source;
    EventTableModel* m_model = nullptr;
    SearchField* m_search = nullptr;
    QComboBox* m_step = nullptr;
    QComboBox* m_outcome = nullptr;
    TimeRangeFields* m_timeRange = nullptr;
    QTableView* m_table = nullptr;
    QLabel* m_status = nullptr;
};

}  // namespace imprint::ui
