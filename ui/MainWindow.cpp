#include "ui/MainWindow.h"

#include "core/Version.h"

#include <QHeaderView>
#include <QLabel>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace imprint::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent)
{
    setWindowTitle(QStringLiteral("Imprint %1").arg(QString::fromLatin1(kVersion)));
    setObjectName(QStringLiteral("mainWindow"));

    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);

    m_summary = new QLabel(tr("Checking the station…"), central);
    m_summary->setObjectName(QStringLiteral("summaryLabel"));
    QFont big = m_summary->font();
    big.setPointSizeF(big.pointSizeF() * 1.5);
    m_summary->setFont(big);

    m_checks = new QTreeWidget(central);
    m_checks->setObjectName(QStringLiteral("checksView"));
    m_checks->setHeaderLabels({tr("Check"), tr("Result"), tr("Details")});
    m_checks->setRootIsDecorated(false);
    m_checks->header()->setSectionResizeMode(2, QHeaderView::Stretch);

    layout->addWidget(m_summary);
    layout->addWidget(m_checks);
    setCentralWidget(central);
    resize(900, 400);
}

void MainWindow::showSelfChecks(const std::vector<SelfCheckOutcome>& outcomes)
{
    m_checks->clear();
    int failed = 0;
    for (const auto& outcome : outcomes) {
        auto* item = new QTreeWidgetItem(m_checks);
        item->setText(0, outcome.name);
        // Word and colour both: readable for colour-blind technicians.
        item->setText(1, outcome.ok ? tr("OK") : tr("FAILED"));
        item->setForeground(1, outcome.ok ? QColor(0, 110, 0) : QColor(170, 0, 0));
        item->setText(2, outcome.detail);
        failed += outcome.ok ? 0 : 1;
    }
    m_summary->setText(failed == 0 ? tr("Station ready: all %n check(s) passed", nullptr,
                                        static_cast<int>(outcomes.size()))
                                   : tr("%n check(s) failed: see the details below", nullptr,
                                        failed));
}

}  // namespace imprint::ui
