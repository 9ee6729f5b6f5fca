// hsm/CsrParser against OpenSSL's own PKCS#10 parser: the same request info, key and key
// bytes for every key type, and a refusal for every malformation.
#include "DeviceCsrs.h"
#include "hsm/CsrParser.h"
#include "hsm/X509Signing.h"

#include <QTest>

using namespace imprint;

class TestCsrParser : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void agreesWithOpenSsl_data()
    {
        QTest::addColumn<QString>("keyType");
        QTest::addColumn<bool>("pem");
        QTest::addColumn<bool>("extensions");
        QTest::newRow("P-256 DER") << QStringLiteral("ec-p256") << false << false;
        QTest::newRow("P-384 PEM") << QStringLiteral("ec-p384") << true << false;
        QTest::newRow("RSA-2048 DER with extensions") << QStringLiteral("rsa-2048") << false << true;
        QTest::newRow("P-256 PEM with extensions") << QStringLiteral("ec-p256") << true << true;
    }
    void agreesWithOpenSsl()
    {
        QFETCH(QString, keyType);
        QFETCH(bool, pem);
        QFETCH(bool, extensions);
        test::CsrOptions options;
        options.keyType = keyType;
        options.requestCaExtensions = extensions;
        const QByteArray der = test::makeCsrDer(options);
        QVERIFY(!der.isEmpty());
        auto parsed = hsm::parseCsr(pem ? test::toPem(der, "CERTIFICATE REQUEST") : der);
        QVERIFY2(parsed.ok(), qPrintable(parsed.ok() ? QString() : parsed.error().message()));
        QVERIFY(hsm::verifyCsrSignature(parsed.value()).ok());

        auto reference = hsm::parseRequest(der, ErrorCode::CsrRejected);
        QVERIFY(reference.ok());
        QCOMPARE(EVP_PKEY_eq(parsed->publicKey.get(), X509_REQ_get0_pubkey(reference->get())), 1);
        unsigned char* spki = nullptr;
        const int spkiSize = i2d_X509_PUBKEY(X509_REQ_get_X509_PUBKEY(reference->get()), &spki);
        QCOMPARE(parsed->subjectPublicKeyInfo, QByteArray(reinterpret_cast<const char*>(spki), spkiSize));
        OPENSSL_free(spki);
        unsigned char* info = nullptr;
        const int infoSize = i2d_re_X509_REQ_tbs(reference->get(), &info);
        QCOMPARE(parsed->requestInfo, QByteArray(reinterpret_cast<const char*>(info), infoSize));
        OPENSSL_free(info);
    }

    void legacyPemHeaderIsAccepted()
    {
        QByteArray pem = test::toPem(test::makeCsrDer({}), "NEW CERTIFICATE REQUEST");
        QVERIFY(hsm::parseCsr(pem).ok());
    }

    void refusesMalformedDer_data()
    {
        QTest::addColumn<QByteArray>("csr");
        QTest::addColumn<QString>("text");
        const QByteArray good = test::makeCsrDer({});
        QByteArray wrongTag = good;
        wrongTag[0] = 0x31;
        QByteArray hugeLength = good;
        hugeLength[1] = static_cast<char>(0x84);
        QByteArray badBase64 = "-----BEGIN CERTIFICATE REQUEST-----\n!!!!\n-----END CERTIFICATE REQUEST-----\n";
        QTest::newRow("empty") << QByteArray() << QStringLiteral("CSR malformed");
        QTest::newRow("trailing bytes") << good + QByteArray("\x00", 1) << QStringLiteral("CSR malformed");
        QTest::newRow("truncated") << good.left(good.size() - 1) << QStringLiteral("CSR malformed");
        QTest::newRow("wrong outer tag") << wrongTag << QStringLiteral("CSR malformed");
        QTest::newRow("length beyond the data") << hugeLength << QStringLiteral("CSR malformed");
        QTest::newRow("PEM with bad base64") << badBase64 << QStringLiteral("bad base64");
        QTest::newRow("a certificate, not a CSR") << QByteArray("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
                                                  << QStringLiteral("without a CERTIFICATE REQUEST block");
    }
    void refusesMalformedDer()
    {
        QFETCH(QByteArray, csr);
        QFETCH(QString, text);
        auto parsed = hsm::parseCsr(csr);
        QVERIFY(!parsed.ok());
        QCOMPARE(parsed.error().code(), ErrorCode::CsrRejected);
        QVERIFY2(parsed.error().message().contains(text), qPrintable(parsed.error().message()));
    }
};

QTEST_GUILESS_MAIN(TestCsrParser)
#include "tst_csrparser.moc"
