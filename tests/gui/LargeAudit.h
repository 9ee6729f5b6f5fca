#pragma once

// A large audit database made in a second or two with SQL alone (recursive CTEs inside SQLite),
// for the audit view's test and paging benchmark: `units` units over `batches` batches, every
// tenth one failed, one per second from 2026-01-01T00:00:00Z; the newest unit also has a
// certificate and a short hash-chained event timeline (written through the audit's own
// appendEvent, so the chain verifies).

#include <QString>

namespace imprint::test {

struct LargeAudit
{
    qint64 units = 0;
    qint64 newestUnit = 0;
    qint64 timelineEvents = 0;  // events of the newest unit
    QString certificateSubject;
    QString fingerprintSha256;  // lower-case hex
};

// Empty on success (fills `made`), else why not.
[[nodiscard]] QString makeLargeAudit(const QString& path, qint64 units, int batches, LargeAudit& made);

// `events` events made with SQL (not hash-chained: for browsing, not verification), one per
// second from 2026-02-01T00:00:00Z, event i (1-based) being:
//   step      begin, identify, issue-certificate, write-certificate, unit  (by (i - 1) % 5)
//   outcome   failed when i % 50 == 0, else passed for the unit step, else ok
//   serial    SN-<(i + 4) / 5, 7 digits>; operator tech-<i % 3>; supervisor sup-1 when i % 1000 == 0
//   batch     (i - 1) % `batches` + 1; error "the device did not answer in time" when failed
// Empty on success, else why not.
[[nodiscard]] QString makeLargeEventLog(const QString& path, qint64 events, int batches);

}  // namespace imprint::test
