#include "core/SelfCheck.h"

namespace imprint {

std::vector<SelfCheckOutcome> runSelfChecks(const std::vector<SelfCheck>& checks)
{
    std::vector<SelfCheckOutcome> outcomes;
    outcomes.reserve(checks.size());
    for (const auto& check : checks) {
        const auto result = check.run();
        if (result.ok())
            outcomes.push_back({check.name, true, result.value()});
        else
            outcomes.push_back({check.name, false, result.error().message()});
    }
    return outcomes;
}

}  // namespace imprint
