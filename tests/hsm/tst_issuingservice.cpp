// The issuing service against a real SoftHSM2 token: every success path of issuing, every
// refusal, and OpenSSL's own verdict on what comes out.
#include "CaFixture.h"
#include "DeviceCsrs.h"
#include "FakeClock.h"
#include "HsmTestHelpers.h"
#include "SoftHsmToken.h"
#include "hsm/CaCertificates.h"
#include "hsm/X509Signing.h"

#include <QDir>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <openssl/pem.h>
#include <openssl/pkcs12.h>

#include <thread>

using namespace imprint;

namespace {


ca::IssueRequest requestFor(const QByteArray& csr, const QString& thing = QStringLiteral("thing-0001"))
{
    ca::IssueRequest request;
    request.csr = csr;
    request.device.thingName = thing;
    request.device.serialNumber = QStringLiteral("SN-42");
    request.device.hardwareId = QStringLiteral("hw-abc");
    return request;
}

// `openssl verify` on the certificate against the chain; its stdout ("…: OK") or the error.
Result<QByteArray> opensslVerify(const QByteArray& chainPem, const QByteArray& certificatePem)
{
    QTemporaryDir dir;
    return test::runProgram(QStringLiteral("openssl"),
                            {QStringLiteral("verify"), QStringLiteral("-x509_strict"), QStringLiteral("-purpose"),
                             QStringLiteral("sslclient"), QStringLiteral("-CAfile"),
                             test::writeFile(dir, QStringLiteral("chain.pem"), chainPem),
                             test::writeFile(dir, QStringLiteral("leaf.pem"), certificatePem)});
}

QString opensslText(const QByteArray& certificatePem)
{
    auto text = test::runProgram(QStringLiteral("openssl"), {QStringLiteral("x509"), QStringLiteral("-noout"),
                                                             QStringLiteral("-text")}, certificatePem);
    return text ? QString::fromUtf8(text.value()) : QString();
}

QDateTime realNow()
{
    return QDateTime::currentDateTimeUtc();
}

}  // namespace

class TestIssuingService : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void issuesVerifiableLeafForEachCaKeyType_data()
    {
        QTest::addColumn<hsm::TokenKeyType>("caKey");
        QTest::addColumn<QString>("deviceKey");
        QTest::newRow("CA P-256, device P-256") << hsm::TokenKeyType::EcP256 << QStringLiteral("ec-p256");
        QTest::newRow("CA P-384, device P-384") << hsm::TokenKeyType::EcP384 << QStringLiteral("ec-p384");
        QTest::newRow("CA RSA-2048, device RSA-2048") << hsm::TokenKeyType::Rsa2048 << QStringLiteral("rsa-2048");
        QTest::newRow("CA P-256, device RSA-2048") << hsm::TokenKeyType::EcP256 << QStringLiteral("rsa-2048");
    }
    void issuesVerifiableLeafForEachCaKeyType()
    {
        QFETCH(hsm::TokenKeyType, caKey);
        QFETCH(QString, deviceKey);
        test::FakeClock clock(realNow());
        auto ca = test::makeCa(caKey, clock);
        REQUIRE_OK(ca);
        test::CsrOptions options;
        options.keyType = deviceKey;
        const QByteArray csr = test::makeCsrDer(options);
        QVERIFY(!csr.isEmpty());
        auto issued = ca.value()->service->issueFromCsr(requestFor(test::toPem(csr, "CERTIFICATE REQUEST")));
        REQUIRE_OK(issued);

        auto verdict = opensslVerify(ca.value()->chainPem, issued->pem);
        REQUIRE_OK(verdict);
        QVERIFY(verdict->contains(": OK"));
        QCOMPARE(issued->subject, QStringLiteral("CN=thing-0001"));
        QCOMPARE(issued->sha256Fingerprint, hsm::sha256Hex(issued->der));
        QVERIFY2(issued->serialHex.size() >= 32, qPrintable(issued->serialHex));  // >= 128 bits
        QVERIFY(issued->notBefore <= clock.nowUtc());
        QCOMPARE(issued->notAfter.date(), clock.nowUtc().addDays(3650).date());
        const QString text = opensslText(issued->pem);
        QVERIFY2(text.contains(QStringLiteral("CA:FALSE")), qPrintable(text));
        QVERIFY(text.contains(QStringLiteral("Digital Signature")));
        QVERIFY(text.contains(QStringLiteral("TLS Web Client Authentication")));
        QVERIFY(text.contains(QStringLiteral("X509v3 Subject Key Identifier")));
        QVERIFY(text.contains(QStringLiteral("X509v3 Authority Key Identifier")));
        QVERIFY2(text.contains(QStringLiteral("Serial Number:")), qPrintable(text));

        // The device key is in the certificate byte for byte.
        auto certificate = hsm::parseCertificate(issued->der, QStringLiteral("issued"));
        REQUIRE_OK(certificate);
        auto request = hsm::parseRequest(csr, ErrorCode::CsrRejected);
        REQUIRE_OK(request);
        QVERIFY(EVP_PKEY_eq(X509_get0_pubkey(certificate->get()), X509_REQ_get0_pubkey(request->get())) == 1);
        unsigned char* spki = nullptr;
        const int size = i2d_X509_PUBKEY(X509_REQ_get_X509_PUBKEY(request->get()), &spki);
        const QByteArray spkiDer(reinterpret_cast<const char*>(spki), size);
        OPENSSL_free(spki);
        QCOMPARE(issued->publicKeySha256, hsm::sha256Hex(spkiDer));
    }

    void csrAskingForCaGetsAnOrdinaryLeaf()
    {
        test::FakeClock clock(realNow());
        auto ca = test::makeCa(hsm::TokenKeyType::EcP256, clock);
        REQUIRE_OK(ca);
        test::CsrOptions options;
        options.requestCaExtensions = true;
        options.commonName = QStringLiteral("i-want-to-be-a-ca");
        auto issued = ca.value()->service->issueFromCsr(requestFor(test::makeCsrDer(options)));
        REQUIRE_OK(issued);
        const QString text = opensslText(issued->pem);
        QVERIFY2(text.contains(QStringLiteral("CA:FALSE")), qPrintable(text));
        QVERIFY(!text.contains(QStringLiteral("CA:TRUE")));
        QVERIFY(!text.contains(QStringLiteral("Certificate Sign")));
        QVERIFY(!text.contains(QStringLiteral("evil.example")));
        QVERIFY(!text.contains(QStringLiteral("i-want-to-be-a-ca")));
        QVERIFY(!text.contains(QStringLiteral("Device Says")));
        auto certificate = hsm::parseCertificate(issued->der, QStringLiteral("issued"));
        REQUIRE_OK(certificate);
        QCOMPARE(X509_check_ca(certificate->get()), 0);
    }

    void profileShapesSubjectValidityAndSan()
    {
        test::FakeClock clock(realNow());
        auto ca = test::makeCa(hsm::TokenKeyType::EcP256, clock);
        REQUIRE_OK(ca);
        auto request = requestFor(test::makeCsrDer({}), QStringLiteral("pump-7"));
        request.profile.subject.country = QStringLiteral("DE");
        request.profile.subject.organization = QStringLiteral("Acme Pumps");
        request.profile.subject.organizationalUnit = QStringLiteral("Line 3");
        request.profile.subject.serialNumber = QStringLiteral("{serialNumber}");
        request.profile.subject.dnQualifier = QStringLiteral("{hardwareId}");
        request.profile.dnsNames = {QStringLiteral("{thingName}.devices.example")};
        request.profile.fixedNotAfter = QDateTime(QDate(2030, 12, 31), QTime(23, 59, 59), Qt::UTC);
        auto issued = ca.value()->service->issueFromCsr(request);
        REQUIRE_OK(issued);
        QCOMPARE(issued->subject,
                 QStringLiteral("dnQualifier=hw-abc,serialNumber=SN-42,CN=pump-7,OU=Line 3,O=Acme Pumps,C=DE"));
        QCOMPARE(issued->notAfter, QDateTime(QDate(2030, 12, 31), QTime(23, 59, 59), Qt::UTC));
        QVERIFY(opensslText(issued->pem).contains(QStringLiteral("DNS:pump-7.devices.example")));
        REQUIRE_OK(opensslVerify(ca.value()->chainPem, issued->pem));
    }

    void leafNeverOutlivesTheCa()
    {
        test::FakeClock clock(realNow());
        auto ca = test::makeCa(hsm::TokenKeyType::EcP256, clock);
        REQUIRE_OK(ca);
        auto request = requestFor(test::makeCsrDer({}));
        request.profile.validityDays = 20 * 365;
        auto issued = ca.value()->service->issueFromCsr(request);
        REQUIRE_OK(issued);
        auto root = hsm::parseCertificate(ca.value()->chainPem, QStringLiteral("root"));
        REQUIRE_OK(root);
        QCOMPARE(issued->notAfter, hsm::asn1TimeToDateTime(X509_get0_notAfter(root->get())));
    }

    void caExpiringDuringTheShiftStopsIssuing()
    {
        test::FakeClock clock(realNow());
        auto ca = test::makeCa(hsm::TokenKeyType::EcP256, clock);
        REQUIRE_OK(ca);
        REQUIRE_OK(ca.value()->service->issueFromCsr(requestFor(test::makeCsrDer({}))));
        clock.advanceMs(qint64{3651} * 24 * 3600 * 1000);
        auto issued = ca.value()->service->issueFromCsr(requestFor(test::makeCsrDer({})));
        QVERIFY(!issued.ok());
        QCOMPARE(issued.error().code(), ErrorCode::CaInvalid);
        QVERIFY2(issued.error().message().contains(QStringLiteral("the CA certificate is expired")), qPrintable(issued.error().message()));
    }

    void refusesBadCsrs_data()
    {
        QTest::addColumn<QByteArray>("csr");
        QTest::addColumn<QString>("expected");
        test::CsrOptions broken;
        broken.breakSignature = true;
        test::CsrOptions weak;
        weak.keyType = QStringLiteral("rsa-1024");
        test::CsrOptions edwards;
        edwards.keyType = QStringLiteral("ed25519");
        test::CsrOptions p521;
        p521.keyType = QStringLiteral("ec-p521");
        QTest::newRow("malformed") << QByteArray("not a CSR at all") << QStringLiteral("CSR malformed");
        QTest::newRow("truncated") << test::makeCsrDer({}).left(40) << QStringLiteral("CSR malformed");
        QTest::newRow("bad signature") << test::makeCsrDer(broken) << QStringLiteral("bad signature");
        QTest::newRow("weak RSA-1024") << test::makeCsrDer(weak) << QStringLiteral("weak key: RSA-1024");
        QTest::newRow("unsupported Ed25519") << test::makeCsrDer(edwards) << QStringLiteral("unsupported key type ED25519");
        QTest::newRow("curve not allowed") << test::makeCsrDer(p521) << QStringLiteral("EC curve secp521r1");
    }
    void refusesBadCsrs()
    {
        QFETCH(QByteArray, csr);
        QFETCH(QString, expected);
        test::FakeClock clock(realNow());
        auto ca = test::makeCa(hsm::TokenKeyType::EcP256, clock);
        REQUIRE_OK(ca);
        auto issued = ca.value()->service->issueFromCsr(requestFor(csr));
        QVERIFY(!issued.ok());
        QCOMPARE(issued.error().code(), ErrorCode::CsrRejected);
        QVERIFY2(issued.error().message().contains(expected), qPrintable(issued.error().message()));
    }

    void refusesUnknownPlaceholder()
    {
        test::FakeClock clock(realNow());
        auto ca = test::makeCa(hsm::TokenKeyType::EcP256, clock);
        REQUIRE_OK(ca);
        auto request = requestFor(test::makeCsrDer({}));
        request.profile.subject.commonName = QStringLiteral("{thingname}");
        auto issued = ca.value()->service->issueFromCsr(request);
        QVERIFY(!issued.ok());
        QCOMPARE(issued.error().code(), ErrorCode::InvalidInput);
        QVERIFY(issued.error().message().contains(QStringLiteral("unknown placeholder {thingname}")));
    }

    void stationMadeKeyComesBackOnceAsPkcs8()
    {
        test::FakeClock clock(realNow());
        auto ca = test::makeCa(hsm::TokenKeyType::EcP256, clock);
        REQUIRE_OK(ca);
        auto request = requestFor({}, QStringLiteral("no-keygen-device"));
        request.stationKeyType = ca::StationKeyType::EcP256;
        auto issued = ca.value()->service->issueWithStationKey(request);
        REQUIRE_OK(issued);
        REQUIRE_OK(opensslVerify(ca.value()->chainPem, issued->certificate.pem));
        const auto* cursor = reinterpret_cast<const unsigned char*>(issued->privateKeyPkcs8Der.data());
        hsm::OpenSslPtr<PKCS8_PRIV_KEY_INFO, &PKCS8_PRIV_KEY_INFO_free> info(
            d2i_PKCS8_PRIV_KEY_INFO(nullptr, &cursor, static_cast<long>(issued->privateKeyPkcs8Der.size())));
        QVERIFY(info);
        hsm::EvpPkeyPtr key(EVP_PKCS82PKEY(info.get()));
        QVERIFY(key);
        auto certificate = hsm::parseCertificate(issued->certificate.der, QStringLiteral("issued"));
        REQUIRE_OK(certificate);
        QCOMPARE(X509_check_private_key(certificate->get(), key.get()), 1);
        QCOMPARE(issued->certificate.subject, QStringLiteral("CN=no-keygen-device"));
    }

    void verificationCertificateCarriesRegistrationCode()
    {
        test::FakeClock clock(realNow());
        auto ca = test::makeCa(hsm::TokenKeyType::EcP256, clock);
        REQUIRE_OK(ca);
        const QString code = QStringLiteral("a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90");
        auto pem = ca.value()->service->verificationCertificatePem(code);
        REQUIRE_OK(pem);
        auto verdict = opensslVerify(ca.value()->chainPem, pem.value());
        REQUIRE_OK(verdict);
        QVERIFY(opensslText(pem.value()).contains(QStringLiteral("Subject: CN = ") + code));
    }

    void concurrentWorkersGetUniqueSerials()
    {
        test::FakeClock clock(realNow());
        auto ca = test::makeCa(hsm::TokenKeyType::EcP256, clock);
        REQUIRE_OK(ca);
        constexpr int kPerThread = 40;
        std::vector<QByteArray> csrs;
        for (int i = 0; i < 2 * kPerThread; ++i)
            csrs.push_back(test::makeCsrDer({}));
        std::vector<QString> serials(csrs.size());
        std::atomic<int> failures{0};
        auto work = [&](std::size_t from) {
            for (std::size_t i = from; i < from + kPerThread; ++i) {
                auto issued = ca.value()->service->issueFromCsr(requestFor(csrs[i]));
                if (!issued.ok()) {
                    ++failures;
                    continue;
                }
                serials[i] = issued->serialHex;
            }
        };
        std::thread first(work, 0);
        std::thread second(work, kPerThread);
        first.join();
        second.join();
        QCOMPARE(failures.load(), 0);
        QSet<QString> unique(serials.begin(), serials.end());
        QCOMPARE(unique.size(), qsizetype{2 * kPerThread});
    }

    void tokenRemovedMidBatchFailsCleanlyThenFast()
    {
        test::FakeClock clock(realNow());
        auto ca = test::makeCa(hsm::TokenKeyType::EcP256, clock);
        REQUIRE_OK(ca);
        auto& service = *ca.value()->service;
        REQUIRE_OK(service.issueFromCsr(requestFor(test::makeCsrDer({}))));
        // The module goes away under the running service, as when the HSM is unplugged.
        ca.value()->library->finalize();
        auto inFlight = service.issueFromCsr(requestFor(test::makeCsrDer({})));
        QVERIFY(!inFlight.ok());
        QCOMPARE(inFlight.error().code(), ErrorCode::TokenRemoved);
        QVERIFY2(inFlight.error().message().contains(QStringLiteral("on token 'imprint-test'")),
                 qPrintable(inFlight.error().message()));
        QVERIFY(service.tokenGone());
        auto later = service.issueFromCsr(requestFor(test::makeCsrDer({})));
        QVERIFY(!later.ok());
        QCOMPARE(later.error().code(), ErrorCode::TokenRemoved);
        QVERIFY2(later.error().message().contains(QStringLiteral("was removed")), qPrintable(later.error().message()));
        // Back: reconnect with the PIN and issue again.
        REQUIRE_OK(service.reconnect(test::userPin()));
        QVERIFY(!service.tokenGone());
        auto again = service.issueFromCsr(requestFor(test::makeCsrDer({})));
        REQUIRE_OK(again);
        REQUIRE_OK(opensslVerify(ca.value()->chainPem, again->pem));
    }

    void tokenDirectoryDeletedIsReported()
    {
        test::FakeClock clock(realNow());
        auto ca = test::makeCa(hsm::TokenKeyType::EcP256, clock);
        REQUIRE_OK(ca);
        auto& service = *ca.value()->service;
        const QDir tokens(ca.value()->softHsm->directory() + QStringLiteral("/tokens"));
        for (const QString& entry : tokens.entryList(QDir::Dirs | QDir::NoDotAndDotDot))
            QVERIFY(QDir(tokens.filePath(entry)).removeRecursively());
        ca.value()->library->finalize();
        auto reconnected = service.reconnect(test::userPin());
        QVERIFY(!reconnected.ok());
        QCOMPARE(reconnected.error().code(), ErrorCode::TokenNotFound);
        QVERIFY2(reconnected.error().message().contains(QStringLiteral("token 'imprint-test' not found")),
                 qPrintable(reconnected.error().message()));
        auto issued = service.issueFromCsr(requestFor(test::makeCsrDer({})));
        QVERIFY(!issued.ok());
        QCOMPARE(issued.error().code(), ErrorCode::TokenRemoved);
    }
};

QTEST_GUILESS_MAIN(TestIssuingService)
#include "tst_issuingservice.moc"
