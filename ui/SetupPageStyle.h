#pragma once

// The status line shared by the set-up pages: plain text, a problem shown in dark red with a
// "Problem:" word (readable without colour), and a `problem` property tests can read.

#include <QString>

class QLabel;

namespace imprint::ui {

void setSetupStatus(QLabel* label, const QString& text, bool problem);

}  // namespace imprint::ui
