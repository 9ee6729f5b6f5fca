#pragma once

// Splits a byte stream from a device into clean lines: CR, LF, CRLF and NUL all end a line,
// ANSI escape sequences (colour codes in boot logs) are removed, empty lines are dropped, and a
// line longer than the limit is cut there so a babbling device cannot exhaust memory.

#include <QByteArray>

#include <optional>

namespace imprint::serial {

class LineSplitter
{
public:
    static constexpr qsizetype kMaxLineLength = 16 * 1024;

    void feed(const QByteArray& bytes);
    // The next complete, cleaned, non-empty line, if one has arrived.
    [[nodiscard]] std::optional<QByteArray> takeLine();
    // Forgets everything buffered (stale replies before a new command).
    void clear() { m_pending.clear(); }
    [[nodiscard]] bool hasPartialLine() const { return !m_pending.isEmpty(); }

private:
    QByteArray m_pending;
};

// Removes ANSI CSI escapes (ESC '[' params intermediates final) and other control bytes
// except TAB.
[[nodiscard]] QByteArray stripTerminalControls(const QByteArray& line);

}  // namespace imprint::serial
