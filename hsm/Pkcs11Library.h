#pragma once

// Raw access to a PKCS#11 module's function list (p11-kit's pkcs11.h), for what libp11 0.4.12
// cannot do: EC key generation, token initialisation, and signing from a pool of sessions
// with cached key handles. Every failure names the call, the token and the CKR code.

#include "core/Result.h"

#include <QString>

#include <p11-kit/pkcs11.h>

#include <memory>

namespace imprint::hsm {

// "CKR_PIN_INCORRECT", or "CKR_0x…" for codes without a name.
[[nodiscard]] QString ckrName(CK_RV rv);

// The ErrorCode a CKR code stands for (PinIncorrect, PinLocked, TokenRemoved, …).
[[nodiscard]] ErrorCode errorCodeFor(CK_RV rv);

// "C_Login on token 'imprint-dev': CKR_PIN_INCORRECT" (+ a hint for the common cases).
[[nodiscard]] Error pkcs11Failure(const char* call, const QString& token, CK_RV rv);

// True for the codes that mean the token or the module is gone (removed, finalised).
[[nodiscard]] bool meansTokenGone(CK_RV rv);

class Pkcs11Library
{
public:
    // dlopen + C_GetFunctionList + C_Initialize (OS locking, so sessions may be used from
    // several threads). Errors name the path: missing, not a PKCS#11 module, or C_Initialize.
    [[nodiscard]] static Result<std::shared_ptr<Pkcs11Library>> load(const QString& path);
    ~Pkcs11Library();
    Pkcs11Library(const Pkcs11Library&) = delete;
    Pkcs11Library& operator=(const Pkcs11Library&) = delete;

    [[nodiscard]] CK_FUNCTION_LIST* functions() const { return m_functions; }
    [[nodiscard]] const QString& path() const { return m_path; }

    // C_Finalize now and C_Initialize again (after a token came back, or for tests that
    // simulate a removed token by finalising the module under a running service).
    void finalize();
    [[nodiscard]] Status reinitialize();

private:
    Pkcs11Library(QString path, void* handle, CK_FUNCTION_LIST* functions);

    QString m_path;
    void* m_handle;  // never dlclose'd, see the destructor
    CK_FUNCTION_LIST* m_functions;
    bool m_initialized = false;
};

}  // namespace imprint::hsm
