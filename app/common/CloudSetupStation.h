#pragma once

// The cloud page's and the CA registration wizard's service (setup::CloudSetupService) on the
// station's real parts: [cloud] profile/region/endpoint-url in station.ini, the AWS CLI's
// credential chain, the outbox in the audit database, the CA key on the HSM. Blocking: call it
// from a worker thread (it runs local event loops for the HTTP calls).

#include "core/Clock.h"
#include "core/setup/SetupServices.h"

namespace imprint::station {

// [cloud] profile, region, endpoint-url (the rest of [cloud] is CloudStation's).
[[nodiscard]] setup::CloudConfig readCloudConfig();
[[nodiscard]] Status writeCloudConfig(const setup::CloudConfig& config);

class CloudSetupStation final : public setup::CloudSetupService
{
public:
    // `database`: the audit database (empty: [audit] path, else <data dir>/audit.sqlite).
    CloudSetupStation(QString database, const Clock& clock);

    [[nodiscard]] setup::CloudConfig config() override;
    [[nodiscard]] Status saveConfig(const setup::CloudConfig& config) override;
    [[nodiscard]] Result<QString> testConnection(const setup::CloudConfig& config) override;
    [[nodiscard]] Result<setup::OutboxState> outboxState() override;
    [[nodiscard]] Result<setup::SyncOutcome> sync(const setup::CloudConfig& config, bool retryFailed) override;
    [[nodiscard]] Result<registration::CaRegistration> registerCa(const setup::CloudConfig& config,
                                                                const setup::CaRegistrationOrder& order,
                                                                OperatorPrompt& prompt) override;
    [[nodiscard]] Result<QStringList> templateNames(const setup::CloudConfig& config) override;

private:
    QString m_database;
    const Clock& m_clock;
};

}  // namespace imprint::station
