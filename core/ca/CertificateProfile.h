#pragma once

// What a device certificate may contain: the station's certificate profile. The issuer builds
// every certificate from a profile and the request's identifiers only; nothing a device asks
// for in its CSR (extensions, subject) reaches the certificate.

#include "core/Result.h"

#include <QDateTime>
#include <QString>
#include <QStringList>

#include <optional>

namespace imprint::ca {

// Which device keys are acceptable. Weak or unsupported keys are refused (CsrRejected).
struct KeyPolicy
{
    bool allowEcP256 = true;
    bool allowEcP384 = true;
    bool allowRsa = true;
    int minRsaBits = 2048;
    int maxRsaBits = 4096;
};

// Subject fields. Each may use the placeholders {thingName}, {serialNumber} and {hardwareId},
// filled from the IssueRequest; an empty field is left out of the subject.
struct SubjectPattern
{
    QString commonName = QStringLiteral("{thingName}");
    QString country;
    QString organization;
    QString organizationalUnit;
    QString serialNumber;
    QString dnQualifier;
};

struct CertificateProfile
{
    QString name = QStringLiteral("default");
    SubjectPattern subject;
    int validityDays = 3650;
    // When set, every certificate ends at this instant instead of after validityDays
    // (e.g. 9999-12-31T23:59:59Z, RFC 5280's "no well-defined expiration").
    std::optional<QDateTime> fixedNotAfter;
    // subjectAltName dNSName entries (placeholders allowed); none when empty.
    QStringList dnsNames;
    KeyPolicy keyPolicy;
};

// The key a station makes in inject mode.
enum class StationKeyType { EcP256, EcP384, Rsa2048, Rsa3072 };

// The identifiers of one unit, as the pipeline knows them.
struct DeviceIdentity
{
    QString thingName;
    QString serialNumber;
    QString hardwareId;
};

struct IssueRequest
{
    DeviceIdentity device;
    CertificateProfile profile;
    QByteArray csr;  // PEM or DER; issueFromCsr only
    StationKeyType stationKeyType = StationKeyType::EcP256;  // issueWithStationKey only
};

// The profile's pattern with the device's identifiers filled in. Fails (InvalidInput) on an
// unknown placeholder or when the common name comes out empty.
[[nodiscard]] Result<SubjectPattern> expandSubject(const SubjectPattern& pattern,
                                                   const DeviceIdentity& device);
[[nodiscard]] Result<QString> expandPattern(const QString& pattern, const DeviceIdentity& device);

}  // namespace imprint::ca
