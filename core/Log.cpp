#include "core/Log.h"

Q_LOGGING_CATEGORY(lcCore, "imprint.core", QtInfoMsg)
Q_LOGGING_CATEGORY(lcHsm, "imprint.hsm", QtInfoMsg)
Q_LOGGING_CATEGORY(lcSerial, "imprint.serial", QtInfoMsg)
Q_LOGGING_CATEGORY(lcAudit, "imprint.audit", QtInfoMsg)
Q_LOGGING_CATEGORY(lcCloud, "imprint.cloud", QtInfoMsg)
Q_LOGGING_CATEGORY(lcPipeline, "imprint.pipeline", QtInfoMsg)
Q_LOGGING_CATEGORY(lcUi, "imprint.ui", QtInfoMsg)

namespace imprint {

void installLogFormat()
{
    qSetMessagePattern(QStringLiteral(
        "%{time yyyy-MM-ddThh:mm:ss.zzz} %{if-debug}debug%{endif}%{if-info}info%{endif}"
        "%{if-warning}warning%{endif}%{if-critical}critical%{endif}%{if-fatal}fatal%{endif}"
        " %{category}: %{message}"));
}

}  // namespace imprint
