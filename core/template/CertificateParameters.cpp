#include "core/template/CertificateParameters.h"

#include <QCryptographicHash>
#include <QSslCertificate>

namespace imprint::provisioning {

namespace {

struct SubjectField
{
    const char* parameter;
    QSslCertificate::SubjectInfo info;
};

// Id is not a subject field; it is added separately.
constexpr SubjectField kSubjectFields[] = {
    {"AWS::IoT::Certificate::Country", QSslCertificate::CountryName},
    {"AWS::IoT::Certificate::Organization", QSslCertificate::Organization},
    {"AWS::IoT::Certificate::OrganizationalUnit", QSslCertificate::OrganizationalUnitName},
    {"AWS::IoT::Certificate::DistinguishedNameQualifier", QSslCertificate::DistinguishedNameQualifier},
    {"AWS::IoT::Certificate::StateName", QSslCertificate::StateOrProvinceName},
    {"AWS::IoT::Certificate::CommonName", QSslCertificate::CommonName},
    {"AWS::IoT::Certificate::SerialNumber", QSslCertificate::SerialNumber},
};

Result<QSslCertificate> firstCertificate(const QByteArray& pem, const QString& source)
{
    const auto certificates = QSslCertificate::fromData(pem, QSsl::Pem);
    if (certificates.isEmpty() || certificates.first().isNull())
        return Error(ErrorCode::InvalidInput, QStringLiteral("%1: no PEM certificate found").arg(source));
    return certificates.first();
}

QString certificateIdOf(const QSslCertificate& certificate)
{
    return QString::fromLatin1(QCryptographicHash::hash(certificate.toDer(), QCryptographicHash::Sha256).toHex());
}

}  // namespace

QStringList certificateParameterNames()
{
    QStringList names;
    for (const auto& field : kSubjectFields)
        names << QString::fromLatin1(field.parameter);
    names << QStringLiteral("AWS::IoT::Certificate::Id");
    return names;
}

Result<QString> certificateIdOfPem(const QByteArray& pem)
{
    auto certificate = firstCertificate(pem, QStringLiteral("certificate"));
    if (!certificate)
        return certificate.error();
    return certificateIdOf(certificate.value());
}

Result<QHash<QString, QString>> certificateParameters(const QByteArray& pem, const QString& source)
{
    auto certificate = firstCertificate(pem, source);
    if (!certificate)
        return certificate.error();
    QHash<QString, QString> parameters;
    for (const auto& field : kSubjectFields) {
        const QStringList values = certificate->subjectInfo(field.info);
        if (!values.isEmpty() && !values.first().isEmpty())
            parameters.insert(QString::fromLatin1(field.parameter), values.first());
    }
    parameters.insert(QStringLiteral("AWS::IoT::Certificate::Id"), certificateIdOf(certificate.value()));
    return parameters;
}

}  // namespace imprint::provisioning
