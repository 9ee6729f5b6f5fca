#include "serial/Nrf91At.h"

#include <QRegularExpression>

namespace imprint::serial::nrf91 {

FinalLine classifyLine(const QByteArray& line)
{
    if (line == "OK")
        return {Final::Ok, -1};
    if (line == "ERROR")
        return {Final::Error, -1};
    if (line.startsWith("+CME ERROR")) {
        QByteArray code = line.mid(10).trimmed();
        if (code.startsWith(':'))
            code = code.mid(1).trimmed();
        bool ok = false;
        const int value = code.toInt(&ok);
        return {Final::CmeError, ok ? value : -1};
    }
    return {};
}

QString describeCme(int code)
{
    QString meaning;
    switch (code) {
    case 0: meaning = QStringLiteral("not supported by the modem firmware"); break;
    case 513: meaning = QStringLiteral("not found"); break;
    case 514: meaning = QStringLiteral("not allowed"); break;
    case 515: meaning = QStringLiteral("memory full"); break;
    case 518: meaning = QStringLiteral("not allowed in active state"); break;
    case 519: meaning = QStringLiteral("already exists"); break;
    case 523: meaning = QStringLiteral("key generation failed"); break;
    case 528: meaning = QStringLiteral("power-off warning active"); break;
    default: meaning = QStringLiteral("unknown code"); break;
    }
    return QStringLiteral("+CME ERROR %1 (%2)").arg(code).arg(meaning);
}

std::optional<QString> parseImei(const QList<QByteArray>& lines)
{
    for (auto it = lines.crbegin(); it != lines.crend(); ++it) {
        const QByteArray line = it->trimmed();
        if (line.isEmpty())
            continue;
        const QByteArray imei = line.left(15);
        if (imei.size() != 15)
            return std::nullopt;
        for (const char c : imei) {
            if (c < '0' || c > '9')
                return std::nullopt;
        }
        return QString::fromLatin1(imei);
    }
    return std::nullopt;
}

std::optional<QString> parseFirmwareVersion(const QList<QByteArray>& lines)
{
    static const QRegularExpression version(
        QStringLiteral("(?:(?<=[-_])|(?<=^))[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}(?=[-_]|$)"));
    for (const QByteArray& line : lines) {
        const QString text = QString::fromUtf8(line);
        auto matches = version.globalMatch(text);
        QStringList found;
        while (matches.hasNext())
            found << matches.next().captured();
        if (found.size() == 1)
            return found.first();
    }
    return std::nullopt;
}

std::optional<QString> parseDeviceUuid(const QList<QByteArray>& lines)
{
    static const QRegularExpression uuid(QStringLiteral(
        "^%DEVICEUUID:\\s*([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"));
    for (const QByteArray& line : lines) {
        const auto match = uuid.match(QString::fromUtf8(line));
        if (match.hasMatch())
            return match.captured(1).toLower();
    }
    return std::nullopt;
}

namespace {

Error malformed(const QString& what) { return Error(ErrorCode::DeviceProtocol, what); }

// The text between the first pair of double quotes on the last line starting with `prefix`.
std::optional<QByteArray> quotedField(const QList<QByteArray>& lines, const QByteArray& prefix)
{
    for (auto it = lines.crbegin(); it != lines.crend(); ++it) {
        if (!it->startsWith(prefix))
            continue;
        const QList<QByteArray> parts = it->split('"');
        if (parts.size() < 3)
            return std::nullopt;
        return parts.at(1);
    }
    return std::nullopt;
}

}  // namespace

Result<KeygenReply> parseKeygen(const QList<QByteArray>& lines)
{
    const auto field = quotedField(lines, "%KEYGEN:");
    if (!field)
        return malformed(QStringLiteral("the KEYGEN reply holds no %KEYGEN: \"...\" line"));
    const QList<QByteArray> parts = field->split('.');
    if (parts.size() > 2)
        return malformed(QStringLiteral("the KEYGEN reply has %1 dot-separated parts, expected 1 or 2").arg(parts.size()));
    KeygenReply reply;
    const auto options = QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors;
    auto csr = QByteArray::fromBase64Encoding(parts.at(0), options);
    if (!csr || csr.decoded.isEmpty())
        return malformed(QStringLiteral("the KEYGEN reply's CSR is not base64url"));
    reply.csrDer = csr.decoded;
    if (parts.size() == 2) {
        auto cose = QByteArray::fromBase64Encoding(parts.at(1), options);
        if (!cose)
            return malformed(QStringLiteral("the KEYGEN reply's attestation is not base64url"));
        reply.cose = cose.decoded;
    }
    return reply;
}

Result<std::optional<QByteArray>> parseCmngHash(const QList<QByteArray>& lines, int type)
{
    for (auto it = lines.crbegin(); it != lines.crend(); ++it) {
        if (!it->startsWith("%CMNG:"))
            continue;
        const QList<QByteArray> fields = it->mid(6).split(',');
        if (fields.size() < 2)
            return malformed(QStringLiteral("malformed %CMNG line"));
        bool ok = false;
        if (fields.at(1).trimmed().toInt(&ok) != type || !ok)
            continue;
        if (fields.size() < 3)
            return malformed(QStringLiteral("the %CMNG line for type %1 carries no hash").arg(type));
        const QByteArray quoted = fields.at(2).trimmed();
        if (quoted.size() != 66 || !quoted.startsWith('"') || !quoted.endsWith('"'))
            return malformed(QStringLiteral("the %CMNG hash for type %1 is not 64 hex digits in quotes").arg(type));
        const QByteArray digest = QByteArray::fromHex(quoted.mid(1, 64));
        if (digest.size() != 32 || digest.toHex().toUpper() != quoted.mid(1, 64).toUpper())
            return malformed(QStringLiteral("the %CMNG hash for type %1 is not hex").arg(type));
        return std::optional<QByteArray>(digest);
    }
    return std::optional<QByteArray>();
}

Result<QByteArray> formatCredential(const QByteArray& pem)
{
    if (pem.contains('"'))
        return Error(ErrorCode::InvalidInput, QStringLiteral("a credential for AT%CMNG may not contain '\"'"));
    // Built in one buffer reserved up front: the text may be a private key, and a reallocation
    // would leave a copy behind that nobody wipes (the caller wipes the result).
    QByteArray text;
    text.reserve(pem.size() * 2 + 2);
    for (const char c : pem) {
        if (c == '\r')
            continue;
        if (c == '\n')
            text += '\r';
        text += c;
    }
    if (!text.endsWith('\n'))
        text += "\r\n";
    return text;
}

}  // namespace imprint::serial::nrf91
