#pragma once

// Bulk registration of a batch (AWS IoT StartThingRegistrationTask): the batch's pending
// registrations become one input file (a JSON object of template parameters per line,
// CertificatePem included), uploaded to S3; the task is started and polled; then its ERRORS and
// RESULTS reports are read and each line mapped back to its unit's outbox row: registered, or
// failed with AWS's reason. Rows the reports do not mention stay `sent` and are retried later.
//
// Durable like the per-unit sender: every row in the file is marked `sent` (one transaction)
// before the file is uploaded, so a crash leaves rows that the next pass reconciles. A unit the
// template cannot take fails locally, without a line in the file. Superseded certificates
// (rework) are not part of a bulk task: the per-unit sender deactivates them.
//
// Blocking (waitFor, polling with a local event loop): call it from the command line or a
// worker thread, never the GUI thread.

#include "core/Clock.h"
#include "core/Result.h"

#include <QByteArray>
#include <QString>

#include <functional>
#include <vector>

namespace imprint::audit {
class SqlConnection;
}
namespace imprint::cloud {
class AwsIotClient;
}

namespace imprint::registration {

struct BulkSettings
{
    QString batch;             // name or id: its queued and sent registrations
    QByteArray templateBody;   // the provisioning template (JSON), with a CertificatePem parameter
    QString bucket;            // S3 bucket of the input file
    QString key;               // its key; empty: "imprint-bulk/<batch>-<UTC time>.jsonl"
    QString roleArn;           // the role AWS IoT uses to read the file and register the things
    int pollIntervalMs = 2'000;
    qint64 timeoutMs = 3'600'000;  // a task still in progress after this: rows left `sent`
};

struct BulkProgress
{
    QString taskId;
    QString status;  // InProgress, Completed, Failed, Cancelled, Cancelling
    int percentage = 0;
    int successCount = 0;
    int failureCount = 0;
};

struct BulkReport
{
    QString taskId;
    QString inputKey;
    int lines = 0;             // lines in the input file
    int registered = 0;        // lines in the RESULTS report
    int failed = 0;            // lines in the ERRORS report, plus units refused locally
    int failedLocally = 0;     // of those: the template could not take the unit (no line sent)
    int unreported = 0;        // lines in neither report: left `sent`, retried later
    int supersedesLeft = 0;    // rework retirements left to the per-unit sender
    std::vector<QString> problems;  // "thing-1: <reason>"
};

// Settings complete and the template usable for bulk (parses, declares CertificatePem).
[[nodiscard]] Status validateBulkSettings(const BulkSettings& settings);

[[nodiscard]] Result<BulkReport> runBulkRegistration(audit::SqlConnection& connection, cloud::AwsIotClient& client,
                                                     const BulkSettings& settings, const Clock& clock,
                                                     const std::function<void(const BulkProgress&)>& progress = {});

}  // namespace imprint::registration
