#pragma once

// Parsers for the replies of Nordic nRF91 modems to the AT commands that Nordic's own
// credential tools send (docs/devices.md; the dialogue is AT+CFUN, AT+CGSN, AT+CGMR,
// AT%DEVICEUUID, AT%KEYGEN, AT%CMNG). Pure functions over text, so they can be fuzzed.

#include "core/Result.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace imprint::serial::nrf91 {

inline constexpr quint32 kDefaultSecTag = 16842753;  // 0x01010001, as nrfcloud-utils uses
// Where a fleet-provisioning claim goes (client certificate type 1, private key type 2): a tag of
// its own, so the claim never mixes with the identity the device earns with it.
inline constexpr quint32 kClaimSecTag = 16842754;    // 0x01010002

// How an AT command ended.
enum class Final { None, Ok, Error, CmeError };

struct FinalLine
{
    Final kind = Final::None;
    int cmeCode = -1;
};

// Classifies one received line: "OK", "ERROR", "+CME ERROR: 514", anything else (None).
[[nodiscard]] FinalLine classifyLine(const QByteArray& line);
// "+CME ERROR 514 (not allowed)"
[[nodiscard]] QString describeCme(int code);

// The IMEI: the first 15 characters of the last non-empty line, which must be digits.
[[nodiscard]] std::optional<QString> parseImei(const QList<QByteArray>& lines);
// The x.y.z version in an AT+CGMR reply ("mfw_nrf91x1_2.0.2" -> "2.0.2").
[[nodiscard]] std::optional<QString> parseFirmwareVersion(const QList<QByteArray>& lines);
// "%DEVICEUUID: 988234bd-..." (a "creating device uuid..." line is skipped).
[[nodiscard]] std::optional<QString> parseDeviceUuid(const QList<QByteArray>& lines);

struct KeygenReply
{
    QByteArray csrDer;
    QByteArray cose;  // empty when the modem sent no attestation
};
// The %KEYGEN: "<base64url(CSR)>[.<base64url(COSE)>]" line.
[[nodiscard]] Result<KeygenReply> parseKeygen(const QList<QByteArray>& lines);

// The SHA-256 in "%CMNG: <tag>,<type>,\"<64 hex>\"" for the given type, if listed.
[[nodiscard]] Result<std::optional<QByteArray>> parseCmngHash(const QList<QByteArray>& lines, int type);

// PEM text as written inside AT%CMNG=0 quotes: CR removed, every LF turned into CRLF, ending
// with CRLF (as nrfcloud-utils' format_cred does). Refuses text with a double quote.
[[nodiscard]] Result<QByteArray> formatCredential(const QByteArray& pem);

}  // namespace imprint::serial::nrf91
