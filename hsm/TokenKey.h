#pragma once

// A signing key that lives on the token: generated there (EC through raw C_GenerateKeyPair,
// since libp11 0.4.12 only makes RSA) or found by label/id. The private key handle is looked
// up once and cached; a signature is one C_SignInit + C_Sign on a pooled session.

#include "core/Result.h"
#include "hsm/OpenSslTypes.h"
#include "hsm/Token.h"

#include <QByteArray>
#include <QString>

namespace imprint::hsm {

enum class TokenKeyType { EcP256, EcP384, Rsa2048, Rsa3072 };

// "ec-p256" | "ec-p384" | "rsa-2048" | "rsa-3072".
[[nodiscard]] Result<TokenKeyType> parseTokenKeyType(const QString& name);
[[nodiscard]] QString tokenKeyTypeName(TokenKeyType type);

class TokenKey
{
public:
    // Makes a non-extractable, sensitive key pair on the token. AlreadyExists when a private
    // key with this label is already there (never silently a second one).
    [[nodiscard]] static Result<TokenKey> generate(Token& token, TokenKeyType type, const QString& label,
                                                   const QByteArray& id = {});
    // The private key and its public half by label and/or id. KeyNotFound names both.
    [[nodiscard]] static Result<TokenKey> find(Token& token, const QString& label, const QByteArray& id);

    TokenKey(TokenKey&&) noexcept = default;
    TokenKey& operator=(TokenKey&&) noexcept = default;

    [[nodiscard]] EVP_PKEY* publicKey() const { return m_publicKey.get(); }
    [[nodiscard]] bool isEc() const { return m_keyType == CKK_EC; }
    [[nodiscard]] const QByteArray& id() const { return m_id; }
    [[nodiscard]] const QString& label() const { return m_label; }
    [[nodiscard]] QString describe() const;

    // The AlgorithmIdentifier this key signs with (ecdsa-with-SHA256/384, sha256WithRSA).
    [[nodiscard]] Result<X509AlgorPtr> signatureAlgorithm() const;
    // Signs `message` on the token; returns the signature as X.509 carries it (DER
    // ECDSA-Sig-Value for EC, PKCS#1 v1.5 bytes for RSA). Thread-safe.
    [[nodiscard]] Result<QByteArray> sign(const QByteArray& message) const;
    // Signs an already computed digest (the benchmark's raw rate; sign() uses it).
    [[nodiscard]] Result<QByteArray> signDigest(const unsigned char* digest, unsigned int size) const;
    [[nodiscard]] const EVP_MD* digest() const;

private:
    TokenKey(Token& token, CK_OBJECT_HANDLE privateKey, CK_KEY_TYPE type, EvpPkeyPtr publicKey,
             QString label, QByteArray id);

    Token* m_token;
    CK_OBJECT_HANDLE m_privateKey;
    CK_KEY_TYPE m_keyType;
    EvpPkeyPtr m_publicKey;
    QString m_label;
    QByteArray m_id;
};

}  // namespace imprint::hsm
