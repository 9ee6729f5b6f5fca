#include "app/cli/TerminalPrompt.h"

#include <termios.h>
#include <unistd.h>

#include <cstdio>

namespace imprint::cli {

namespace {

// Echo off for as long as it lives; restored on every path (also when reading fails).
class EchoOff
{
public:
    EchoOff()
    {
        m_active = tcgetattr(STDIN_FILENO, &m_saved) == 0;
        if (m_active) {
            termios quiet = m_saved;
            quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
            quiet.c_lflag |= ECHONL;
            m_active = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
        }
    }
    ~EchoOff()
    {
        if (m_active)
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &m_saved);
    }
    EchoOff(const EchoOff&) = delete;
    EchoOff& operator=(const EchoOff&) = delete;

private:
    termios m_saved{};
    bool m_active = false;
};

// One line from stdin, byte by byte into wiping memory (no stdio buffer keeps a copy
// beyond what read(2) hands over).
Result<SecureBytes> readLine()
{
    constexpr std::size_t kMax = 256;
    SecureBytes buffer(kMax);
    std::size_t length = 0;
    while (length < kMax) {
        char byte = 0;
        const ssize_t got = ::read(STDIN_FILENO, &byte, 1);
        if (got <= 0 || byte == '\n')
            break;
        buffer.data()[length++] = byte;
    }
    SecureBytes line(buffer.data(), length);
    line.chopLineEnding();
    if (line.isEmpty())
        return Error(ErrorCode::Cancelled, QStringLiteral("no PIN entered"));
    return line;
}

}  // namespace

Result<SecureBytes> TerminalPrompt::askSecret(const QString& what)
{
    if (isatty(STDIN_FILENO) == 0)
        return readLine();
    m_err << what << ": " << Qt::flush;
    EchoOff quiet;
    return readLine();
}

bool TerminalPrompt::confirm(const QString& question)
{
    if (isatty(STDIN_FILENO) == 0)
        return false;
    m_err << question << " [y/N] " << Qt::flush;
    char answer = 0;
    const bool read = ::read(STDIN_FILENO, &answer, 1) == 1;
    char rest = answer;
    while (rest != '\n' && ::read(STDIN_FILENO, &rest, 1) == 1) {
    }
    return read && (answer == 'y' || answer == 'Y');
}

}  // namespace imprint::cli
