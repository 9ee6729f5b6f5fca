#include "core/claims/ClaimProviders.h"

#include "core/cloud/AwsIotClient.h"
#include "core/crypto/KeyPair.h"
#include "core/template/CertificateParameters.h"

#include <QFile>

namespace imprint::claims {

namespace {

Result<QByteArray> readCertificateFile(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error(ErrorCode::NotFound,
                     QStringLiteral("claim certificate %1: cannot read it (%2)").arg(path, file.errorString()));
    return file.readAll();
}

// Read straight into SecureBytes: the key never sits in a QByteArray.
Result<SecureBytes> readKeyFile(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error(ErrorCode::NotFound, QStringLiteral("claim key %1: cannot read it (%2)").arg(path, file.errorString()));
    const qint64 size = file.size();
    if (size <= 0 || size > 64 * 1024)
        return Error(ErrorCode::InvalidInput, QStringLiteral("claim key %1: %2 bytes is not a PEM private key").arg(path).arg(size));
    SecureBytes key(static_cast<std::size_t>(size));
    if (file.read(key.data(), size) != size)
        return Error(ErrorCode::Io, QStringLiteral("claim key %1: cannot read all of it (%2)").arg(path, file.errorString()));
    return key;
}

SecureBytes copyOf(const SecureBytes& bytes)
{
    return {bytes.data(), bytes.size()};
}

}  // namespace

QString claimDetail(const UnitClaim& claim)
{
    return QStringLiteral("claim=%1 via=%2 expires=%3")
        .arg(claim.certificateId, claimViaName(claim.via),
             claim.expiresAt ? claim.expiresAt->toUTC().toString(Qt::ISODate) : QStringLiteral("never"));
}

FleetClaimProvider::FleetClaimProvider(QString certificateId, QByteArray certificatePem, SecureBytes key)
    : m_certificateId(std::move(certificateId)), m_certificatePem(std::move(certificatePem)), m_key(std::move(key))
{
}

Result<std::unique_ptr<FleetClaimProvider>> FleetClaimProvider::fromFiles(const QString& certificatePath,
                                                                          const QString& keyPath)
{
    auto pem = readCertificateFile(certificatePath);
    if (!pem)
        return pem.error();
    auto key = readKeyFile(keyPath);
    if (!key)
        return key.error();
    const QByteArray keyView = QByteArray::fromRawData(key->data(), static_cast<qsizetype>(key->size()));  // no copy
    if (Status paired = crypto::checkKeyPair(pem.value(), keyView); !paired)
        return paired.error().withContext(QStringLiteral("claim certificate %1 and claim key %2").arg(certificatePath, keyPath));
    auto id = provisioning::certificateIdOfPem(pem.value());  // AWS's ID: SHA-256 of the DER
    if (!id)
        return id.error();
    return std::unique_ptr<FleetClaimProvider>(
        new FleetClaimProvider(id.value(), pem.value(), std::move(key.value())));
}

Result<UnitClaim> FleetClaimProvider::claimForUnit()
{
    // Read-only after construction: safe from every slot at once.
    return UnitClaim{m_certificateId, m_certificatePem, copyOf(m_key), m_via, std::nullopt};
}

TrustedUserClaimProvider::TrustedUserClaimProvider(QString templateName, ClientFactory makeClient)
    : m_templateName(std::move(templateName)), m_makeClient(std::move(makeClient))
{
}

Result<UnitClaim> TrustedUserClaimProvider::claimForUnit()
{
    auto client = m_makeClient();
    if (!client)
        return client.error();
    auto issued = createClaim(*client.value(), m_templateName, ClaimVia::TrustedUser);
    if (!issued)
        return issued.error().withContext(QStringLiteral("trusted-user claim for template %1").arg(m_templateName));
    return UnitClaim{issued->certificateId, issued->certificatePem.toUtf8(), std::move(issued->privateKeyPem),
                     ClaimVia::TrustedUser, issued->expiresAt};
}

}  // namespace imprint::claims
