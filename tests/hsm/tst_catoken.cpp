// CA set-up on a real SoftHSM2 token and every way opening the CA can fail: module, token,
// PIN, key, certificate; PKCS#11 URIs and PIN sources; a second PKCS#11 client and module.
#include "CaFixture.h"
#include "DeviceCsrs.h"
#include "FakeClock.h"
#include "HsmTestHelpers.h"
#include "SoftHsmToken.h"
#include "hsm/CaCertificates.h"
#include "hsm/PinSource.h"
#include "hsm/X509Signing.h"

#include <QTemporaryDir>
#include <QTest>

using namespace imprint;

namespace {

#define REQUIRE_ERROR(result, errorCode, text)                                                               \
    do {                                                                                                     \
        QVERIFY2(!(result).ok(), "expected a failure");                                                      \
        QCOMPARE((result).error().code(), errorCode);                                                        \
        QVERIFY2((result).error().message().contains(text), qPrintable((result).error().message()));         \
    } while (false)

class ScriptedPrompt final : public OperatorPrompt
{
public:
    explicit ScriptedPrompt(const char* answer) : m_answer(answer) {}
    Result<SecureBytes> askSecret(const QString& what) override
    {
        asked = what;
        if (m_answer == nullptr)
            return Error(ErrorCode::Cancelled, QStringLiteral("declined"));
        return SecureBytes::fromString(m_answer);
    }
    bool confirm(const QString&) override { return false; }
    QString asked;

private:
    const char* m_answer;
};

QDateTime realNow()
{
    return QDateTime::currentDateTimeUtc();
}

}  // namespace

class TestCaToken : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void generatesEachKeyTypeOnTheToken_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<QString>("algorithm");
        QTest::addColumn<int>("bits");
        QTest::newRow("ec-p256") << QStringLiteral("ec-p256") << QStringLiteral("EC") << 256;
        QTest::newRow("ec-p384") << QStringLiteral("ec-p384") << QStringLiteral("EC") << 384;
        QTest::newRow("rsa-2048") << QStringLiteral("rsa-2048") << QStringLiteral("RSA") << 2048;
        QTest::newRow("rsa-3072") << QStringLiteral("rsa-3072") << QStringLiteral("RSA") << 3072;
    }
    void generatesEachKeyTypeOnTheToken()
    {
        QFETCH(QString, type);
        QFETCH(QString, algorithm);
        QFETCH(int, bits);
        auto softHsm = test::SoftHsmToken::create();
        REQUIRE_OK(softHsm);
        auto library = hsm::Pkcs11Library::load(test::SoftHsmToken::modulePath());
        REQUIRE_OK(library);
        auto token = hsm::Token::open(library.value(), softHsm.value()->label());
        REQUIRE_OK(token);
        REQUIRE_OK(token.value()->login(test::userPin()));
        auto keyType = hsm::parseTokenKeyType(type);
        REQUIRE_OK(keyType);
        auto key = hsm::TokenKey::generate(*token.value(), keyType.value(), QStringLiteral("ca-key"));
        REQUIRE_OK(key);
        QVERIFY(EVP_PKEY_is_a(key->publicKey(), algorithm.toLatin1().constData()));
        QCOMPARE(EVP_PKEY_get_bits(key->publicKey()), bits);
        // Found again by label, and the same key.
        auto found = hsm::TokenKey::find(*token.value(), QStringLiteral("ca-key"), {});
        REQUIRE_OK(found);
        QVERIFY(EVP_PKEY_eq(found->publicKey(), key->publicKey()) == 1);
        // A second key under the same label is refused.
        auto twice = hsm::TokenKey::generate(*token.value(), keyType.value(), QStringLiteral("ca-key"));
        REQUIRE_ERROR(twice, ErrorCode::AlreadyExists, QStringLiteral("already exists"));
        // The root it signs passes OpenSSL's checks: self-signature, CA extensions.
        auto root = hsm::makeSelfSignedRoot(key.value(), {}, realNow());
        REQUIRE_OK(root);
        QCOMPARE(X509_verify(root->get(), key->publicKey()), 1);
        QCOMPARE(X509_check_ca(root->get()), 1);
        QVERIFY((X509_get_key_usage(root->get()) & (KU_KEY_CERT_SIGN | KU_CRL_SIGN)) == (KU_KEY_CERT_SIGN | KU_CRL_SIGN));
        QCOMPARE(X509_get_pathlen(root->get()), 0L);
        QVERIFY(X509_get0_subject_key_id(root->get()) != nullptr);
        QVERIFY(X509_get0_authority_key_id(root->get()) != nullptr);
        REQUIRE_OK(hsm::checkCaCertificate(root->get(), key.value(), realNow()));
    }

    void intermediateSignedByOfflineRootIssuesVerifiableLeaves()
    {
        QTemporaryDir dir;
        auto softHsm = test::SoftHsmToken::create(QStringLiteral("line-ca"));
        REQUIRE_OK(softHsm);
        auto library = hsm::Pkcs11Library::load(test::SoftHsmToken::modulePath());
        REQUIRE_OK(library);
        QByteArray csrPem;
        {
            auto token = hsm::Token::open(library.value(), QStringLiteral("line-ca"));
            REQUIRE_OK(token);
            REQUIRE_OK(token.value()->login(test::userPin()));
            auto key = hsm::TokenKey::generate(*token.value(), hsm::TokenKeyType::EcP256, QStringLiteral("imprint-ca"));
            REQUIRE_OK(key);
            hsm::CaCertificateSpec spec;
            spec.subject = QStringLiteral("CN=Line 3 Issuing CA,O=Acme");
            auto request = hsm::makeCaRequest(key.value(), spec);
            REQUIRE_OK(request);
            QCOMPARE(X509_REQ_verify(request->get(), key->publicKey()), 1);
            unsigned char* der = nullptr;
            const int size = i2d_X509_REQ(request->get(), &der);
            csrPem = test::toPem(QByteArray(reinterpret_cast<const char*>(der), size), "CERTIFICATE REQUEST");
            OPENSSL_free(der);
        }
        const QString csrPath = test::writeFile(dir, QStringLiteral("ca.csr"), csrPem);
        REQUIRE_OK(test::runProgram(QStringLiteral("openssl"), {QStringLiteral("req"), QStringLiteral("-verify"),
                                                               QStringLiteral("-noout"), QStringLiteral("-in"), csrPath}));
        // The offline root, played by the openssl command line.
        const QString rootKey = dir.filePath(QStringLiteral("root.key"));
        const QString rootPem = dir.filePath(QStringLiteral("root.pem"));
        REQUIRE_OK(test::runProgram(QStringLiteral("openssl"),
            {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), QStringLiteral("ec"),
             QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:P-384"), QStringLiteral("-nodes"),
             QStringLiteral("-keyout"), rootKey, QStringLiteral("-out"), rootPem, QStringLiteral("-subj"),
             QStringLiteral("/CN=Acme Offline Root"), QStringLiteral("-days"), QStringLiteral("60")}));
        const QString extensions = test::writeFile(dir, QStringLiteral("ext.cnf"),
            "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n"
            "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n");
        const QString intermediatePem = dir.filePath(QStringLiteral("intermediate.pem"));
        REQUIRE_OK(test::runProgram(QStringLiteral("openssl"),
            {QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"), csrPath, QStringLiteral("-CA"), rootPem,
             QStringLiteral("-CAkey"), rootKey, QStringLiteral("-set_serial"), QStringLiteral("4242"),
             QStringLiteral("-days"), QStringLiteral("30"), QStringLiteral("-extfile"), extensions,
             QStringLiteral("-out"), intermediatePem}));
        QFile intermediateFile(intermediatePem);
        QFile rootFile(rootPem);
        QVERIFY(intermediateFile.open(QIODevice::ReadOnly) && rootFile.open(QIODevice::ReadOnly));
        const QByteArray chain = intermediateFile.readAll() + rootFile.readAll();

        test::FakeClock clock(realNow());
        auto uri = hsm::Pkcs11Uri::parse(QStringLiteral("pkcs11:token=line-ca;object=imprint-ca"));
        REQUIRE_OK(uri);
        auto service = hsm::IssuingService::open(library.value(), uri.value(), test::userPin(), chain, clock);
        REQUIRE_OK(service);
        ca::IssueRequest request;
        request.csr = test::makeCsrDer({});
        request.device.thingName = QStringLiteral("pump-1");
        auto issued = service.value()->issueFromCsr(request);
        REQUIRE_OK(issued);
        const QString leaf = test::writeFile(dir, QStringLiteral("leaf.pem"), issued->pem);
        const QString chainPath = test::writeFile(dir, QStringLiteral("chain.pem"), service.value()->caChainPem());
        auto verdict = test::runProgram(QStringLiteral("openssl"), {QStringLiteral("verify"), QStringLiteral("-CAfile"), chainPath, leaf});
        REQUIRE_OK(verdict);
        QVERIFY(verdict->contains(": OK"));
    }

    void openingFailsClearly_data()
    {
        QTest::addColumn<QString>("uri");
        QTest::addColumn<QByteArray>("pin");
        QTest::addColumn<bool>("foreignCertificate");
        QTest::addColumn<int>("clockShiftDays");
        QTest::addColumn<ErrorCode>("code");
        QTest::addColumn<QString>("text");
        const QString good = QStringLiteral("pkcs11:token=imprint-test;object=imprint-ca");
        QTest::newRow("wrong PIN") << good << QByteArray("999999") << false << 0 << ErrorCode::PinIncorrect
                                   << QStringLiteral("C_Login on token 'imprint-test': CKR_PIN_INCORRECT");
        QTest::newRow("token not found") << QStringLiteral("pkcs11:token=nope;object=imprint-ca") << QByteArray("123456")
                                         << false << 0 << ErrorCode::TokenNotFound
                                         << QStringLiteral("token 'nope' not found in /usr/lib/softhsm/libsofthsm2.so; tokens present: 'imprint-test'");
        QTest::newRow("key not found") << QStringLiteral("pkcs11:token=imprint-test;object=other") << QByteArray("123456")
                                       << false << 0 << ErrorCode::KeyNotFound
                                       << QStringLiteral("private key 'other' on token 'imprint-test' not found");
        QTest::newRow("certificate of another key") << good << QByteArray("123456") << true << 0 << ErrorCode::CaInvalid
                                                    << QStringLiteral("does not match key 'imprint-ca'");
        QTest::newRow("CA expired") << good << QByteArray("123456") << false << 3651 << ErrorCode::CaInvalid
                                    << QStringLiteral("expired on");
        QTest::newRow("CA not yet valid") << good << QByteArray("123456") << false << -1 << ErrorCode::CaInvalid
                                          << QStringLiteral("is not yet valid");
    }
    void openingFailsClearly()
    {
        QFETCH(QString, uri);
        QFETCH(QByteArray, pin);
        QFETCH(bool, foreignCertificate);
        QFETCH(int, clockShiftDays);
        QFETCH(ErrorCode, code);
        QFETCH(QString, text);
        test::FakeClock clock(realNow());
        auto ca = test::makeCa(hsm::TokenKeyType::EcP256, clock);
        REQUIRE_OK(ca);
        ca.value()->service.reset();
        QByteArray chain = ca.value()->chainPem;
        if (foreignCertificate) {
            auto token = hsm::Token::open(ca.value()->library, QStringLiteral("imprint-test"));
            REQUIRE_OK(token);
            REQUIRE_OK(token.value()->login(test::userPin()));
            auto other = hsm::TokenKey::generate(*token.value(), hsm::TokenKeyType::EcP256, QStringLiteral("other-ca"));
            REQUIRE_OK(other);
            auto root = hsm::makeSelfSignedRoot(other.value(), {}, clock.nowUtc());
            REQUIRE_OK(root);
            chain = hsm::derToPem(hsm::x509Der(root->get()), "CERTIFICATE");
        }
        clock.advanceMs(qint64{clockShiftDays} * 24 * 3600 * 1000);
        auto parsed = hsm::Pkcs11Uri::parse(uri);
        REQUIRE_OK(parsed);
        auto service = hsm::IssuingService::open(ca.value()->library, parsed.value(),
                                                 SecureBytes(pin.constData(), static_cast<std::size_t>(pin.size())), chain, clock);
        REQUIRE_ERROR(service, code, text);
    }

    void aWrongPinIsTriedOnce()
    {
        test::FakeClock clock(realNow());
        auto ca = test::makeCa(hsm::TokenKeyType::EcP256, clock);
        REQUIRE_OK(ca);
        ca.value()->service.reset();
        auto token = hsm::Token::open(ca.value()->library, QStringLiteral("imprint-test"));
        REQUIRE_OK(token);
        auto login = token.value()->login(SecureBytes::fromString("000000"));
        REQUIRE_ERROR(login, ErrorCode::PinIncorrect, QStringLiteral("not retried"));
        // SoftHSM2 counts failed logins in CKF_USER_PIN_COUNT_LOW: exactly one attempt was made.
        CK_TOKEN_INFO info{};
        QCOMPARE(ca.value()->library->functions()->C_GetTokenInfo(token.value()->slot(), &info), CKR_OK);
        QVERIFY((info.flags & CKF_USER_PIN_COUNT_LOW) != 0);
        QVERIFY((info.flags & CKF_USER_PIN_FINAL_TRY) == 0);
    }

    void ckrCodesMapToErrorsThatNameTheCall_data()
    {
        QTest::addColumn<qulonglong>("rv");
        QTest::addColumn<ErrorCode>("code");
        QTest::addColumn<QString>("text");
        QTest::newRow("PIN locked") << qulonglong{CKR_PIN_LOCKED} << ErrorCode::PinLocked
                                    << QStringLiteral("C_Login on token 't': CKR_PIN_LOCKED (the user PIN is locked");
        QTest::newRow("device removed") << qulonglong{CKR_DEVICE_REMOVED} << ErrorCode::TokenRemoved
                                        << QStringLiteral("C_Login on token 't': CKR_DEVICE_REMOVED");
        QTest::newRow("unnamed") << qulonglong{0x8000abcd} << ErrorCode::HsmModule
                                 << QStringLiteral("C_Login on token 't': CKR_0x8000abcd");
    }
    void ckrCodesMapToErrorsThatNameTheCall()
    {
        QFETCH(qulonglong, rv);
        QFETCH(ErrorCode, code);
        QFETCH(QString, text);
        const Error error = hsm::pkcs11Failure("C_Login", QStringLiteral("t"), static_cast<CK_RV>(rv));
        QCOMPARE(error.code(), code);
        QVERIFY2(error.message().startsWith(text), qPrintable(error.message()));
    }

    void moduleErrorsNameThePath_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("text");
        QTest::newRow("missing") << QStringLiteral("/nonexistent/pkcs11.so") << QStringLiteral("/nonexistent/pkcs11.so does not exist");
        QTest::newRow("not a module") << QStringLiteral("/usr/lib/x86_64-linux-gnu/libsqlite3.so.0")
                                      << QStringLiteral("is not a PKCS#11 module");
        QTest::newRow("not a library") << QStringLiteral("/etc/hostname") << QStringLiteral("is not a PKCS#11 module");
    }
    void moduleErrorsNameThePath()
    {
        QFETCH(QString, path);
        QFETCH(QString, text);
        auto library = hsm::Pkcs11Library::load(path);
        REQUIRE_ERROR(library, ErrorCode::HsmModule, text);
    }

    void urisSelectTokenKeyAndPinFile()
    {
        auto uri = hsm::Pkcs11Uri::parse(
            QStringLiteral("pkcs11:token=imprint%20dev;object=imprint-ca;id=%01%02?pin-source=file:/run/pin"));
        REQUIRE_OK(uri);
        QCOMPARE(uri->token, QStringLiteral("imprint dev"));
        QCOMPARE(uri->object, QStringLiteral("imprint-ca"));
        QCOMPARE(uri->id, QByteArray("\x01\x02", 2));
        QCOMPARE(uri->pinSource, QStringLiteral("/run/pin"));
        REQUIRE_ERROR(hsm::Pkcs11Uri::parse(QStringLiteral("pkcs11:token=t?pin-value=1234")), ErrorCode::InvalidInput,
                      QStringLiteral("carries pin-value"));
        REQUIRE_ERROR(hsm::Pkcs11Uri::parse(QStringLiteral("pkcs11:object=x")), ErrorCode::InvalidInput,
                      QStringLiteral("names no token"));
        REQUIRE_ERROR(hsm::Pkcs11Uri::parse(QStringLiteral("https://example.com")), ErrorCode::InvalidInput,
                      QStringLiteral("invalid PKCS#11 URI"));
    }

    void pinComesFromFileThenEnvironmentThenPrompt()
    {
        QTemporaryDir dir;
        const QString pinFile = test::writeFile(dir, QStringLiteral("pin"), "4711\n");
        auto fromFile = hsm::obtainPin(hsm::Pkcs11Uri::parse(QStringLiteral("pkcs11:token=t?pin-source=file:") + pinFile).value(), nullptr);
        REQUIRE_OK(fromFile);
        QCOMPARE(QByteArray(fromFile->data(), static_cast<qsizetype>(fromFile->size())), QByteArray("4711"));

        const auto uri = hsm::Pkcs11Uri::parse(QStringLiteral("pkcs11:token=t")).value();
        qputenv(hsm::kPinEnvironmentVariable, "2468");
        auto fromEnvironment = hsm::obtainPin(uri, nullptr);
        qunsetenv(hsm::kPinEnvironmentVariable);
        REQUIRE_OK(fromEnvironment);
        QCOMPARE(QByteArray(fromEnvironment->c_str()), QByteArray("2468"));

        ScriptedPrompt prompt("1357");
        auto fromPrompt = hsm::obtainPin(uri, &prompt);
        REQUIRE_OK(fromPrompt);
        QCOMPARE(QByteArray(fromPrompt->c_str()), QByteArray("1357"));
        QCOMPARE(prompt.asked, QStringLiteral("PIN of token 't'"));

        REQUIRE_ERROR(hsm::obtainPin(uri, nullptr), ErrorCode::Cancelled, QStringLiteral("IMPRINT_HSM_PIN"));
        REQUIRE_ERROR(hsm::obtainPin(hsm::Pkcs11Uri::parse(QStringLiteral("pkcs11:token=t?pin-source=file:/nonexistent/pin")).value(), nullptr),
                      ErrorCode::NotFound, QStringLiteral("/nonexistent/pin"));
    }

    void pkcs11ToolSeesTheKeyAndSignsWithIt()
    {
        test::FakeClock clock(realNow());
        auto ca = test::makeCa(hsm::TokenKeyType::EcP256, clock);
        REQUIRE_OK(ca);
        ca.value()->service.reset();
        const QStringList common{QStringLiteral("--module"), test::SoftHsmToken::modulePath(), QStringLiteral("--token-label"),
                                 QStringLiteral("imprint-test"), QStringLiteral("--login"), QStringLiteral("--pin"),
                                 QString::fromLatin1(test::SoftHsmToken::kUserPin)};
        auto objects = test::runProgram(QStringLiteral("pkcs11-tool"), common + QStringList{QStringLiteral("--list-objects")});
        REQUIRE_OK(objects);
        const QString listing = QString::fromUtf8(objects.value());
        QVERIFY2(listing.contains(QStringLiteral("Private Key Object; EC")), qPrintable(listing));
        QVERIFY(listing.contains(QStringLiteral("label:      imprint-ca")));
        QVERIFY(listing.contains(QStringLiteral("sensitive")));
        QVERIFY(!listing.contains(QStringLiteral("extractable")) || listing.contains(QStringLiteral("never extractable")));
        // Sign with the second client, verify with the CA certificate's key. SoftHSM 2.6 has
        // no CKM_ECDSA_SHA256, so (like the CA) hash first and sign with plain CKM_ECDSA.
        QTemporaryDir dir;
        const QString data = test::writeFile(dir, QStringLiteral("data"), "factory line 3");
        const QString digest = dir.filePath(QStringLiteral("digest"));
        REQUIRE_OK(test::runProgram(QStringLiteral("openssl"), {QStringLiteral("dgst"), QStringLiteral("-sha256"), QStringLiteral("-binary"),
                                                               QStringLiteral("-out"), digest, data}));
        const QString signature = dir.filePath(QStringLiteral("sig"));
        REQUIRE_OK(test::runProgram(QStringLiteral("pkcs11-tool"),
            common + QStringList{QStringLiteral("--sign"), QStringLiteral("--mechanism"), QStringLiteral("ECDSA"),
                                 QStringLiteral("--label"), QStringLiteral("imprint-ca"), QStringLiteral("--signature-format"),
                                 QStringLiteral("openssl"), QStringLiteral("--input-file"), digest,
                                 QStringLiteral("--output-file"), signature}));
        const QString pubkey = dir.filePath(QStringLiteral("ca.pub"));
        REQUIRE_OK(test::runProgram(QStringLiteral("openssl"), {QStringLiteral("x509"), QStringLiteral("-pubkey"), QStringLiteral("-noout"),
                                                               QStringLiteral("-out"), pubkey}, ca.value()->chainPem));
        auto verified = test::runProgram(QStringLiteral("openssl"), {QStringLiteral("pkeyutl"), QStringLiteral("-verify"), QStringLiteral("-pubin"),
                                                                    QStringLiteral("-inkey"), pubkey, QStringLiteral("-sigfile"), signature,
                                                                    QStringLiteral("-in"), digest});
        REQUIRE_OK(verified);
        QVERIFY2(verified->contains("Signature Verified Successfully"), verified->constData());
    }

    void worksThroughASecondModule()
    {
        // OpenSC's pkcs11-spy is a separate PKCS#11 module that forwards to SoftHSM2: the CA
        // does not depend on SoftHSM2 being the module it loads.
        const QString spy = QStringLiteral("/usr/lib/x86_64-linux-gnu/pkcs11-spy.so");
        QVERIFY2(QFile::exists(spy), "opensc's pkcs11-spy.so is installed with opensc");
        test::FakeClock clock(realNow());
        auto ca = test::makeCa(hsm::TokenKeyType::EcP256, clock);
        REQUIRE_OK(ca);
        ca.value()->service.reset();
        QTemporaryDir dir;
        qputenv("PKCS11SPY", QFile::encodeName(test::SoftHsmToken::modulePath()));
        qputenv("PKCS11SPY_OUTPUT", QFile::encodeName(dir.filePath(QStringLiteral("spy.log"))));
        auto library = hsm::Pkcs11Library::load(spy);
        REQUIRE_OK(library);
        auto service = hsm::IssuingService::open(library.value(), ca.value()->uri(), test::userPin(), ca.value()->chainPem, clock);
        REQUIRE_OK(service);
        ca::IssueRequest request;
        request.csr = test::makeCsrDer({});
        request.device.thingName = QStringLiteral("via-spy");
        REQUIRE_OK(service.value()->issueFromCsr(request));
        service.value().reset();
        library.value().reset();
        QFile log(dir.filePath(QStringLiteral("spy.log")));
        QVERIFY(log.open(QIODevice::ReadOnly));
        const QByteArray calls = log.readAll();
        QVERIFY(calls.contains("C_Sign"));
        // One login for the whole service, however many signatures.
        QCOMPARE(calls.count("C_Login"), qsizetype{1});
        qunsetenv("PKCS11SPY");
        qunsetenv("PKCS11SPY_OUTPUT");
    }
};

QTEST_GUILESS_MAIN(TestCaToken)
#include "tst_catoken.moc"
