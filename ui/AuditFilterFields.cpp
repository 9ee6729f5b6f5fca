#include "ui/AuditFilterFields.h"

#include <QBoxLayout>
#include <QCheckBox>
#include <QDateTimeEdit>
#include <QHeaderView>
#include <QTableView>

namespace imprint::ui {

namespace {

QString fieldName(const QString& prefix, const QString& name)
{
    return prefix.isEmpty() ? name : prefix + name.at(0).toUpper() + name.mid(1);
}

QDateTimeEdit* dateEdit(const QString& name, const QDateTime& initial, QWidget* parent)
{
    auto* edit = new QDateTimeEdit(initial, parent);
    edit->setObjectName(name);
    edit->setCalendarPopup(true);
    edit->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm"));
    edit->setEnabled(false);
    return edit;
}

}  // namespace

QTableView* auditTable(QAbstractItemModel* model, const QString& objectName, const QString& accessibleName, QWidget* parent)
{
    auto* table = new QTableView(parent);
    table->setObjectName(objectName);
    table->setModel(model);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(QAbstractItemView::SingleSelection);
    table->verticalHeader()->hide();
    table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + 6);
    table->horizontalHeader()->setStretchLastSection(true);
    table->setAccessibleName(accessibleName);
    return table;
}

SearchField::SearchField(const QString& objectName, const QString& placeholder, QWidget* parent) : QLineEdit(parent)
{
    setObjectName(objectName);
    setPlaceholderText(placeholder);
    setClearButtonEnabled(true);
    m_pause.setSingleShot(true);
    m_pause.setInterval(300);
    connect(this, &QLineEdit::textEdited, &m_pause, qOverload<>(&QTimer::start));
    connect(&m_pause, &QTimer::timeout, this, &SearchField::searchRequested);
    connect(this, &QLineEdit::returnPressed, this, [this] {
        m_pause.stop();
        Q_EMIT searchRequested();
    });
}

TimeRangeFields::TimeRangeFields(const QString& fromText, const QString& untilText, const QString& namePrefix,
                                 QWidget* parent)
    : QObject(parent)
{
    const QDateTime now = QDateTime::currentDateTime();
    m_fromOn = new QCheckBox(fromText, parent);
    m_fromOn->setObjectName(fieldName(namePrefix, QStringLiteral("fromEnabled")));
    m_from = dateEdit(fieldName(namePrefix, QStringLiteral("fromEdit")), QDateTime(now.date(), QTime(0, 0)), parent);
    m_untilOn = new QCheckBox(untilText, parent);
    m_untilOn->setObjectName(fieldName(namePrefix, QStringLiteral("untilEnabled")));
    m_until = dateEdit(fieldName(namePrefix, QStringLiteral("untilEdit")), now.addSecs(3600), parent);
    connect(m_fromOn, &QCheckBox::toggled, m_from, &QWidget::setEnabled);
    connect(m_untilOn, &QCheckBox::toggled, m_until, &QWidget::setEnabled);
    for (QCheckBox* box : {m_fromOn, m_untilOn})
        connect(box, &QCheckBox::toggled, this, &TimeRangeFields::changed);
    for (QDateTimeEdit* edit : {m_from, m_until})
        connect(edit, &QDateTimeEdit::dateTimeChanged, this, &TimeRangeFields::changed);
}

void TimeRangeFields::addTo(QBoxLayout* row) const
{
    row->addWidget(m_fromOn);
    row->addWidget(m_from);
    row->addWidget(m_untilOn);
    row->addWidget(m_until);
}

std::optional<QDateTime> TimeRangeFields::from() const
{
    return m_fromOn->isChecked() ? std::optional<QDateTime>(m_from->dateTime().toUTC()) : std::nullopt;
}

std::optional<QDateTime> TimeRangeFields::until() const
{
    return m_untilOn->isChecked() ? std::optional<QDateTime>(m_until->dateTime().toUTC()) : std::nullopt;
}

}  // namespace imprint::ui
