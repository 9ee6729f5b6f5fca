#include "core/pipeline/ScannedLabels.h"

namespace imprint::pipeline {

LabelScanner::~LabelScanner() = default;

Result<QString> ScannedLabels::waitForLabel(int slot, const QString& port, std::chrono::milliseconds timeout)
{
    std::unique_lock lock(m_mutex);
    m_waiting.insert(slot);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    Result<QString> result = Error(ErrorCode::Internal, QString());
    for (;;) {
        if (cancelled(slot)) {
            result = Error(ErrorCode::Cancelled,
                           QStringLiteral("slot %1 (port %2): stopped while waiting for a label to be scanned")
                               .arg(slot)
                               .arg(port));
            break;
        }
        if (const auto found = m_addressed.find(slot); found != m_addressed.end()) {
            result = found->second;
            m_addressed.erase(found);
            break;
        }
        // Unaddressed labels go to the lowest-numbered waiting slot: only it may take one.
        if (!m_unaddressed.empty() && *m_waiting.begin() == slot) {
            result = m_unaddressed.front();
            m_unaddressed.pop_front();
            break;
        }
        if (m_changed.wait_until(lock, deadline) == std::cv_status::timeout && std::chrono::steady_clock::now() >= deadline) {
            result = Error(ErrorCode::Timeout,
                           QStringLiteral("slot %1 (port %2): no label was scanned within %3 s")
                               .arg(slot)
                               .arg(port)
                               .arg(double(timeout.count()) / 1000.0, 0, 'f', 1));
            break;
        }
    }
    m_waiting.erase(slot);
    lock.unlock();
    // Another slot may now be the lowest waiting one, with an unaddressed label for it.
    m_changed.notify_all();
    return result;
}

bool ScannedLabels::cancelled(int slot) const
{
    return m_allCancelled || m_cancelledSlots.count(slot) > 0;
}

void ScannedLabels::cancel(int slot)
{
    {
        std::lock_guard lock(m_mutex);
        m_cancelledSlots.insert(slot);
    }
    m_changed.notify_all();
}

void ScannedLabels::cancel()
{
    {
        std::lock_guard lock(m_mutex);
        m_allCancelled = true;
    }
    m_changed.notify_all();
}

void ScannedLabels::reopen(int slot)
{
    std::lock_guard lock(m_mutex);
    m_cancelledSlots.erase(slot);
    m_addressed.erase(slot);
}

void ScannedLabels::submit(int slot, QString label)
{
    label = label.trimmed();
    if (label.isEmpty())
        return;
    {
        std::lock_guard lock(m_mutex);
        m_addressed[slot] = std::move(label);
    }
    m_changed.notify_all();
}

void ScannedLabels::submitToNextWaiting(QString label)
{
    label = label.trimmed();
    if (label.isEmpty())
        return;
    {
        std::lock_guard lock(m_mutex);
        m_unaddressed.push_back(std::move(label));
    }
    m_changed.notify_all();
}

std::vector<int> ScannedLabels::waitingSlots() const
{
    std::lock_guard lock(m_mutex);
    return {m_waiting.cbegin(), m_waiting.cend()};
}

}  // namespace imprint::pipeline
