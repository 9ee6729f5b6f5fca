#pragma once

// Sends the cloud outbox (audit database, table cloud_outbox) to AWS IoT: one pass reads the due
// rows and sends them, several in flight at once under the client's rate limits, recording each
// state change on disk before the next step.
//
// Durable and never duplicating: a row is marked `sent` (attempts + 1, a retry time) BEFORE its
// request goes out. A row that was ever tried is reconciled first (DescribeCertificate by AWS's
// certificate id = SHA-256 of the DER, DescribeThing), so a request resent after a crash finds
// what the first one made instead of making it again; RegisterThing and RegisterCertificate are
// also idempotent for one certificate, as on AWS. Network failures and throttling back off (full
// jitter, base doubling to a cap) and are tried again in a later pass, for as long as it takes;
// refusals mark the row failed with AWS's reason (`cloud sync --retry-failed` after a fix).
//
// Runs on the thread that owns `connection` and `client` (an event loop is needed); callbacks
// come back on that thread. Never the GUI thread: use OutboxWorker there.

#include "core/Clock.h"
#include "core/Result.h"
#include "core/audit/OutboxRecords.h"
#include "core/registration/RegistrationSettings.h"
#include "core/template/ProvisioningTemplate.h"

#include <QObject>

#include <functional>
#include <vector>

namespace imprint::audit {
class SqlConnection;
}
namespace imprint::cloud {
class AwsIotClient;
}

namespace imprint::registration {

// Network failures, throttling and timeouts: tried again later. Anything else is a refusal.
[[nodiscard]] bool isTransient(const Error& error);

struct PassReport
{
    int due = 0;         // rows read for this pass
    int registered = 0;  // confirmed by the cloud (sent now, or found already there)
    int reconciled = 0;  // of those: found already registered by an earlier, unrecorded try
    int retrying = 0;    // transient failure: tried again after the backoff
    int failed = 0;      // refused: needs a person
    int skipped = 0;     // not sent in this mode (JITP/JITR: the device registers itself)
    int peakInFlight = 0;  // most requests outstanding at once (≤ maxInFlight)
    std::vector<QString> problems;  // "thing-1: <reason>" for each retrying or failed row
};

class OutboxSender : public QObject
{
    Q_OBJECT

public:
    // `random` in [0, 1) for the backoff's jitter; empty: QRandomGenerator.
    OutboxSender(audit::SqlConnection& connection, cloud::AwsIotClient& client, SenderSettings settings,
                 const Clock& clock, std::function<double()> random = {}, QObject* parent = nullptr);

    // One pass over the rows due now. `done` runs once every request of the pass has answered;
    // a database error stops the pass (requests in flight are still recorded when they answer).
    void runPass(std::function<void(Result<PassReport>)> done);
    // The same, waiting with a local event loop (command line, tests, worker threads).
    [[nodiscard]] Result<PassReport> runPassAndWait();

    [[nodiscard]] bool busy() const { return static_cast<bool>(m_done); }
    [[nodiscard]] const SenderSettings& settings() const { return m_settings; }

private:
    using Outcome = Result<bool>;  // true: found already registered (reconciled)
    using OutcomeCallback = std::function<void(Outcome)>;

    void launchMore();
    void start(const audit::OutboxRow& row);
    void settle(const audit::OutboxRow& row, const Outcome& outcome);
    void finishIfIdle();

    void registerThing(const audit::OutboxRow& row, const QHash<QString, QString>& parameters, OutcomeCallback done);
    void reconcileThenRegister(const audit::OutboxRow& row, const QString& certificateId,
                               const QHash<QString, QString>& parameters, OutcomeCallback done);
    void preRegister(const audit::OutboxRow& row, OutcomeCallback done);
    void retire(const audit::OutboxRow& row, OutcomeCallback done);

    [[nodiscard]] Result<QHash<QString, QString>> templateParameters(const audit::OutboxRow& row,
                                                                      const QString& certificateId) const;
    [[nodiscard]] QString now() const;
    [[nodiscard]] QString retryTime(int attempts) const;
    void recordDatabaseError(const Error& error);

    audit::SqlConnection& m_connection;
    cloud::AwsIotClient& m_client;
    SenderSettings m_settings;
    const Clock& m_clock;
    std::function<double()> m_random;
    std::optional<provisioning::ProvisioningTemplate> m_template;  // RegisterThing mode, parsed once

    std::vector<audit::OutboxRow> m_rows;
    std::size_t m_next = 0;
    int m_inFlight = 0;
    PassReport m_report;
    std::optional<Error> m_databaseError;
    std::function<void(Result<PassReport>)> m_done;
};

}  // namespace imprint::registration
