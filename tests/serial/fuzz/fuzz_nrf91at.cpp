// Fuzzes the nRF91 AT reply parsers over lines split from the input.
#include "serial/Nrf91At.h"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace imprint::serial::nrf91;
    const QByteArray bytes(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    const QList<QByteArray> lines = bytes.split('\n');
    for (const QByteArray& line : lines)
        (void)classifyLine(line);
    (void)parseImei(lines);
    (void)parseFirmwareVersion(lines);
    (void)parseDeviceUuid(lines);
    (void)parseKeygen(lines);
    (void)parseCmngHash(lines, 0);
    (void)parseCmngHash(lines, 1);
    (void)formatCredential(bytes);
    return 0;
}
