#include "ui/TemplateEditor.h"

#include "ui/SetupPageStyle.h"

#include <QFontDatabase>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSplitter>
#include <QTableWidget>
#include <QTextBlock>
#include <QTimer>
#include <QVBoxLayout>

namespace imprint::ui {

TemplateEditor::TemplateEditor(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("templateEditor"));
    const QFont fixed = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    m_editor = new QPlainTextEdit(this);
    m_editor->setFont(fixed);
    m_editor->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_editor->setTabChangesFocus(true);
    m_editor->setAccessibleName(tr("Provisioning template (JSON)"));
    m_problem = new QLabel(this);
    m_problem->setWordWrap(true);
    m_problem->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_samples = new QTableWidget(0, 2, this);
    m_samples->setHorizontalHeaderLabels({tr("Sample parameter"), tr("Value")});
    m_samples->horizontalHeader()->setStretchLastSection(true);
    m_samples->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_samples->verticalHeader()->setVisible(false);
    m_preview = new QPlainTextEdit(this);
    m_preview->setReadOnly(true);
    m_preview->setFont(fixed);
    m_preview->setAccessibleName(tr("What a sample device gets"));
    m_debounce = new QTimer(this);
    m_debounce->setSingleShot(true);
    m_debounce->setInterval(kDebounceMs);

    auto* editorSide = new QWidget(this);
    auto* editorLayout = new QVBoxLayout(editorSide);
    editorLayout->setContentsMargins(0, 0, 0, 0);
    editorLayout->addWidget(m_editor, 1);
    editorLayout->addWidget(m_problem);
    auto* previewSide = new QWidget(this);
    auto* previewLayout = new QVBoxLayout(previewSide);
    previewLayout->setContentsMargins(0, 0, 0, 0);
    previewLayout->addWidget(new QLabel(tr("A sample device would get:"), previewSide));
    previewLayout->addWidget(m_preview, 2);
    previewLayout->addWidget(m_samples, 1);
    auto* splitter = new QSplitter(this);
    splitter->addWidget(editorSide);
    splitter->addWidget(previewSide);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(splitter);

    connect(m_editor, &QPlainTextEdit::textChanged, m_debounce, qOverload<>(&QTimer::start));
    connect(m_debounce, &QTimer::timeout, this, &TemplateEditor::checkNow);
    connect(m_samples, &QTableWidget::cellChanged, this, [this](int row, int column) {
        if (m_fillingSamples || column != 1)
            return;
        m_overrides.insert(m_samples->item(row, 0)->text(), m_samples->item(row, 1)->text());
        m_debounce->start();
    });
}

void TemplateEditor::setText(const QString& text)
{
    m_editor->setPlainText(text);
    checkNow();
}

QString TemplateEditor::text() const
{
    return m_editor->toPlainText();
}

void TemplateEditor::setSampleValue(const QString& parameter, const QString& value)
{
    m_overrides.insert(parameter, value);
    checkNow();
}

QHash<QString, QString> TemplateEditor::sampleValues() const
{
    return m_overrides;
}

void TemplateEditor::checkNow()
{
    m_debounce->stop();
    m_check = checkTemplate(text(), sampleValues());
    m_checked = true;
    showCheck();
    Q_EMIT checked(m_check.valid());
}

QString TemplateEditor::problemText() const
{
    return m_problem->property("problem").toBool() ? m_problem->text() : QString();
}

QString TemplateEditor::previewText() const
{
    return m_preview->toPlainText();
}

void TemplateEditor::showCheck()
{
    fillSampleTable();
    if (m_check.valid()) {
        setSetupStatus(m_problem, tr("Template OK."), false);
        m_preview->setPlainText(describeResources(*m_check.rendered));
        markLine(0);
        return;
    }
    QString where;
    if (m_check.line > 0)
        where = tr(" (line %1)").arg(m_check.line);
    setSetupStatus(m_problem, m_check.problem + where, true);
    m_preview->setPlainText(tr("(fix the template to see what a device would get)"));
    markLine(m_check.line);
}

void TemplateEditor::markLine(int line)
{
    m_markedLine = line;
    QList<QTextEdit::ExtraSelection> marks;
    if (line > 0) {
        QTextEdit::ExtraSelection mark;
        mark.format.setBackground(QColor(0xFF, 0xD6, 0xD6));
        mark.format.setProperty(QTextFormat::FullWidthSelection, true);
        mark.cursor = QTextCursor(m_editor->document()->findBlockByNumber(line - 1));
        marks << mark;
    }
    m_editor->setExtraSelections(marks);
}

void TemplateEditor::fillSampleTable()
{
    if (m_check.parameters.isEmpty() && !m_check.valid() && m_check.jsonPath.isEmpty())
        return;  // keep the last table while the text is not JSON
    m_fillingSamples = true;
    m_samples->setRowCount(static_cast<int>(m_check.parameters.size()));
    int row = 0;
    for (const auto& parameter : m_check.parameters) {
        auto* name = new QTableWidgetItem(parameter.name);
        name->setFlags(name->flags() & ~Qt::ItemIsEditable);
        m_samples->setItem(row, 0, name);
        m_samples->setItem(row, 1, new QTableWidgetItem(m_overrides.value(parameter.name, sampleValue(parameter))));
        ++row;
    }
    m_fillingSamples = false;
}

}  // namespace imprint::ui
