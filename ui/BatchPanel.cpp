#include "ui/BatchPanel.h"

#include <QChart>
#include <QChartView>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineSeries>
#include <QTimer>
#include <QValueAxis>

namespace imprint::ui {

namespace {

QLabel* countLabel(const QString& name, QWidget* parent)
{
    auto* label = new QLabel(QStringLiteral("–"), parent);
    label->setObjectName(name);
    QFont font = label->font();
    font.setPointSizeF(font.pointSizeF() * 1.6);
    font.setBold(true);
    label->setFont(font);
    return label;
}

QString formatDuration(qint64 ms)
{
    const qint64 seconds = (ms + 999) / 1000;
    if (seconds < 60)
        return BatchPanel::tr("%1 s").arg(seconds);
    if (seconds < 3600)
        return BatchPanel::tr("%1 min %2 s").arg(seconds / 60).arg(seconds % 60);
    return BatchPanel::tr("%1 h %2 min").arg(seconds / 3600).arg((seconds % 3600) / 60);
}

}  // namespace

BatchPanel::BatchPanel(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("batchPanel"));
    m_clock.start();
    m_meter.start(0);

    auto* layout = new QHBoxLayout(this);
    auto* counts = new QFormLayout;
    m_name = countLabel(QStringLiteral("batchNameLabel"), this);
    m_name->setText(tr("No batch: import a work order (Ctrl+I)"));
    m_passed = countLabel(QStringLiteral("passedCount"), this);
    m_failed = countLabel(QStringLiteral("failedCount"), this);
    m_remaining = countLabel(QStringLiteral("remainingCount"), this);
    m_quota = countLabel(QStringLiteral("quotaCount"), this);
    m_pace = countLabel(QStringLiteral("paceLabel"), this);
    m_eta = countLabel(QStringLiteral("etaLabel"), this);
    counts->addRow(tr("Work order:"), m_name);
    counts->addRow(tr("Passed:"), m_passed);
    counts->addRow(tr("Failed:"), m_failed);
    counts->addRow(tr("Remaining:"), m_remaining);
    counts->addRow(tr("Quota:"), m_quota);
    counts->addRow(tr("Units per minute:"), m_pace);
    counts->addRow(tr("Time to finish:"), m_eta);
    layout->addLayout(counts);

    m_series = new QLineSeries;
    m_series->setName(tr("units per minute"));
    auto* chart = new QChart;
    chart->addSeries(m_series);
    chart->legend()->hide();
    chart->setTitle(tr("Throughput (units per minute)"));
    m_timeAxis = new QValueAxis;
    m_timeAxis->setTitleText(tr("minutes"));
    m_timeAxis->setRange(0, 5);
    m_rateAxis = new QValueAxis;
    m_rateAxis->setRange(0, 10);
    chart->addAxis(m_timeAxis, Qt::AlignBottom);
    chart->addAxis(m_rateAxis, Qt::AlignLeft);
    m_series->attachAxis(m_timeAxis);
    m_series->attachAxis(m_rateAxis);
    auto* view = new QChartView(chart, this);
    view->setObjectName(QStringLiteral("throughputChart"));
    view->setFocusPolicy(Qt::NoFocus);
    view->setMinimumSize(360, 200);
    view->setRenderHint(QPainter::Antialiasing);
    layout->addWidget(view, 1);

    m_sampler = new QTimer(this);
    m_sampler->setInterval(2000);
    connect(m_sampler, &QTimer::timeout, this, &BatchPanel::sample);
    m_sampler->start();
}

void BatchPanel::showBatch(const audit::BatchSummary& batch)
{
    const bool newBatch = !m_batch || m_batch->id != batch.id;
    m_batch = batch;
    if (newBatch) {
        m_clock.restart();
        m_meter.start(0);
        m_series->clear();
    }
    m_name->setText(batch.name);
    m_passed->setText(QString::number(batch.provisioned));
    m_failed->setText(QString::number(batch.failed));
    const std::optional<qint64> quota = batch.kind == u"open" ? batch.quota : std::optional<qint64>(batch.devices);
    m_quota->setText(quota ? QString::number(*quota) : tr("no limit"));
    m_remaining->setText(quota ? QString::number(remaining().value_or(0)) : tr("open"));
    updateEstimate();
}

std::optional<qint64> BatchPanel::remaining() const
{
    return m_batch ? audit::remainingUnits(*m_batch) : std::nullopt;
}

void BatchPanel::recordUnit(bool passed)
{
    if (passed)
        m_meter.recordUnit(m_clock.elapsed());
    updateEstimate();
}

void BatchPanel::sample()
{
    const qint64 now = m_clock.elapsed();
    const double pace = m_meter.unitsPerMinute(now);
    const double minutes = double(now) / 60'000.0;
    m_series->append(minutes, pace);
    m_timeAxis->setRange(std::max(0.0, minutes - 5.0), std::max(5.0, minutes));
    m_rateAxis->setRange(0, std::max(10.0, m_rateAxis->max() < pace * 1.2 ? pace * 1.2 : m_rateAxis->max()));
    // Keep the last 5 minutes: the chart is a pulse, the audit keeps the history.
    while (m_series->count() > 150)
        m_series->remove(0);
    updateEstimate();
}

int BatchPanel::chartPoints() const
{
    return static_cast<int>(m_series->count());
}

void BatchPanel::updateEstimate()
{
    const qint64 now = m_clock.elapsed();
    m_pace->setText(QString::number(m_meter.unitsPerMinute(now), 'f', 1));
    const std::optional<qint64> toDo = remaining();
    if (!toDo) {
        m_eta->setText(m_batch ? tr("open batch, no quota") : QStringLiteral("–"));
        return;
    }
    if (*toDo == 0) {
        m_eta->setText(tr("done"));
        return;
    }
    const auto left = m_meter.timeLeftMs(*toDo, now);
    m_eta->setText(left ? formatDuration(*left) : tr("waiting for the first unit"));
}

}  // namespace imprint::ui
