#include "core/batch/WorkOrderImport.h"

#include "core/audit/EventChain.h"
#include "core/audit/SqlConnection.h"
#include "core/audit/SqliteStatement.h"
#include "core/audit/UnitRecords.h"
#include "core/batch/ThingNameRule.h"

#include <QSqlQuery>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace imprint::batch {

namespace {

Status checkBatchName(audit::SqlConnection& connection, const QString& name)
{
    if (!isValidThingName(name))
        return Error(ErrorCode::InvalidInput, QStringLiteral("'%1' is not a batch name (1 to 128 of a-z A-Z 0-9 : _ -)")
                                                  .arg(name));
    auto existing = connection.one(QStringLiteral("SELECT id FROM batches WHERE name = ?"), {name},
                                   QStringLiteral("looking up batch %1").arg(name));
    if (!existing)
        return existing.error();
    if (existing.value())
        return Error(ErrorCode::AlreadyExists, QStringLiteral("batch '%1' already exists (id %2)")
                                                   .arg(name)
                                                   .arg(existing.value()->at(0).toLongLong()));
    return Status::success();
}

Result<qint64> insertBatch(audit::SqlConnection& connection, const QString& name, const QString& kind,
                           std::optional<qint64> quota, const QString& rule, const QString& source,
                           const audit::Actor& actor, const Clock& clock)
{
    auto inserted = connection.run(
        QStringLiteral("INSERT INTO batches (name, kind, quota, thing_name_rule, source_file, created_at, created_by) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)"),
        {name, kind, quota ? QVariant(*quota) : QVariant(QMetaType(QMetaType::LongLong)),
         rule.isEmpty() ? QVariant(QMetaType(QMetaType::QString)) : QVariant(rule),
         source.isEmpty() ? QVariant(QMetaType(QMetaType::QString)) : QVariant(source), audit::auditTime(clock.nowUtc()),
         actor.operatorName},
        QStringLiteral("creating batch %1").arg(name));
    if (!inserted)
        return inserted.error();
    return inserted.value()->lastInsertId().toLongLong();
}

// A refused insert is a duplicate: say of what, and where the first one is.
class DuplicateReporter
{
public:
    DuplicateReporter(audit::SqlConnection& connection, qint64 batchId)
        : m_connection(connection), m_batchId(batchId)
    {
    }

    // Every value of the row that is already taken, each as its own issue.
    std::vector<ImportIssue> describe(const WorkOrderRow& row, const QString& refusal)
    {
        struct Candidate { const char* column; const char* label; std::optional<QString> value; int position; };
        const Candidate candidates[] = {
            {"serial_number", "serial number", row.serialNumber, row.serialColumn},
            {"hardware_id", "hardware ID", row.hardwareId, row.hardwareIdColumn},
            {"thing_name", "thing name", row.thingName, row.thingNameColumn},
        };
        std::vector<ImportIssue> issues;
        for (const Candidate& candidate : candidates) {
            if (!candidate.value)
                continue;
            const QString column = QString::fromLatin1(candidate.column);
            if (auto found = where(column, QString::fromLatin1(candidate.label), *candidate.value))
                issues.push_back(ImportIssue{row.line, candidate.position, column, *found});
        }
        if (issues.empty())
            issues.push_back(ImportIssue{row.line, 0, QString(),
                                         QStringLiteral("the row was refused: %1").arg(refusal)});
        return issues;
    }

private:
    std::optional<QString> where(const QString& column, const QString& label, const QString& value)
    {
        auto first = m_connection.one(
            QStringLiteral("SELECT d.batch_id, d.line, b.name FROM batch_devices d JOIN batches b ON b.id = d.batch_id "
                           "WHERE d.%1 = ?").arg(column),
            {value}, QStringLiteral("finding the first %1 %2").arg(label, value));
        if (!first)
            return QStringLiteral("duplicate %1 '%2'").arg(label, value);
        if (!first.value())
            return std::nullopt;
        const QVariantList& c = *first.value();
        if (c[0].toLongLong() == m_batchId)
            return QStringLiteral("duplicate %1 '%2': already on line %3 of this file").arg(label, value).arg(c[1].toLongLong());
        return QStringLiteral("%1 '%2' is already in batch '%3'").arg(label, value, c[2].toString());
    }

    audit::SqlConnection& m_connection;
    qint64 m_batchId;
};

// Reading and checking the file runs on its own thread while this one inserts: the two costs
// overlap instead of adding up. Rows travel in chunks through a bounded queue (memory stays a
// few chunks); the reader's issues travel in the same queue, so every report is made on the
// inserting thread, in file order.
class RowPipe
{
public:
    struct Item
    {
        std::vector<WorkOrderRow> rows;
        std::optional<ImportIssue> issue;
    };
    static constexpr size_t kChunk = 256;
    static constexpr size_t kMaxQueued = 32;

    RowPipe(const QString& path, const ReadOptions& options)
    {
        m_reader = std::thread([this, path, options] {
            Item chunk;
            auto sendChunk = [this, &chunk] {
                if (!chunk.rows.empty())
                    push(std::move(chunk));
                chunk = Item{};
            };
            Status read = readWorkOrder(
                path, options,
                [&](const WorkOrderRow& row) {
                    chunk.rows.push_back(row);
                    if (chunk.rows.size() == kChunk)
                        sendChunk();
                },
                [&](const ImportIssue& issue) {
                    sendChunk();
                    push(Item{{}, issue});
                });
            sendChunk();
            const std::lock_guard lock(m_mutex);
            m_readStatus = std::move(read);
            m_finished = true;
            m_changed.notify_all();
        });
    }
    ~RowPipe()
    {
        {
            const std::lock_guard lock(m_mutex);
            m_cancelled = true;
            m_changed.notify_all();
        }
        m_reader.join();
    }
    RowPipe(const RowPipe&) = delete;
    RowPipe& operator=(const RowPipe&) = delete;

    // The next item, or nothing once the file is read.
    std::optional<Item> next()
    {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [this] { return !m_queue.empty() || m_finished; });
        if (m_queue.empty())
            return std::nullopt;
        Item item = std::move(m_queue.front());
        m_queue.pop_front();
        m_changed.notify_all();
        return item;
    }
    [[nodiscard]] Status readStatus()
    {
        const std::lock_guard lock(m_mutex);
        return m_readStatus;
    }

private:
    void push(Item item)
    {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [this] { return m_queue.size() < kMaxQueued || m_cancelled; });
        if (m_cancelled)
            return;  // the import stopped: read on to the end, keep nothing
        m_queue.push_back(std::move(item));
        m_changed.notify_all();
    }

    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::deque<Item> m_queue;
    bool m_finished = false;
    bool m_cancelled = false;
    Status m_readStatus = Status::success();
    std::thread m_reader;
};

// Inserts valid rows many per statement through the SQLite C API (the import's main cost after
// the disk was QVariant boxing per value). A refused statement is redone row by row so each
// duplicate is named.
class DeviceInserter
{
public:
    static constexpr int kRowsPerStatement = 64;
    static constexpr int kColumns = 9;

    static Result<std::unique_ptr<DeviceInserter>> create(audit::SqlConnection& connection, qint64 batchId,
                                                          const std::function<void(const ImportIssue&)>& issue)
    {
        auto db = audit::nativeHandle(connection);
        if (!db)
            return db.error();
        auto many = audit::SqliteStatement::prepare(db.value(), statement(kRowsPerStatement),
                                                    QStringLiteral("inserting work-order rows"));
        if (!many)
            return many.error();
        auto one = audit::SqliteStatement::prepare(db.value(), statement(1), QStringLiteral("inserting a work-order row"));
        if (!one)
            return one.error();
        return std::unique_ptr<DeviceInserter>(
            new DeviceInserter(connection, batchId, issue, std::move(many.value()), std::move(one.value())));
    }

    Status add(const WorkOrderRow& row)
    {
        m_pending.push_back(row);
        return static_cast<int>(m_pending.size()) == kRowsPerStatement ? flush() : Status::success();
    }

    Status flush()
    {
        if (m_pending.empty())
            return Status::success();
        if (static_cast<int>(m_pending.size()) == kRowsPerStatement) {
            for (size_t i = 0; i < m_pending.size(); ++i)
                bind(m_many, static_cast<int>(i) * kColumns, m_pending[i]);
            if (m_many.execute()) {
                m_inserted += kRowsPerStatement;
                m_pending.clear();
                return Status::success();
            }
        }
        for (const WorkOrderRow& row : m_pending) {
            bind(m_one, 0, row);
            const Status inserted = m_one.execute();
            if (inserted) {
                ++m_inserted;
                continue;
            }
            for (const ImportIssue& found : m_duplicates.describe(row, inserted.error().message()))
                m_issue(found);
        }
        m_pending.clear();
        return Status::success();
    }

    [[nodiscard]] qint64 inserted() const { return m_inserted; }

private:
    DeviceInserter(audit::SqlConnection& connection, qint64 batchId, const std::function<void(const ImportIssue&)>& issue,
                   audit::SqliteStatement many, audit::SqliteStatement one)
        : m_batchId(batchId), m_issue(issue), m_duplicates(connection, batchId), m_many(std::move(many)),
          m_one(std::move(one))
    {
        m_pending.reserve(kRowsPerStatement);
    }

    static QString statement(int rows)
    {
        QString sql = QStringLiteral("INSERT INTO batch_devices (batch_id, line, serial_number, hardware_id, thing_name, "
                                     "attributes, thing_groups, thing_type, template_parameters) VALUES ");
        for (int i = 0; i < rows; ++i)
            sql += i == 0 ? QStringLiteral("(?,?,?,?,?,?,?,?,?)") : QStringLiteral(",(?,?,?,?,?,?,?,?,?)");
        return sql;
    }

    void bind(audit::SqliteStatement& statement, int at, const WorkOrderRow& row) const
    {
        auto text = [&statement](int index, const std::optional<QString>& value) {
            if (value)
                statement.bind(index, *value);
            else
                statement.bindNull(index);
        };
        statement.bind(at + 1, m_batchId);
        statement.bind(at + 2, row.line);
        statement.bind(at + 3, row.serialNumber);
        text(at + 4, row.hardwareId);
        statement.bind(at + 5, row.thingName);
        text(at + 6, row.attributesJson);
        text(at + 7, row.thingGroupsJson);
        text(at + 8, row.thingType);
        text(at + 9, row.templateParametersJson);
    }

    qint64 m_batchId;
    const std::function<void(const ImportIssue&)>& m_issue;
    DuplicateReporter m_duplicates;
    audit::SqliteStatement m_many;
    audit::SqliteStatement m_one;
    std::vector<WorkOrderRow> m_pending;
    qint64 m_inserted = 0;
};

}  // namespace

Result<ImportSummary> importWorkOrder(audit::SqlConnection& connection, const QString& path,
                                      const ImportOptions& options, const Clock& clock,
                                      const std::function<void(const ImportIssue&)>& onIssue)
{
    if (options.actor.operatorName.isEmpty())
        return Error(ErrorCode::InvalidInput, QStringLiteral("an import needs the operator's name"));
    if (auto named = checkBatchName(connection, options.batchName); !named)
        return named.error();
    if (auto begun = connection.begin(QStringLiteral("starting the import")); !begun)
        return begun.error();
    auto fail = [&connection](Error error) -> Result<ImportSummary> {
        connection.rollback();
        return error;
    };
    auto batchId = insertBatch(connection, options.batchName, QStringLiteral("list"), std::nullopt,
                               options.thingNameRule, path, options.actor, clock);
    if (!batchId)
        return fail(batchId.error());

    ImportSummary summary;
    summary.batchId = batchId.value();
    const ReadOptions read{options.format, options.thingNameRule, options.batchName};
    const std::function<void(const ImportIssue&)> issue = [&summary, &onIssue](const ImportIssue& found) {
        ++summary.issues;
        onIssue(found);
    };
    auto made = DeviceInserter::create(connection, summary.batchId, issue);
    if (!made)
        return fail(made.error());
    DeviceInserter& inserter = *made.value();
    {
        RowPipe pipe(path, read);
        while (auto item = pipe.next()) {
            if (item->issue) {
                issue(*item->issue);
                continue;
            }
            for (const WorkOrderRow& device : item->rows) {
                if (auto added = inserter.add(device); !added)
                    return fail(added.error());
            }
        }
        if (auto flushed = inserter.flush(); !flushed)
            return fail(flushed.error());
        if (auto readStatus = pipe.readStatus(); !readStatus)
            return fail(readStatus.error());
    }
    summary.devices = inserter.inserted();
    if (summary.issues > 0)
        return fail(Error(ErrorCode::InvalidInput, QStringLiteral("%1 problem%2 in %3; nothing was imported")
                                                       .arg(summary.issues)
                                                       .arg(summary.issues == 1 ? QString() : QStringLiteral("s"), path)));
    if (summary.devices == 0)
        return fail(Error(ErrorCode::InvalidInput, QStringLiteral("%1 has no device rows; nothing was imported").arg(path)));
    if (auto counted = connection.run(QStringLiteral("UPDATE batches SET device_count = ? WHERE id = ?"),
                                      {summary.devices, summary.batchId}, QStringLiteral("counting the batch"));
        !counted)
        return fail(counted.error());
    audit::WriteContext context{connection, clock, options.station};
    auto event = audit::appendStationEventIn(context, options.actor, QStringLiteral("batch-imported"),
                                             QStringLiteral("ok"), summary.batchId,
                                             QStringLiteral("%1 devices from %2").arg(summary.devices).arg(path));
    if (!event)
        return fail(event.error());
    if (auto committed = connection.commit(QStringLiteral("committing the import")); !committed)
        return fail(committed.error());
    return summary;
}

Result<qint64> createOpenBatch(audit::SqlConnection& connection, const QString& name, qint64 quota,
                               const QString& thingNameRule, const audit::Actor& actor, const QString& station,
                               const Clock& clock)
{
    if (quota <= 0)
        return Error(ErrorCode::InvalidInput, QStringLiteral("an open batch needs a quota of at least 1 unit"));
    if (auto named = checkBatchName(connection, name); !named)
        return named.error();
    if (auto begun = connection.begin(QStringLiteral("creating an open batch")); !begun)
        return begun.error();
    auto batchId = insertBatch(connection, name, QStringLiteral("open"), quota, thingNameRule, QString(), actor, clock);
    if (!batchId) {
        connection.rollback();
        return batchId.error();
    }
    audit::WriteContext context{connection, clock, station};
    auto event = audit::appendStationEventIn(context, actor, QStringLiteral("batch-opened"), QStringLiteral("ok"),
                                             batchId.value(), QStringLiteral("quota %1").arg(quota));
    if (!event) {
        connection.rollback();
        return event.error();
    }
    if (auto committed = connection.commit(QStringLiteral("creating an open batch")); !committed) {
        connection.rollback();
        return committed.error();
    }
    return batchId.value();
}

}  // namespace imprint::batch
