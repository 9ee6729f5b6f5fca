#pragma once

// The HSM and CA page's service (setup::HsmSetupService) on the station's real token: the
// module's tokens, login with the operator's PIN, the CA key matched against the station's CA
// certificate, and the demo's development token + CA. Blocking: call it from a worker thread.

#include "core/Clock.h"
#include "core/setup/SetupServices.h"

#include <openssl/types.h>

namespace imprint::station {

class HsmSetupStation final : public setup::HsmSetupService
{
public:
    explicit HsmSetupStation(const Clock& clock) : m_clock(clock) {}

    [[nodiscard]] setup::HsmChoice configured() override;
    [[nodiscard]] Result<QStringList> tokenLabels(const QString& module) override;
    [[nodiscard]] Result<setup::CaDetails> openCa(const setup::HsmChoice& choice, OperatorPrompt& prompt) override;
    [[nodiscard]] Result<setup::CaDetails> createDevelopmentCa(const QString& module) override;

private:
    const Clock& m_clock;
};

// A certificate's details for the page: subject, issuer, serial, validity, key type, SHA-256.
[[nodiscard]] setup::CaDetails describeCaCertificate(const X509* certificate, const QDateTime& now);

// The station's issuing CA certificate ([ca] chain, first certificate) with its details.
[[nodiscard]] Result<setup::CaDetails> stationCaDetails(const QDateTime& now);

}  // namespace imprint::station
