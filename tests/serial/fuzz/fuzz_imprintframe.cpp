// Fuzzes the Imprint frame parser; every frame that parses must survive a round trip.
#include "serial/ImprintFrame.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace imprint::serial;
    const QByteArray line(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    const FrameParseResult parsed = parseFrame(line);
    if (parsed.outcome == FrameParse::Frame) {
        const QByteArray again = encodeFrame(parsed.frame);
        const FrameParseResult reparsed = parseFrame(again.chopped(2));
        if (reparsed.outcome != FrameParse::Frame || reparsed.frame.seq != parsed.frame.seq
            || reparsed.frame.word != parsed.frame.word || reparsed.frame.args != parsed.frame.args)
            std::abort();
    }
    (void)keyValues(parsed.frame.args);
    return 0;
}
