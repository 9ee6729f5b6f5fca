#pragma once

// A PKCS#10 parser for the issuing hot path. OpenSSL 3.0's d2i_X509_REQ decodes the public
// key through its provider decoders (about 250 µs a CSR here, more than the ECDSA
// verification itself); this reads the DER directly, keeps the SubjectPublicKeyInfo bytes for
// the certificate, and builds the key object only from its raw parts (EC point, RSA PKCS#1).

#include "core/Result.h"
#include "hsm/OpenSslTypes.h"

#include <QByteArray>

namespace imprint::hsm {

struct ParsedCsr
{
    QByteArray requestInfo;           // CertificationRequestInfo DER: what the device signed
    QByteArray subjectPublicKeyInfo;  // the device key, byte for byte
    X509AlgorPtr signatureAlgorithm;
    QByteArray signature;
    EvpPkeyPtr publicKey;             // EC (named curve) or RSA
};

// PEM ("CERTIFICATE REQUEST" or "NEW CERTIFICATE REQUEST") or DER. CsrRejected on anything
// malformed, and on key types other than EC named curves and RSA ("unsupported key type").
[[nodiscard]] Result<ParsedCsr> parseCsr(const QByteArray& pemOrDer);

// The parts of a SubjectPublicKeyInfo: its AlgorithmIdentifier and the key bits (the BIT
// STRING's content without its unused-bits byte).
struct SpkiParts
{
    X509AlgorPtr algorithm;
    QByteArray keyBits;
};
[[nodiscard]] Result<SpkiParts> splitSubjectPublicKeyInfo(const QByteArray& spki);

// Verifies the CSR's self-signature (ECDSA or RSA PKCS#1 v1.5 with SHA-256/384/512).
[[nodiscard]] Status verifyCsrSignature(const ParsedCsr& csr);

}  // namespace imprint::hsm
