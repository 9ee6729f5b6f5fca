#pragma once

// A loaded PKCS#11 module, owned through libp11. Move-only: the module is unloaded and the
// context freed exactly once, after every slot list taken from it has been released.

#include "core/Result.h"

#include <QString>
#include <QStringList>

#include <memory>

struct PKCS11_ctx_st;

namespace imprint::hsm {

struct Pkcs11ContextDeleter
{
    void operator()(PKCS11_ctx_st* context) const noexcept;
};
using Pkcs11ContextPtr = std::unique_ptr<PKCS11_ctx_st, Pkcs11ContextDeleter>;

struct TokenSummary
{
    QString label;
    QString manufacturer;
    QString model;
    QString serialNumber;
    bool initialized = false;
};

class Pkcs11Module
{
public:
    // Loads the module at `path` (C_Initialize runs here). Errors name the path and say
    // whether it is missing or not a PKCS#11 module.
    [[nodiscard]] static Result<Pkcs11Module> load(const QString& path);

    [[nodiscard]] const QString& path() const { return m_path; }
    [[nodiscard]] PKCS11_ctx_st* context() const { return m_context.get(); }
    [[nodiscard]] QString description() const;  // module manufacturer and description

    // The tokens present in the module's slots.
    [[nodiscard]] Result<QList<TokenSummary>> tokens() const;

private:
    Pkcs11Module(QString path, Pkcs11ContextPtr context);

    QString m_path;
    Pkcs11ContextPtr m_context;
};

// `imprint-cli selftest`'s check: loads the module and lists its tokens.
[[nodiscard]] Result<QString> checkPkcs11Module(const QString& path);

}  // namespace imprint::hsm
