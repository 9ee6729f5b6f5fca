#include "app/common/HsmSetupStation.h"

#include "app/common/CaStation.h"
#include "app/common/StationSession.h"
#include "core/Version.h"
#include "hsm/CaCertificates.h"
#include "hsm/OpenSslTypes.h"
#include "hsm/Pkcs11Library.h"
#include "hsm/PinSource.h"
#include "hsm/Token.h"
#include "hsm/TokenKey.h"
#include "hsm/X509Signing.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <array>

namespace imprint::station {

namespace {

const QString kDefaultKeyLabel = QStringLiteral("imprint-ca");

QString moduleOrDefault(const QString& module)
{
    return module.isEmpty() ? QString::fromLatin1(kDefaultPkcs11Module) : module;
}

QString curveDisplayName(const QString& group)
{
    if (group == u"prime256v1" || group == u"P-256")
        return QStringLiteral("EC P-256");
    if (group == u"secp384r1" || group == u"P-384")
        return QStringLiteral("EC P-384");
    return QStringLiteral("EC ") + group;
}

QString keyTypeOf(const X509* certificate)
{
    EVP_PKEY* key = X509_get0_pubkey(certificate);
    if (key == nullptr)
        return QStringLiteral("unknown");
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA)
        return QStringLiteral("RSA %1").arg(EVP_PKEY_get_bits(key));
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC) {
        std::array<char, 80> group{};
        size_t length = 0;
        if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(), &length) == 1)
            return curveDisplayName(QString::fromLatin1(group.data(), static_cast<qsizetype>(length)));
        return QStringLiteral("EC");
    }
    return QString::fromLatin1(OBJ_nid2sn(EVP_PKEY_get_base_id(key)));
}

QString serialHexOf(const X509* certificate)
{
    hsm::BigNumPtr serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate), nullptr));
    char* hex = serial ? BN_bn2hex(serial.get()) : nullptr;
    const QString text = hex != nullptr ? QString::fromLatin1(hex) : QStringLiteral("?");
    OPENSSL_free(hex);
    return text;
}

// The URI of the chosen token: the station's own when it names that token (its key label and
// pin-source file are kept), otherwise the token with the default CA key label.
hsm::Pkcs11Uri uriFor(const QString& tokenLabel)
{
    if (auto configured = hsm::Pkcs11Uri::parse(readHsmSettings().uri); configured && configured->token == tokenLabel)
        return configured.value();
    hsm::Pkcs11Uri uri;
    uri.token = tokenLabel;
    uri.object = kDefaultKeyLabel;
    return uri;
}

}  // namespace

setup::CaDetails describeCaCertificate(const X509* certificate, const QDateTime& now)
{
    setup::CaDetails details;
    details.subject = hsm::nameToString(X509_get_subject_name(certificate));
    details.issuer = hsm::nameToString(X509_get_issuer_name(certificate));
    details.serial = serialHexOf(certificate);
    details.notBefore = hsm::asn1TimeToDateTime(X509_get0_notBefore(certificate));
    details.notAfter = hsm::asn1TimeToDateTime(X509_get0_notAfter(certificate));
    details.daysLeft = now.secsTo(details.notAfter) / 86'400;
    details.keyType = keyTypeOf(certificate);
    details.sha256 = hsm::sha256Hex(hsm::x509Der(certificate)).toUpper();
    return details;
}

Result<setup::CaDetails> stationCaDetails(const QDateTime& now)
{
    auto chainPem = readCaChain();
    if (!chainPem)
        return chainPem.error();
    const QString chainPath = readCaSettings().chainPath;
    auto chain = hsm::parseCertificateChain(chainPem.value(), chainPath);
    if (!chain)
        return chain.error();
    setup::CaDetails details = describeCaCertificate(sk_X509_value(chain->get(), 0), now);
    details.chainPath = chainPath;
    if (auto uri = hsm::Pkcs11Uri::parse(readHsmSettings().uri)) {
        details.tokenLabel = uri->token;
        details.keyLabel = uri->object;
    }
    return details;
}

setup::HsmChoice HsmSetupStation::configured()
{
    const HsmSettings settings = readHsmSettings();
    setup::HsmChoice choice{moduleOrDefault(settings.module), {}};
    if (auto uri = hsm::Pkcs11Uri::parse(settings.uri))
        choice.tokenLabel = uri->token;
    return choice;
}

Result<QStringList> HsmSetupStation::tokenLabels(const QString& module)
{
    applyDevTokenEnvironment(readHsmSettings());
    auto library = hsm::Pkcs11Library::load(moduleOrDefault(module));
    if (!library)
        return library.error();
    return hsm::Token::labels(*library.value());
}

Result<setup::CaDetails> HsmSetupStation::openCa(const setup::HsmChoice& choice, OperatorPrompt& prompt)
{
    if (choice.tokenLabel.isEmpty())
        return Error(ErrorCode::InvalidInput, QStringLiteral("choose a token first"));
    applyDevTokenEnvironment(readHsmSettings());
    const QString module = moduleOrDefault(choice.module);
    auto library = hsm::Pkcs11Library::load(module);
    if (!library)
        return library.error();
    // The token is found before anyone is asked for its PIN.
    auto token = hsm::Token::open(library.value(), choice.tokenLabel);
    if (!token)
        return token.error();
    const hsm::Pkcs11Uri uri = uriFor(choice.tokenLabel);
    auto pin = hsm::obtainPin(uri, &prompt);
    if (!pin)
        return pin.error();
    if (auto loggedIn = token.value()->login(std::move(pin.value())); !loggedIn)
        return loggedIn.error();
    auto key = hsm::TokenKey::find(*token.value(), uri.object, uri.id);
    if (!key)
        return key.error();
    auto chainPem = readCaChain();
    if (!chainPem)
        return chainPem.error();
    const QString chainPath = readCaSettings().chainPath;
    auto certificate = hsm::parseCertificate(chainPem.value(), chainPath);
    if (!certificate)
        return certificate.error();
    const QDateTime now = m_clock.nowUtc();
    if (auto matches = hsm::checkCaCertificate(certificate->get(), key.value(), now); !matches)
        return matches.error().withContext(QStringLiteral("token '%1', key '%2', CA %3").arg(choice.tokenLabel, uri.object, chainPath));
    HsmSettings settings = readHsmSettings();
    settings.module = module;
    settings.uri = uri.format();
    writeHsmSettings(settings);
    setup::CaDetails details = describeCaCertificate(certificate->get(), now);
    details.chainPath = chainPath;
    details.tokenLabel = choice.tokenLabel;
    details.keyLabel = uri.object;
    return details;
}

Result<setup::CaDetails> HsmSetupStation::createDevelopmentCa(const QString& module)
{
    if (auto made = ensureDevelopmentCa(moduleOrDefault(module), m_clock); !made)
        return made.error();
    return stationCaDetails(m_clock.nowUtc());
}

}  // namespace imprint::station
