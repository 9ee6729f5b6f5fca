#include "serial/ImprintFrame.h"

namespace imprint::serial {

quint16 crc16Ccitt(QByteArrayView data)
{
    quint16 crc = 0xFFFF;
    for (const char byte : data) {
        crc = static_cast<quint16>(crc ^ (static_cast<quint16>(static_cast<unsigned char>(byte)) << 8));
        for (int bit = 0; bit < 8; ++bit)
            crc = (crc & 0x8000) != 0 ? static_cast<quint16>((crc << 1) ^ 0x1021) : static_cast<quint16>(crc << 1);
    }
    return crc;
}

QByteArray encodeArgument(const QByteArray& value)
{
    return value.toPercentEncoding("=:/+,@", QByteArray(), '%');
}

QByteArray encodeFrame(const ImprintFrame& frame)
{
    // Built in one buffer reserved up front, so appending never leaves a reallocated copy
    // behind, and each percent-encoded argument is wiped: an argument may be a CHUNK of a
    // private key ("key", "claimkey"); the caller wipes the frame it gets.
    qsizetype capacity = 16 + frame.word.size();
    for (const QByteArray& arg : frame.args)
        capacity += 1 + 3 * arg.size();
    QByteArray line;
    line.reserve(capacity);
    line += '$';
    line += QByteArray::number(frame.seq);
    line += ' ';
    line += frame.word;
    for (const QByteArray& arg : frame.args) {
        QByteArray encoded = encodeArgument(arg);
        line += ' ';
        line += encoded;
        if (!encoded.isSharedWith(arg))  // nothing needed encoding: it is the argument itself
            encoded.fill('\0');
    }
    const quint16 crc = crc16Ccitt(QByteArrayView(line).sliced(1));
    line += '*';
    line += QByteArray::number(crc, 16).toUpper().rightJustified(4, '0');
    line += "\r\n";
    return line;
}

namespace {

bool isHex(const QByteArray& text)
{
    for (const char c : text) {
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return !text.isEmpty();
}

bool isWord(const QByteArray& text)
{
    for (const char c : text) {
        if (!((c >= 'A' && c <= 'Z') || c == '_'))
            return false;
    }
    return !text.isEmpty() && text.size() <= 16;
}

FrameParseResult malformed(const char* problem, quint16 seq = 0)
{
    FrameParseResult result;
    result.frame.seq = seq;
    result.outcome = FrameParse::Malformed;
    result.problem = problem;
    return result;
}

}  // namespace

FrameParseResult parseFrame(const QByteArray& line)
{
    FrameParseResult result;
    if (!line.startsWith('$'))
        return result;
    const qsizetype star = line.lastIndexOf('*');
    if (star < 0 || line.size() - star - 1 != 4 || !isHex(line.mid(star + 1)))
        return malformed("no *CRC at the end of the frame");
    const QByteArray body = line.mid(1, star - 1);
    const QList<QByteArray> fields = body.split(' ');
    bool seqOk = false;
    const uint seq = fields.first().toUInt(&seqOk);
    if (seqOk && seq <= 0xFFFF)
        result.frame.seq = static_cast<quint16>(seq);
    bool crcOk = false;
    const uint crc = line.mid(star + 1).toUInt(&crcOk, 16);
    if (!crcOk || crc != crc16Ccitt(body)) {
        result.outcome = FrameParse::BadChecksum;
        return result;
    }
    if (!seqOk || seq > 0xFFFF || fields.first().isEmpty() || fields.first().startsWith('+'))
        return malformed("the sequence number is not 0..65535");
    if (fields.size() < 2 || !isWord(fields.at(1)))
        return malformed("no command or reply word after the sequence number", result.frame.seq);
    result.frame.word = fields.at(1);
    for (qsizetype index = 2; index < fields.size(); ++index) {
        if (fields.at(index).isEmpty())
            return malformed("an empty argument (two spaces in a row)", result.frame.seq);
        result.frame.args.append(QByteArray::fromPercentEncoding(fields.at(index)));
    }
    result.outcome = FrameParse::Frame;
    return result;
}

QList<KeyValue> keyValues(const QList<QByteArray>& args)
{
    QList<KeyValue> pairs;
    for (const QByteArray& arg : args) {
        const qsizetype equals = arg.indexOf('=');
        if (equals > 0)
            pairs.append({arg.left(equals), arg.mid(equals + 1)});
    }
    return pairs;
}

}  // namespace imprint::serial
