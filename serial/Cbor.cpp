#include "serial/Cbor.h"

namespace imprint::serial::cbor {

namespace {

constexpr int kMaxDepth = 16;
constexpr quint64 kMaxItems = 4096;

class Decoder
{
public:
    explicit Decoder(const QByteArray& data) : m_data(data) {}

    Result<Item> item(int depth)
    {
        if (depth > kMaxDepth)
            return fail(QStringLiteral("nested deeper than %1").arg(kMaxDepth));
        if (m_at >= m_data.size())
            return fail(QStringLiteral("ends early"));
        const auto initial = static_cast<unsigned char>(m_data.at(m_at++));
        const int major = initial >> 5;
        const int info = initial & 0x1F;
        quint64 argument = 0;
        if (!readArgument(info, argument))
            return fail(QStringLiteral("bad length encoding %1").arg(info));
        Item result;
        switch (major) {
        case 0: result.kind = Item::Kind::Unsigned; result.number = argument; return result;
        case 1: result.kind = Item::Kind::Negative; result.number = argument; return result;
        case 2:
        case 3:
            if (argument > static_cast<quint64>(m_data.size() - m_at))
                return fail(QStringLiteral("string longer than the data"));
            result.kind = major == 2 ? Item::Kind::Bytes : Item::Kind::Text;
            result.bytes = m_data.mid(m_at, static_cast<qsizetype>(argument));
            m_at += static_cast<qsizetype>(argument);
            return result;
        case 4:
        case 5: {
            const quint64 count = major == 5 ? argument * 2 : argument;
            if (argument > kMaxItems || count > static_cast<quint64>(m_data.size() - m_at))
                return fail(QStringLiteral("more items than the data can hold"));
            result.kind = major == 4 ? Item::Kind::Array : Item::Kind::Map;
            for (quint64 index = 0; index < count; ++index) {
                auto child = item(depth + 1);
                if (!child.ok())
                    return child;
                result.children.append(std::move(child.value()));
            }
            return result;
        }
        case 6: {
            result.kind = Item::Kind::Tag;
            result.number = argument;
            auto child = item(depth + 1);
            if (!child.ok())
                return child;
            result.children.append(std::move(child.value()));
            return result;
        }
        default:
            result.kind = Item::Kind::Simple;
            result.number = argument;
            return result;
        }
    }

    [[nodiscard]] bool atEnd() const { return m_at == m_data.size(); }

private:
    bool readArgument(int info, quint64& argument)
    {
        if (info < 24) {
            argument = static_cast<quint64>(info);
            return true;
        }
        if (info > 27)
            return false;  // indefinite lengths and reserved values are not used by the modem
        const qsizetype size = qsizetype{1} << (info - 24);
        if (m_data.size() - m_at < size)
            return false;
        for (qsizetype index = 0; index < size; ++index)
            argument = (argument << 8) | static_cast<unsigned char>(m_data.at(m_at++));
        return true;
    }

    static Error fail(const QString& what) { return Error(ErrorCode::DeviceProtocol, QStringLiteral("CBOR ") + what); }

    const QByteArray& m_data;
    qsizetype m_at = 0;
};

}  // namespace

Result<Item> decode(const QByteArray& data)
{
    Decoder decoder(data);
    auto result = decoder.item(0);
    if (result.ok() && !decoder.atEnd())
        return Error(ErrorCode::DeviceProtocol, QStringLiteral("CBOR has trailing bytes after the item"));
    return result;
}

QByteArray head(int major, quint64 value)
{
    QByteArray out;
    const auto first = static_cast<char>(major << 5);
    if (value < 24) {
        out.append(static_cast<char>(first | static_cast<char>(value)));
        return out;
    }
    int size = value <= 0xFF ? 1 : value <= 0xFFFF ? 2 : value <= 0xFFFFFFFFULL ? 4 : 8;
    const int info = size == 1 ? 24 : size == 2 ? 25 : size == 4 ? 26 : 27;
    out.append(static_cast<char>(first | static_cast<char>(info)));
    for (int index = size - 1; index >= 0; --index)
        out.append(static_cast<char>((value >> (8 * index)) & 0xFF));
    return out;
}

QByteArray unsignedInt(quint64 value) { return head(0, value); }
QByteArray negativeInt(qint64 value) { return head(1, static_cast<quint64>(-1 - value)); }
QByteArray bytes(const QByteArray& value) { return head(2, static_cast<quint64>(value.size())) + value; }

QByteArray array(const QList<QByteArray>& encodedItems)
{
    QByteArray out = head(4, static_cast<quint64>(encodedItems.size()));
    for (const QByteArray& item : encodedItems)
        out += item;
    return out;
}

QByteArray tag(quint64 number, const QByteArray& encodedItem) { return head(6, number) + encodedItem; }

}  // namespace imprint::serial::cbor

namespace imprint::serial {

QString formatUuid(const QByteArray& raw)
{
    const QString hex = QString::fromLatin1(raw.toHex());
    return hex.mid(0, 8) + u'-' + hex.mid(8, 4) + u'-' + hex.mid(12, 4) + u'-' + hex.mid(16, 4) + u'-' + hex.mid(20);
}

namespace {

Error coseError(const QString& what)
{
    return Error(ErrorCode::DeviceProtocol, QStringLiteral("KEYGEN attestation (COSE): ") + what);
}

}  // namespace

Result<CoseAttestation> parseCoseAttestation(const QByteArray& cose)
{
    using cbor::Item;
    auto outer = cbor::decode(cose);
    if (!outer.ok())
        return coseError(outer.error().message());
    const Item* sign1 = &outer.value();
    if (sign1->kind == Item::Kind::Tag && sign1->number == 18)
        sign1 = &sign1->children.first();
    if (sign1->kind != Item::Kind::Array || sign1->children.size() != 4)
        return coseError(QStringLiteral("not a COSE_Sign1 array of 4"));
    const Item& payloadBytes = sign1->children.at(2);
    if (payloadBytes.kind != Item::Kind::Bytes)
        return coseError(QStringLiteral("payload is not a byte string"));
    auto payload = cbor::decode(payloadBytes.bytes);
    if (!payload.ok())
        return coseError(QStringLiteral("payload: ") + payload.error().message());
    const Item* fields = &payload.value();
    if (fields->kind == Item::Kind::Tag && fields->number == 55799)
        fields = &fields->children.first();
    if (fields->kind != Item::Kind::Array || fields->children.size() < 3)
        return coseError(QStringLiteral("payload is not an array of at least 3"));
    const auto& items = fields->children;
    if (items.at(0).kind != Item::Kind::Unsigned || items.at(1).kind != Item::Kind::Bytes
        || items.at(1).bytes.size() != 16 || items.at(2).kind != Item::Kind::Bytes)
        return coseError(QStringLiteral("payload does not hold [id, uuid16, sec_tag, ...]"));
    CoseAttestation attestation;
    attestation.payloadId = items.at(0).number;
    attestation.deviceUuid = formatUuid(items.at(1).bytes);
    auto secTag = cbor::decode(items.at(2).bytes);
    if (!secTag.ok() || secTag->kind != Item::Kind::Unsigned)
        return coseError(QStringLiteral("sec_tag is not an unsigned integer"));
    attestation.secTag = secTag->number;
    if (items.size() > 3 && items.at(3).kind == Item::Kind::Bytes && items.at(3).bytes.size() == 32)
        attestation.digest = items.at(3).bytes;
    return attestation;
}

}  // namespace imprint::serial
