#include "core/registration/OutboxSender.h"

#include "core/Log.h"
#include "core/audit/EventChain.h"
#include "core/cloud/AwsIotClient.h"
#include "core/registration/UnitParameters.h"
#include "core/template/CertificateParameters.h"

#include <QEventLoop>
#include <QRandomGenerator>

namespace imprint::registration {

bool isTransient(const Error& error)
{
    return error.code() == ErrorCode::Network || error.code() == ErrorCode::Throttled ||
           error.code() == ErrorCode::Timeout;
}

OutboxSender::OutboxSender(audit::SqlConnection& connection, cloud::AwsIotClient& client, SenderSettings settings,
                           const Clock& clock, std::function<double()> random, QObject* parent)
    : QObject(parent), m_connection(connection), m_client(client), m_settings(std::move(settings)), m_clock(clock),
      m_random(random ? std::move(random) : std::function<double()>([] { return QRandomGenerator::global()->generateDouble(); }))
{
    if (m_settings.mode == SendMode::RegisterThing) {
        auto parsed = provisioning::ProvisioningTemplate::parse(m_settings.templateBody);
        if (parsed)
            m_template = std::move(parsed.value());
    }
}

QString OutboxSender::now() const
{
    return audit::auditTime(m_clock.nowUtc());
}

// Equal jitter: at least half the ceiling, so a row that just failed is never tried at once.
QString OutboxSender::retryTime(int attempts) const
{
    const qint64 ceiling = m_settings.backoff.ceilingMs(std::max(0, attempts - 1));
    const auto wait = ceiling / 2 + static_cast<qint64>(m_random() * static_cast<double>(ceiling / 2));
    return audit::auditTime(m_clock.nowUtc().addMSecs(wait));
}

void OutboxSender::runPass(std::function<void(Result<PassReport>)> done)
{
    if (m_done) {
        done(Error(ErrorCode::Internal, QStringLiteral("a cloud registration pass is already running")));
        return;
    }
    if (auto valid = validateSettings(m_settings); !valid) {
        done(valid.error());
        return;
    }
    m_report = {};
    m_databaseError.reset();
    m_rows.clear();
    m_next = 0;
    if (m_settings.mode == SendMode::DeviceRegisters || m_settings.mode == SendMode::None) {
        // Nothing is sent per unit: report what waits for the devices' first connections.
        auto rows = audit::dueOutboxRows(m_connection, now(), m_settings.rowsPerPass, true);
        if (!rows) {
            done(rows.error());
            return;
        }
        m_report.skipped = static_cast<int>(rows->size());
        done(m_report);
        return;
    }
    auto rows = audit::dueOutboxRows(m_connection, now(), m_settings.rowsPerPass, m_settings.ignoreBackoff);
    if (!rows) {
        done(rows.error());
        return;
    }
    m_rows = std::move(rows.value());
    m_report.due = static_cast<int>(m_rows.size());
    m_done = std::move(done);
    launchMore();
    finishIfIdle();
}

Result<PassReport> OutboxSender::runPassAndWait()
{
    std::optional<Result<PassReport>> answer;
    QEventLoop loop;
    runPass([&](Result<PassReport> report) {
        answer.emplace(std::move(report));
        loop.quit();
    });
    if (!answer)
        loop.exec();
    return std::move(*answer);
}

void OutboxSender::launchMore()
{
    while (!m_databaseError && m_inFlight < m_settings.maxInFlight && m_next < m_rows.size())
        start(m_rows[m_next++]);
}

void OutboxSender::finishIfIdle()
{
    if (m_inFlight > 0 || (!m_databaseError && m_next < m_rows.size()) || !m_done)
        return;
    auto done = std::move(m_done);
    m_done = nullptr;
    if (m_databaseError)
        done(*m_databaseError);
    else
        done(m_report);
}

void OutboxSender::recordDatabaseError(const Error& error)
{
    if (!m_databaseError)
        m_databaseError = error;
}

void OutboxSender::start(const audit::OutboxRow& row)
{
    const bool tried = row.attempts > 0;
    if (row.certificatePem.isEmpty()) {
        settle(row, Error(ErrorCode::InvalidInput, QStringLiteral("no certificate recorded for this registration")));
        return;
    }
    auto certificateId = provisioning::certificateIdOfPem(row.certificatePem.toUtf8());
    if (!certificateId) {
        settle(row, certificateId.error());
        return;
    }
    QHash<QString, QString> parameters;
    if (row.action == QStringLiteral("register") && m_settings.mode == SendMode::RegisterThing) {
        // Rendered here first: a template that cannot take this unit fails without a request.
        auto rendered = templateParameters(row, certificateId.value());
        if (!rendered) {
            settle(row, rendered.error());
            return;
        }
        parameters = std::move(rendered.value());
    }
    if (auto marked = audit::markOutboxAttempt(m_connection, row.id, now(), retryTime(row.attempts + 1)); !marked) {
        recordDatabaseError(marked.error());
        return;
    }
    ++m_inFlight;
    m_report.peakInFlight = std::max(m_report.peakInFlight, m_inFlight);
    auto done = [this, row](Outcome outcome) {
        --m_inFlight;
        settle(row, outcome);
        launchMore();
        finishIfIdle();
    };
    if (row.action == QStringLiteral("supersede"))
        retire(row, done);
    else if (m_settings.mode == SendMode::PreRegisterCertificate)
        preRegister(row, done);
    else if (tried)
        reconcileThenRegister(row, certificateId.value(), parameters, done);
    else
        registerThing(row, parameters, done);
}

void OutboxSender::settle(const audit::OutboxRow& row, const Outcome& outcome)
{
    const QString at = now();
    Status recorded;
    if (outcome.ok()) {
        recorded = audit::markOutboxRegistered(m_connection, row.id, at);
        ++m_report.registered;
        if (outcome.value())
            ++m_report.reconciled;
    } else if (isTransient(outcome.error())) {
        recorded = audit::markOutboxRetry(m_connection, row.id, at, retryTime(row.attempts + 1), outcome.error().message());
        ++m_report.retrying;
        m_report.problems.push_back(row.thingName + QStringLiteral(": ") + outcome.error().message());
    } else {
        recorded = audit::markOutboxFailed(m_connection, row.id, at, outcome.error().message());
        ++m_report.failed;
        m_report.problems.push_back(row.thingName + QStringLiteral(": ") + outcome.error().message());
    }
    if (!recorded)
        recordDatabaseError(recorded.error());
    qCDebug(lcCloud) << "outbox row" << row.id << row.thingName << (outcome.ok() ? "registered" : "not registered");
}

Result<QHash<QString, QString>> OutboxSender::templateParameters(const audit::OutboxRow& row,
                                                                 const QString& certificateId) const
{
    if (!m_template)
        return Error(ErrorCode::InvalidInput, QStringLiteral("the RegisterThing template does not parse"));
    auto parameters = unitTemplateParameters(*m_template, row, certificateId);
    if (!parameters)
        return parameters.error().withContext(QStringLiteral("RegisterThing"));
    return parameters;
}

void OutboxSender::registerThing(const audit::OutboxRow& row, const QHash<QString, QString>& parameters,
                                 OutcomeCallback done)
{
    Q_UNUSED(row)
    m_client.registerThing(QString::fromUtf8(m_settings.templateBody), parameters,
                           [done = std::move(done)](Result<QJsonObject> answer) {
                               if (answer)
                                   done(false);
                               else
                                   done(answer.error());
                           });
}

// A row tried before may have been registered by a request whose answer was never recorded: if
// its certificate and thing both exist, it is done; otherwise RegisterThing (idempotent for one
// certificate) completes it.
void OutboxSender::reconcileThenRegister(const audit::OutboxRow& row, const QString& certificateId,
                                         const QHash<QString, QString>& parameters, OutcomeCallback done)
{
    m_client.describeCertificate(certificateId, [this, row, parameters, done](Result<QJsonObject> certificate) {
        if (!certificate && certificate.error().code() != ErrorCode::NotFound) {
            done(certificate.error());
            return;
        }
        if (!certificate) {
            registerThing(row, parameters, done);
            return;
        }
        m_client.describeThing(row.thingName, [this, row, parameters, done](Result<QJsonObject> thing) {
            if (thing)
                done(true);
            else if (thing.error().code() == ErrorCode::NotFound)
                registerThing(row, parameters, done);
            else
                done(thing.error());
        });
    });
}

// JITR pre-registration: the certificate ACTIVE under the registered CA, so the device's first
// connection is accepted without an activation step. Already there: done (same DER, same id).
void OutboxSender::preRegister(const audit::OutboxRow& row, OutcomeCallback done)
{
    m_client.registerCertificate(row.certificatePem, QString::fromUtf8(m_settings.caCertificatePem),
                                 QStringLiteral("ACTIVE"), [done = std::move(done)](Result<QJsonObject> answer) {
                                     if (answer)
                                         done(false);
                                     else if (answer.error().code() == ErrorCode::AlreadyExists)
                                         done(true);
                                     else
                                         done(answer.error());
                                 });
}

// A superseded unit's certificate is deactivated; one the cloud never knew needs nothing.
void OutboxSender::retire(const audit::OutboxRow& row, OutcomeCallback done)
{
    auto certificateId = provisioning::certificateIdOfPem(row.certificatePem.toUtf8());
    m_client.updateCertificate(certificateId.value(), QStringLiteral("INACTIVE"),
                               [done = std::move(done)](Result<QJsonObject> answer) {
                                   if (answer || answer.error().code() == ErrorCode::NotFound)
                                       done(false);
                                   else
                                       done(answer.error());
                               });
}

}  // namespace imprint::registration
