#include "ui/SetupPageStyle.h"

#include <QLabel>

namespace imprint::ui {

void setSetupStatus(QLabel* label, const QString& text, bool problem)
{
    label->setProperty("problem", problem);
    label->setText(problem ? QLabel::tr("Problem: %1").arg(text) : text);
    label->setStyleSheet(problem ? QStringLiteral("color: #9b1c1c; font-weight: bold;") : QString());
}

}  // namespace imprint::ui
