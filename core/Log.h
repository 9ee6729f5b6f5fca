#pragma once

// Diagnostic logging categories. Diagnostics are not the audit trail (that is the audit
// database) and never carry a secret: no PIN, no private key, no AWS secret key.
// Enable with QT_LOGGING_RULES, e.g. QT_LOGGING_RULES="imprint.hsm.debug=true".

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcCore)
Q_DECLARE_LOGGING_CATEGORY(lcHsm)
Q_DECLARE_LOGGING_CATEGORY(lcSerial)
Q_DECLARE_LOGGING_CATEGORY(lcAudit)
Q_DECLARE_LOGGING_CATEGORY(lcCloud)
Q_DECLARE_LOGGING_CATEGORY(lcPipeline)
Q_DECLARE_LOGGING_CATEGORY(lcUi)

namespace imprint {
// Message format shared by every executable: time, level, category, text.
void installLogFormat();
}  // namespace imprint
