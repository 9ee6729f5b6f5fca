#include "core/claims/FleetClaims.h"

#include "core/audit/AuditStore.h"
#include "core/audit/AuditTypes.h"
#include "core/audit/SqlConnection.h"
#include "core/ca/CertificateIssuer.h"
#include "core/cloud/AwsIotClient.h"
#include "core/crypto/OpenSslError.h"
#include "core/crypto/OpenSslTypes.h"
#include "core/template/CertificateParameters.h"

#include <QDir>
#include <QFile>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QSqlQuery>

#include <openssl/bio.h>
#include <openssl/pem.h>


#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace imprint::claims {

namespace {

const QString kCreateStep = QStringLiteral("claim-create");
const QString kDeactivateStep = QStringLiteral("claim-deactivate");
const QString kIssueStep = QStringLiteral("claim-issue");

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

// The claim policy of the template, created (an existing one is kept) and attached to the claim.
Status attachClaimPolicy(cloud::AwsIotClient& client, IssuedClaim& claim, const QString& certificateArn, const QString& templateName)
{
    claim.policyName = claimPolicyName(templateName);
    auto policy = cloud::waitFor([&](cloud::JsonCallback done) {
        client.createPolicy(claim.policyName, claimPolicyDocument(templateName), std::move(done));
    });
    if (!policy && policy.error().code() != ErrorCode::AlreadyExists)
        return policy.error().withContext(QStringLiteral("claim %1: CreatePolicy %2").arg(claim.certificateId, claim.policyName));
    auto attached = cloud::waitFor([&](cloud::JsonCallback done) { client.attachPolicy(claim.policyName, certificateArn, std::move(done)); });
    if (!attached)
        return attached.error().withContext(QStringLiteral("claim %1: AttachPolicy %2").arg(claim.certificateId, claim.policyName));
    return {};
}

// The claim exists in AWS, ACTIVE, but without its policy, and its key is about to be dropped:
// it is set INACTIVE so that no usable-looking certificate is left behind. The error says
// whether that worked, so the operator knows whether anything is left to clean up.
Error withdrawClaim(cloud::AwsIotClient& client, const IssuedClaim& claim, const Error& failure)
{
    auto deactivated = cloud::waitFor([&](cloud::JsonCallback done) {
        client.updateCertificate(claim.certificateId, QStringLiteral("INACTIVE"), std::move(done));
    });
    if (!deactivated)
        return failure.withContext(QStringLiteral("the claim certificate %1 was made in AWS but is not usable, and setting it "
                                                  "INACTIVE failed too (%2): deactivate it in AWS")
                                       .arg(claim.certificateId, deactivated.error().message()));
    return failure.withContext(
        QStringLiteral("the claim certificate %1 was made in AWS but is not usable: it is now INACTIVE").arg(claim.certificateId));
}

// PKCS#8 DER as PEM, written by OpenSSL's PEM encoder into a secure-heap memory BIO (cleansed
// when freed) and copied from there into SecureBytes only: no QByteArray copy of the key is made.
Result<SecureBytes> privateKeyPem(const SecureBytes& der)
{
    crypto::BioPtr bio(BIO_new(BIO_s_secmem()));
    if (!bio || PEM_write_bio(bio.get(), PEM_STRING_PKCS8INF, "", reinterpret_cast<const unsigned char*>(der.data()),
                              static_cast<long>(der.size())) <= 0)
        return crypto::openSslFailure("PEM_write_bio");
    char* text = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &text);
    if (length <= 0 || text == nullptr)
        return crypto::openSslFailure("BIO_get_mem_data");
    return SecureBytes(text, static_cast<std::size_t>(length));
}

// A short random suffix so two claims of one template have different subjects.
QString claimSuffix()
{
    return QStringLiteral("%1").arg(QRandomGenerator::system()->generate(), 8, 16, QLatin1Char('0'));
}

Result<IssuedClaim> createFleetClaim(cloud::AwsIotClient& client, const QString& templateName)
{
    auto answer = createKeysAndCertificate(client);
    if (!answer)
        return answer.error();
    auto claim = fromAnswer(answer.value(), QStringLiteral("CreateKeysAndCertificate"));
    if (!claim)
        return claim.error();
    if (auto attached = attachClaimPolicy(client, claim.value(), answer->value(QStringLiteral("certificateArn")).toString(), templateName);
        !attached)
        return withdrawClaim(client, claim.value(), attached.error());
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

// "certificate=<id> template=<name> via=<keys|trusted-user|station-ca> expires=<ISO time|never>[ ca=<CA id>]"
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
    switch (via) {
    case ClaimVia::Keys:
        return QStringLiteral("keys");
    case ClaimVia::TrustedUser:
        return QStringLiteral("trusted-user");
    case ClaimVia::StationCa:
        return QStringLiteral("station-ca");
    }
    return {};
}

Result<ClaimVia> parseClaimVia(const QString& name)
{
    for (const ClaimVia via : {ClaimVia::Keys, ClaimVia::TrustedUser, ClaimVia::StationCa}) {
        if (name == claimViaName(via))
            return via;
    }
    return Error(ErrorCode::InvalidInput, QStringLiteral("--via: '%1' is not keys, trusted-user or station-ca").arg(name));
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
    if (via == ClaimVia::StationCa)
        return Error(ErrorCode::InvalidInput, QStringLiteral("a station-CA claim is issued by the station's CA: createStationCaClaim"));
    auto claim = via == ClaimVia::Keys ? createFleetClaim(client, templateName) : createTrustedUserClaim(client, templateName);
    if (!claim)
        return claim.error();
    claim->templateName = templateName;
    claim->via = via;
    return claim;
}

Result<RegisteredCa> requireRegisteredCa(cloud::AwsIotClient& client, const QByteArray& caCertificatePem)
{
    auto id = provisioning::certificateIdOfPem(caCertificatePem);
    if (!id)
        return id.error().withContext(QStringLiteral("the station's CA certificate"));
    auto described = cloud::waitFor([&](cloud::JsonCallback done) { client.describeCaCertificate(id.value(), std::move(done)); });
    if (!described && described.error().code() == ErrorCode::NotFound)
        return Error(ErrorCode::NotFound,
                     QStringLiteral("the station's CA (%1) is not registered with AWS IoT in this account and region: run "
                                    "`imprint-cli cloud register-ca` first (same --profile/--region/--endpoint-url)").arg(id.value()));
    if (!described)
        return described.error().withContext(QStringLiteral("DescribeCACertificate %1").arg(id.value()));
    const QString status = described->value(QStringLiteral("certificateDescription")).toObject().value(QStringLiteral("status")).toString();
    if (status != QStringLiteral("ACTIVE"))
        return Error(ErrorCode::CloudRejected,
                     QStringLiteral("the station's CA (%1) is registered with AWS IoT but %2, not ACTIVE: activate it "
                                    "(aws iot update-ca-certificate --new-status ACTIVE) first").arg(id.value(), status));
    return RegisteredCa{id.value(), caCertificatePem};
}

Result<IssuedClaim> issueStationCaClaim(ca::CertificateIssuer& issuer, const QString& templateName, int validityDays)
{
    if (templateName.isEmpty())
        return Error(ErrorCode::InvalidInput, QStringLiteral("a claim needs a provisioning template name (--template)"));
    if (validityDays <= 0)
        return Error(ErrorCode::InvalidInput, QStringLiteral("--days: a claim is valid a positive number of days, not %1").arg(validityDays));
    ca::IssueRequest request;
    request.device.thingName = QStringLiteral("claim-%1-%2").arg(templateName, claimSuffix());
    request.profile.name = QStringLiteral("fleet-claim");
    request.profile.subject = ca::SubjectPattern{};  // CN={thingName} and nothing else
    request.profile.validityDays = validityDays;
    request.stationKeyType = ca::StationKeyType::EcP256;
    auto issued = issuer.issueWithStationKey(request);
    if (!issued)
        return issued.error().withContext(QStringLiteral("issuing the claim certificate %1").arg(request.device.thingName));
    IssuedClaim claim;
    claim.certificatePem = QString::fromLatin1(issued->certificate.pem);
    claim.certificateId = issued->certificate.sha256Fingerprint;  // AWS's certificate ID is the same hash
    claim.serialHex = issued->certificate.serialHex;
    auto keyPem = privateKeyPem(issued->privateKeyPkcs8Der);
    issued->privateKeyPkcs8Der.wipe();
    if (!keyPem)
        return keyPem.error().withContext(QStringLiteral("the claim key of %1").arg(request.device.thingName));
    claim.privateKeyPem = std::move(keyPem.value());
    claim.templateName = templateName;
    claim.via = ClaimVia::StationCa;
    claim.expiresAt = issued->certificate.notAfter;  // AWS refuses the certificate after it
    return claim;
}

Result<IssuedClaim> createStationCaClaim(cloud::AwsIotClient& client, ca::CertificateIssuer& issuer, const RegisteredCa& ca,
                                         const QString& templateName, int validityDays,
                                         const std::function<Status(const IssuedClaim&)>& recordIssued)
{
    auto claim = issueStationCaClaim(issuer, templateName, validityDays);
    if (!claim)
        return claim.error();
    claim->caCertificateId = ca.certificateId;
    if (Status recorded = recordIssued(claim.value()); !recorded)
        return recorded.error().withContext(
            QStringLiteral("the claim certificate %1 was issued but could not be recorded, so it was not sent to AWS")
                .arg(claim->certificateId));
    auto registered = cloud::waitFor([&](cloud::JsonCallback done) {
        client.registerCertificate(claim->certificatePem, QString::fromLatin1(ca.pem), QStringLiteral("ACTIVE"), std::move(done));
    });
    if (!registered)
        return registered.error().withContext(QStringLiteral("RegisterCertificate of the claim with the station's CA %1").arg(ca.certificateId));
    const QString registeredId = registered->value(QStringLiteral("certificateId")).toString();
    const QString arn = registered->value(QStringLiteral("certificateArn")).toString();
    if (registeredId.isEmpty() || arn.isEmpty())
        return Error(ErrorCode::CloudRejected, QStringLiteral("RegisterCertificate: the answer lacks certificateId or certificateArn"));
    if (registeredId != claim->certificateId)
        return Error(ErrorCode::CloudRejected, QStringLiteral("RegisterCertificate: AWS gave the claim the ID %1, not the "
                                                              "SHA-256 of its DER %2").arg(registeredId, claim->certificateId));
    if (auto attached = attachClaimPolicy(client, claim.value(), arn, templateName); !attached)
        return withdrawClaim(client, claim.value(), attached.error());
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
    QString outcome = QStringLiteral("certificate=%1 template=%2 via=%3 expires=%4")
                          .arg(claim.certificateId, claim.templateName, claimViaName(claim.via), expires);
    if (!claim.caCertificateId.isEmpty())
        outcome += QStringLiteral(" ca=") + claim.caCertificateId;
    return store.appendStationEvent(actor, kCreateStep, outcome);
}

Status recordClaimIssued(audit::AuditStore& store, const audit::Actor& actor, const IssuedClaim& claim)
{
    const QString expires = claim.expiresAt ? claim.expiresAt->toUTC().toString(Qt::ISODate) : QStringLiteral("never");
    return store.appendStationEvent(actor, kIssueStep, QStringLiteral("ok"), std::nullopt, std::nullopt,
                                    QStringLiteral("certificate=%1 serial=%2 template=%3 ca=%4 expires=%5")
                                        .arg(claim.certificateId, claim.serialHex, claim.templateName,
                                             claim.caCertificateId, expires));
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
            record.caCertificateId = fields.value(QStringLiteral("ca"));
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
