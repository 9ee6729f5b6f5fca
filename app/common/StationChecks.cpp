#include "app/common/StationChecks.h"

#include "core/DatabaseCheck.h"
#include "hsm/OpenSslInfo.h"
#include "hsm/Pkcs11Module.h"

namespace imprint::station {

std::vector<SelfCheck> stationChecks(const QString& pkcs11Module, const QString& dataDir)
{
    return {
        {QStringLiteral("OpenSSL"), [] { return hsm::checkOpenSslVersion(); }},
        {QStringLiteral("PKCS#11 module"), [pkcs11Module] { return hsm::checkPkcs11Module(pkcs11Module); }},
        {QStringLiteral("SQLite database"), [dataDir] { return checkSqlite(dataDir); }},
    };
}

}  // namespace imprint::station
