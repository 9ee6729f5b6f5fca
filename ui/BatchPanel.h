#pragma once

// The batch at a glance: its name, passed / failed / remaining of the quota, units per minute
// as a live chart, and the estimated time to finish.

#include "core/audit/AuditQueries.h"
#include "ui/ThroughputMeter.h"

#include <QElapsedTimer>
#include <QWidget>

#include <optional>

class QLabel;
class QLineSeries;
class QValueAxis;
class QTimer;

namespace imprint::ui {

class BatchPanel : public QWidget
{
    Q_OBJECT
public:
    explicit BatchPanel(QWidget* parent = nullptr);

    void showBatch(const audit::BatchSummary& batch);
    void recordUnit(bool passed);
    // Samples the pace into the chart and updates the estimate (a timer calls it every 2 s).
    void sample();

    // Devices still to provision; nothing for an open batch without a quota.
    [[nodiscard]] std::optional<qint64> remaining() const;
    // Every device of the work order (or the quota) is provisioned.
    [[nodiscard]] bool complete() const { return remaining() == 0; }
    [[nodiscard]] int chartPoints() const;

private:
    void updateEstimate();

    std::optional<audit::BatchSummary> m_batch;
    QElapsedTimer m_clock;
    ThroughputMeter m_meter;
    QLabel* m_name = nullptr;
    QLabel* m_passed = nullptr;
    QLabel* m_failed = nullptr;
    QLabel* m_remaining = nullptr;
    QLabel* m_quota = nullptr;
    QLabel* m_pace = nullptr;
    QLabel* m_eta = nullptr;
    QLineSeries* m_series = nullptr;
    QValueAxis* m_timeAxis = nullptr;
    QValueAxis* m_rateAxis = nullptr;
    QTimer* m_sampler = nullptr;
};

}  // namespace imprint::ui
