#include "ui/CloudPage.h"

#include "ui/SetupPageStyle.h"
#include "ui/SetupWorker.h"

#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QStandardItemModel>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace imprint::ui {

namespace {

const QStringList kStates = {QStringLiteral("queued"), QStringLiteral("sent"), QStringLiteral("registered"),
                             QStringLiteral("failed")};

}  // namespace

CloudPage::CloudPage(setup::CloudSetupService& service, SetupWorker& worker, QWidget* parent)
    : QWidget(parent), m_service(service), m_worker(worker)
{
    setObjectName(QStringLiteral("cloudPage"));
    m_profile = new QLineEdit(this);
    m_profile->setPlaceholderText(tr("(AWS_PROFILE, else default)"));
    m_region = new QLineEdit(this);
    m_region->setPlaceholderText(tr("(from the AWS CLI's configuration)"));
    m_endpoint = new QLineEdit(this);
    m_endpoint->setPlaceholderText(tr("(AWS's public endpoint for the region)"));
    m_save = new QPushButton(tr("&Save"), this);
    m_test = new QPushButton(tr("&Test connection"), this);
    m_refresh = new QPushButton(tr("Re&fresh"), this);
    m_retry = new QPushButton(tr("&Retry failed"), this);
    m_retry->setObjectName(QStringLiteral("retryFailed"));
    m_sync = new QPushButton(tr("Sync &now"), this);
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_counts = new QLabel(this);
    m_counts->setObjectName(QStringLiteral("outboxCounts"));
    m_failed = new QStandardItemModel(0, 4, this);
    m_failed->setHorizontalHeaderLabels({tr("Thing"), tr("Action"), tr("Attempts"), tr("Reason")});
    m_failedView = new QTableView(this);
    m_failedView->setModel(m_failed);
    m_failedView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_failedView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_failedView->horizontalHeader()->setStretchLastSection(true);
    m_failedView->verticalHeader()->setVisible(false);
    m_refreshTimer = new QTimer(this);
    m_refreshTimer->setInterval(kRefreshMs);

    auto* where = new QGroupBox(tr("AWS IoT (credentials come from the AWS CLI's configuration, never from here)"), this);
    auto* form = new QFormLayout(where);
    form->addRow(tr("&Profile:"), m_profile);
    form->addRow(tr("Re&gion:"), m_region);
    form->addRow(tr("&Endpoint URL:"), m_endpoint);
    auto* whereButtons = new QHBoxLayout;
    whereButtons->addWidget(m_save);
    whereButtons->addWidget(m_test);
    whereButtons->addStretch(1);
    form->addRow(whereButtons);

    auto* outbox = new QGroupBox(tr("Registrations waiting to be sent (outbox)"), this);
    auto* outboxLayout = new QVBoxLayout(outbox);
    outboxLayout->addWidget(m_counts);
    outboxLayout->addWidget(new QLabel(tr("Failed registrations and why:"), outbox));
    outboxLayout->addWidget(m_failedView, 1);
    auto* outboxButtons = new QHBoxLayout;
    outboxButtons->addWidget(m_refresh);
    outboxButtons->addWidget(m_retry);
    outboxButtons->addWidget(m_sync);
    outboxButtons->addStretch(1);
    outboxLayout->addLayout(outboxButtons);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(where);
    layout->addWidget(m_status);
    layout->addWidget(outbox, 1);

    connect(m_save, &QPushButton::clicked, this, &CloudPage::save);
    connect(m_test, &QPushButton::clicked, this, &CloudPage::testConnection);
    connect(m_refresh, &QPushButton::clicked, this, &CloudPage::refreshOutbox);
    connect(m_retry, &QPushButton::clicked, this, &CloudPage::retryFailed);
    connect(m_sync, &QPushButton::clicked, this, &CloudPage::syncNow);
    connect(m_refreshTimer, &QTimer::timeout, this, [this] {
        if (!m_busy)
            refreshOutbox();
    });

    setBusy(true, tr("Reading the station's configuration…"));
    m_worker.run(this, [&service] { return service.config(); }, [this](setup::CloudConfig config) {
        setBusy(false, {});
        showStatus({}, false);
        setEnteredConfig(config);
        Q_EMIT configLoaded();
        refreshOutbox();
    });
}

setup::CloudConfig CloudPage::enteredConfig() const
{
    return {m_profile->text().trimmed(), m_region->text().trimmed(), m_endpoint->text().trimmed()};
}

void CloudPage::setEnteredConfig(const setup::CloudConfig& config)
{
    m_profile->setText(config.profile);
    m_region->setText(config.region);
    m_endpoint->setText(config.endpointUrl);
}

void CloudPage::save()
{
    if (m_busy)
        return;
    const setup::CloudConfig config = enteredConfig();
    setBusy(true, tr("Saving…"));
    m_worker.run(this, [&service = m_service, config] { return service.saveConfig(config); }, [this](Status saved) {
        setBusy(false, {});
        showStatus(saved ? tr("Saved in station.ini [cloud].") : saved.error().message(), !saved);
        Q_EMIT actionFinished(saved.ok());
    });
}

void CloudPage::testConnection()
{
    if (m_busy)
        return;
    const setup::CloudConfig config = enteredConfig();
    setBusy(true, tr("Testing the connection…"));
    m_worker.run(this, [&service = m_service, config] { return service.testConnection(config); },
                 [this](Result<QString> answer) {
                     setBusy(false, {});
                     showStatus(answer ? answer.value() : answer.error().message(), !answer);
                     Q_EMIT actionFinished(answer.ok());
                 });
}

void CloudPage::refreshOutbox()
{
    m_worker.run(this, [&service = m_service] { return service.outboxState(); },
                 [this](Result<setup::OutboxState> state) {
                     if (!state) {
                         showStatus(state.error().message(), true);
                         return;
                     }
                     showOutbox(state.value());
                 });
}

void CloudPage::retryFailed()
{
    sync(true);
}

void CloudPage::syncNow()
{
    sync(false);
}

void CloudPage::sync(bool retry)
{
    if (m_busy)
        return;
    const setup::CloudConfig config = enteredConfig();
    setBusy(true, retry ? tr("Queueing the failed registrations again and sending…") : tr("Sending the due registrations…"));
    m_worker.run(this, [&service = m_service, config, retry] { return service.sync(config, retry); },
                 [this](Result<setup::SyncOutcome> outcome) {
                     setBusy(false, {});
                     if (outcome)
                         showSync(outcome.value());
                     else
                         showStatus(outcome.error().message(), true);
                     refreshOutbox();
                     Q_EMIT actionFinished(outcome.ok());
                 });
}

void CloudPage::showSync(const setup::SyncOutcome& o)
{
    QString text;
    if (o.requeued > 0)
        text = tr("%n failed registration(s) queued again. ", nullptr, static_cast<int>(o.requeued));
    text += tr("Sent %1 due: %2 registered, %3 to retry, %4 failed.").arg(o.due).arg(o.registered).arg(o.retrying).arg(o.failed);
    if (o.skipped > 0)
        text += tr(" %n left to the devices' first connection ([cloud] mode).", nullptr, o.skipped);
    for (const QString& problem : o.problems)
        text += u'\n' + problem;
    showStatus(text, o.failed > 0);
}

void CloudPage::showOutbox(const setup::OutboxState& state)
{
    m_shownCounts = state.counts;
    QStringList parts;
    for (const QString& name : kStates) {
        const auto it = state.counts.find(name);
        parts << QStringLiteral("%1 %2").arg(it != state.counts.end() ? it->second : 0).arg(name);
    }
    m_counts->setText(parts.join(QStringLiteral(" · ")));
    m_failed->removeRows(0, m_failed->rowCount());
    for (const setup::OutboxFailure& failure : state.failed) {
        QList<QStandardItem*> row{new QStandardItem(failure.thingName), new QStandardItem(failure.action),
                                  new QStandardItem(QString::number(failure.attempts)), new QStandardItem(failure.reason)};
        row.last()->setToolTip(failure.reason);
        m_failed->appendRow(row);
    }
    m_retry->setEnabled(!m_busy && !state.failed.isEmpty());
    Q_EMIT outboxShown();
}

qint64 CloudPage::shownCount(const QString& state) const
{
    const auto it = m_shownCounts.find(state);
    return it != m_shownCounts.end() ? it->second : 0;
}

int CloudPage::failedRows() const
{
    return m_failed->rowCount();
}

QString CloudPage::failedReason(int row) const
{
    return m_failed->item(row, 3) != nullptr ? m_failed->item(row, 3)->text() : QString();
}

QString CloudPage::statusText() const
{
    return m_status->text();
}

bool CloudPage::problemShown() const
{
    return m_status->property("problem").toBool();
}

void CloudPage::showStatus(const QString& text, bool problem)
{
    setSetupStatus(m_status, text, problem);
}

void CloudPage::setBusy(bool busy, const QString& what)
{
    m_busy = busy;
    for (QPushButton* button : {m_save, m_test, m_sync, m_refresh})
        button->setEnabled(!busy);
    m_retry->setEnabled(!busy && m_failed->rowCount() > 0);
    if (busy)
        showStatus(what, false);
}

void CloudPage::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    m_refreshTimer->start();
}

void CloudPage::hideEvent(QHideEvent* event)
{
    m_refreshTimer->stop();
    QWidget::hideEvent(event);
}

}  // namespace imprint::ui
