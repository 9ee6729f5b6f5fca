#pragma once

#include <QString>

namespace imprint {

// The station's data directory: IMPRINT_DATA_DIR when set, otherwise the user's
// application data directory (~/.local/share/imprint). Created on first use.
[[nodiscard]] QString dataDirectory();

}  // namespace imprint
