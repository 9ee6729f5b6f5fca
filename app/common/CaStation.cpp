#include "app/common/CaStation.h"

#include "core/Paths.h"
#include "core/Version.h"
#include "hsm/OpenSslError.h"
#include "hsm/PinSource.h"
#include "hsm/TokenInit.h"
#include "hsm/X509Signing.h"

#include <QDir>
#include <QFile>
#include <QSaveFile>
#include <QSettings>

namespace imprint::station {

namespace {

const QString kSoftHsmConf = QStringLiteral("softhsm2-conf");

Status writeFileAtomically(const QString& path, const QByteArray& content, QFileDevice::Permissions permissions)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return Error(ErrorCode::Io, QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
    file.setPermissions(permissions);
    file.write(content);
    if (!file.commit())
        return Error(ErrorCode::Io, QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
    return {};
}

Status writeSecretFile(const QString& path, const SecureBytes& secret)
{
    QFile file(path);
    // Created 0600 before any byte is written.
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::NewOnly, QFileDevice::ReadOwner | QFileDevice::WriteOwner))
        return Error(ErrorCode::Io, QStringLiteral("cannot create PIN file %1: %2").arg(path, file.errorString()));
    if (file.write(secret.data(), static_cast<qint64>(secret.size())) != static_cast<qint64>(secret.size()))
        return Error(ErrorCode::Io, QStringLiteral("cannot write PIN file %1: %2").arg(path, file.errorString()));
    return {};
}

Status writeChain(const QByteArray& chainPem)
{
    const QString directory = dataDirectory() + QStringLiteral("/ca");
    if (!QDir().mkpath(directory))
        return Error(ErrorCode::Io, QStringLiteral("cannot create %1").arg(directory));
    CaSettings settings = readCaSettings();
    settings.chainPath = directory + QStringLiteral("/ca-chain.pem");
    if (auto written = writeFileAtomically(settings.chainPath, chainPem,
                                           QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup | QFileDevice::ReadOther);
        !written)
        return written;
    writeCaSettings(settings);
    return {};
}

Status refuseExistingCa()
{
    const CaSettings settings = readCaSettings();
    if (!settings.chainPath.isEmpty() && QFile::exists(settings.chainPath))
        return Error(ErrorCode::AlreadyExists,
                     QStringLiteral("this station already has a CA (%1 in %2); a CA is never replaced silently: "
                                    "move that file and the [ca] group away first").arg(settings.chainPath, stationIniPath()));
    return {};
}

QString moduleOrDefault(const HsmSettings& settings)
{
    return settings.module.isEmpty() ? QString::fromLatin1(kDefaultPkcs11Module) : settings.module;
}

Status verifyChain(X509* certificate, STACK_OF(X509) * parents, const QDateTime& now)
{
    hsm::X509StorePtr store(X509_STORE_new());
    hsm::X509StoreCtxPtr context(X509_STORE_CTX_new());
    if (!store || !context)
        return hsm::openSslFailure("X509_STORE_new");
    const int count = parents != nullptr ? sk_X509_num(parents) : 0;
    // Without parents the certificate must be a root, which trusts itself.
    if (count == 0 && X509_STORE_add_cert(store.get(), certificate) != 1)
        return hsm::openSslFailure("X509_STORE_add_cert");
    for (int i = 0; i < count; ++i) {
        if (X509_STORE_add_cert(store.get(), sk_X509_value(parents, i)) != 1)
            return hsm::openSslFailure("X509_STORE_add_cert").withContext(QStringLiteral("chain certificate %1").arg(i + 1));
    }
    if (X509_STORE_CTX_init(context.get(), store.get(), certificate, nullptr) != 1)
        return hsm::openSslFailure("X509_STORE_CTX_init");
    X509_STORE_CTX_set_time(context.get(), 0, static_cast<time_t>(now.toSecsSinceEpoch()));
    if (X509_verify_cert(context.get()) != 1)
        return Error(ErrorCode::CaInvalid, QStringLiteral("the CA certificate does not verify against the given chain: %1")
                                               .arg(QString::fromLatin1(X509_verify_cert_error_string(X509_STORE_CTX_get_error(context.get())))));
    return {};
}

struct StationModule
{
    std::shared_ptr<hsm::Pkcs11Library> library;
    hsm::Pkcs11Uri uri;
};

// [hsm] module and uri from station.ini, with the development token's SOFTHSM2_CONF applied.
Result<StationModule> loadStationModule()
{
    const HsmSettings settings = readHsmSettings();
    if (settings.uri.isEmpty())
        return Error(ErrorCode::NotFound, QStringLiteral("no token configured: %1 has no [hsm] uri (run `imprint-cli hsm "
                                                         "init-dev-token` for a development token)").arg(stationIniPath()));
    applyDevTokenEnvironment(settings);
    auto uri = hsm::Pkcs11Uri::parse(settings.uri);
    if (!uri)
        return uri.error().withContext(stationIniPath() + QStringLiteral(" [hsm] uri"));
    auto library = hsm::Pkcs11Library::load(moduleOrDefault(settings));
    if (!library)
        return library.error();
    return StationModule{library.value(), uri.value()};
}

}  // namespace

QString stationIniPath()
{
    return dataDirectory() + QStringLiteral("/station.ini");
}

HsmSettings readHsmSettings()
{
    QSettings ini(stationIniPath(), QSettings::IniFormat);
    ini.beginGroup(QStringLiteral("hsm"));
    return {ini.value(QStringLiteral("module")).toString(), ini.value(QStringLiteral("uri")).toString(),
            ini.value(kSoftHsmConf).toString()};
}

void writeHsmSettings(const HsmSettings& settings)
{
    QSettings ini(stationIniPath(), QSettings::IniFormat);
    ini.beginGroup(QStringLiteral("hsm"));
    ini.setValue(QStringLiteral("module"), settings.module);
    ini.setValue(QStringLiteral("uri"), settings.uri);
    if (settings.softHsmConf.isEmpty())
        ini.remove(kSoftHsmConf);
    else
        ini.setValue(kSoftHsmConf, settings.softHsmConf);
}

CaSettings readCaSettings()
{
    QSettings ini(stationIniPath(), QSettings::IniFormat);
    ini.beginGroup(QStringLiteral("ca"));
    CaSettings settings;
    settings.chainPath = ini.value(QStringLiteral("chain")).toString();
    settings.defaultProfile = ini.value(QStringLiteral("profile"), settings.defaultProfile).toString();
    return settings;
}

void writeCaSettings(const CaSettings& settings)
{
    QSettings ini(stationIniPath(), QSettings::IniFormat);
    ini.beginGroup(QStringLiteral("ca"));
    ini.setValue(QStringLiteral("chain"), settings.chainPath);
    ini.setValue(QStringLiteral("profile"), settings.defaultProfile);
}

Result<ca::CertificateProfile> readProfile(const QString& name)
{
    QSettings ini(stationIniPath(), QSettings::IniFormat);
    const QString group = QStringLiteral("ca.profile.") + name;
    ca::CertificateProfile profile;
    profile.name = name;
    if (!ini.childGroups().contains(group)) {
        if (name == readCaSettings().defaultProfile)
            return profile;
        return Error(ErrorCode::NotFound, QStringLiteral("certificate profile '%1' not found: no [%2] in %3")
                                              .arg(name, group, stationIniPath()));
    }
    ini.beginGroup(group);
    auto text = [&](const char* key, const QString& fallback) { return ini.value(QLatin1String(key), fallback).toString(); };
    profile.subject.commonName = text("commonName", profile.subject.commonName);
    profile.subject.country = text("country", {});
    profile.subject.organization = text("organization", {});
    profile.subject.organizationalUnit = text("organizationalUnit", {});
    profile.subject.serialNumber = text("serialNumber", {});
    profile.subject.dnQualifier = text("dnQualifier", {});
    bool ok = true;
    profile.validityDays = ini.value(QStringLiteral("validityDays"), profile.validityDays).toInt(&ok);
    if (!ok || profile.validityDays <= 0)
        return Error(ErrorCode::InvalidInput, QStringLiteral("%1 [%2] validityDays: a positive number of days").arg(stationIniPath(), group));
    if (const QString notAfter = text("notAfter", {}); !notAfter.isEmpty()) {
        QDateTime fixed = QDateTime::fromString(notAfter, Qt::ISODate);
        if (!fixed.isValid())
            return Error(ErrorCode::InvalidInput, QStringLiteral("%1 [%2] notAfter: '%3' is not an ISO 8601 date-time")
                                                      .arg(stationIniPath(), group, notAfter));
        profile.fixedNotAfter = fixed.toUTC();
    }
    for (const QString& dns : text("dnsNames", {}).split(u',', Qt::SkipEmptyParts))
        profile.dnsNames << dns.trimmed();
    profile.keyPolicy.minRsaBits = ini.value(QStringLiteral("minRsaBits"), profile.keyPolicy.minRsaBits).toInt();
    profile.keyPolicy.allowRsa = ini.value(QStringLiteral("allowRsa"), profile.keyPolicy.allowRsa).toBool();
    profile.keyPolicy.allowEcP384 = ini.value(QStringLiteral("allowEcP384"), profile.keyPolicy.allowEcP384).toBool();
    return profile;
}

void applyDevTokenEnvironment(const HsmSettings& settings)
{
    if (!settings.softHsmConf.isEmpty() && qEnvironmentVariableIsEmpty("SOFTHSM2_CONF"))
        qputenv("SOFTHSM2_CONF", QFile::encodeName(settings.softHsmConf));
}

Result<DevToken> initDevToken(const QString& module, const QString& label)
{
    const QString directory = dataDirectory() + QStringLiteral("/softhsm");
    DevToken result;
    result.pinFile = directory + QStringLiteral("/user.pin");
    result.softHsmConf = qEnvironmentVariable("SOFTHSM2_CONF");
    if (result.softHsmConf.isEmpty() || !QFile::exists(result.softHsmConf)) {
        // Our own configuration, so the development token never mixes with system tokens.
        result.softHsmConf = directory + QStringLiteral("/softhsm2.conf");
        const QString tokens = directory + QStringLiteral("/tokens");
        if (!QDir().mkpath(tokens))
            return Error(ErrorCode::Io, QStringLiteral("cannot create %1").arg(tokens));
        if (!QFile::exists(result.softHsmConf)) {
            const QString config = QStringLiteral("# Imprint development token (imprint-cli hsm init-dev-token)\n"
                                                  "directories.tokendir = %1\nobjectstore.backend = file\nlog.level = ERROR\n")
                                       .arg(tokens);
            if (auto written = writeFileAtomically(result.softHsmConf, config.toUtf8(), QFileDevice::ReadOwner | QFileDevice::WriteOwner);
                !written)
                return written.error();
        }
        qputenv("SOFTHSM2_CONF", QFile::encodeName(result.softHsmConf));
    }
    auto library = hsm::Pkcs11Library::load(module);
    if (!library)
        return library.error();
    hsm::Pkcs11Uri uri;
    uri.token = label;
    uri.object = QStringLiteral("imprint-ca");
    uri.pinSource = result.pinFile;
    result.uri = uri.format();
    if (hsm::Token::findSlot(*library.value(), label).ok()) {
        if (!QFile::exists(result.pinFile))
            return Error(ErrorCode::AlreadyExists,
                         QStringLiteral("token '%1' exists in %2 but its PIN file %3 is missing").arg(label, module, result.pinFile));
    } else {
        if (QFile::exists(result.pinFile) && !QFile::remove(result.pinFile))
            return Error(ErrorCode::Io, QStringLiteral("cannot replace the stale PIN file %1").arg(result.pinFile));
        auto soPin = hsm::randomPin(16);
        auto userPin = hsm::randomPin(8);
        if (!soPin)
            return soPin.error();
        if (!userPin)
            return userPin.error();
        if (auto written = writeSecretFile(result.pinFile, userPin.value()); !written)
            return written.error();
        if (auto initialized = hsm::initializeToken(*library.value(), label, soPin.value(), userPin.value()); !initialized)
            return initialized.error();
        result.created = true;
        // The security officer PIN is not kept: a development token is re-made, not repaired.
    }
    writeHsmSettings({module, result.uri, result.softHsmConf});
    return result;
}

Result<OpenToken> openStationToken(OperatorPrompt* prompt)
{
    auto module = loadStationModule();
    if (!module)
        return module.error();
    auto token = hsm::Token::open(module->library, module->uri.token);
    if (!token)
        return token.error();
    auto pin = hsm::obtainPin(module->uri, prompt);
    if (!pin)
        return pin.error();
    if (auto loggedIn = token.value()->login(std::move(pin.value())); !loggedIn)
        return loggedIn.error();
    return OpenToken{module->library, std::move(token.value()), module->uri};
}

Result<CaCreated> createCa(const CaCreation& creation, OperatorPrompt* prompt, const Clock& clock)
{
    if (creation.shape == CaShape::SelfSignedRoot) {
        if (auto fresh = refuseExistingCa(); !fresh)
            return fresh.error();
    }
    auto open = openStationToken(prompt);
    if (!open)
        return open.error();
    auto key = hsm::TokenKey::generate(*open->token, creation.keyType, creation.keyLabel);
    if (!key)
        return key.error();
    HsmSettings settings = readHsmSettings();
    open->uri.object = creation.keyLabel;
    open->uri.id.clear();
    settings.uri = open->uri.format();
    writeHsmSettings(settings);
    if (creation.shape == CaShape::IntermediateRequest) {
        auto request = hsm::makeCaRequest(key.value(), creation.spec);
        if (!request)
            return request.error();
        unsigned char* der = nullptr;
        const int size = i2d_X509_REQ(request->get(), &der);
        if (size <= 0)
            return hsm::openSslFailure("i2d_X509_REQ");
        CaCreated created{hsm::derToPem(QByteArray(reinterpret_cast<const char*>(der), size), "CERTIFICATE REQUEST"), {}};
        OPENSSL_free(der);
        return created;
    }
    auto root = hsm::makeSelfSignedRoot(key.value(), creation.spec, clock.nowUtc());
    if (!root)
        return root.error();
    const QByteArray pem = hsm::derToPem(hsm::x509Der(root->get()), "CERTIFICATE");
    if (auto written = writeChain(pem); !written)
        return written.error();
    return CaCreated{pem, readCaSettings().chainPath};
}

Result<CaCreated> importCaCertificate(const QByteArray& certificatePem, const QByteArray& parentsPem, const QString& keyLabel,
                                      OperatorPrompt* prompt, const Clock& clock)
{
    if (auto fresh = refuseExistingCa(); !fresh)
        return fresh.error();
    auto certificate = hsm::parseCertificate(certificatePem, QStringLiteral("the CA certificate"));
    if (!certificate)
        return certificate.error();
    hsm::X509StackPtr parents;
    if (!parentsPem.trimmed().isEmpty()) {
        auto chain = hsm::parseCertificateChain(parentsPem, QStringLiteral("the chain file"));
        if (!chain)
            return chain.error();
        parents = std::move(chain.value());
    }
    auto open = openStationToken(prompt);
    if (!open)
        return open.error();
    auto key = hsm::TokenKey::find(*open->token, keyLabel, {});
    if (!key)
        return key.error();
    if (auto matches = hsm::checkCaCertificate(certificate->get(), key.value(), clock.nowUtc()); !matches)
        return matches.error();
    if (auto verified = verifyChain(certificate->get(), parents.get(), clock.nowUtc()); !verified)
        return verified.error();
    QByteArray chainPem = hsm::derToPem(hsm::x509Der(certificate->get()), "CERTIFICATE");
    for (int i = 0; parents && i < sk_X509_num(parents.get()); ++i)
        chainPem += hsm::derToPem(hsm::x509Der(sk_X509_value(parents.get(), i)), "CERTIFICATE");
    if (auto written = writeChain(chainPem); !written)
        return written.error();
    HsmSettings settings = readHsmSettings();
    open->uri.object = keyLabel;
    open->uri.id.clear();
    settings.uri = open->uri.format();
    writeHsmSettings(settings);
    return CaCreated{chainPem, readCaSettings().chainPath};
}

Result<QByteArray> readCaChain()
{
    const CaSettings settings = readCaSettings();
    if (settings.chainPath.isEmpty())
        return Error(ErrorCode::NotFound, QStringLiteral("this station has no CA yet: %1 has no [ca] chain (run `imprint-cli ca create`)")
                                              .arg(stationIniPath()));
    QFile file(settings.chainPath);
    if (!file.open(QIODevice::ReadOnly))
        return Error(ErrorCode::NotFound, QStringLiteral("CA certificate not found: cannot read %1 (%2)")
                                              .arg(settings.chainPath, file.errorString()));
    return file.readAll();
}

Result<std::unique_ptr<hsm::IssuingService>> openStationCa(OperatorPrompt* prompt, const Clock& clock)
{
    auto chain = readCaChain();
    if (!chain)
        return chain.error();
    auto module = loadStationModule();
    if (!module)
        return module.error();
    // Find the token before asking for a PIN: nobody types a PIN for a token that is absent.
    if (auto slot = hsm::Token::findSlot(*module->library, module->uri.token); !slot)
        return slot.error();
    auto pin = hsm::obtainPin(module->uri, prompt);
    if (!pin)
        return pin.error();
    return hsm::IssuingService::open(module->library, module->uri, std::move(pin.value()), chain.value(), clock);
}

}  // namespace imprint::station
