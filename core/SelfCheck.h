#pragma once

// One line of `imprint-cli selftest`: a named check and what it found.

#include "core/Result.h"

#include <QString>

#include <functional>
#include <vector>

namespace imprint {

struct SelfCheck
{
    QString name;
    std::function<Result<QString>()> run;  // ok: what was found; error: why it failed
};

struct SelfCheckOutcome
{
    QString name;
    bool ok = false;
    QString detail;
};

[[nodiscard]] std::vector<SelfCheckOutcome> runSelfChecks(const std::vector<SelfCheck>& checks);

}  // namespace imprint
