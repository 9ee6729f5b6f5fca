#pragma once

// Frames of the Imprint device protocol (docs/device-protocol.md):
//   $<seq> <WORD> [<arg> ...]*<CRC>\r\n
// <seq> is 0..65535 in decimal, <WORD> an upper-case command or reply word, arguments are
// percent-encoded so they hold no space, '*', '$' or control byte, and <CRC> is the CRC-16/
// CCITT-FALSE of every byte between '$' and '*', as four upper-case hex digits.
// Lines that do not start with '$' are device log output and are ignored.

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

namespace imprint::serial {

struct ImprintFrame
{
    quint16 seq = 0;
    QByteArray word;
    QList<QByteArray> args;  // decoded
};

enum class FrameParse { Frame, NotAFrame, Malformed, BadChecksum };

struct FrameParseResult
{
    FrameParse outcome = FrameParse::NotAFrame;
    ImprintFrame frame;     // valid when outcome == Frame; seq also when BadChecksum/Malformed if readable
    QByteArray problem;     // what was wrong, for Malformed
};

[[nodiscard]] quint16 crc16Ccitt(QByteArrayView data);
[[nodiscard]] QByteArray encodeFrame(const ImprintFrame& frame);
[[nodiscard]] FrameParseResult parseFrame(const QByteArray& line);

// Percent-encoding of one argument: everything outside [A-Za-z0-9-._~=:/+,@] becomes %XX.
[[nodiscard]] QByteArray encodeArgument(const QByteArray& value);

// "key=value" arguments (HELLO, HASHES) split into a map-like list, values percent-decoded.
struct KeyValue
{
    QByteArray key;
    QByteArray value;
};
[[nodiscard]] QList<KeyValue> keyValues(const QList<QByteArray>& args);

}  // namespace imprint::serial
