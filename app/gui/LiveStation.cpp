#include "app/gui/LiveStation.h"

#include "core/audit/AuditBrowse.h"
#include "core/audit/SqlConnection.h"

#include <QFileInfo>
#include <QMetaObject>

namespace imprint::gui {

LiveStation::LiveStation(LiveStationOptions options, const Clock& clock, QObject* parent)
    : ui::StationControl(parent), m_options(std::move(options)), m_clock(clock)
{
    ui::registerStationTypes();
    connect(&m_feed, &ui::SlotFeed::changed, this, [this](const pipeline::SlotSnapshot& snapshot) {
        Q_EMIT slotChanged(snapshot);
        if (snapshot.phase == pipeline::SlotPhase::Stopped)
            Q_EMIT slotRunningChanged(snapshot.slot, false);
    });
    m_thread.setObjectName(QStringLiteral("station"));
    m_context = new QObject;
    m_context->moveToThread(&m_thread);
    m_thread.start();
    post(QString(), [this] {
        m_autoTimer = new QTimer(m_context);  // created on the station thread: it ticks there
        m_autoTimer->setInterval(300);
        connect(m_autoTimer, &QTimer::timeout, m_context, [this] { checkAutoSlots(); });
    });
    if (!m_options.batch.isEmpty())
        selectBatch(m_options.batch);
}

LiveStation::~LiveStation()
{
    // The session ends on its own thread, after the jobs already queued: it waits for the units
    // in progress, then the thread ends.
    QMetaObject::invokeMethod(
        m_context,
        [this] {
            if (m_autoTimer)
                m_autoTimer->stop();
            m_session.reset();
            m_thread.quit();
        },
        Qt::QueuedConnection);
    m_thread.wait();
    delete m_context;  // its thread has ended: nothing runs on it any more
}

void LiveStation::post(const QString& what, std::function<void()> job)
{
    if (!what.isEmpty())
        Q_EMIT busyChanged(true, what);
    QMetaObject::invokeMethod(
        m_context,
        [this, what, job = std::move(job)] {
            job();
            if (!what.isEmpty())
                Q_EMIT busyChanged(false, what);
        },
        Qt::QueuedConnection);
}

bool LiveStation::ensureSession()
{
    if (m_options.session.actor.operatorName.isEmpty()) {
        Q_EMIT problem(tr("nobody is logged in: scan your operator badge first"));
        return false;
    }
    if (!m_session) {
        auto session = station::StationSession::open(m_options.session, m_prompt.get(), m_clock);
        if (!session) {
            Q_EMIT problem(session.error().message());
            return false;
        }
        m_session = std::move(session.value());
    }
    if (m_batch.isEmpty()) {
        Q_EMIT problem(tr("no batch is selected: import a work order first (Ctrl+I)"));
        return false;
    }
    if (auto selected = m_session->selectBatch(m_batch); !selected) {
        Q_EMIT problem(selected.error().message());
        return false;
    }
    return true;
}

std::optional<pipeline::SlotConfig> LiveStation::slotConfig(int slot) const
{
    for (const auto& config : m_options.slots) {
        if (config.slot == slot)
            return config;
    }
    return std::nullopt;
}

void LiveStation::startSlots(const QList<int>& slots)
{
    post(tr("Starting %n slot(s)…", nullptr, int(slots.size())), [this, slots] {
        for (int slot : slots) {
            if (!startOne(slot))
                return;
        }
    });
}

bool LiveStation::startOne(int slot)
{
    if (!ensureSession())
        return false;
    const auto config = slotConfig(slot);
    if (!config || m_session->slotRunning(slot))
        return true;
    if (Status started = m_session->startSlot(*config, &m_feed); !started) {
        Q_EMIT problem(started.error().message());
        return true;  // this slot cannot; the others may
    }
    Q_EMIT slotRunningChanged(slot, true);
    return true;
}

void LiveStation::stopSlots(const QList<int>& slots)
{
    post(tr("Stopping %n slot(s) after their current unit…", nullptr, int(slots.size())), [this, slots] {
        for (int slot : slots)
            clearAuto(slot);  // stopped by hand: it must not start again by itself
        if (!m_session)
            return;
        for (int slot : slots)
            m_session->stopSlot(slot);
        for (int slot : slots)
            Q_EMIT slotRunningChanged(slot, false);
    });
}

void LiveStation::importWorkOrder(const ui::ImportRequest& request)
{
    post(tr("Importing %1…").arg(request.path), [this, request] {
        batch::ImportOptions options;
        options.batchName = request.batchName.isEmpty() ? QFileInfo(request.path).completeBaseName() : request.batchName;
        options.thingNameRule = request.thingNameRule;
        options.format = batch::formatForPath(request.path);
        options.actor = m_options.session.actor;
        options.station = m_options.session.stationName;
        ui::ImportResult result;
        result.batchName = options.batchName;
        auto imported = station::importWorkOrderFile(m_options.session.database, request.path, options, m_clock,
                                                     [&](const batch::ImportIssue& issue) { result.issues.append(issue); });
        if (!imported) {
            result.message = imported.error().message();
        } else {
            result.ok = true;
            result.devices = imported->devices;
            m_batch = QString::number(imported->batchId);
        }
        Q_EMIT importFinished(result);
        if (result.ok)
            readBatch();
    });
}

void LiveStation::selectBatch(const QString& batch)
{
    post(QString(), [this, batch] {
        m_batch = batch;
        readBatch();
    });
}

void LiveStation::refreshBatch()
{
    // Many units may end at once: one reading answers them all.
    if (m_refreshQueued.exchange(true))
        return;
    post(QString(), [this] {
        m_refreshQueued = false;
        readBatch();
    });
}

void LiveStation::readBatch()
{
    if (m_batch.isEmpty())
        return;
    auto connection = audit::SqlConnection::open(m_options.session.database);
    if (!connection) {
        Q_EMIT problem(connection.error().message());
        return;
    }
    auto found = audit::findBatch(*connection.value(), m_batch);
    if (!found) {
        Q_EMIT problem(found.error().message());
        return;
    }
    stopSlotsIfJustCompleted(found.value());
    Q_EMIT batchChanged(found.value());
}

void LiveStation::stopSlotsIfJustCompleted(const audit::BatchSummary& batch)
{
    // The work order has just been completed: the running slots stop, so no device is taken
    // past the quota. Once per batch: a slot started again on the full batch stays on, so its
    // tile can say why it refuses and offer the quota override, and a batch a supervisor let
    // past its quota goes on.
    if (!audit::batchComplete(batch)) {
        if (m_completedBatch == batch.id)
            m_completedBatch.reset();
        return;
    }
    if (m_completedBatch == batch.id)
        return;
    m_completedBatch = batch.id;
    QList<int> running;
    for (const auto& slot : m_options.slots) {
        if (m_session && m_session->slotRunning(slot.slot))
            running.append(slot.slot);
    }
    if (running.isEmpty())
        return;
    Q_EMIT notice(tr("Batch '%1' is complete: every slot stops.").arg(batch.name));
    stopSlots(running);
}

void LiveStation::checkOperator(quint64 ticket, const QString& id)
{
    post(QString(), [this, ticket, id] {
        ui::OperatorCheck check;
        check.ticket = ticket;
        check.id = id;
        auto connection = audit::SqlConnection::open(m_options.session.database);
        auto role = connection ? audit::operatorRole(*connection.value(), id) : Result<QString>(connection.error());
        if (role)
            check.role = role.value();
        else
            check.message = role.error().message();
        Q_EMIT operatorChecked(check);
    });
}

void LiveStation::setOperatorPrompt(std::shared_ptr<OperatorPrompt> prompt)
{
    post(QString(), [this, prompt = std::move(prompt)]() mutable { m_prompt = std::move(prompt); });
}

void LiveStation::setOperator(const QString& id)
{
    post(QString(), [this, id] {
        if (m_options.session.actor.operatorName == id)
            return;
        m_options.session.actor = {id, std::nullopt};
        // The session carries its operator into every run it starts: the next start opens a
        // new one for this person (the slots were stopped when the last one logged out).
        m_session.reset();
        if (id.isEmpty()) {
            for (int slot : std::set<int>(m_autoSlots))
                clearAuto(slot);
        }
    });
}

void LiveStation::approveRework(int slot, const QString& supervisorId)
{
    post(QString(), [this, slot, supervisorId] {
        if (!m_session || !m_session->slotRunning(slot)) {
            Q_EMIT reworkAnswered(slot, false, tr("slot %1 is not running").arg(slot + 1));
            return;
        }
        const Status approved = m_session->approveRework(slot, supervisorId);
        Q_EMIT reworkAnswered(slot, approved.ok(), approved ? QString() : approved.error().message());
    });
}

void LiveStation::approveQuotaOverride(int slot, const QString& supervisorId)
{
    post(QString(), [this, slot, supervisorId] {
        if (!ensureSession()) {
            Q_EMIT quotaOverrideAnswered(slot, false, tr("the station is not ready: log in and select a batch"));
            return;
        }
        const Status approved = m_session->approveQuotaOverride(supervisorId);
        Q_EMIT quotaOverrideAnswered(slot, approved.ok(), approved ? QString() : approved.error().message());
    });
}

void LiveStation::submitLabel(std::optional<int> slot, const QString& label)
{
    post(QString(), [this, slot, label] {
        if (!m_session) {
            Q_EMIT problem(tr("label %1 was not taken: no slot is running").arg(label));
            return;
        }
        if (slot)
            m_session->submitLabel(*slot, label);
        else
            m_session->submitLabelToNextWaiting(label);
    });
}

void LiveStation::setAutoStart(int slot, bool automatic)
{
    post(QString(), [this, slot, automatic] {
        if (!automatic) {
            clearAuto(slot);
            return;
        }
        m_autoSlots.insert(slot);
        if (m_autoTimer && !m_autoTimer->isActive())
            m_autoTimer->start();
        checkAutoSlots();
    });
}

void LiveStation::clearAuto(int slot)
{
    const bool was = m_autoSlots.erase(slot) > 0;
    m_autoWaiting.erase(slot);
    if (m_autoSlots.empty() && m_autoTimer)
        m_autoTimer->stop();
    if (was) {
        Q_EMIT autoStartWaiting(slot, false);
        Q_EMIT autoStartChanged(slot, false);
    }
}

void LiveStation::checkAutoSlots()
{
    for (int slot : std::set<int>(m_autoSlots)) {
        const auto config = slotConfig(slot);
        if (!config || (m_session && m_session->slotRunning(slot))) {
            if (m_autoWaiting.erase(slot) > 0)
                Q_EMIT autoStartWaiting(slot, false);
            continue;
        }
        // A pseudo-terminal's link, or the device node a USB adapter makes when plugged in.
        if (!QFileInfo::exists(config->port)) {
            if (m_autoWaiting.insert(slot).second)
                Q_EMIT autoStartWaiting(slot, true);
            continue;
        }
        m_autoWaiting.erase(slot);
        Q_EMIT autoStartWaiting(slot, false);
        if (!startOne(slot) || !m_session || !m_session->slotRunning(slot))
            clearAuto(slot);  // it cannot start (why went to problem): no retry every tick
    }
}

void LiveStation::ensureDevelopmentCa(const QString& module)
{
    post(tr("Preparing the development token and CA…"), [this, module] {
        if (Status ready = station::ensureDevelopmentCa(module, m_clock); !ready)
            Q_EMIT problem(ready.error().message());
    });
}

}  // namespace imprint::gui
