#include "CaFixture.h"

#include "hsm/CaCertificates.h"
#include "hsm/X509Signing.h"

namespace imprint::test {

SecureBytes userPin()
{
    return SecureBytes::fromString(SoftHsmToken::kUserPin);
}

hsm::Pkcs11Uri CaFixture::uri() const
{
    return hsm::Pkcs11Uri::parse(QStringLiteral("pkcs11:token=%1;object=imprint-ca").arg(softHsm->label())).value();
}

Result<std::unique_ptr<CaFixture>> makeCa(hsm::TokenKeyType keyType, const Clock& clock, const QString& label)
{
    auto fixture = std::make_unique<CaFixture>();
    auto softHsm = SoftHsmToken::create(label);
    if (!softHsm)
        return softHsm.error();
    fixture->softHsm = std::move(softHsm.value());
    auto library = hsm::Pkcs11Library::load(SoftHsmToken::modulePath());
    if (!library)
        return library.error();
    fixture->library = library.value();
    {
        auto token = hsm::Token::open(fixture->library, label);
        if (!token)
            return token.error();
        if (auto loggedIn = token.value()->login(userPin()); !loggedIn)
            return loggedIn.error();
        auto key = hsm::TokenKey::generate(*token.value(), keyType, QStringLiteral("imprint-ca"));
        if (!key)
            return key.error();
        hsm::CaCertificateSpec spec;
        spec.subject = QStringLiteral("CN=Imprint Test CA,O=Imprint Tests");
        auto root = hsm::makeSelfSignedRoot(key.value(), spec, clock.nowUtc());
        if (!root)
            return root.error();
        fixture->chainPem = hsm::derToPem(hsm::x509Der(root->get()), "CERTIFICATE");
    }
    auto service = hsm::IssuingService::open(fixture->library, fixture->uri(), userPin(), fixture->chainPem, clock);
    if (!service)
        return service.error();
    fixture->service = std::move(service.value());
    return fixture;
}

}  // namespace imprint::test
