#pragma once

// Just enough CBOR (RFC 8949) to read and write the COSE_Sign1 attestation that nRF91 modems
// attach to a KEYGEN reply: integers, byte and text strings, arrays, maps and tags, definite
// lengths only. The decoder is bounded (depth, sizes) because its input comes from a device.

#include "core/Result.h"

#include <QByteArray>
#include <QList>

namespace imprint::serial::cbor {

struct Item
{
    enum class Kind { Unsigned, Negative, Bytes, Text, Array, Map, Tag, Simple };
    Kind kind = Kind::Simple;
    quint64 number = 0;     // value (Unsigned), -1-value (Negative), tag number (Tag), simple value
    QByteArray bytes;       // Bytes, Text
    QList<Item> children;   // Array items; Map keys and values alternating; the tagged item
};

// Decodes exactly one item filling all of `data`.
[[nodiscard]] Result<Item> decode(const QByteArray& data);

// Encoding, for the device simulator and tests.
[[nodiscard]] QByteArray head(int major, quint64 value);
[[nodiscard]] QByteArray unsignedInt(quint64 value);
[[nodiscard]] QByteArray negativeInt(qint64 value);  // value < 0
[[nodiscard]] QByteArray bytes(const QByteArray& value);
[[nodiscard]] QByteArray array(const QList<QByteArray>& encodedItems);
[[nodiscard]] QByteArray tag(quint64 number, const QByteArray& encodedItem);

}  // namespace imprint::serial::cbor

namespace imprint::serial {

// What the station keeps from an nRF91 KEYGEN attestation (COSE_Sign1, payload id 9 or 8).
struct CoseAttestation
{
    quint64 payloadId = 0;
    QString deviceUuid;   // 8-4-4-4-12 lower case
    quint64 secTag = 0;
    QByteArray digest;    // SHA-256 of the CSR DER (payload id 9)
};

[[nodiscard]] Result<CoseAttestation> parseCoseAttestation(const QByteArray& cose);

// 16 raw bytes as 8-4-4-4-12 lower-case hex.
[[nodiscard]] QString formatUuid(const QByteArray& raw);

}  // namespace imprint::serial
