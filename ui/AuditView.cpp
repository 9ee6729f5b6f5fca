#include "ui/AuditView.h"

#include "ui/AuditFilterFields.h"

#include "ui/UnitTableModel.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace imprint::ui {

const QList<ExportChoice>& exportChoices()
{
    using audit::ExportFormat;
    using audit::ExportSubject;
    static const QList<ExportChoice> choices{
        {AuditView::tr("Units as CSV"), ExportFormat::Csv, ExportSubject::Units, QStringLiteral("csv")},
        {AuditView::tr("Units as JSON Lines"), ExportFormat::JsonLines, ExportSubject::Units, QStringLiteral("jsonl")},
        {AuditView::tr("Events as CSV"), ExportFormat::Csv, ExportSubject::Events, QStringLiteral("csv")},
        {AuditView::tr("Events as JSON Lines"), ExportFormat::JsonLines, ExportSubject::Events, QStringLiteral("jsonl")},
        {AuditView::tr("AWS bulk-registration file"), ExportFormat::AwsBulk, ExportSubject::Units, QStringLiteral("jsonl")},
    };
    return choices;
}

QString formatFingerprint(const QString& hex)
{
    QStringList pairs;
    for (qsizetype i = 0; i + 1 < hex.size(); i += 2)
        pairs << hex.mid(i, 2).toUpper();
    return pairs.join(u':');
}

namespace {

QLabel* valueLabel(const QString& name, QWidget* parent)
{
    auto* label = new QLabel(parent);
    label->setObjectName(name);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    return label;
}

QString validityText(const audit::CertificateRow& certificate)
{
    const QDateTime from = QDateTime::fromString(certificate.notBefore, Qt::ISODateWithMs);
    const QDateTime until = QDateTime::fromString(certificate.notAfter, Qt::ISODateWithMs);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QString state = AuditView::tr("valid now");
    if (from.isValid() && now < from)
        state = AuditView::tr("NOT YET VALID");
    else if (until.isValid() && now >= until)
        state = AuditView::tr("EXPIRED");
    return AuditView::tr("%1 until %2 (%3)").arg(certificate.notBefore, certificate.notAfter, state);
}

}  // namespace

AuditView::AuditView(AuditSource* source, QWidget* parent) : QWidget(parent), m_source(source)
{
    registerAuditTypes();
    setObjectName(QStringLiteral("auditView"));
    m_model = new UnitTableModel(source, this);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(createFilterBar());

    m_table = auditTable(m_model, QStringLiteral("unitsTable"), tr("Units"), this);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) { onCurrentRowChanged(current.row()); });

    auto* splitter = new QSplitter(Qt::Horizontal, this);
    auto* left = new QWidget(splitter);
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(m_table, 1);
    m_status = valueLabel(QStringLiteral("auditStatus"), left);
    leftLayout->addWidget(m_status);
    splitter->addWidget(left);
    splitter->addWidget(createDetailPane());
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    layout->addWidget(splitter, 1);
    layout->addWidget(createActionBar());
    setFocusProxy(m_table);  // opening the view puts the keyboard on the units

    connect(m_model, &UnitTableModel::pageArrived, this, [this] { updateStatus(); });
    connect(m_model, &UnitTableModel::failed, this,
            [this](const QString& message) { m_status->setText(tr("Cannot read the units: %1").arg(message)); });
    connect(m_source, &AuditSource::detailReady, this, &AuditView::showDetail);
    connect(m_source, &AuditSource::batchesReady, this, &AuditView::showBatches);
    connect(m_source, &AuditSource::exportProgress, this, [this](qint64 rows, qint64 total) {
        m_exportProgress->setRange(0, total > 0 ? 1000 : 0);
        if (total > 0)
            m_exportProgress->setValue(static_cast<int>(std::min<qint64>(1000, rows * 1000 / total)));
        m_exportProgress->setFormat(tr("%1 rows").arg(rows));
    });
    connect(m_source, &AuditSource::exportFinished, this, [this](bool ok, const QString& message) {
        m_exporting = false;
        m_exportButton->setEnabled(true);
        m_cancelExport->setEnabled(false);
        m_exportProgress->setRange(0, 1000);
        m_exportProgress->setValue(ok ? 1000 : 0);
        m_exportResult->setText(ok ? message : tr("Export failed: %1").arg(message));
    });
    connect(m_source, &AuditSource::chainVerified, this, [this](bool ok, const QString& message, qint64) {
        m_verifyButton->setEnabled(true);
        m_chainVerdict->setText((ok ? QStringLiteral("\u2714 ") : QStringLiteral("\u2716 ")) + message);
        m_chainVerdict->setStyleSheet(ok ? QStringLiteral("color: #1b7f3b; font-weight: bold")
                                         : QStringLiteral("color: #b00020; font-weight: bold"));
    });
}

QWidget* AuditView::createFilterBar()
{
    auto* bar = new QWidget(this);
    auto* row = new QHBoxLayout(bar);
    row->setContentsMargins(0, 0, 0, 0);

    m_search = new SearchField(QStringLiteral("searchField"),
                               tr("Search serial, thing, hardware ID, unit UUID or error (Ctrl+F)"), bar);
    connect(m_search, &SearchField::searchRequested, this, &AuditView::applyFilter);

    m_batch = new QComboBox(bar);
    m_batch->setObjectName(QStringLiteral("batchFilter"));
    m_batch->addItem(tr("All batches"));
    m_outcome = new QComboBox(bar);
    m_outcome->setObjectName(QStringLiteral("outcomeFilter"));
    m_outcome->addItem(tr("Any outcome"));
    for (const char* state : {"passed", "failed", "interrupted", "superseded", "in_progress"})
        m_outcome->addItem(unitStateText(QLatin1String(state)), QString::fromLatin1(state));

    m_timeRange = new TimeRangeFields(tr("&From"), tr("&Until"), QString(), bar);
    connect(m_timeRange, &TimeRangeFields::changed, this, &AuditView::applyFilter);
    connect(m_batch, &QComboBox::currentIndexChanged, this, &AuditView::applyFilter);
    connect(m_outcome, &QComboBox::currentIndexChanged, this, &AuditView::applyFilter);

    auto* batchLabel = new QLabel(tr("&Batch"), bar);
    batchLabel->setBuddy(m_batch);
    auto* outcomeLabel = new QLabel(tr("&Outcome"), bar);
    outcomeLabel->setBuddy(m_outcome);
    row->addWidget(m_search, 2);
    row->addWidget(batchLabel);
    row->addWidget(m_batch, 1);
    row->addWidget(outcomeLabel);
    row->addWidget(m_outcome);
    m_timeRange->addTo(row);
    return bar;
}

QWidget* AuditView::createDetailPane()
{
    auto* pane = new QWidget(this);
    auto* layout = new QVBoxLayout(pane);
    layout->setContentsMargins(0, 0, 0, 0);
    m_unitSummary = valueLabel(QStringLiteral("unitSummary"), pane);
    m_unitSummary->setText(tr("Choose a unit to see its certificate and events."));
    layout->addWidget(m_unitSummary);

    auto* certificate = new QGroupBox(tr("Certificate"), pane);
    auto* form = new QFormLayout(certificate);
    m_certSubject = valueLabel(QStringLiteral("certSubject"), certificate);
    m_certSerial = valueLabel(QStringLiteral("certSerial"), certificate);
    m_certValidity = valueLabel(QStringLiteral("certValidity"), certificate);
    m_certFingerprint = valueLabel(QStringLiteral("certFingerprint"), certificate);
    m_certFingerprint->setFont(QFont(QStringLiteral("monospace")));
    form->addRow(tr("Subject"), m_certSubject);
    form->addRow(tr("Serial"), m_certSerial);
    form->addRow(tr("Validity"), m_certValidity);
    form->addRow(tr("SHA-256"), m_certFingerprint);
    m_copyPem = new QPushButton(tr("Copy &PEM"), certificate);
    m_copyPem->setObjectName(QStringLiteral("copyPemButton"));
    m_copyPem->setEnabled(false);
    connect(m_copyPem, &QPushButton::clicked, this, &AuditView::copyPem);
    form->addRow(QString(), m_copyPem);
    layout->addWidget(certificate);

    m_timeline = new QTreeWidget(pane);
    m_timeline->setObjectName(QStringLiteral("timelineView"));
    m_timeline->setHeaderLabels({tr("Time (UTC)"), tr("Step"), tr("Outcome"), tr("ms"), tr("By"), tr("Error"), tr("Detail")});
    m_timeline->setRootIsDecorated(false);
    m_timeline->setAccessibleName(tr("Event timeline"));
    layout->addWidget(new QLabel(tr("Event timeline"), pane));
    layout->addWidget(m_timeline, 1);
    return pane;
}

QWidget* AuditView::createActionBar()
{
    auto* bar = new QWidget(this);
    auto* row = new QHBoxLayout(bar);
    row->setContentsMargins(0, 0, 0, 0);
    m_exportFormat = new QComboBox(bar);
    m_exportFormat->setObjectName(QStringLiteral("exportFormat"));
    for (const ExportChoice& choice : exportChoices())
        m_exportFormat->addItem(choice.label);
    m_exportButton = new QPushButton(tr("&Export…"), bar);
    m_exportButton->setObjectName(QStringLiteral("exportButton"));
    m_exportButton->setToolTip(tr("Exports what the batch, outcome and time filters select (Ctrl+E); the text "
                                  "search does not narrow an export."));
    connect(m_exportButton, &QPushButton::clicked, this, &AuditView::chooseExportFile);
    m_exportProgress = new QProgressBar(bar);
    m_exportProgress->setObjectName(QStringLiteral("exportProgress"));
    m_exportProgress->setRange(0, 1000);
    m_exportProgress->setValue(0);
    m_exportProgress->setTextVisible(true);
    m_cancelExport = new QPushButton(tr("&Cancel export"), bar);
    m_cancelExport->setObjectName(QStringLiteral("cancelExportButton"));
    m_cancelExport->setEnabled(false);
    connect(m_cancelExport, &QPushButton::clicked, m_source, &AuditSource::cancelExport);
    m_exportResult = valueLabel(QStringLiteral("exportResult"), bar);
    m_verifyButton = new QPushButton(tr("&Verify the hash chain"), bar);
    m_verifyButton->setObjectName(QStringLiteral("verifyButton"));
    connect(m_verifyButton, &QPushButton::clicked, this, &AuditView::verifyChain);
    m_chainVerdict = valueLabel(QStringLiteral("chainVerdict"), bar);

    row->addWidget(m_exportFormat);
    row->addWidget(m_exportButton);
    row->addWidget(m_exportProgress);
    row->addWidget(m_cancelExport);
    row->addWidget(m_exportResult, 1);
    row->addWidget(m_verifyButton);
    row->addWidget(m_chainVerdict, 1);
    return bar;
}

audit::BrowseFilter AuditView::currentFilter() const
{
    audit::BrowseFilter filter;
    if (m_batch->currentIndex() > 0)
        filter.batchId = m_batch->currentData().toLongLong();
    if (m_outcome->currentIndex() > 0)
        filter.outcome = m_outcome->currentData().toString();
    filter.from = m_timeRange->from();
    filter.until = m_timeRange->until();
    filter.text = m_search->text().trimmed();
    return filter;
}

void AuditView::applyFilter()
{
    m_search->cancelPending();
    const audit::BrowseFilter filter = currentFilter();
    if (filter == m_model->filter() && m_model->pagesLoaded() > 0)
        return;
    m_status->setText(tr("Reading…"));
    m_model->setFilter(filter);
}

void AuditView::refresh()
{
    m_status->setText(tr("Reading…"));
    m_model->setFilter(currentFilter());  // the page first: it is what the operator waits for
    m_source->requestBatches();
}

void AuditView::focusSearch()
{
    m_search->setFocus(Qt::ShortcutFocusReason);
    m_search->selectAll();
}

void AuditView::updateStatus()
{
    const int rows = m_model->rowCount();
    if (rows == 0)
        m_status->setText(tr("No unit matches."));
    else if (m_model->complete())
        m_status->setText(tr("%n unit(s), all shown.", nullptr, rows));
    else
        m_status->setText(tr("%n unit(s) shown, newest first; more load as you scroll.", nullptr, rows));
}

void AuditView::showBatches(const QList<BatchChoice>& batches)
{
    const QVariant chosen = m_batch->currentData();
    const QSignalBlocker quiet(m_batch);
    m_batch->clear();
    m_batch->addItem(tr("All batches"));
    for (const BatchChoice& batch : batches)
        m_batch->addItem(QStringLiteral("%1 (#%2)").arg(batch.name).arg(batch.id), batch.id);
    const int index = chosen.isValid() ? m_batch->findData(chosen) : 0;
    m_batch->setCurrentIndex(std::max(0, index));
}

void AuditView::onCurrentRowChanged(int row)
{
    const audit::UnitRow* unit = m_model->unitAt(row);
    if (!unit)
        return;
    m_wantedDetail = unit->id;
    m_unitSummary->setText(tr("Unit %1: reading…").arg(unit->id));
    m_source->requestDetail(unit->id);
}

void AuditView::showDetail(const audit::UnitDetail& detail)
{
    if (detail.unit.id != m_wantedDetail)
        return;  // the operator has moved on to another unit
    m_detail = detail;
    const audit::UnitRow& unit = detail.unit;
    QString summary = tr("Unit %1 · %2 · attempt %3 · %4\nSerial %5 · thing %6%7\nBatch %8 · slot %9 (%10) · by %11")
                          .arg(unit.id)
                          .arg(unitStateText(unit.state))
                          .arg(unit.attempt)
                          .arg(unit.uuid, unit.serialNumber, unit.thingName,
                               unit.hardwareId.isEmpty() ? QString() : tr(" · hardware %1").arg(unit.hardwareId),
                               unit.batch)
                          .arg(unit.slot + 1)
                          .arg(unit.port, unit.operatorName);
    if (!unit.supervisor.isEmpty())
        summary += tr(", approved by %1").arg(unit.supervisor);
    if (!unit.error.isEmpty())
        summary += tr("\nWhy it failed: %1").arg(unit.error);
    m_unitSummary->setText(summary);

    const audit::CertificateRow* certificate = detail.certificates.empty() ? nullptr : &detail.certificates.back();
    m_certSubject->setText(certificate ? certificate->subject : tr("No certificate was issued to this unit."));
    m_certSerial->setText(certificate ? tr("%1 (%2)").arg(certificate->serial, certificate->state) : QString());
    m_certValidity->setText(certificate ? validityText(*certificate) : QString());
    m_certFingerprint->setText(certificate ? formatFingerprint(certificate->fingerprintSha256) : QString());
    m_copyPem->setEnabled(certificate != nullptr);

    m_timeline->clear();
    for (const audit::EventRow& event : detail.events) {
        auto* item = new QTreeWidgetItem(m_timeline);
        item->setText(0, event.at);
        item->setText(1, event.step);
        item->setText(2, event.outcome);
        item->setText(3, event.durationMs ? QString::number(*event.durationMs) : QString());
        item->setText(4, event.supervisor.isEmpty() ? event.operatorName
                                                    : tr("%1 (supervisor %2)").arg(event.operatorName, event.supervisor));
        item->setText(5, event.error);
        item->setText(6, event.detail);
    }
    m_timeline->resizeColumnToContents(0);
    m_timeline->resizeColumnToContents(1);
}

void AuditView::copyPem()
{
    if (m_detail && !m_detail->certificates.empty())
        QApplication::clipboard()->setText(m_detail->certificates.back().pem);
}

void AuditView::chooseExportFile()
{
    if (m_exporting)
        return;
    const ExportChoice& choice = exportChoices().at(std::max(0, m_exportFormat->currentIndex()));
    auto* dialog = new QFileDialog(this, tr("Export the audit"), QString(),
                                   tr("%1 (*.%2)").arg(choice.label, choice.suffix));
    dialog->setObjectName(QStringLiteral("exportFileDialog"));
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setDefaultSuffix(choice.suffix);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QFileDialog::fileSelected, this, &AuditView::startExport);
    dialog->open();  // no nested event loop
}

void AuditView::startExport(const QString& path)
{
    if (m_exporting || path.isEmpty())
        return;
    const ExportChoice& choice = exportChoices().at(std::max(0, m_exportFormat->currentIndex()));
    m_exporting = true;
    m_exportButton->setEnabled(false);
    m_cancelExport->setEnabled(true);
    m_exportProgress->setRange(0, 0);
    m_exportResult->setText(tr("Exporting to %1…").arg(path));
    m_source->exportAudit({path, choice.format, choice.subject, currentFilter()});
}

void AuditView::verifyChain()
{
    if (!m_verifyButton->isEnabled())
        return;
    m_verifyButton->setEnabled(false);
    m_chainVerdict->setStyleSheet(QString());
    m_chainVerdict->setText(tr("Verifying every event of the audit…"));
    m_source->verifyChain();
}

}  // namespace imprint::ui
