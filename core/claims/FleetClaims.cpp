#include "core/claims/FleetClaims.h"

#include "core/audit/AuditStore.h"
#include "core/audit/AuditTypes.h"
#include "core/audit/SqlConnection.h"
#include "core/cloud/AwsIotClient.h"

#include <QDir>
#include <QFile>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlQuery>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace imprint::claims {

namespace {

const QString kCreateStep = QStringLiteral("claim-create");
const QString kDeactivateStep = QStringLiteral("claim-deactivate");

// The private key leaves AWS's answer as JSON text; copy it into SecureBytes at once.
SecureBytes privateKeyOf(const QJsonObject& answer)
{
    const QByteArray key = answer.value(QStringLiteral("keyPair")).toObject().value(QStringLiteral("PrivateKey")).toString().toUtf8();
    return {key.constData(), static_cast<std::size_t>(key.size())};
}

// CreateKeysAndCertificate is not in the client's operation table: sent on its transport as the
// model defines it (POST /keys-and-certificate?setAsActive=true).
Result<QJsonObject> createKeysAndCertificate(cloud::AwsIotClient& client)
{
    cloud::AwsRestRequest request;
    request.operation = QStringLiteral("CreateKeysAndCertificate");
    request.method = "POST";
    request.path = "/keys-and-certificate";
    request.query = {{"setAsActive", "true"}};
    std::optional<Result<cloud::AwsResponse>> answer;
    QEventLoop loop;
    client.iotTransport().send(std::move(request), [&](Result<cloud::AwsResponse> response) {
        answer.emplace(std::move(response));
        loop.quit();
    });
    if (!answer)
        loop.exec();
    if (!*answer)
        return answer->error();
    QByteArray& body = answer->value().body;
    const QJsonDocument document = QJsonDocument::fromJson(body);
    body.fill('\0');  // it held the private key
    if (!document.isObject())
        return Error(ErrorCode::CloudRejected, QStringLiteral("CreateKeysAndCertificate: the answer is not a JSON object"));
    return document.object();
}

Result<IssuedClaim> fromAnswer(const QJsonObject& answer, const QString& what)
{
    IssuedClaim claim;
    claim.certificateId = answer.value(QStringLiteral("certificateId")).toString();
    claim.certificatePem = answer.value(QStringLiteral("certificatePem")).toString();
    claim.privateKeyPem = privateKeyOf(answer);
    if (claim.certificateId.isEmpty() || claim.certificatePem.isEmpty() || claim.privateKeyPem.isEmpty())
        return Error(ErrorCode::CloudRejected,
                     QStringLiteral("%1: the answer lacks certificateId, certificatePem or keyPair.PrivateKey").arg(what));
    return claim;
}

Result<IssuedClaim> createFleetClaim(cloud::AwsIotClient& client, const QString& templateName)
{
    auto answer = createKeysAndCertificate(client);
    if (!answer)
        return answer.error();
    auto claim = fromAnswer(answer.value(), QStringLiteral("CreateKeysAndCertificate"));
    if (!claim)
        return claim.error();
    const QString arn = answer->value(QStringLiteral("certificateArn")).toString();
    claim->policyName = claimPolicyName(templateName);
    auto policy = cloud::waitFor([&](cloud::JsonCallback done) {
        client.createPolicy(claim->policyName, claimPolicyDocument(templateName), std::move(done));
    });
    if (!policy && policy.error().code() != ErrorCode::AlreadyExists)
        return policy.error().withContext(QStringLiteral("claim %1: CreatePolicy %2").arg(claim->certificateId, claim->policyName));
    auto attached = cloud::waitFor([&](cloud::JsonCallback done) { client.attachPolicy(claim->policyName, arn, std::move(done)); });
    if (!attached)
        return attached.error().withContext(QStringLiteral("claim %1: AttachPolicy %2").arg(claim->certificateId, claim->policyName));
    return claim;
}

Result<IssuedClaim> createTrustedUserClaim(cloud::AwsIotClient& client, const QString& templateName)
{
    auto answer = cloud::waitFor([&](cloud::JsonCallback done) { client.createProvisioningClaim(templateName, std::move(done)); });
    if (!answer)
        return answer.error();
    auto claim = fromAnswer(answer.value(), QStringLiteral("CreateProvisioningClaim"));
    if (!claim)
        return claim.error();
    const QJsonValue expiration = answer->value(QStringLiteral("expiration"));
    if (!expiration.isDouble())
        return Error(ErrorCode::CloudRejected, QStringLiteral("CreateProvisioningClaim: the answer has no expiration"));
    claim->expiresAt = QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(expiration.toDouble() * 1000.0), Qt::UTC);
    return claim;
}

Status writeNew(const QString& path, const char* data, std::size_t size, mode_t mode)
{
    const QByteArray native = QFile::encodeName(path);
    const int fd = ::open(native.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return Error(ErrorCode::Io, QStringLiteral("cannot create %1: %2").arg(path, QString::fromLocal8Bit(strerror(errno))));
    std::size_t written = 0;
    while (written < size) {
        const ssize_t n = ::write(fd, data + written, size - written);
        if (n <= 0) {
            const QString reason = QString::fromLocal8Bit(strerror(errno));
            ::close(fd);
            return Error(ErrorCode::Io, QStringLiteral("cannot write %1: %2").arg(path, reason));
        }
        written += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0)
        return Error(ErrorCode::Io, QStringLiteral("cannot finish %1: %2").arg(path, QString::fromLocal8Bit(strerror(errno))));
    return {};
}

// "certificate=<id> template=<name> via=<keys|trusted-user> expires=<ISO time|never>"
QHash<QString, QString> fieldsOf(const QString& outcome)
{
    QHash<QString, QString> fields;
    for (const QString& part : outcome.split(u' ', Qt::SkipEmptyParts)) {
        const qsizetype equals = part.indexOf(u'=');
        if (equals > 0)
            fields.insert(part.left(equals), part.mid(equals + 1));
    }
    return fields;
}

}  // namespace

QString claimViaName(ClaimVia via)
{
    return via == ClaimVia::Keys ? QStringLiteral("keys") : QStringLiteral("trusted-user");
}

Result<ClaimVia> parseClaimVia(const QString& name)
{
    if (name == QStringLiteral("keys"))
        return ClaimVia::Keys;
    if (name == QStringLiteral("trusted-user"))
        return ClaimVia::TrustedUser;
    return Error(ErrorCode::InvalidInput, QStringLiteral("--via: '%1' is neither keys nor trusted-user").arg(name));
}

QString claimPolicyName(const QString& templateName) { return QStringLiteral("imprint-claim-") + templateName; }

QString claimPolicyDocument(const QString& templateName)
{
    const QString arn = QStringLiteral("arn:aws:iot:*:*:");
    QJsonArray topics;
    QJsonArray filters;
    for (const QString& topic : {QStringLiteral("$aws/certificates/create/*"), QStringLiteral("$aws/certificates/create-from-csr/*"),
                                 QStringLiteral("$aws/provisioning-templates/%1/provision/*").arg(templateName)}) {
        topics.append(QString(arn + QStringLiteral("topic/") + topic));
        filters.append(QString(arn + QStringLiteral("topicfilter/") + topic));
    }
    const auto statement = [](const QJsonValue& actions, const QJsonValue& resources) {
        return QJsonObject{{QStringLiteral("Effect"), QStringLiteral("Allow")},
                           {QStringLiteral("Action"), actions},
                           {QStringLiteral("Resource"), resources}};
    };
    const QJsonArray statements{
        statement(QStringLiteral("iot:Connect"), QStringLiteral("*")),
        statement(QJsonArray{QStringLiteral("iot:Publish"), QStringLiteral("iot:Receive")}, topics),
        statement(QStringLiteral("iot:Subscribe"), filters)};
    return QString::fromUtf8(
        QJsonDocument(QJsonObject{{QStringLiteral("Version"), QStringLiteral("2012-10-17")}, {QStringLiteral("Statement"), statements}})
            .toJson(QJsonDocument::Compact));
}

Result<IssuedClaim> createClaim(cloud::AwsIotClient& client, const QString& templateName, ClaimVia via)
{
    if (templateName.isEmpty())
        return Error(ErrorCode::InvalidInput, QStringLiteral("a claim needs a provisioning template name (--template)"));
    auto claim = via == ClaimVia::Keys ? createFleetClaim(client, templateName) : createTrustedUserClaim(client, templateName);
    if (!claim)
        return claim.error();
    claim->templateName = templateName;
    claim->via = via;
    return claim;
}

Result<ClaimFiles> writeClaimFiles(const IssuedClaim& claim, const QString& directory)
{
    if (!QDir().mkpath(directory))
        return Error(ErrorCode::Io, QStringLiteral("cannot create directory %1").arg(directory));
    const QString stem = QDir(directory).filePath(QStringLiteral("claim-") + claim.certificateId.left(12));
    ClaimFiles files{stem + QStringLiteral(".crt"), stem + QStringLiteral(".key")};
    const QByteArray certificate = claim.certificatePem.toUtf8();
    if (auto written = writeNew(files.certificatePath, certificate.constData(), static_cast<std::size_t>(certificate.size()), 0644);
        !written)
        return written.error();
    if (auto written = writeNew(files.keyPath, claim.privateKeyPem.data(), claim.privateKeyPem.size(), 0600); !written)
        return written.error();
    return files;
}

Status recordClaimCreated(audit::AuditStore& store, const audit::Actor& actor, const IssuedClaim& claim)
{
    const QString expires = claim.expiresAt ? claim.expiresAt->toUTC().toString(Qt::ISODate) : QStringLiteral("never");
    return store.appendStationEvent(actor, kCreateStep,
                                    QStringLiteral("certificate=%1 template=%2 via=%3 expires=%4")
                                        .arg(claim.certificateId, claim.templateName, claimViaName(claim.via), expires));
}

Status recordClaimDeactivated(audit::AuditStore& store, const audit::Actor& actor, const QString& certificateId)
{
    return store.appendStationEvent(actor, kDeactivateStep, QStringLiteral("certificate=%1 status=INACTIVE").arg(certificateId));
}

Result<std::vector<ClaimRecord>> listClaims(audit::SqlConnection& connection, const QDateTime& now)
{
    auto query = connection.run(QStringLiteral("SELECT step, outcome, at, operator, supervisor FROM events "
                                               "WHERE unit_id IS NULL AND step IN (?, ?) ORDER BY id"),
                                {kCreateStep, kDeactivateStep}, QStringLiteral("listing the claims"));
    if (!query)
        return query.error();
    std::vector<ClaimRecord> claims;
    QHash<QString, std::size_t> index;
    while (query.value()->next()) {
        const QHash<QString, QString> fields = fieldsOf(query.value()->value(1).toString());
        const QString id = fields.value(QStringLiteral("certificate"));
        if (query.value()->value(0).toString() == kCreateStep) {
            ClaimRecord record;
            record.certificateId = id;
            record.templateName = fields.value(QStringLiteral("template"));
            record.via = fields.value(QStringLiteral("via"));
            const QDateTime expires = QDateTime::fromString(fields.value(QStringLiteral("expires")), Qt::ISODate);
            if (expires.isValid())
                record.expiresAt = expires;
            record.createdAt = query.value()->value(2).toString();
            record.createdBy = query.value()->value(3).toString();
            index.insert(id, claims.size());
            claims.push_back(std::move(record));
        } else if (auto found = index.find(id); found != index.end()) {
            claims[*found].deactivatedAt = query.value()->value(2).toString();
            claims[*found].deactivatedBy = query.value()->value(4).toString();
        }
    }
    for (auto& claim : claims) {
        if (!claim.deactivatedAt.isEmpty())
            claim.state = QStringLiteral("inactive");
        else if (claim.expiresAt && *claim.expiresAt <= now)
            claim.state = QStringLiteral("expired");
        else
            claim.state = QStringLiteral("active");
    }
    return claims;
}

}  // namespace imprint::claims
