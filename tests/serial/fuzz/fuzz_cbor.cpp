// Fuzzes the CBOR decoder and the COSE attestation reader (device-controlled input).
#include "serial/Cbor.h"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QByteArray bytes(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    (void)imprint::serial::cbor::decode(bytes);
    (void)imprint::serial::parseCoseAttestation(bytes);
    return 0;
}
