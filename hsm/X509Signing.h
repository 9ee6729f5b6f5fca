#pragma once

// Signs X.509 structures with a key on the token. OpenSSL encodes the to-be-signed part, the
// token signs it, and the outer SEQUENCE { tbs, algorithm, BIT STRING } is assembled here,
// so no OpenSSL key object ever wraps the token key.

#include "core/Result.h"
#include "hsm/OpenSslTypes.h"
#include "hsm/TokenKey.h"

#include <QByteArray>
#include <QDateTime>
#include <QString>

namespace imprint::hsm {

// Sets the certificate's signature algorithm, signs its TBSCertificate on the token and
// returns the certificate's DER.
[[nodiscard]] Result<QByteArray> signCertificateDer(X509* certificate, const TokenKey& key);
[[nodiscard]] Result<X509Ptr> signCertificate(X509* certificate, const TokenKey& key);
// The same for a PKCS#10 request (an intermediate CA's CSR to the offline root).
[[nodiscard]] Result<X509ReqPtr> signRequest(X509_REQ* request, const TokenKey& key);

// A random positive serial of 159 bits (20 bytes, top bit clear, second bit set so the
// encoding length is fixed).
[[nodiscard]] Result<Asn1IntegerPtr> randomSerial();

// "CN=Imprint CA,O=Acme" or "/CN=Imprint CA/O=Acme" -> X509_NAME (UTF-8 values).
[[nodiscard]] Result<X509NamePtr> parseDistinguishedName(const QString& text);
[[nodiscard]] QString nameToString(const X509_NAME* name);  // RFC 2253

[[nodiscard]] QByteArray derToPem(const QByteArray& der, const char* label);
[[nodiscard]] QByteArray x509Der(const X509* certificate);
[[nodiscard]] QString sha256Hex(const QByteArray& data);
[[nodiscard]] QDateTime asn1TimeToDateTime(const ASN1_TIME* time);
[[nodiscard]] Result<X509Ptr> parseCertificate(const QByteArray& pemOrDer, const QString& what);
// Every certificate of a PEM bundle, in order. InvalidInput names `what` when none parses.
[[nodiscard]] Result<X509StackPtr> parseCertificateChain(const QByteArray& pem, const QString& what);
[[nodiscard]] Result<X509ReqPtr> parseRequest(const QByteArray& pemOrDer, ErrorCode code);

// Adds an extension built from OpenSSL's configuration syntax ("critical,CA:TRUE").
[[nodiscard]] Status addExtension(X509* certificate, X509* issuer, int nid, const char* value);

}  // namespace imprint::hsm
