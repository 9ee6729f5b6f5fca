#include "ui/EventBrowser.h"

#include "ui/AuditFilterFields.h"

#include "ui/AuditSource.h"
#include "ui/EventTableModel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QSignalBlocker>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

namespace imprint::ui {

namespace {

// Keeps the current choice when the list is read again (a new step appeared meanwhile).
void refill(QComboBox* box, const QString& any, const QStringList& values)
{
    const QSignalBlocker quiet(box);
    const QVariant current = box->currentData();
    box->clear();
    box->addItem(any);
    for (const QString& value : values)
        box->addItem(value, value);
    box->setCurrentIndex(std::max(0, box->findData(current)));
}

std::optional<QString> chosen(const QComboBox* box)
{
    const QVariant data = box->currentData();
    return data.isValid() ? std::optional<QString>(data.toString()) : std::nullopt;
}

}  // namespace

EventBrowser::EventBrowser(AuditSource* source, QWidget* parent) : QWidget(parent), m_source(source)
{
    registerAuditTypes();
    setObjectName(QStringLiteral("eventBrowser"));
    m_model = new EventTableModel(source, this);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(createFilterBar());
    m_table = auditTable(m_model, QStringLiteral("eventsTable"), tr("Audit events"), this);
    layout->addWidget(m_table, 1);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("eventsStatus"));
    layout->addWidget(m_status);
    setFocusProxy(m_table);

    connect(m_model, &EventTableModel::pageArrived, this, &EventBrowser::updateStatus);
    connect(m_model, &EventTableModel::countArrived, this, &EventBrowser::updateStatus);
    connect(m_model, &EventTableModel::failed, this,
            [this](const QString& message) { m_status->setText(tr("Cannot read the events: %1").arg(message)); });
    connect(m_source, &AuditSource::eventVocabularyReady, this, &EventBrowser::showVocabulary);
}

QWidget* EventBrowser::createFilterBar()
{
    auto* bar = new QWidget(this);
    auto* row = new QHBoxLayout(bar);
    row->setContentsMargins(0, 0, 0, 0);

    m_search = new SearchField(QStringLiteral("eventSearchField"), tr("Serial, hardware ID, operator, port or error"), bar);
    connect(m_search, &SearchField::searchRequested, this, &EventBrowser::applyFilter);

    m_step = new QComboBox(bar);
    m_step->setObjectName(QStringLiteral("stepFilter"));
    m_step->addItem(tr("Any step"));
    m_outcome = new QComboBox(bar);
    m_outcome->setObjectName(QStringLiteral("eventOutcomeFilter"));
    m_outcome->addItem(tr("Any outcome"));
    connect(m_step, &QComboBox::currentIndexChanged, this, &EventBrowser::applyFilter);
    connect(m_outcome, &QComboBox::currentIndexChanged, this, &EventBrowser::applyFilter);

    m_timeRange = new TimeRangeFields(tr("F&rom"), tr("U&ntil"), QStringLiteral("event"), bar);
    connect(m_timeRange, &TimeRangeFields::changed, this, &EventBrowser::applyFilter);

    auto labelFor = [bar](const QString& text, QWidget* buddy) {
        auto* label = new QLabel(text, bar);
        label->setBuddy(buddy);
        return label;
    };
    row->addWidget(labelFor(tr("&Search"), m_search));
    row->addWidget(m_search, 2);
    row->addWidget(labelFor(tr("S&tep"), m_step));
    row->addWidget(m_step, 1);
    row->addWidget(labelFor(tr("&Outcome"), m_outcome));
    row->addWidget(m_outcome);
    m_timeRange->addTo(row);
    return bar;
}

audit::EventFilter EventBrowser::currentFilter() const
{
    audit::EventFilter filter;
    filter.step = chosen(m_step);
    filter.outcome = chosen(m_outcome);
    filter.from = m_timeRange->from();
    filter.until = m_timeRange->until();
    filter.text = m_search->text().trimmed();
    return filter;
}

void EventBrowser::applyFilter()
{
    m_search->cancelPending();
    const audit::EventFilter filter = currentFilter();
    if (filter == m_model->filter() && m_model->pagesLoaded() > 0)
        return;
    m_status->setText(tr("Reading events…"));
    m_model->setFilter(filter);
}

void EventBrowser::refresh()
{
    m_source->requestEventVocabulary();
    m_status->setText(tr("Reading events…"));
    m_model->setFilter(currentFilter());
}

void EventBrowser::focusSearch()
{
    m_search->setFocus(Qt::ShortcutFocusReason);
    m_search->selectAll();
}

void EventBrowser::showVocabulary(const audit::EventVocabulary& vocabulary)
{
    refill(m_step, tr("Any step"), vocabulary.steps);
    refill(m_outcome, tr("Any outcome"), vocabulary.outcomes);
}

void EventBrowser::updateStatus()
{
    const int shown = m_model->rowCount();
    if (shown == 0 && m_model->complete()) {
        m_status->setText(tr("No event matches."));
        return;
    }
    const QString showing = m_model->matching()
                                ? tr("Showing %1 of %2 matching events").arg(shown).arg(QLocale().toString(*m_model->matching()))
                                : tr("Showing %1 events").arg(shown);
    m_status->setText(showing + (m_model->complete() ? QString() : tr(" (scroll down for more)")));
}

}  // namespace imprint::ui
