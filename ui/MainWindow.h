#pragma once

#include "core/SelfCheck.h"

#include <QMainWindow>

class QLabel;
class QTreeWidget;

namespace imprint::ui {

// The station's main window. At this stage: the version and the station checks, which the
// application runs off the GUI thread and hands over with showSelfChecks().
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);

public Q_SLOTS:
    void showSelfChecks(const std::vector<imprint::SelfCheckOutcome>& outcomes);

private:
    QLabel* m_summary = nullptr;
    QTreeWidget* m_checks = nullptr;
};

}  // namespace imprint::ui
