#include "core/ca/CertificateProfile.h"

#include <QRegularExpression>

namespace imprint::ca {

Result<QString> expandPattern(const QString& pattern, const DeviceIdentity& device)
{
    if (!pattern.contains(u'{'))
        return pattern;  // the common case (empty or literal fields): no regex on the hot path
    static const QRegularExpression placeholder(QStringLiteral("\\{([^}]*)\\}"));
    QString expanded;
    qsizetype last = 0;
    auto matches = placeholder.globalMatch(pattern);
    while (matches.hasNext()) {
        const auto match = matches.next();
        expanded += QStringView(pattern).mid(last, match.capturedStart() - last);
        const QString name = match.captured(1);
        if (name == u"thingName")
            expanded += device.thingName;
        else if (name == u"serialNumber")
            expanded += device.serialNumber;
        else if (name == u"hardwareId")
            expanded += device.hardwareId;
        else
            return Error(ErrorCode::InvalidInput,
                         QStringLiteral("unknown placeholder {%1} in subject pattern '%2' "
                                        "(known: {thingName}, {serialNumber}, {hardwareId})")
                             .arg(name, pattern));
        last = match.capturedEnd();
    }
    expanded += QStringView(pattern).mid(last);
    return expanded;
}

Result<SubjectPattern> expandSubject(const SubjectPattern& pattern, const DeviceIdentity& device)
{
    SubjectPattern out;
    const std::pair<const QString*, QString*> fields[] = {
        {&pattern.commonName, &out.commonName},
        {&pattern.country, &out.country},
        {&pattern.organization, &out.organization},
        {&pattern.organizationalUnit, &out.organizationalUnit},
        {&pattern.serialNumber, &out.serialNumber},
        {&pattern.dnQualifier, &out.dnQualifier},
    };
    for (const auto& [in, result] : fields) {
        auto value = expandPattern(*in, device);
        if (!value)
            return value.error();
        *result = value.value();
    }
    if (out.commonName.isEmpty())
        return Error(ErrorCode::InvalidInput,
                     QStringLiteral("the certificate's common name is empty (pattern '%1')")
                         .arg(pattern.commonName));
    return out;
}

}  // namespace imprint::ca
