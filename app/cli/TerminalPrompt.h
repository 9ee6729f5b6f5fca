#pragma once

// The command line's OperatorPrompt: secrets are read from the terminal with echo off; when
// stdin is not a terminal (scripts, CI) one line is read from stdin instead, so a PIN can be
// piped without ever appearing in argv or the environment.

#include "core/OperatorPrompt.h"

#include <QTextStream>

namespace imprint::cli {

class TerminalPrompt final : public OperatorPrompt
{
public:
    explicit TerminalPrompt(QTextStream& err) : m_err(err) {}
    [[nodiscard]] Result<SecureBytes> askSecret(const QString& what) override;
    [[nodiscard]] bool confirm(const QString& question) override;

private:
    QTextStream& m_err;
};

}  // namespace imprint::cli
