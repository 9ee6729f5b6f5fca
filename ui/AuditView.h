#pragma once

// The audit for supervisors and auditors: every unit, newest first, narrowed by batch, outcome,
// time and text, filled a page at a time as it scrolls; a unit's certificate (subject, serial,
// validity, SHA-256 fingerprint, PEM to copy) and event timeline; export (CSV, JSON Lines, AWS
// bulk file) with progress; the hash chain's verification in plain words. Everything is asked
// of an AuditSource and arrives as signals: the view never waits on the database.

#include "core/audit/AuditBrowse.h"
#include "ui/AuditSource.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QTableView;
class QTreeWidget;

namespace imprint::ui {

class SearchField;
class TimeRangeFields;
class UnitTableModel;

// The export choices offered, in the order of the format box.
struct ExportChoice
{
    QString label;
    audit::ExportFormat format;
    audit::ExportSubject subject;
    QString suffix;
};
[[nodiscard]] const QList<ExportChoice>& exportChoices();

class AuditView : public QWidget
{
    Q_OBJECT
public:
    explicit AuditView(AuditSource* source, QWidget* parent = nullptr);

    [[nodiscard]] UnitTableModel* model() const { return m_model; }
    [[nodiscard]] QTableView* table() const { return m_table; }
    [[nodiscard]] audit::BrowseFilter currentFilter() const;
    [[nodiscard]] std::optional<audit::UnitDetail> shownDetail() const { return m_detail; }
    [[nodiscard]] bool exporting() const { return m_exporting; }

public Q_SLOTS:
    // Reads the batches and the first page again (when the view is shown, Ctrl+R).
    void refresh();
    void focusSearch();
    // Asks for a file (non-modal dialog), then exports with the chosen format and the filter.
    void chooseExportFile();
    void startExport(const QString& path);
    void verifyChain();
    void copyPem();

private:
    QWidget* createFilterBar();
    QWidget* createDetailPane();
    QWidget* createActionBar();
    void applyFilter();
    void onCurrentRowChanged(int row);
    void showDetail(const audit::UnitDetail& detail);
    void showBatches(const QList<BatchChoice>& batches);
    void updateStatus();

    AuditSource* m_source;
    UnitTableModel* m_model = nullptr;
    QComboBox* m_batch = nullptr;
    QComboBox* m_outcome = nullptr;
    TimeRangeFields* m_timeRange = nullptr;
    SearchField* m_search = nullptr;
    QTableView* m_table = nullptr;
    QLabel* m_status = nullptr;
    QLabel* m_unitSummary = nullptr;
    QLabel* m_certSubject = nullptr;
    QLabel* m_certSerial = nullptr;
    QLabel* m_certValidity = nullptr;
    QLabel* m_certFingerprint = nullptr;
    QPushButton* m_copyPem = nullptr;
    QTreeWidget* m_timeline = nullptr;
    QComboBox* m_exportFormat = nullptr;
    QPushButton* m_exportButton = nullptr;
    QPushButton* m_cancelExport = nullptr;
    QProgressBar* m_exportProgress = nullptr;
    QLabel* m_exportResult = nullptr;
    QPushButton* m_verifyButton = nullptr;
    QLabel* m_chainVerdict = nullptr;
    std::optional<audit::UnitDetail> m_detail;
    qint64 m_wantedDetail = 0;
    bool m_exporting = false;
};

// "AB:CD:…" from lower-case hex, as certificate tools print fingerprints.
[[nodiscard]] QString formatFingerprint(const QString& hex);

}  // namespace imprint::ui
