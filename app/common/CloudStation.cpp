#include "app/common/CloudStation.h"

#include "app/common/CaStation.h"

#include <QFile>
#include <QSettings>

namespace imprint::station {

namespace {

const QString kPemEnd = QStringLiteral("-----END CERTIFICATE-----");

}  // namespace

CloudSettings readCloudSettings()
{
    QSettings ini(stationIniPath(), QSettings::IniFormat);
    ini.beginGroup(QStringLiteral("cloud"));
    CloudSettings settings;
    settings.mode = ini.value(QStringLiteral("mode"), settings.mode).toString();
    settings.templatePath = ini.value(QStringLiteral("template")).toString();
    settings.maxInFlight = ini.value(QStringLiteral("max-in-flight"), settings.maxInFlight).toInt();
    settings.retryBaseMs = ini.value(QStringLiteral("retry-base-ms"), settings.retryBaseMs).toLongLong();
    settings.retryMaxMs = ini.value(QStringLiteral("retry-max-ms"), settings.retryMaxMs).toLongLong();
    settings.bulkBucket = ini.value(QStringLiteral("bulk-bucket")).toString();
    settings.bulkRoleArn = ini.value(QStringLiteral("bulk-role-arn")).toString();
    return settings;
}

void writeCloudSettings(const CloudSettings& settings)
{
    QSettings ini(stationIniPath(), QSettings::IniFormat);
    ini.beginGroup(QStringLiteral("cloud"));
    ini.setValue(QStringLiteral("mode"), settings.mode);
    ini.setValue(QStringLiteral("template"), settings.templatePath);
    ini.setValue(QStringLiteral("max-in-flight"), settings.maxInFlight);
    ini.setValue(QStringLiteral("retry-base-ms"), settings.retryBaseMs);
    ini.setValue(QStringLiteral("retry-max-ms"), settings.retryMaxMs);
    ini.setValue(QStringLiteral("bulk-bucket"), settings.bulkBucket);
    ini.setValue(QStringLiteral("bulk-role-arn"), settings.bulkRoleArn);
}

Result<QByteArray> issuingCaPem()
{
    auto chain = readCaChain();
    if (!chain)
        return chain.error();
    const QString text = QString::fromUtf8(chain.value());
    const qsizetype end = text.indexOf(kPemEnd);
    if (end < 0)
        return Error(ErrorCode::CaInvalid, QStringLiteral("the station's CA chain (%1) holds no PEM certificate")
                                               .arg(readCaSettings().chainPath));
    return QByteArray(text.left(end + kPemEnd.size()).toUtf8() + '\n');
}

Result<registration::SenderSettings> senderSettings(const CloudSettings& cloud)
{
    registration::SenderSettings settings;
    auto mode = registration::parseSendMode(cloud.mode);
    if (!mode)
        return mode.error().withContext(QStringLiteral("[cloud] mode in ") + stationIniPath());
    settings.mode = mode.value();
    settings.maxInFlight = cloud.maxInFlight;
    settings.backoff.baseDelayMs = cloud.retryBaseMs;
    settings.backoff.maxDelayMs = cloud.retryMaxMs;
    if (settings.mode == registration::SendMode::RegisterThing) {
        if (cloud.templatePath.isEmpty())
            return Error(ErrorCode::InvalidInput, QStringLiteral("mode register-thing needs a template: --template FILE or "
                                                                 "[cloud] template in %1 (e.g. resources/templates/register-thing.json)")
                                                      .arg(stationIniPath()));
        QFile file(cloud.templatePath);
        if (!file.open(QIODevice::ReadOnly))
            return Error(ErrorCode::NotFound, QStringLiteral("cannot read the RegisterThing template %1: %2")
                                                  .arg(cloud.templatePath, file.errorString()));
        settings.templateBody = file.readAll();
    }
    if (settings.mode == registration::SendMode::PreRegisterCertificate) {
        auto ca = issuingCaPem();
        if (!ca)
            return ca.error();
        settings.caCertificatePem = ca.value();
    }
    if (auto valid = registration::validateSettings(settings); !valid)
        return valid.error();
    return settings;
}

registration::VerificationSigner hsmVerificationSigner(OperatorPrompt* prompt, const Clock& clock)
{
    return [prompt, &clock](const QString& registrationCode) -> Result<QByteArray> {
        auto service = openStationCa(prompt, clock);
        if (!service)
            return service.error();
        return service.value()->verificationCertificatePem(registrationCode);
    };
}

}  // namespace imprint::station
