#include "DeviceCsrs.h"

namespace imprint::test {

hsm::EvpPkeyPtr makeKey(const QString& keyType)
{
    if (keyType == u"ec-p256")
        return hsm::EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    if (keyType == u"ec-p384")
        return hsm::EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
    if (keyType == u"ec-p521")
        return hsm::EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-521"));
    if (keyType == u"rsa-1024")
        return hsm::EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{1024}));
    if (keyType == u"rsa-2048")
        return hsm::EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048}));
    if (keyType == u"ed25519")
        return hsm::EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    return {};
}

QByteArray makeCsrDer(const CsrOptions& options, EVP_PKEY* givenKey)
{
    hsm::EvpPkeyPtr ownKey;
    EVP_PKEY* key = givenKey;
    if (key == nullptr) {
        ownKey = makeKey(options.keyType);
        key = ownKey.get();
    }
    hsm::X509ReqPtr request(X509_REQ_new());
    if (key == nullptr || !request || X509_REQ_set_pubkey(request.get(), key) != 1)
        return {};
    const QByteArray cn = options.commonName.toUtf8();
    X509_NAME* name = X509_REQ_get_subject_name(request.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.constData()),
                               static_cast<int>(cn.size()), -1, 0);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("Device Says"), -1, -1, 0);
    if (options.requestCaExtensions) {
        hsm::X509ExtensionStackPtr extensions(sk_X509_EXTENSION_new_null());
        sk_X509_EXTENSION_push(extensions.get(), X509V3_EXT_conf_nid(nullptr, nullptr, NID_basic_constraints, "critical,CA:TRUE"));
        sk_X509_EXTENSION_push(extensions.get(), X509V3_EXT_conf_nid(nullptr, nullptr, NID_key_usage, "critical,keyCertSign,cRLSign"));
        sk_X509_EXTENSION_push(extensions.get(), X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, "DNS:evil.example"));
        X509_REQ_add_extensions(request.get(), extensions.get());
    }
    const EVP_MD* digest = EVP_PKEY_is_a(key, "ED25519") ? nullptr : EVP_sha256();
    if (X509_REQ_sign(request.get(), key, digest) <= 0)
        return {};
    unsigned char* der = nullptr;
    const int size = i2d_X509_REQ(request.get(), &der);
    if (size <= 0)
        return {};
    QByteArray result(reinterpret_cast<const char*>(der), size);
    OPENSSL_free(der);
    if (options.breakSignature)
        result[result.size() - 5] = static_cast<char>(result.at(result.size() - 5) ^ 0x01);
    return result;
}

QByteArray toPem(const QByteArray& der, const char* label)
{
    QByteArray pem = QByteArray("-----BEGIN ") + label + "-----\n";
    const QByteArray base64 = der.toBase64();
    for (qsizetype i = 0; i < base64.size(); i += 64)
        pem += base64.mid(i, 64) + '\n';
    return pem + "-----END " + label + "-----\n";
}

}  // namespace imprint::test
