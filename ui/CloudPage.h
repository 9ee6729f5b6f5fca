#pragma once

// The supervisor's cloud page: where the station reaches AWS IoT (profile, region, endpoint URL
// in station.ini [cloud]; never a secret: credentials come from the AWS CLI's chain), a test of
// that connection, and the outbox's state — counts per state, each failed registration with its
// reason — with "retry failed" and "sync now". Every call runs on the SetupWorker.

#include "core/setup/SetupServices.h"

#include <QWidget>

class QLabel;
class QLineEdit;
class QPushButton;
class QStandardItemModel;
class QTableView;
class QTimer;

namespace imprint::ui {

class SetupWorker;

class CloudPage : public QWidget
{
    Q_OBJECT
public:
    static constexpr int kRefreshMs = 15'000;  // the outbox is read again while the page is shown

    CloudPage(setup::CloudSetupService& service, SetupWorker& worker, QWidget* parent = nullptr);

    [[nodiscard]] setup::CloudConfig enteredConfig() const;
    void setEnteredConfig(const setup::CloudConfig& config);
    void save();
    void testConnection();
    void refreshOutbox();
    void retryFailed();
    void syncNow();

    [[nodiscard]] qint64 shownCount(const QString& state) const;
    [[nodiscard]] int failedRows() const;
    [[nodiscard]] QString failedReason(int row) const;
    [[nodiscard]] QString statusText() const;
    [[nodiscard]] bool problemShown() const;

Q_SIGNALS:
    void configLoaded();
    void outboxShown();
    void actionFinished(bool ok);

protected:
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

private:
    void showOutbox(const setup::OutboxState& state);
    void showSync(const setup::SyncOutcome& outcome);
    void showStatus(const QString& text, bool problem);
    void setBusy(bool busy, const QString& what);
    void sync(bool retry);

    setup::CloudSetupService& m_service;
    SetupWorker& m_worker;
    QLineEdit* m_profile = nullptr;
    QLineEdit* m_region = nullptr;
    QLineEdit* m_endpoint = nullptr;
    QPushButton* m_save = nullptr;
    QPushButton* m_test = nullptr;
    QPushButton* m_refresh = nullptr;
    QPushButton* m_retry = nullptr;
    QPushButton* m_sync = nullptr;
    QLabel* m_status = nullptr;
    QLabel* m_counts = nullptr;
    QStandardItemModel* m_failed = nullptr;
    QTableView* m_failedView = nullptr;
    QTimer* m_refreshTimer = nullptr;
    std::map<QString, qint64> m_shownCounts;
    bool m_busy = false;
};

}  // namespace imprint::ui
