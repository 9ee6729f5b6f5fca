#pragma once

// Import a work order: choose a CSV or JSON Lines file, see its rows and EVERY invalid row with
// its reason before anything is imported, then import. Reading the file for the preview runs on
// a worker thread; the import itself is the station's (StationControl), answered by a signal.
// Never exec()'d: the window stays live while the dialog is open.

#include "core/batch/WorkOrderReader.h"
#include "ui/StationControl.h"

#include <QDialog>
#include <QList>

#include <memory>

class QLabel;
class QLineEdit;
class QPushButton;
class QStandardItemModel;
class QTableView;
class QThread;
class QTimer;

namespace imprint::ui {

struct WorkOrderPreview
{
    QString path;
    QList<batch::WorkOrderRow> rows;  // the first kPreviewRows valid rows
    qint64 validRows = 0;
    QList<batch::ImportIssue> issues;  // all of them
    QString failure;                   // the file could not be read at all
};

// Reads the whole file (for the counts and every issue); keeps the first `keepRows` rows.
[[nodiscard]] WorkOrderPreview previewWorkOrder(const QString& path, const QString& thingNameRule,
                                                const QString& batchName, int keepRows);

class ImportDialog : public QDialog
{
    Q_OBJECT
public:
    static constexpr int kPreviewRows = 500;

    explicit ImportDialog(QWidget* parent = nullptr);
    ~ImportDialog() override;

    void setPath(const QString& path);
    void setThingNameRule(const QString& rule);
    void setBatchName(const QString& name);
    // The station's answer to importRequested.
    void showImportResult(const ImportResult& result);

    [[nodiscard]] const WorkOrderPreview& preview() const { return m_preview; }
    [[nodiscard]] bool previewing() const { return m_reader != nullptr; }

Q_SIGNALS:
    void importRequested(const imprint::ui::ImportRequest& request);
    void previewReady();

private:
    void browse();
    void schedulePreview();
    void startPreview();
    void showPreview(const WorkOrderPreview& preview);
    void showIssues(const QList<batch::ImportIssue>& issues);
    void updateButtons();

    QLineEdit* m_path = nullptr;
    QLineEdit* m_batchName = nullptr;
    QLineEdit* m_rule = nullptr;
    QLabel* m_summary = nullptr;
    QTableView* m_rowsView = nullptr;
    QTableView* m_issuesView = nullptr;
    QStandardItemModel* m_rows = nullptr;
    QStandardItemModel* m_issues = nullptr;
    QPushButton* m_import = nullptr;
    QTimer* m_debounce = nullptr;
    QThread* m_reader = nullptr;
    bool m_rereadAfter = false;
    bool m_importing = false;
    WorkOrderPreview m_preview;
};

}  // namespace imprint::ui
