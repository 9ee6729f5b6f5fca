#pragma once

// A complete CA on a fresh SoftHSM2 token: key generated on the token, self-signed root,
// issuing service open. Shared by the issuing tests and bench_issuing.

#include "SoftHsmToken.h"
#include "core/Clock.h"
#include "hsm/IssuingService.h"
#include "hsm/TokenKey.h"

namespace imprint::test {

struct CaFixture
{
    std::unique_ptr<SoftHsmToken> softHsm;
    std::shared_ptr<hsm::Pkcs11Library> library;
    QByteArray chainPem;
    std::unique_ptr<hsm::IssuingService> service;

    [[nodiscard]] hsm::Pkcs11Uri uri() const;
};

// Token labelled `label`, CA key "imprint-ca" of `keyType`, root valid from `clock`'s now.
[[nodiscard]] Result<std::unique_ptr<CaFixture>> makeCa(hsm::TokenKeyType keyType, const Clock& clock,
                                                        const QString& label = QStringLiteral("imprint-test"));
[[nodiscard]] SecureBytes userPin();

}  // namespace imprint::test
