#pragma once

// What the core needs from the person at the station. Implemented by the GUI (dialogs),
// the CLI (terminal with echo off) and tests (scripted answers).

#include "core/Result.h"
#include "core/SecureBytes.h"

#include <QString>

namespace imprint {

class OperatorPrompt
{
public:
    virtual ~OperatorPrompt() = default;
    // Masked entry of a secret, e.g. the PIN of the token named in `what`.
    // Fails with ErrorCode::Cancelled when the operator declines.
    [[nodiscard]] virtual Result<SecureBytes> askSecret(const QString& what) = 0;
    // A yes/no question; false when declined or when nobody can answer (non-interactive).
    [[nodiscard]] virtual bool confirm(const QString& question) = 0;
};

}  // namespace imprint
