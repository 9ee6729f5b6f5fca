#include "hsm/TokenInit.h"

#include "hsm/OpenSslError.h"
#include "hsm/Token.h"

#include <openssl/rand.h>

#include <array>
#include <cstring>

namespace imprint::hsm {

namespace {

CK_UTF8CHAR* pinBytes(const SecureBytes& pin)
{
    return reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>(pin.data()));
}

// Logs in as security officer on a new session and sets the user PIN.
Status setUserPin(const Pkcs11Library& library, CK_SLOT_ID slot, const QString& label, const SecureBytes& soPin,
                  const SecureBytes& userPin)
{
    CK_FUNCTION_LIST* p11 = library.functions();
    CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
    CK_RV rv = p11->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &session);
    if (rv != CKR_OK)
        return pkcs11Failure("C_OpenSession", label, rv);
    rv = p11->C_Login(session, CKU_SO, pinBytes(soPin), static_cast<CK_ULONG>(soPin.size()));
    if (rv == CKR_OK) {
        rv = p11->C_InitPIN(session, pinBytes(userPin), static_cast<CK_ULONG>(userPin.size()));
        p11->C_Logout(session);
        p11->C_CloseSession(session);
        if (rv != CKR_OK)
            return pkcs11Failure("C_InitPIN", label, rv);
        return {};
    }
    p11->C_CloseSession(session);
    return pkcs11Failure("C_Login (security officer)", label, rv);
}

}  // namespace

Status initializeToken(Pkcs11Library& library, const QString& label, const SecureBytes& soPin, const SecureBytes& userPin)
{
    if (auto existing = Token::findSlot(library, label); existing.ok())
        return Error(ErrorCode::AlreadyExists, QStringLiteral("token '%1' already exists in %2").arg(label, library.path()));
    auto slot = Token::findSlot(library, {});
    if (!slot)
        return slot.error();
    std::array<CK_UTF8CHAR, 32> paddedLabel{};
    paddedLabel.fill(' ');
    const QByteArray utf8 = label.toUtf8();
    if (utf8.size() > static_cast<qsizetype>(paddedLabel.size()))
        return Error(ErrorCode::InvalidInput, QStringLiteral("token label '%1' is longer than 32 bytes").arg(label));
    std::memcpy(paddedLabel.data(), utf8.constData(), static_cast<std::size_t>(utf8.size()));
    const CK_RV rv = library.functions()->C_InitToken(slot.value(), pinBytes(soPin), static_cast<CK_ULONG>(soPin.size()),
                                                      paddedLabel.data());
    if (rv != CKR_OK)
        return pkcs11Failure("C_InitToken", label, rv);
    // SoftHSM2 moves a freshly initialised token to a new slot: look it up again by label.
    auto initialized = Token::findSlot(library, label);
    if (!initialized)
        return initialized.error();
    return setUserPin(library, initialized.value(), label, soPin, userPin);
}

Result<SecureBytes> randomPin(int digits)
{
    SecureBytes pin(static_cast<std::size_t>(digits));
    for (int i = 0; i < digits; ++i) {
        unsigned char byte = 0;
        // Rejection sampling keeps the digits uniform.
        do {
            if (RAND_bytes(&byte, 1) != 1)
                return openSslFailure("RAND_bytes (PIN)");
        } while (byte >= 250);
        pin.data()[i] = static_cast<char>('0' + byte % 10);
    }
    return pin;
}

}  // namespace imprint::hsm
