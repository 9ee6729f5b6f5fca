#include "app/cli/RunProgress.h"

namespace imprint::cli {

RunProgress::RunProgress(QTextStream& out, bool terminal, int expectedUnits)
    : m_out(out), m_terminal(terminal), m_expected(expectedUnits)
{
}

void RunProgress::slotChanged(const pipeline::SlotSnapshot& snapshot)
{
    std::lock_guard lock(m_mutex);
    const auto previous = m_slots.value(snapshot.slot);
    m_slots.insert(snapshot.slot, snapshot);
    const bool finishedUnit = (snapshot.phase == pipeline::SlotPhase::Passed && snapshot.passed != previous.passed)
                              || (snapshot.phase == pipeline::SlotPhase::Failed && snapshot.failed != previous.failed);
    // Binding by barcode: say which slot wants its label (the scanner types it on stdin).
    if (snapshot.phase == pipeline::SlotPhase::Working && snapshot.step == QLatin1String("scan label")
        && (previous.step != snapshot.step || previous.phase != snapshot.phase)) {
        if (m_terminal)
            m_out << "\r\033[K";
        m_out << QStringLiteral("slot %1 %2: scan the label of device %3 (or type %1:LABEL)\n")
                     .arg(snapshot.slot)
                     .arg(snapshot.port, snapshot.hardwareId);
        m_out.flush();
    }
    if (finishedUnit) {
        m_passed += snapshot.phase == pipeline::SlotPhase::Passed ? 1 : 0;
        m_failed += snapshot.phase == pipeline::SlotPhase::Failed ? 1 : 0;
        printOutcome(snapshot);
    }
    if (m_terminal)
        drawBar();
}

void RunProgress::printOutcome(const pipeline::SlotSnapshot& s)
{
    if (m_terminal)
        m_out << "\r\033[K";  // clear the bar; it is redrawn below the line
    const QString who = s.thingName.isEmpty() ? s.hardwareId : s.thingName;
    if (s.phase == pipeline::SlotPhase::Passed) {
        m_out << QStringLiteral("slot %1 %2: %3 passed in %4 s\n")
                     .arg(s.slot)
                     .arg(s.port, who)
                     .arg(double(s.elapsedMs) / 1000.0, 0, 'f', 2);
    } else {
        m_out << QStringLiteral("slot %1 %2: %3 FAILED at %4: %5\n    what to do: %6\n")
                     .arg(s.slot)
                     .arg(s.port, who, s.step, s.reason, s.hint);
    }
    m_out.flush();
}

void RunProgress::drawBar()
{
    const int done = m_passed + m_failed;
    const int width = 30;
    const int filled = m_expected > 0 ? std::min(width, done * width / m_expected) : 0;
    QString busy;
    for (const auto& slot : std::as_const(m_slots)) {
        if (slot.phase == pipeline::SlotPhase::Working)
            busy += QStringLiteral(" [%1:%2]").arg(slot.slot).arg(slot.step);
    }
    m_out << "\r\033[K[" << QString(filled, u'#') << QString(width - filled, u'.') << "] " << done;
    if (m_expected > 0)
        m_out << '/' << m_expected;
    m_out << " passed " << m_passed << " failed " << m_failed << busy.left(60);
    m_out.flush();
}

void RunProgress::finish()
{
    std::lock_guard lock(m_mutex);
    if (m_terminal)
        m_out << '\n';
    m_out.flush();
}

}  // namespace imprint::cli
