// The Imprint device protocol end to end: ImprintDriver over real pseudo-terminals against
// imprint-devsim, every command and every injected fault.
#include "SerialTestSupport.h"
#include "serial/DeviceCrypto.h"
#include "serial/DeviceLinkFactory.h"
#include "serial/ImprintDriver.h"

#include <QTest>
#include <QThread>

#include <optional>

using namespace imprint;
using namespace std::chrono_literals;

namespace {

enum Slot { Clean, Drop, Corrupt, CorruptAlways, Stall, Reboot, GarbageCsr, ForeignCsr, DuplicateId, Noise, Rework, Claim, SlotCount };

std::unique_ptr<serial::ImprintDriver> openDriver(const QString& port)
{
    const auto settings = device::linkSettings(port, QStringLiteral("imprint"));
    auto opened = serial::openSerialPort(settings);
    if (!opened.ok())
        return nullptr;
    device::DeviceTimeouts timeouts;
    timeouts.command = 2s;
    timeouts.keygen = 1s;
    timeouts.write = 2s;
    return std::make_unique<serial::ImprintDriver>(std::make_unique<serial::LineLink>(std::move(opened.value()), port),
                                                   timeouts);
}

const device::ConfigurationValues kConfig{{QStringLiteral("endpoint"), QStringLiteral("a1b2c3-ats.iot.eu-west-1.amazonaws.com")},
                                          {QStringLiteral("thing"), QStringLiteral("sensor 0042")}};

// The whole station dialogue; returns the first failure.
Status provision(serial::ImprintDriver& driver, const test::TestCa& ca)
{
    if (auto identity = driver.identify(); !identity.ok())
        return identity.error();
    auto csr = driver.generateKeyAndCsr(QStringLiteral("CN=unit-1,O=Imprint Test"));
    if (!csr.ok())
        return csr.error();
    auto chain = ca.issueChain(csr->csrDer);
    if (!chain.ok())
        return chain.error();
    for (auto status : {driver.writeCertificateChain(chain.value()), driver.writeServerRootCa(ca.caPem()),
                        driver.writeConfiguration(kConfig)}) {
        if (!status.ok())
            return status;
    }
    auto hashes = driver.readBackHashes();
    if (!hashes.ok())
        return hashes.error();
    const QList<device::ObjectHash> expected{{QStringLiteral("chain"), driver.expectedHash({}, chain.value())},
                                             {QStringLiteral("rootca"), driver.expectedHash({}, ca.caPem())},
                                             {QStringLiteral("config"), driver.expectedHash({}, device::configurationText(kConfig))}};
    for (const auto& want : expected) {
        const bool found = std::any_of(hashes->cbegin(), hashes->cend(), [&](const device::ObjectHash& got) {
            return got.object == want.object && got.sha256 == want.sha256;
        });
        if (!found)
            return Error(ErrorCode::IntegrityViolation, QStringLiteral("read-back hash of %1 differs").arg(want.object));
    }
    const QByteArray nonce = QByteArray::fromHex("00112233445566778899aabbccddeeff0123456789abcdef");
    auto signature = driver.proveKeyPossession(nonce);
    if (!signature.ok())
        return signature.error();
    auto leafKey = serial::leafPublicKey(chain.value());
    if (!leafKey.ok())
        return leafKey.error();
    if (auto verified = serial::verifySignature(leafKey.value(), nonce, signature.value()); !verified.ok())
        return Error(ErrorCode::DeviceRefused, QStringLiteral("proof of possession failed: ") + verified.error().message());
    return driver.lock();
}

QByteArray pkcs8Pem(const QByteArray& der)
{
    QByteArray pem = "-----BEGIN PRIVATE KEY-----\n";
    const QByteArray base64 = der.toBase64();
    for (qsizetype at = 0; at < base64.size(); at += 64)
        pem += base64.mid(at, 64) + '\n';
    return pem + "-----END PRIVATE KEY-----\n";
}

std::optional<QByteArray> hashOf(const QList<device::ObjectHash>& hashes, const QString& object)
{
    for (const device::ObjectHash& hash : hashes) {
        if (hash.object == object)
            return hash.sha256;
    }
    return std::nullopt;
}

}  // namespace

class TestImprintProtocol : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        auto ca = test::TestCa::create();
        REQUIRE_OK(ca);
        m_ca = std::move(ca.value());
        auto devsim = test::Devsim::start({QStringLiteral("--ports"), QString::number(SlotCount), QStringLiteral("--protocol"),
                                           QStringLiteral("imprint"), QStringLiteral("--keygen-ms"), QStringLiteral("50"),
                                           QStringLiteral("--queue"), QStringLiteral("2"), QStringLiteral("--fault"),
                                           QStringLiteral("1:drop,2:corrupt,3:corrupt-always,4:stall,5:reboot,6:garbage-csr,"
                                                          "7:foreign-csr,8:dup-id,9:noise")});
        REQUIRE_OK(devsim);
        m_devsim = std::move(devsim.value());
        auto clean = openDriver(m_devsim->slot(Clean));
        QVERIFY(clean);
        auto identity = clean->identify();
        REQUIRE_OK(identity);
        m_firstCleanId = identity->hardwareId;
    }

    void cleanupTestCase() { QVERIFY(m_devsim->stop()); }

    void fullDialogueThenNextDeviceOnTheQueue()
    {
        auto driver = openDriver(m_devsim->slot(Clean));
        QVERIFY(driver);
        auto first = driver->identify();
        REQUIRE_OK(first);
        QCOMPARE(first->protocol, QStringLiteral("imprint/1"));
        QVERIFY(first->can(QStringLiteral("pop")));
        REQUIRE_OK(provision(*driver, *m_ca));
        QCOMPARE(driver->retries(), 0);
        // Locked: the device refuses a new key until a factory reset.
        const auto refused = driver->generateKeyAndCsr(QStringLiteral("CN=again"));
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().code(), ErrorCode::DeviceRefused);
        QVERIFY2(refused.error().message().contains(QStringLiteral("LOCKED")), qPrintable(refused.error().message()));
        // The operator swaps the device: the next one on the queue answers with another identity.
        QTest::qWait(500);
        auto second = driver->identify();
        REQUIRE_OK(second);
        QVERIFY(second->hardwareId != first->hardwareId);
        QVERIFY(driver->link().bytesSent() > 2000);
    }

    void publicKeyMatchesTheCsr()
    {
        auto driver = openDriver(m_devsim->slot(Rework));
        QVERIFY(driver);
        auto csr = driver->generateKeyAndCsr({});
        REQUIRE_OK(csr);
        auto key = driver->publicKey();
        REQUIRE_OK(key);
        auto csrKey = serial::checkCsr(csr->csrDer, QStringLiteral("test"));
        REQUIRE_OK(csrKey);
        QCOMPARE(key.value(), csrKey.value());
    }

    void injectedKeyIsUsedForProofOfPossessionAndResetForgetsIt()
    {
        auto driver = openDriver(m_devsim->slot(Rework));
        QVERIFY(driver);
        const test::TestKey key = test::makeTestKey();
        REQUIRE_OK(driver->writePrivateKey(SecureBytes(key.pkcs8Der.constData(), static_cast<std::size_t>(key.pkcs8Der.size()))));
        auto publicKey = driver->publicKey();
        REQUIRE_OK(publicKey);
        QCOMPARE(publicKey.value(), key.spkiDer);
        const QByteArray nonce(32, '\x5a');
        auto signature = driver->proveKeyPossession(nonce);
        REQUIRE_OK(signature);
        REQUIRE_OK(serial::verifySignature(key.spkiDer, nonce, signature.value()));
        auto hashes = driver->readBackHashes();
        REQUIRE_OK(hashes);
        QCOMPARE(hashes->size(), 1);
        QCOMPARE(hashes->first().object, QStringLiteral("key"));
        QCOMPARE(hashes->first().sha256, serial::sha256(key.pkcs8Der));

        REQUIRE_OK(driver->factoryReset());
        auto after = driver->readBackHashes();
        REQUIRE_OK(after);
        QVERIFY(after->isEmpty());
        const auto noKey = driver->publicKey();
        QVERIFY(!noKey.ok());
        QVERIFY2(noKey.error().message().contains(QStringLiteral("NO_KEY")), qPrintable(noKey.error().message()));
    }

    void chainForAnotherKeyIsRefused()
    {
        auto driver = openDriver(m_devsim->slot(Rework));
        QVERIFY(driver);
        REQUIRE_OK(driver->generateKeyAndCsr(QStringLiteral("CN=x")));
        auto otherDevice = openDriver(m_devsim->slot(Noise));  // another device's CSR
        QVERIFY(otherDevice);
        auto otherCsr = otherDevice->generateKeyAndCsr(QStringLiteral("CN=y"));
        REQUIRE_OK(otherCsr);
        auto chain = m_ca->issueChain(otherCsr->csrDer);
        REQUIRE_OK(chain);
        const Status written = driver->writeCertificateChain(chain.value());
        QVERIFY(!written.ok());
        QCOMPARE(written.error().code(), ErrorCode::DeviceRefused);
        QVERIFY2(written.error().message().contains(QStringLiteral("certificate does not match the device key")),
                 qPrintable(written.error().message()));
    }

    void claimKeyOfAnotherCertificateIsRefused()
    {
        auto driver = openDriver(m_devsim->slot(Claim));
        QVERIFY(driver);
        auto identity = driver->identify();
        REQUIRE_OK(identity);
        QVERIFY(identity->can(QStringLiteral("claim")));
        const test::TestKey claimKey = test::makeTestKey();
        const test::TestKey otherKey = test::makeTestKey();
        auto certificate = m_ca->issueCertificate(claimKey.spkiDer, QStringLiteral("fleet claim"));
        REQUIRE_OK(certificate);
        const Status written = driver->writeClaim(certificate.value(), test::secureCopy(otherKey.pkcs8Der));
        QVERIFY(!written.ok());
        QCOMPARE(written.error().code(), ErrorCode::DeviceRefused);
        QCOMPARE(written.error().message(),
                 QStringLiteral("port %1: device refused COMMIT claimkey: ERR 8 OBJECT_INVALID claimkey does not match the "
                                "public key of claimcert")
                     .arg(m_devsim->slot(Claim)));
        auto hashes = driver->readBackHashes();
        REQUIRE_OK(hashes);
        QCOMPARE(hashOf(hashes.value(), QStringLiteral("claimcert")), serial::sha256(certificate.value()));
        QVERIFY(!hashOf(hashes.value(), QStringLiteral("claimkey")));
        // Half a claim is nothing to lock.
        const Status locked = driver->lock();
        QVERIFY(!locked.ok());
        QVERIFY2(locked.error().message().contains(QStringLiteral("ERR 5 NO_KEY")), qPrintable(locked.error().message()));
        // Neither object is a certificate: refused naming the object.
        const Status garbage = driver->writeClaim("not a certificate", test::secureCopy(claimKey.pkcs8Der));
        QVERIFY(!garbage.ok());
        QVERIFY2(garbage.error().message().endsWith(QStringLiteral("COMMIT claimcert: ERR 8 OBJECT_INVALID claimcert holds no PEM certificate")),
                 qPrintable(garbage.error().message()));
        REQUIRE_OK(driver->factoryReset());
    }

    void claimIsWrittenReadBackLockedAndResetErasesIt()
    {
        auto driver = openDriver(m_devsim->slot(Claim));
        QVERIFY(driver);
        const test::TestKey key = test::makeTestKey();
        auto certificate = m_ca->issueCertificate(key.spkiDer, QStringLiteral("fleet claim"));
        REQUIRE_OK(certificate);
        const device::ConfigurationValues config{{QStringLiteral("template"), QStringLiteral("fleet")},
                                                 {QStringLiteral("claim-api"), QStringLiteral("csr")}};
        // As DER first; reset; then as PEM (what the station's claim files hold) and locked.
        REQUIRE_OK(driver->writeClaim(certificate.value(), test::secureCopy(key.pkcs8Der)));
        auto hashes = driver->readBackHashes();
        REQUIRE_OK(hashes);
        QCOMPARE(hashOf(hashes.value(), QStringLiteral("claimkey")), driver->expectedHash(QStringLiteral("claimkey"), key.pkcs8Der));
        REQUIRE_OK(driver->factoryReset());
        auto erased = driver->readBackHashes();
        REQUIRE_OK(erased);
        QVERIFY(erased->isEmpty());

        const QByteArray keyPem = pkcs8Pem(key.pkcs8Der);
        QVERIFY(keyPem.size() > 192);  // more than one CHUNK
        REQUIRE_OK(driver->writeClaim(certificate.value(), test::secureCopy(keyPem)));
        REQUIRE_OK(driver->writeConfiguration(config));
        hashes = driver->readBackHashes();
        REQUIRE_OK(hashes);
        QCOMPARE(hashes->size(), 3);
        QCOMPARE(hashOf(hashes.value(), QStringLiteral("claimcert")),
                 driver->expectedHash(QStringLiteral("claimcert"), certificate.value()));
        QCOMPARE(hashOf(hashes.value(), QStringLiteral("claimkey")), driver->expectedHash(QStringLiteral("claimkey"), keyPem));
        QCOMPARE(hashOf(hashes.value(), QStringLiteral("config")),
                 driver->expectedHash(QStringLiteral("config"), device::configurationText(config)));
        // The claim is kept apart from the device's own identity: it has no device key.
        const auto ownKey = driver->publicKey();
        QVERIFY(!ownKey.ok());
        QVERIFY2(ownKey.error().message().contains(QStringLiteral("NO_KEY")), qPrintable(ownKey.error().message()));
        // A claim and its config are enough to lock; afterwards no claim goes in.
        REQUIRE_OK(driver->lock());
        const Status again = driver->writeClaim(certificate.value(), test::secureCopy(keyPem));
        QVERIFY(!again.ok());
        QCOMPARE(again.error().message(),
                 QStringLiteral("port %1: device refused BEGIN claimcert: ERR 9 LOCKED").arg(m_devsim->slot(Claim)));
    }

    void droppedLinkFailsThatSlotOnly()
    {
        auto driver = openDriver(m_devsim->slot(Drop));
        QVERIFY(driver);
        auto csr = driver->generateKeyAndCsr(QStringLiteral("CN=drop"));
        REQUIRE_OK(csr);
        auto chain = m_ca->issueChain(csr->csrDer);
        REQUIRE_OK(chain);
        const Status written = driver->writeCertificateChain(chain.value());
        QVERIFY(!written.ok());
        QCOMPARE(written.error().code(), ErrorCode::DeviceLinkLost);
        QVERIFY2(written.error().message().startsWith(QStringLiteral("port ") + m_devsim->slot(Drop) + u':'),
                 qPrintable(written.error().message()));
        QVERIFY2(written.error().message().contains(QStringLiteral("CHUNK")), qPrintable(written.error().message()));
        QVERIFY(!QFile::exists(m_devsim->slot(Drop)));
        // The other slots go on.
        auto neighbour = openDriver(m_devsim->slot(Rework));
        QVERIFY(neighbour);
        REQUIRE_OK(neighbour->identify());
    }

    void corruptedReplyIsRetriedAndNotAppliedTwice()
    {
        auto driver = openDriver(m_devsim->slot(Corrupt));
        QVERIFY(driver);
        auto csr = driver->generateKeyAndCsr(QStringLiteral("CN=corrupt"));
        REQUIRE_OK(csr);
        QCOMPARE(driver->retries(), 1);
        // Had the retried KEYGEN run twice, the device would hold a different key than the CSR's.
        auto key = driver->publicKey();
        REQUIRE_OK(key);
        auto csrKey = serial::checkCsr(csr->csrDer, QStringLiteral("test"));
        REQUIRE_OK(csrKey);
        QCOMPARE(key.value(), csrKey.value());
    }

    void corruptionThatPersistsEndsAfterThreeRetries()
    {
        auto driver = openDriver(m_devsim->slot(CorruptAlways));
        QVERIFY(driver);
        const auto csr = driver->generateKeyAndCsr(QStringLiteral("CN=corrupt"));
        QVERIFY(!csr.ok());
        QCOMPARE(csr.error().code(), ErrorCode::DeviceProtocol);
        QCOMPARE(csr.error().message(), QStringLiteral("port %1: frame checksum mismatch on KEYGEN, retried 3 times")
                                            .arg(m_devsim->slot(CorruptAlways)));
    }

    void stalledDeviceTimesOutNamingTheStep()
    {
        auto driver = openDriver(m_devsim->slot(Stall));
        QVERIFY(driver);
        const auto csr = driver->generateKeyAndCsr(QStringLiteral("CN=stall"));
        QVERIFY(!csr.ok());
        QCOMPARE(csr.error().code(), ErrorCode::Timeout);
        QCOMPARE(csr.error().message(),
                 QStringLiteral("port %1: device did not answer KEYGEN within 1 s").arg(m_devsim->slot(Stall)));
    }

    void rebootMidWriteIsRetriedWholeObject()
    {
        auto driver = openDriver(m_devsim->slot(Reboot));
        QVERIFY(driver);
        REQUIRE_OK(provision(*driver, *m_ca));
        QCOMPARE(driver->retries(), 1);
    }

    void garbageCsrIsRejected()
    {
        auto driver = openDriver(m_devsim->slot(GarbageCsr));
        QVERIFY(driver);
        const auto csr = driver->generateKeyAndCsr(QStringLiteral("CN=garbage"));
        QVERIFY(!csr.ok());
        QCOMPARE(csr.error().code(), ErrorCode::CsrRejected);
        QVERIFY2(csr.error().message().contains(QStringLiteral("does not parse")), qPrintable(csr.error().message()));
    }

    void csrOfAnotherKeyFailsProofOfPossession()
    {
        auto driver = openDriver(m_devsim->slot(ForeignCsr));
        QVERIFY(driver);
        auto csr = driver->generateKeyAndCsr(QStringLiteral("CN=foreign"));
        REQUIRE_OK(csr);  // a well-formed CSR: only possession shows the problem
        auto csrKey = serial::checkCsr(csr->csrDer, QStringLiteral("test"));
        REQUIRE_OK(csrKey);
        const QByteArray nonce(16, '\x01');
        auto signature = driver->proveKeyPossession(nonce);
        REQUIRE_OK(signature);
        QVERIFY(!serial::verifySignature(csrKey.value(), nonce, signature.value()).ok());
        auto chain = m_ca->issueChain(csr->csrDer);
        REQUIRE_OK(chain);
        const Status written = driver->writeCertificateChain(chain.value());
        QVERIFY(!written.ok());
        QVERIFY2(written.error().message().contains(QStringLiteral("OBJECT_INVALID")), qPrintable(written.error().message()));
    }

    void duplicatedHardwareIdIsReported()
    {
        auto duplicate = openDriver(m_devsim->slot(DuplicateId));
        QVERIFY(duplicate);
        auto identity = duplicate->identify();
        REQUIRE_OK(identity);
        // The simulator gives this device the identity of slot 0's first device: the station
        // sees two units with one hardware ID, which its duplicate check must catch.
        QCOMPARE(identity->hardwareId, m_firstCleanId);
        QCOMPARE(identity->serialNumber, QStringLiteral("SIM-%1-0").arg(int(DuplicateId)));
    }

    void boardNoiseIsIgnored()
    {
        auto driver = openDriver(m_devsim->slot(Noise));
        QVERIFY(driver);
        REQUIRE_OK(provision(*driver, *m_ca));
    }

    void keyStoreSurvivesARestart()
    {
        QTemporaryDir directory;
        const QStringList arguments{QStringLiteral("--ports"), QStringLiteral("1"), QStringLiteral("--protocol"),
                                    QStringLiteral("imprint"), QStringLiteral("--keygen-ms"), QStringLiteral("0")};
        QByteArray keyBefore;
        QString idBefore;
        {
            auto devsim = test::Devsim::start(arguments, directory.path());
            REQUIRE_OK(devsim);
            auto driver = openDriver(devsim.value()->slot(0));
            QVERIFY(driver);
            REQUIRE_OK(provision(*driver, *m_ca));
            idBefore = driver->identify()->hardwareId;
            keyBefore = driver->publicKey().value();
            driver.reset();
            QVERIFY(devsim.value()->stop());
            QVERIFY(!QFile::exists(directory.filePath(QStringLiteral("slot0"))));
        }
        auto devsim = test::Devsim::start(arguments, directory.path());
        REQUIRE_OK(devsim);
        auto driver = openDriver(devsim.value()->slot(0));
        QVERIFY(driver);
        QCOMPARE(driver->identify()->hardwareId, idBefore);
        QCOMPARE(driver->publicKey().value(), keyBefore);
        QVERIFY(!driver->generateKeyAndCsr({}).ok());  // still locked
        REQUIRE_OK(driver->factoryReset());            // rework
        REQUIRE_OK(driver->generateKeyAndCsr({}));
        QVERIFY(driver->publicKey().value() != keyBefore);
    }

    void slotsOnTheirOwnThreadsFailIndependently()
    {
        auto devsim = test::Devsim::start({QStringLiteral("--ports"), QStringLiteral("4"), QStringLiteral("--protocol"),
                                           QStringLiteral("imprint"), QStringLiteral("--keygen-ms"), QStringLiteral("20"),
                                           QStringLiteral("--fault"), QStringLiteral("2:drop")});
        REQUIRE_OK(devsim);
        // As the pipeline does: one worker thread per slot, each opening and driving its own port.
        std::vector<Status> outcomes(4);
        std::vector<std::unique_ptr<QThread>> workers;
        for (int slot = 0; slot < 4; ++slot) {
            workers.emplace_back(QThread::create([&outcomes, slot, port = devsim.value()->slot(slot), ca = m_ca.get()] {
                auto driver = openDriver(port);
                outcomes[static_cast<size_t>(slot)] =
                    driver ? provision(*driver, *ca) : Status(Error(ErrorCode::Io, QStringLiteral("cannot open ") + port));
            }));
            workers.back()->start();
        }
        for (auto& worker : workers)
            QVERIFY(worker->wait(20000));
        for (int slot : {0, 1, 3})
            REQUIRE_OK(outcomes[static_cast<size_t>(slot)]);
        QVERIFY(!outcomes[2].ok());
        QCOMPARE(outcomes[2].error().code(), ErrorCode::DeviceLinkLost);
        QVERIFY(outcomes[2].error().message().startsWith(QStringLiteral("port ") + devsim.value()->slot(2) + u':'));
    }

    void unknownProtocolAndMissingPortAreNamed()
    {
        const auto unknown = serial::openDevice(device::linkSettings(m_devsim->slot(Clean), QStringLiteral("esp-at")));
        QVERIFY(!unknown.ok());
        QVERIFY(unknown.error().message().contains(QStringLiteral("unknown device protocol 'esp-at'")));
        const auto missing = serial::openDevice(device::linkSettings(QStringLiteral("/tmp/no-such-imprint-port"), QStringLiteral("imprint")));
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().code(), ErrorCode::NotFound);
        QVERIFY(missing.error().message().startsWith(QStringLiteral("port /tmp/no-such-imprint-port:")));
    }

private:
    std::unique_ptr<test::TestCa> m_ca;
    std::unique_ptr<test::Devsim> m_devsim;
    QString m_firstCleanId;
};

QTEST_GUILESS_MAIN(TestImprintProtocol)
#include "tst_imprintprotocol.moc"
