#include "hsm/Pkcs11Uri.h"

#include <QUrl>

#include <p11-kit/uri.h>

#include <cstring>
#include <memory>

namespace imprint::hsm {

namespace {

struct UriDeleter
{
    void operator()(P11KitUri* uri) const noexcept { p11_kit_uri_free(uri); }
};

QString fixedField(const unsigned char* field, std::size_t size)
{
    // Fixed-size PKCS#11 fields are space-padded; p11-kit leaves unset ones zeroed.
    QString text = QString::fromUtf8(reinterpret_cast<const char*>(field), static_cast<qsizetype>(size));
    while (!text.isEmpty() && (text.back() == u'\0' || text.back() == u' '))
        text.chop(1);
    return text;
}

}  // namespace

Result<Pkcs11Uri> Pkcs11Uri::parse(const QString& text)
{
    std::unique_ptr<P11KitUri, UriDeleter> uri(p11_kit_uri_new());
    const QByteArray utf8 = text.toUtf8();
    const int parsed = p11_kit_uri_parse(utf8.constData(), P11_KIT_URI_FOR_ANY, uri.get());
    if (parsed != P11_KIT_URI_OK)
        return Error(ErrorCode::InvalidInput, QStringLiteral("invalid PKCS#11 URI '%1': %2")
                                                  .arg(text, QString::fromUtf8(p11_kit_uri_message(parsed))));
    if (p11_kit_uri_get_pin_value(uri.get()) != nullptr)
        return Error(ErrorCode::InvalidInput,
                     QStringLiteral("PKCS#11 URI '%1' carries pin-value: a PIN never goes into "
                                    "configuration; use pin-source=file:…, %2 or the prompt")
                         .arg(text.section(u'?', 0, 0), QStringLiteral("IMPRINT_HSM_PIN")));
    Pkcs11Uri result;
    result.text = text;
    const CK_TOKEN_INFO* info = p11_kit_uri_get_token_info(uri.get());
    result.token = fixedField(info->label, sizeof info->label);
    if (result.token.isEmpty())
        return Error(ErrorCode::InvalidInput,
                     QStringLiteral("PKCS#11 URI '%1' names no token (add token=<label>)").arg(text));
    if (const CK_ATTRIBUTE* label = p11_kit_uri_get_attribute(uri.get(), CKA_LABEL))
        result.object = QString::fromUtf8(static_cast<const char*>(label->pValue),
                                          static_cast<qsizetype>(label->ulValueLen));
    if (const CK_ATTRIBUTE* id = p11_kit_uri_get_attribute(uri.get(), CKA_ID))
        result.id = QByteArray(static_cast<const char*>(id->pValue), static_cast<qsizetype>(id->ulValueLen));
    if (const char* source = p11_kit_uri_get_pin_source(uri.get())) {
        QString pinSource = QString::fromUtf8(source);
        if (pinSource.startsWith(u"file:"))
            pinSource = QUrl(pinSource).toLocalFile().isEmpty() ? pinSource.mid(5)
                                                                : QUrl(pinSource).toLocalFile();
        result.pinSource = pinSource;
    }
    return result;
}

QString Pkcs11Uri::format() const
{
    // RFC 7512 §2.3: pchar minus the separators of its own grammar.
    const QByteArray keep = QByteArrayLiteral("-._~:[]@!$'()*+,=&");
    QString formatted = QStringLiteral("pkcs11:token=") + QString::fromLatin1(token.toUtf8().toPercentEncoding(keep));
    if (!object.isEmpty())
        formatted += QStringLiteral(";object=") + QString::fromLatin1(object.toUtf8().toPercentEncoding(keep));
    if (!id.isEmpty())
        formatted += QStringLiteral(";id=%") + QString::fromLatin1(id.toHex('%'));
    if (!pinSource.isEmpty())
        formatted += QStringLiteral("?pin-source=file:") + QString::fromLatin1(pinSource.toUtf8().toPercentEncoding("/-._~"));
    return formatted;
}

}  // namespace imprint::hsm
