// Fuzzes the line framing: any byte stream, fed in pieces, yields bounded clean lines.
#include "serial/LineSplitter.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    imprint::serial::LineSplitter splitter;
    const QByteArray bytes(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    // The first byte chooses the piece size, as a serial port delivers arbitrary fragments.
    const qsizetype piece = size > 0 ? 1 + data[0] % 17 : 1;
    for (qsizetype at = 0; at < bytes.size(); at += piece) {
        splitter.feed(bytes.mid(at, piece));
        while (auto line = splitter.takeLine()) {
            if (line->isEmpty() || line->size() > imprint::serial::LineSplitter::kMaxLineLength || line->contains('\n'))
                std::abort();
        }
    }
    return 0;
}
