#include "ui/ImportDialog.h"

#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHash>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QStandardItemModel>
#include <QTableView>
#include <QThread>
#include <QTimer>
#include <QVBoxLayout>

namespace imprint::ui {

WorkOrderPreview previewWorkOrder(const QString& path, const QString& thingNameRule, const QString& batchName,
                                  int keepRows)
{
    WorkOrderPreview preview;
    preview.path = path;
    batch::ReadOptions options;
    options.format = batch::formatForPath(path);
    options.thingNameRule = thingNameRule;
    options.batchName = batchName;
    // Duplicates inside the file are found here too (the reader checks one row at a time);
    // duplicates against earlier batches need the audit and come back from the import.
    QHash<QString, qint64> serials, thingNames, hardwareIds;
    auto duplicate = [&](QHash<QString, qint64>& seen, const QString& value, const batch::WorkOrderRow& row,
                         int column, const QString& field) {
        if (value.isEmpty())
            return false;
        const auto earlier = seen.constFind(value);
        if (earlier == seen.cend()) {
            seen.insert(value, row.line);
            return false;
        }
        preview.issues.append({row.line, column, field,
                               ImportDialog::tr("%1 '%2' is also on line %3").arg(field, value).arg(*earlier)});
        return true;
    };
    const Status read = batch::readWorkOrder(
        path, options,
        [&](const batch::WorkOrderRow& row) {
            const bool repeated =
                duplicate(serials, row.serialNumber, row, row.serialColumn, QStringLiteral("serial_number"))
                | duplicate(thingNames, row.thingName, row, row.thingNameColumn, QStringLiteral("thing_name"))
                | duplicate(hardwareIds, row.hardwareId.value_or(QString()), row, row.hardwareIdColumn,
                            QStringLiteral("hardware_id"));
            if (repeated)
                return;
            ++preview.validRows;
            if (preview.rows.size() < keepRows)
                preview.rows.append(row);
        },
        [&](const batch::ImportIssue& issue) { preview.issues.append(issue); });
    if (!read)
        preview.failure = read.error().message();
    return preview;
}

namespace {

QTableView* tableView(const QString& name, QStandardItemModel* model, QWidget* parent)
{
    auto* view = new QTableView(parent);
    view->setObjectName(name);
    view->setModel(model);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->horizontalHeader()->setStretchLastSection(true);
    view->verticalHeader()->hide();
    return view;
}

}  // namespace

ImportDialog::ImportDialog(QWidget* parent) : QDialog(parent)
{
    setObjectName(QStringLiteral("importDialog"));
    setWindowTitle(tr("Import a work order"));
    resize(900, 600);

    m_path = new QLineEdit(this);
    m_path->setObjectName(QStringLiteral("pathEdit"));
    m_path->setPlaceholderText(tr("a .csv or .jsonl device list"));
    auto* browse = new QPushButton(tr("&Browse…"), this);
    browse->setObjectName(QStringLiteral("browseButton"));
    auto* pathRow = new QHBoxLayout;
    pathRow->addWidget(m_path, 1);
    pathRow->addWidget(browse);
    m_batchName = new QLineEdit(this);
    m_batchName->setObjectName(QStringLiteral("batchNameEdit"));
    m_rule = new QLineEdit(QStringLiteral("{serial}"), this);
    m_rule->setObjectName(QStringLiteral("ruleEdit"));
    m_rule->setToolTip(tr("Thing name for rows without thing_name, e.g. sensor-{serial}"));

    auto* form = new QFormLayout;
    auto* pathLabel = new QLabel(tr("&File:"), this);
    pathLabel->setBuddy(m_path);
    form->addRow(pathLabel, pathRow);
    auto* nameLabel = new QLabel(tr("Batch &name:"), this);
    nameLabel->setBuddy(m_batchName);
    form->addRow(nameLabel, m_batchName);
    auto* ruleLabel = new QLabel(tr("&Thing name rule:"), this);
    ruleLabel->setBuddy(m_rule);
    form->addRow(ruleLabel, m_rule);

    m_summary = new QLabel(tr("Choose a file to see its devices."), this);
    m_summary->setObjectName(QStringLiteral("previewSummary"));
    m_summary->setWordWrap(true);
    m_rows = new QStandardItemModel(this);
    m_issues = new QStandardItemModel(this);
    m_rowsView = tableView(QStringLiteral("previewTable"), m_rows, this);
    m_issuesView = tableView(QStringLiteral("issuesTable"), m_issues, this);

    auto* buttons = new QDialogButtonBox(this);
    m_import = buttons->addButton(tr("&Import"), QDialogButtonBox::AcceptRole);
    m_import->setObjectName(QStringLiteral("importButton"));
    auto* close = buttons->addButton(QDialogButtonBox::Close);
    close->setObjectName(QStringLiteral("closeButton"));

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_summary);
    layout->addWidget(new QLabel(tr("Devices (first %1):").arg(kPreviewRows), this));
    layout->addWidget(m_rowsView, 2);
    auto* issuesLabel = new QLabel(tr("&Problems (every one; nothing is imported while there are any):"), this);
    issuesLabel->setBuddy(m_issuesView);
    layout->addWidget(issuesLabel);
    layout->addWidget(m_issuesView, 1);
    layout->addWidget(buttons);

    m_debounce = new QTimer(this);
    m_debounce->setSingleShot(true);
    m_debounce->setInterval(300);
    connect(m_debounce, &QTimer::timeout, this, &ImportDialog::startPreview);
    connect(m_path, &QLineEdit::textChanged, this, [this](const QString& path) {
        if (m_batchName->text().isEmpty() || m_batchName->isModified() == false)
            m_batchName->setText(QFileInfo(path).completeBaseName());
        schedulePreview();
    });
    connect(m_rule, &QLineEdit::textChanged, this, &ImportDialog::schedulePreview);
    connect(m_batchName, &QLineEdit::textChanged, this, &ImportDialog::updateButtons);
    connect(browse, &QPushButton::clicked, this, &ImportDialog::browse);
    connect(close, &QPushButton::clicked, this, &QDialog::reject);
    connect(m_import, &QPushButton::clicked, this, [this] {
        m_importing = true;
        m_summary->setText(tr("Importing %1…").arg(m_path->text()));
        updateButtons();
        Q_EMIT importRequested({m_path->text(), m_batchName->text().trimmed(), m_rule->text().trimmed()});
    });
    updateButtons();
}

ImportDialog::~ImportDialog()
{
    if (m_reader)
        m_reader->wait();  // a preview still reading holds pointers into this dialog
}

void ImportDialog::setPath(const QString& path)
{
    m_path->setText(path);
}

void ImportDialog::setThingNameRule(const QString& rule)
{
    m_rule->setText(rule);
}

void ImportDialog::setBatchName(const QString& name)
{
    m_batchName->setText(name);
    m_batchName->setModified(true);
}

void ImportDialog::browse()
{
    // Not the static getOpenFileName: no nested event loop.
    auto* chooser = new QFileDialog(this, tr("Work order"), QFileInfo(m_path->text()).path(),
                                    tr("Work orders (*.csv *.jsonl *.ndjson *.json);;All files (*)"));
    chooser->setAttribute(Qt::WA_DeleteOnClose);
    chooser->setFileMode(QFileDialog::ExistingFile);
    connect(chooser, &QFileDialog::fileSelected, this, &ImportDialog::setPath);
    chooser->open();
}

void ImportDialog::schedulePreview()
{
    m_preview = {};
    updateButtons();
    m_debounce->start();
}

void ImportDialog::startPreview()
{
    if (m_path->text().isEmpty())
        return;
    if (m_reader) {
        m_rereadAfter = true;  // read again once the current reading ends
        return;
    }
    m_summary->setText(tr("Reading %1…").arg(m_path->text()));
    auto result = std::make_shared<WorkOrderPreview>();
    m_reader = QThread::create([result, path = m_path->text(), rule = m_rule->text().trimmed(),
                                name = m_batchName->text().trimmed()] {
        *result = previewWorkOrder(path, rule, name, kPreviewRows);
    });
    connect(m_reader, &QThread::finished, this, [this, result] {
        m_reader->deleteLater();
        m_reader = nullptr;
        if (m_rereadAfter) {
            m_rereadAfter = false;
            startPreview();
            return;
        }
        showPreview(*result);
    });
    m_reader->start();
    updateButtons();
}

void ImportDialog::showPreview(const WorkOrderPreview& preview)
{
    m_preview = preview;
    m_rows->clear();
    m_rows->setHorizontalHeaderLabels({tr("Line"), tr("Serial number"), tr("Hardware ID"), tr("Thing name")});
    for (const auto& row : preview.rows) {
        m_rows->appendRow({new QStandardItem(QString::number(row.line)), new QStandardItem(row.serialNumber),
                           new QStandardItem(row.hardwareId.value_or(QString())), new QStandardItem(row.thingName)});
    }
    showIssues(preview.issues);
    if (!preview.failure.isEmpty())
        m_summary->setText(tr("Cannot read the file: %1").arg(preview.failure));
    else if (preview.issues.isEmpty())
        m_summary->setText(tr("%n valid device(s), no problems: ready to import.", nullptr, int(preview.validRows)));
    else
        m_summary->setText(tr("%1 valid device(s) and %2 problem(s): fix the file (every problem is listed below), "
                              "then choose it again.")
                               .arg(preview.validRows)
                               .arg(preview.issues.size()));
    updateButtons();
    Q_EMIT previewReady();
}

void ImportDialog::showIssues(const QList<batch::ImportIssue>& issues)
{
    m_issues->clear();
    m_issues->setHorizontalHeaderLabels({tr("Line"), tr("Column"), tr("Field"), tr("Problem")});
    for (const auto& issue : issues) {
        m_issues->appendRow({new QStandardItem(QString::number(issue.line)), new QStandardItem(QString::number(issue.column)),
                             new QStandardItem(issue.field), new QStandardItem(issue.reason)});
    }
}

void ImportDialog::showImportResult(const ImportResult& result)
{
    m_importing = false;
    if (result.ok) {
        m_summary->setText(tr("Imported %1 device(s) as batch '%2'.").arg(result.devices).arg(result.batchName));
        updateButtons();
        accept();
        return;
    }
    m_summary->setText(tr("Nothing was imported: %1").arg(result.message));
    if (!result.issues.isEmpty())
        showIssues(result.issues);
    updateButtons();
}

void ImportDialog::updateButtons()
{
    const bool ready = m_preview.failure.isEmpty() && m_preview.issues.isEmpty() && m_preview.validRows > 0
                       && m_preview.path == m_path->text() && !m_batchName->text().trimmed().isEmpty();
    m_import->setEnabled(ready && !m_importing && !m_reader);
}

}  // namespace imprint::ui
