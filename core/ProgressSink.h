#pragma once

// Progress of long work (imports, exports, batches), shown as a bar on a terminal, a line per
// step in logs, or a progress widget in the GUI.

#include <QString>

namespace imprint {

class ProgressSink
{
public:
    virtual ~ProgressSink() = default;
    // total < 0 when unknown.
    virtual void progress(qint64 done, qint64 total, const QString& what) = 0;
};

class NullProgress final : public ProgressSink
{
public:
    void progress(qint64, qint64, const QString&) override {}
};

}  // namespace imprint
