// GetRegistrationCode, the CA operations, device-certificate registration, and what happens
// when a device connects: JITR and JITP.
#include "app/iot-emulator/server/IotService.h"

#include "core/Log.h"
#include "core/template/CertificateParameters.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QUuid>

namespace imprint::emulator {

namespace {

constexpr qsizetype kMaxPemLength = 65536;
constexpr int kMaxCasWithSameSubject = 10;

const QStringList& certificateStatuses()
{
    static const QStringList statuses{QStringLiteral("ACTIVE"), QStringLiteral("INACTIVE"), QStringLiteral("REVOKED"),
                                      QStringLiteral("PENDING_TRANSFER"), QStringLiteral("REGISTER_INACTIVE"),
                                      QStringLiteral("PENDING_ACTIVATION")};
    return statuses;
}

bool isCertificateId(const QString& id)
{
    static const QRegularExpression pattern(QStringLiteral("^(0x)?[a-fA-F0-9]{64}$"));
    return pattern.match(id).hasMatch();
}

ApiError validation(const QString& type, const QString& message)
{
    return {type, 400, message};
}

QJsonObject validityOf(X509* certificate)
{
    return {{QStringLiteral("notBefore"), IotService::epochSeconds(notBefore(certificate))},
            {QStringLiteral("notAfter"), IotService::epochSeconds(notAfter(certificate))}};
}

std::optional<ApiError> checkPem(const QString& field, const QString& pem)
{
    if (pem.isEmpty())
        return invalidRequest(QStringLiteral("%1 is required").arg(field));
    if (pem.size() > kMaxPemLength)
        return invalidRequest(QStringLiteral("%1 is longer than %2 characters").arg(field).arg(kMaxPemLength));
    return std::nullopt;
}

// The PEM certificate in body field `field` (its text in `pem`), or AWS's error for a missing,
// oversized or unparsable one.
std::variant<hsm::X509Ptr, ApiError> certificateField(const ApiCall& call, const QString& field, QString& pem)
{
    pem = call.body.value(field).toString();
    if (auto error = checkPem(field, pem))
        return *error;
    auto certificate = parseCertificatePem(pem.toUtf8());
    if (!certificate)
        return validation(QStringLiteral("CertificateValidationException"),
                          QStringLiteral("%1 is not a valid PEM X.509 certificate").arg(field));
    return std::move(certificate.value());
}

// The public view of a certificate document (DescribeCertificate's certificateDescription).
QJsonObject certificateDescription(const QJsonObject& document, bool isCa)
{
    QJsonObject out = document;
    out.remove(QStringLiteral("policies"));
    out.remove(QStringLiteral("subject"));
    if (isCa) {
        out.remove(QStringLiteral("registrationConfig"));
        out.remove(QStringLiteral("caCertificateId"));
    }
    return out;
}

}  // namespace

ApiError invalidRequest(const QString& message) { return {QStringLiteral("InvalidRequestException"), 400, message}; }
ApiError notFound(const QString& message) { return {QStringLiteral("ResourceNotFoundException"), 404, message}; }
ApiError alreadyExists(const QString& message) { return {QStringLiteral("ResourceAlreadyExistsException"), 409, message}; }
ApiError internalFailure(const QString& message) { return {QStringLiteral("InternalFailureException"), 500, message}; }

IotService::IotService(Registry& registry, const EmulatorCa& ca, QString region, QString accountId, QObject* parent)
    : QObject(parent), m_registry(registry), m_ca(ca), m_region(std::move(region)), m_accountId(std::move(accountId))
{
}

QString IotService::arn(const QString& resource) const
{
    return QStringLiteral("arn:aws:iot:%1:%2:%3").arg(m_region, m_accountId, resource);
}

Status IotService::save(const QString& kind, const QString& id, const QJsonObject& document)
{
    return m_registry.put(kind, id, document);
}

Answer IotService::getRegistrationCode(const ApiCall&)
{
    auto stored = m_registry.get(QStringLiteral("meta"), QStringLiteral("registrationCode"));
    if (stored)
        return QJsonObject{{QStringLiteral("registrationCode"), stored->value(QStringLiteral("code"))}};
    QByteArray random(32, '\0');
    QRandomGenerator::system()->generate(random.begin(), random.end());
    const QString code = QString::fromLatin1(random.toHex());
    if (!save(QStringLiteral("meta"), QStringLiteral("registrationCode"), {{QStringLiteral("code"), code}}))
        return internalFailure(QStringLiteral("cannot store the registration code"));
    return QJsonObject{{QStringLiteral("registrationCode"), code}};
}

std::optional<QJsonObject> IotService::issuingCa(X509* certificate) const
{
    for (const auto& ca : m_registry.list(QStringLiteral("ca"))) {
        auto caCertificate = parseCertificatePem(ca.value(QStringLiteral("certificatePem")).toString().toUtf8());
        if (caCertificate && isIssuedBy(certificate, caCertificate->get()))
            return ca;
    }
    return std::nullopt;
}

QString IotService::templateBodyOf(const QJsonObject& registrationConfig) const
{
    if (registrationConfig.contains(QStringLiteral("templateBody")))
        return registrationConfig.value(QStringLiteral("templateBody")).toString();
    const QString name = registrationConfig.value(QStringLiteral("templateName")).toString();
    if (name.isEmpty())
        return {};
    auto stored = m_registry.get(QStringLiteral("template"), name);
    if (!stored)
        return {};
    auto version = m_registry.get(QStringLiteral("templateVersion"),
                                  name + u'#' + QString::number(stored->value(QStringLiteral("defaultVersionId")).toInt()));
    return version ? version->value(QStringLiteral("templateBody")).toString() : QString();
}

Answer IotService::registerCaCertificate(const ApiCall& call)
{
    QString pem;
    auto field = certificateField(call, QStringLiteral("caCertificate"), pem);
    if (auto* error = std::get_if<ApiError>(&field))
        return *error;
    const hsm::X509Ptr ca = std::move(std::get<hsm::X509Ptr>(field));
    if (!isCaCertificate(ca.get()))
        return validation(QStringLiteral("CertificateValidationException"),
                          QStringLiteral("The certificate is not a CA certificate (basicConstraints CA:TRUE is missing)"));
    const QString mode = call.body.value(QStringLiteral("certificateMode")).toString(QStringLiteral("DEFAULT"));
    const QString verificationPem = call.body.value(QStringLiteral("verificationCertificate")).toString();
    if (mode != QStringLiteral("DEFAULT") && mode != QStringLiteral("SNI_ONLY"))
        return invalidRequest(QStringLiteral("certificateMode must be DEFAULT or SNI_ONLY"));
    if (mode == QStringLiteral("SNI_ONLY") && !verificationPem.isEmpty())
        return invalidRequest(QStringLiteral("A verification certificate is not accepted in SNI_ONLY mode"));
    if (mode == QStringLiteral("DEFAULT")) {
        if (verificationPem.isEmpty())
            return invalidRequest(QStringLiteral("verificationCertificate is required in DEFAULT mode"));
        auto code = m_registry.get(QStringLiteral("meta"), QStringLiteral("registrationCode"));
        auto verification = parseCertificatePem(verificationPem.toUtf8());
        if (!verification)
            return validation(QStringLiteral("CertificateValidationException"), QStringLiteral("The verification certificate is not a valid PEM X.509 certificate"));
        if (!code || subjectCommonName(verification->get()) != code->value(QStringLiteral("code")).toString())
            return validation(QStringLiteral("RegistrationCodeValidationException"),
                              QStringLiteral("The verification certificate's common name is not this account's registration code"));
        if (!isIssuedBy(verification->get(), ca.get()))
            return validation(QStringLiteral("CertificateValidationException"),
                              QStringLiteral("The verification certificate is not signed by the CA certificate"));
    }
    QJsonObject config = call.body.value(QStringLiteral("registrationConfig")).toObject();
    if (!config.isEmpty()) {
        if (config.contains(QStringLiteral("templateBody")) && config.contains(QStringLiteral("templateName")))
            return invalidRequest(QStringLiteral("registrationConfig: give templateBody or templateName, not both"));
        if (config.contains(QStringLiteral("templateBody"))) {
            auto parsed = provisioning::ProvisioningTemplate::parse(config.value(QStringLiteral("templateBody")).toString().toUtf8());
            if (!parsed)
                return invalidRequest(QStringLiteral("registrationConfig.templateBody: ") + parsed.error().message());
            const qsizetype roleLength = config.value(QStringLiteral("roleArn")).toString().size();
            if (roleLength < 20 || roleLength > 2048)
                return invalidRequest(QStringLiteral("registrationConfig.roleArn must be 20 to 2048 characters"));
        }
        if (config.contains(QStringLiteral("templateName"))) {
            auto stored = m_registry.get(QStringLiteral("template"), config.value(QStringLiteral("templateName")).toString());
            if (!stored)
                return notFound(QStringLiteral("Provisioning template %1 does not exist").arg(config.value(QStringLiteral("templateName")).toString()));
            if (stored->value(QStringLiteral("type")).toString() != QStringLiteral("JITP"))
                return invalidRequest(QStringLiteral("Provisioning template %1 is not of type JITP").arg(config.value(QStringLiteral("templateName")).toString()));
        }
    }
    auto id = provisioning::certificateIdOfPem(pem.toUtf8());
    if (!id)
        return internalFailure(id.error().message());
    if (m_registry.get(QStringLiteral("ca"), id.value()))
        return alreadyExists(QStringLiteral("The certificate is already provisioned or registered"));
    const QString subject = subjectText(ca.get());
    int sameSubject = 0;
    for (const auto& other : m_registry.list(QStringLiteral("ca")))
        sameSubject += other.value(QStringLiteral("subject")).toString() == subject ? 1 : 0;
    if (sameSubject >= kMaxCasWithSameSubject)
        return ApiError{QStringLiteral("LimitExceededException"), 410,
                        QStringLiteral("At most %1 CA certificates may have the same subject").arg(kMaxCasWithSameSubject)};
    const bool active = call.query.queryItemValue(QStringLiteral("setAsActive")) == QStringLiteral("true");
    const bool autoRegistration = call.query.queryItemValue(QStringLiteral("allowAutoRegistration")) == QStringLiteral("true");
    const double now = epochSeconds(QDateTime::currentDateTimeUtc());
    const QJsonObject document{
        {QStringLiteral("certificateArn"), arn(QStringLiteral("cacert/") + id.value())},
        {QStringLiteral("certificateId"), id.value()},
        {QStringLiteral("status"), active ? QStringLiteral("ACTIVE") : QStringLiteral("INACTIVE")},
        {QStringLiteral("certificatePem"), pem},
        {QStringLiteral("ownedBy"), m_accountId},
        {QStringLiteral("creationDate"), now},
        {QStringLiteral("lastModifiedDate"), now},
        {QStringLiteral("autoRegistrationStatus"), autoRegistration ? QStringLiteral("ENABLE") : QStringLiteral("DISABLE")},
        {QStringLiteral("customerVersion"), 1},
        {QStringLiteral("generationId"), QUuid::createUuid().toString(QUuid::WithoutBraces)},
        {QStringLiteral("validity"), validityOf(ca.get())},
        {QStringLiteral("certificateMode"), mode},
        {QStringLiteral("registrationConfig"), config},
        {QStringLiteral("subject"), subject}};
    if (!save(QStringLiteral("ca"), id.value(), document))
        return internalFailure(QStringLiteral("cannot store the CA certificate"));
    return QJsonObject{{QStringLiteral("certificateArn"), document.value(QStringLiteral("certificateArn"))},
                       {QStringLiteral("certificateId"), id.value()}};
}

Answer IotService::describeCaCertificate(const ApiCall& call)
{
    const QString id = call.pathParameters.value(0);
    if (!isCertificateId(id))
        return invalidRequest(QStringLiteral("caCertificateId must be 64 hex characters"));
    auto ca = m_registry.get(QStringLiteral("ca"), id);
    if (!ca)
        return notFound(QStringLiteral("CA certificate %1 does not exist").arg(id));
    return QJsonObject{{QStringLiteral("certificateDescription"), certificateDescription(*ca, true)},
                       {QStringLiteral("registrationConfig"), ca->value(QStringLiteral("registrationConfig"))}};
}

Answer IotService::updateCaCertificate(const ApiCall& call)
{
    const QString id = call.pathParameters.value(0);
    if (!isCertificateId(id))
        return invalidRequest(QStringLiteral("caCertificateId must be 64 hex characters"));
    auto ca = m_registry.get(QStringLiteral("ca"), id);
    if (!ca)
        return notFound(QStringLiteral("CA certificate %1 does not exist").arg(id));
    const QString status = call.query.queryItemValue(QStringLiteral("newStatus"));
    const QString autoRegistration = call.query.queryItemValue(QStringLiteral("newAutoRegistrationStatus"));
    if (!status.isEmpty() && status != QStringLiteral("ACTIVE") && status != QStringLiteral("INACTIVE"))
        return invalidRequest(QStringLiteral("newStatus must be ACTIVE or INACTIVE"));
    if (!autoRegistration.isEmpty() && autoRegistration != QStringLiteral("ENABLE") && autoRegistration != QStringLiteral("DISABLE"))
        return invalidRequest(QStringLiteral("newAutoRegistrationStatus must be ENABLE or DISABLE"));
    if (!status.isEmpty())
        ca->insert(QStringLiteral("status"), status);
    if (!autoRegistration.isEmpty())
        ca->insert(QStringLiteral("autoRegistrationStatus"), autoRegistration);
    if (call.body.contains(QStringLiteral("registrationConfig")))
        ca->insert(QStringLiteral("registrationConfig"), call.body.value(QStringLiteral("registrationConfig")));
    if (call.body.value(QStringLiteral("removeAutoRegistration")).toBool())
        ca->insert(QStringLiteral("registrationConfig"), QJsonObject());
    ca->insert(QStringLiteral("lastModifiedDate"), epochSeconds(QDateTime::currentDateTimeUtc()));
    ca->insert(QStringLiteral("customerVersion"), ca->value(QStringLiteral("customerVersion")).toInt() + 1);
    if (!save(QStringLiteral("ca"), id, *ca))
        return internalFailure(QStringLiteral("cannot store the CA certificate"));
    return QJsonObject();
}

Answer IotService::listCaCertificates(const ApiCall& call)
{
    const QString pageSizeText = call.query.queryItemValue(QStringLiteral("pageSize"));
    const int pageSize = pageSizeText.isEmpty() ? 250 : pageSizeText.toInt();
    if (pageSize < 1 || pageSize > 250)
        return invalidRequest(QStringLiteral("pageSize must be 1 to 250"));
    const QString templateName = call.query.queryItemValue(QStringLiteral("templateName"));
    QJsonArray all;
    for (const auto& ca : m_registry.list(QStringLiteral("ca"))) {
        if (!templateName.isEmpty()
            && ca.value(QStringLiteral("registrationConfig")).toObject().value(QStringLiteral("templateName")).toString() != templateName)
            continue;
        all.append(QJsonObject{{QStringLiteral("certificateArn"), ca.value(QStringLiteral("certificateArn"))},
                               {QStringLiteral("certificateId"), ca.value(QStringLiteral("certificateId"))},
                               {QStringLiteral("status"), ca.value(QStringLiteral("status"))},
                               {QStringLiteral("creationDate"), ca.value(QStringLiteral("creationDate"))}});
    }
    if (call.query.queryItemValue(QStringLiteral("isAscendingOrder")) != QStringLiteral("true")) {
        QJsonArray reversed;
        for (auto it = all.end(); it != all.begin();)
            reversed.append(*--it);
        all = reversed;
    }
    const int start = call.query.queryItemValue(QStringLiteral("marker")).toInt();
    QJsonArray page;
    for (int i = start; i < all.size() && page.size() < pageSize; ++i)
        page.append(all.at(i));
    QJsonObject out{{QStringLiteral("certificates"), page}};
    if (start + pageSize < all.size())
        out.insert(QStringLiteral("nextMarker"), QString::number(start + pageSize));
    return out;
}

Result<IotService::Registered> IotService::storeCertificate(const QByteArray& pem, const QString& caCertificateId,
                                                            const QString& status, const QString& mode)
{
    auto certificate = parseCertificatePem(pem);
    if (!certificate)
        return certificate.error();
    auto id = provisioning::certificateIdOfPem(pem);
    if (!id)
        return id.error();
    if (auto existing = m_registry.get(QStringLiteral("cert"), id.value()))
        return Registered{*existing, false};
    const double now = epochSeconds(QDateTime::currentDateTimeUtc());
    QJsonObject document{{QStringLiteral("certificateArn"), arn(QStringLiteral("cert/") + id.value())},
                         {QStringLiteral("certificateId"), id.value()},
                         {QStringLiteral("status"), status},
                         {QStringLiteral("certificatePem"), QString::fromUtf8(pem)},
                         {QStringLiteral("ownedBy"), m_accountId},
                         {QStringLiteral("creationDate"), now},
                         {QStringLiteral("lastModifiedDate"), now},
                         {QStringLiteral("customerVersion"), 1},
                         {QStringLiteral("generationId"), QUuid::createUuid().toString(QUuid::WithoutBraces)},
                         {QStringLiteral("validity"), validityOf(certificate->get())},
                         {QStringLiteral("certificateMode"), mode}};
    if (!caCertificateId.isEmpty())
        document.insert(QStringLiteral("caCertificateId"), caCertificateId);
    if (auto saved = save(QStringLiteral("cert"), id.value(), document); !saved)
        return saved.error();
    return Registered{document, true};
}

Answer IotService::registerCertificate(const ApiCall& call)
{
    QString pem;
    auto field = certificateField(call, QStringLiteral("certificatePem"), pem);
    if (auto* error = std::get_if<ApiError>(&field))
        return *error;
    const hsm::X509Ptr certificate = std::move(std::get<hsm::X509Ptr>(field));
    std::optional<QJsonObject> ca;
    const QString caPem = call.body.value(QStringLiteral("caCertificatePem")).toString();
    if (!caPem.isEmpty()) {
        auto caId = provisioning::certificateIdOfPem(caPem.toUtf8());
        if (caId)
            ca = m_registry.get(QStringLiteral("ca"), caId.value());
        auto caCertificate = parseCertificatePem(caPem.toUtf8());
        if (!ca || !caCertificate || !isIssuedBy(certificate.get(), caCertificate->get()))
            ca.reset();
    } else {
        ca = issuingCa(certificate.get());
    }
    if (!ca)
        return validation(QStringLiteral("CertificateValidationException"),
                          QStringLiteral("The certificate is not signed by a registered CA certificate"));
    if (ca->value(QStringLiteral("status")).toString() != QStringLiteral("ACTIVE"))
        return ApiError{QStringLiteral("CertificateStateException"), 406,
                        QStringLiteral("The CA certificate %1 is not ACTIVE").arg(ca->value(QStringLiteral("certificateId")).toString())};
    QString status = call.body.value(QStringLiteral("status")).toString();
    if (status.isEmpty())
        status = call.query.queryItemValue(QStringLiteral("setAsActive")) == QStringLiteral("true") ? QStringLiteral("ACTIVE")
                                                                                                   : QStringLiteral("INACTIVE");
    if (!certificateStatuses().contains(status))
        return invalidRequest(QStringLiteral("status '%1' is not a certificate status").arg(status));
    auto id = provisioning::certificateIdOfPem(pem.toUtf8());
    if (id && m_registry.get(QStringLiteral("cert"), id.value()))
        return alreadyExists(QStringLiteral("The certificate is already provisioned or registered"));
    auto stored = storeCertificate(pem.toUtf8(), ca->value(QStringLiteral("certificateId")).toString(), status,
                                   ca->value(QStringLiteral("certificateMode")).toString());
    if (!stored)
        return internalFailure(stored.error().message());
    return QJsonObject{{QStringLiteral("certificateArn"), stored->certificate.value(QStringLiteral("certificateArn"))},
                       {QStringLiteral("certificateId"), stored->certificate.value(QStringLiteral("certificateId"))}};
}

Answer IotService::registerCertificateWithoutCa(const ApiCall& call)
{
    QString pem;
    auto field = certificateField(call, QStringLiteral("certificatePem"), pem);
    if (auto* error = std::get_if<ApiError>(&field))
        return *error;
    const QString status = call.body.value(QStringLiteral("status")).toString(QStringLiteral("INACTIVE"));
    if (!certificateStatuses().contains(status))
        return invalidRequest(QStringLiteral("status '%1' is not a certificate status").arg(status));
    auto id = provisioning::certificateIdOfPem(pem.toUtf8());
    if (id && m_registry.get(QStringLiteral("cert"), id.value()))
        return alreadyExists(QStringLiteral("The certificate is already provisioned or registered"));
    auto stored = storeCertificate(pem.toUtf8(), QString(), status, QStringLiteral("SNI_ONLY"));
    if (!stored)
        return internalFailure(stored.error().message());
    return QJsonObject{{QStringLiteral("certificateArn"), stored->certificate.value(QStringLiteral("certificateArn"))},
                       {QStringLiteral("certificateId"), stored->certificate.value(QStringLiteral("certificateId"))}};
}

Answer IotService::describeCertificate(const ApiCall& call)
{
    const QString id = call.pathParameters.value(0);
    if (!isCertificateId(id))
        return invalidRequest(QStringLiteral("certificateId must be 64 hex characters"));
    auto certificate = m_registry.get(QStringLiteral("cert"), id);
    if (!certificate)
        return notFound(QStringLiteral("Certificate %1 does not exist").arg(id));
    return QJsonObject{{QStringLiteral("certificateDescription"), certificateDescription(*certificate, false)}};
}

Answer IotService::updateCertificate(const ApiCall& call)
{
    const QString id = call.pathParameters.value(0);
    if (!isCertificateId(id))
        return invalidRequest(QStringLiteral("certificateId must be 64 hex characters"));
    const QString status = call.query.queryItemValue(QStringLiteral("newStatus"));
    if (!certificateStatuses().contains(status))
        return invalidRequest(QStringLiteral("newStatus '%1' is not a certificate status").arg(status));
    // Provisioning claims are not listed but can be deactivated like any certificate.
    const QString kind = !m_registry.get(QStringLiteral("cert"), id) && m_registry.get(QStringLiteral("claim"), id)
                             ? QStringLiteral("claim")
                             : QStringLiteral("cert");
    auto certificate = m_registry.get(kind, id);
    if (!certificate)
        return notFound(QStringLiteral("Certificate %1 does not exist").arg(id));
    if (certificate->value(QStringLiteral("status")).toString() == QStringLiteral("REVOKED") && status == QStringLiteral("ACTIVE"))
        return ApiError{QStringLiteral("CertificateStateException"), 406, QStringLiteral("A REVOKED certificate cannot be activated")};
    certificate->insert(QStringLiteral("status"), status);
    certificate->insert(QStringLiteral("lastModifiedDate"), epochSeconds(QDateTime::currentDateTimeUtc()));
    if (!save(kind, id, *certificate))
        return internalFailure(QStringLiteral("cannot store the certificate"));
    return QJsonObject();
}

ConnectVerdict IotService::claimConnected(const QJsonObject& claim)
{
    const QString id = claim.value(QStringLiteral("certificateId")).toString();
    const QString status = claim.value(QStringLiteral("status")).toString(QStringLiteral("ACTIVE"));
    if (status != QStringLiteral("ACTIVE"))
        return {false, QStringLiteral("provisioning claim %1 is %2").arg(id, status)};
    const auto expiration =
        QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(claim.value(QStringLiteral("expiration")).toDouble() * 1000), Qt::UTC);
    if (expiration < now())
        return {false, QStringLiteral("provisioning claim %1 expired at %2").arg(id, expiration.toString(Qt::ISODate))};
    auto scope = ClaimScope::forProvisioningClaim(claim.value(QStringLiteral("templateName")).toString());
    return {true, QStringLiteral("provisioning claim %1 of template %2, valid until %3")
                      .arg(id, claim.value(QStringLiteral("templateName")).toString(), expiration.toString(Qt::ISODate)),
            id, scope};
}

void IotService::publish(const QString& topic, const QByteArray& payload)
{
    if (auto recorded = m_registry.recordEvent(topic, payload); !recorded)
        qCWarning(lcCloud).noquote() << recorded.error().message();
    Q_EMIT published(topic, payload);
}

void IotService::publishRegistrationEvent(const QJsonObject& certificate)
{
    const QString caId = certificate.value(QStringLiteral("caCertificateId")).toString();
    const auto now = QDateTime::currentDateTimeUtc();
    const QJsonObject event{{QStringLiteral("certificateId"), certificate.value(QStringLiteral("certificateId"))},
                            {QStringLiteral("caCertificateId"), caId},
                            {QStringLiteral("timestamp"), now.toMSecsSinceEpoch()},
                            {QStringLiteral("certificateStatus"), certificate.value(QStringLiteral("status"))},
                            {QStringLiteral("awsAccountId"), m_accountId},
                            {QStringLiteral("certificateRegistrationTimestamp"),
                             QString::number(static_cast<qint64>(certificate.value(QStringLiteral("creationDate")).toDouble() * 1000))}};
    publish(QStringLiteral("$aws/events/certificates/registered/") + caId, QJsonDocument(event).toJson(QJsonDocument::Compact));
}

ConnectVerdict IotService::deviceConnected(const QByteArray& certificatePem)
{
    auto certificate = parseCertificatePem(certificatePem);
    auto id = provisioning::certificateIdOfPem(certificatePem);
    if (!certificate || !id)
        return {false, QStringLiteral("no usable client certificate")};
    if (auto known = m_registry.get(QStringLiteral("cert"), id.value())) {
        const QString status = known->value(QStringLiteral("status")).toString();
        if (status == QStringLiteral("ACTIVE") && notAfter(certificate->get()) < now())
            return {false, QStringLiteral("certificate %1 expired on %2")
                               .arg(id.value(), notAfter(certificate->get()).toString(Qt::ISODate))};
        if (status == QStringLiteral("ACTIVE")) {
            // A certificate whose policy names the fleet-provisioning topics is a claim: limited to them.
            auto claim = claimScopeOf(*known);
            const QString role = claim ? QString(QStringLiteral(" (a claim: ") + claim->describe() + QStringLiteral(")")) : QString();
            return {true, QStringLiteral("certificate %1 is ACTIVE%2").arg(id.value(), role), id.value(), claim};
        }
        // AWS publishes the event again each time a PENDING_ACTIVATION certificate is presented.
        if (status == QStringLiteral("PENDING_ACTIVATION") && known->contains(QStringLiteral("caCertificateId")))
            publishRegistrationEvent(*known);
        return {false, QStringLiteral("certificate %1 is %2").arg(id.value(), status)};
    }
    if (auto claim = m_registry.get(QStringLiteral("claim"), id.value()))
        return claimConnected(*claim);
    auto ca = issuingCa(certificate->get());
    if (!ca)
        return {false, QStringLiteral("certificate %1 is not registered and no registered CA issued it").arg(id.value())};
    if (ca->value(QStringLiteral("status")).toString() != QStringLiteral("ACTIVE")
        || ca->value(QStringLiteral("autoRegistrationStatus")).toString() != QStringLiteral("ENABLE"))
        return {false, QStringLiteral("CA %1 is not ACTIVE with auto-registration enabled").arg(ca->value(QStringLiteral("certificateId")).toString())};
    auto stored = storeCertificate(certificatePem, ca->value(QStringLiteral("certificateId")).toString(),
                                   QStringLiteral("PENDING_ACTIVATION"), ca->value(QStringLiteral("certificateMode")).toString());
    if (!stored)
        return {false, stored.error().message()};
    publishRegistrationEvent(stored->certificate);
    const QString body = templateBodyOf(ca->value(QStringLiteral("registrationConfig")).toObject());
    if (body.isEmpty())
        return {false, QStringLiteral("JITR: certificate %1 registered as PENDING_ACTIVATION").arg(id.value())};
    auto parsed = provisioning::ProvisioningTemplate::parse(body.toUtf8());
    auto parameters = provisioning::certificateParameters(certificatePem, QStringLiteral("device certificate"));
    if (!parsed || !parameters)
        return {false, QStringLiteral("JITP failed: ") + (!parsed ? parsed.error().message() : parameters.error().message())};
    auto rendered = parsed->render(parameters.value());
    if (!rendered)
        return {false, QStringLiteral("JITP failed: ") + rendered.error().message()};
    auto provisioned = provision(rendered.value());
    if (const auto* error = std::get_if<ApiError>(&provisioned))
        return {false, QStringLiteral("JITP failed: ") + error->message};
    return {false, QStringLiteral("JITP: certificate %1 provisioned").arg(id.value())};
}

}  // namespace imprint::emulator
