#pragma once

// Who and where, for commands run by hand: the station's name ([station] name in station.ini,
// else the host name) and the operator (the login name) unless given explicitly.

#include <QString>

namespace imprint::audit {

[[nodiscard]] QString defaultStationName();
[[nodiscard]] QString defaultOperatorName();

}  // namespace imprint::audit
