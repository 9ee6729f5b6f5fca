#include "serial/LineSplitter.h"

namespace imprint::serial {

namespace {

bool endsLine(char c) { return c == '\n' || c == '\r' || c == '\0'; }

// Length of the CSI escape starting at `at` (which holds ESC), 1 if it is a lone ESC.
qsizetype escapeLength(const QByteArray& text, qsizetype at)
{
    if (at + 1 >= text.size() || text.at(at + 1) != '[')
        return 1;
    qsizetype index = at + 2;
    while (index < text.size() && text.at(index) >= 0x30 && text.at(index) <= 0x3F)
        ++index;  // parameter bytes
    while (index < text.size() && text.at(index) >= 0x20 && text.at(index) <= 0x2F)
        ++index;  // intermediate bytes
    if (index < text.size() && text.at(index) >= 0x40 && text.at(index) <= 0x7E)
        ++index;  // final byte
    return index - at;
}

}  // namespace

QByteArray stripTerminalControls(const QByteArray& line)
{
    QByteArray clean;
    clean.reserve(line.size());
    for (qsizetype index = 0; index < line.size();) {
        const char c = line.at(index);
        if (c == '\x1b') {
            index += escapeLength(line, index);
            continue;
        }
        if ((static_cast<unsigned char>(c) >= 0x20 && c != '\x7f') || c == '\t')
            clean.append(c);
        ++index;
    }
    return clean;
}

void LineSplitter::feed(const QByteArray& bytes)
{
    m_pending.append(bytes);
}

std::optional<QByteArray> LineSplitter::takeLine()
{
    while (!m_pending.isEmpty()) {
        qsizetype end = -1;
        for (qsizetype index = 0; index < m_pending.size(); ++index) {
            if (endsLine(m_pending.at(index))) {
                end = index;
                break;
            }
        }
        if (end < 0) {
            if (m_pending.size() <= kMaxLineLength)
                return std::nullopt;
            end = kMaxLineLength;  // cut an endless line; the rest follows as another line
        }
        const QByteArray raw = m_pending.left(end);
        const qsizetype consumed = end < m_pending.size() && endsLine(m_pending.at(end)) ? end + 1 : end;
        m_pending.remove(0, consumed);
        QByteArray line = stripTerminalControls(raw).trimmed();
        if (!line.isEmpty())
            return line;
    }
    return std::nullopt;
}

}  // namespace imprint::serial
