// The nRF91 AT dialogue end to end: Nrf91Driver over real pseudo-terminals against
// imprint-devsim --protocol nrf91, every command and every injected fault.
#include "SerialTestSupport.h"
#include "serial/DeviceCrypto.h"
#include "serial/DeviceLinkFactory.h"
#include "serial/Nrf91Driver.h"

#include <QTest>

using namespace imprint;
using namespace std::chrono_literals;

namespace {

enum Slot { Clean, Drop, Corrupt, Stall, Reboot, GarbageCsr, ForeignCsr, DuplicateId, Noise, Inject, Claim, SlotCount };

std::unique_ptr<serial::Nrf91Driver> openDriver(const QString& port)
{
    auto opened = serial::openSerialPort(device::linkSettings(port, QStringLiteral("nrf91")));
    if (!opened.ok())
        return nullptr;
    device::DeviceTimeouts timeouts;
    timeouts.command = 2s;
    timeouts.keygen = 1s;
    timeouts.write = 2s;
    return std::make_unique<serial::Nrf91Driver>(std::make_unique<serial::LineLink>(std::move(opened.value()), port),
                                                 timeouts);
}

bool hasHash(const QList<device::ObjectHash>& hashes, const QString& object, const QByteArray& digest)
{
    return std::any_of(hashes.cbegin(), hashes.cend(),
                       [&](const device::ObjectHash& hash) { return hash.object == object && hash.sha256 == digest; });
}

// Nordic's flow: identify, KEYGEN, write root CA and client cert, verify by hash, power off.
Status provision(serial::Nrf91Driver& driver, const test::TestCa& ca, QString* uuid = nullptr)
{
    auto identity = driver.identify();
    if (!identity.ok())
        return identity.error();
    auto csr = driver.generateKeyAndCsr(QStringLiteral("CN=nrf-") + identity->serialNumber);
    if (!csr.ok())
        return csr.error();
    if (csr->attestedDeviceUuid != identity->hardwareId)
        return Error(ErrorCode::DeviceProtocol, QStringLiteral("attested UUID %1 differs from %2")
                                                    .arg(csr->attestedDeviceUuid, identity->hardwareId));
    auto chain = ca.issueChain(csr->csrDer);
    if (!chain.ok())
        return chain.error();
    if (auto root = driver.writeServerRootCa(ca.caPem()); !root.ok())
        return root;
    if (auto client = driver.writeCertificateChain(chain.value()); !client.ok())
        return client;
    auto hashes = driver.readBackHashes();
    if (!hashes.ok())
        return hashes.error();
    if (!hasHash(hashes.value(), QStringLiteral("rootca"), driver.expectedHash({}, ca.caPem()))
        || !hasHash(hashes.value(), QStringLiteral("chain"), driver.expectedHash({}, chain.value()))
        || !std::any_of(hashes->cbegin(), hashes->cend(), [](const auto& hash) { return hash.object == QLatin1String("key"); }))
        return Error(ErrorCode::IntegrityViolation, QStringLiteral("read-back hashes differ"));
    if (uuid)
        *uuid = identity->hardwareId;
    return driver.lock();
}

}  // namespace

class TestNrf91Protocol : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        auto ca = test::TestCa::create();
        REQUIRE_OK(ca);
        m_ca = std::move(ca.value());
        auto devsim = test::Devsim::start({QStringLiteral("--ports"), QString::number(SlotCount), QStringLiteral("--protocol"),
                                           QStringLiteral("nrf91"), QStringLiteral("--keygen-ms"), QStringLiteral("50"),
                                           QStringLiteral("--queue"), QStringLiteral("2"), QStringLiteral("--fault"),
                                           QStringLiteral("1:drop,2:corrupt,3:stall,4:reboot,5:garbage-csr,6:foreign-csr,"
                                                          "7:dup-id,8:noise")});
        REQUIRE_OK(devsim);
        m_devsim = std::move(devsim.value());
    }

    void cleanupTestCase() { QVERIFY(m_devsim->stop()); }

    void identityFromTheAtDialogue()
    {
        auto driver = openDriver(m_devsim->slot(Clean));
        QVERIFY(driver);
        auto identity = driver->identify();
        REQUIRE_OK(identity);
        QCOMPARE(identity->protocol, QStringLiteral("nrf91-at"));
        QCOMPARE(identity->model, QStringLiteral("nRF9161-LACA"));
        QCOMPARE(identity->firmware, QStringLiteral("mfw_nrf91x1_2.0.2"));
        QCOMPARE(identity->serialNumber.size(), 15);
        QCOMPARE(identity->hardwareId.size(), 36);
        m_firstCleanId = identity->hardwareId;
    }

    void fullDialogueThenNextDeviceOnTheQueue()
    {
        auto driver = openDriver(m_devsim->slot(Clean));
        QVERIFY(driver);
        QString first;
        REQUIRE_OK(provision(*driver, *m_ca, &first));
        QCOMPARE(driver->retries(), 0);
        QTest::qWait(500);
        auto next = driver->identify();
        REQUIRE_OK(next);
        QVERIFY(next->hardwareId != first);
    }

    void existingKeyIsReplacedAndResetEmptiesTheStore()
    {
        auto driver = openDriver(m_devsim->slot(Inject));
        QVERIFY(driver);
        REQUIRE_OK(driver->identify());
        auto first = driver->generateKeyAndCsr({});
        REQUIRE_OK(first);
        auto firstKey = driver->publicKey();
        REQUIRE_OK(firstKey);
        auto second = driver->generateKeyAndCsr({});  // +CME ERROR 519, delete, KEYGEN again
        REQUIRE_OK(second);
        QVERIFY(driver->publicKey().value() != firstKey.value());
        REQUIRE_OK(driver->factoryReset());
        auto hashes = driver->readBackHashes();
        REQUIRE_OK(hashes);
        QVERIFY(hashes->isEmpty());
    }

    void claimGoesIntoItsOwnSecTag()
    {
        auto driver = openDriver(m_devsim->slot(Claim));
        QVERIFY(driver);
        auto identity = driver->identify();
        REQUIRE_OK(identity);
        QVERIFY(identity->can(QStringLiteral("claim")));
        const test::TestKey key = test::makeTestKey();
        auto certificate = m_ca->issueCertificate(key.spkiDer, QStringLiteral("fleet claim"));
        REQUIRE_OK(certificate);

        // The modem would take any pair: the station refuses a key of another certificate first.
        const Status mismatched = driver->writeClaim(certificate.value(), test::secureCopy(test::makeTestKey().pkcs8Der));
        QVERIFY(!mismatched.ok());
        QCOMPARE(mismatched.error().message(),
                 QStringLiteral("port %1: claim not written: the private key does not match the certificate's public key")
                     .arg(m_devsim->slot(Claim)));
        auto none = driver->readBackHashes();
        REQUIRE_OK(none);
        QVERIFY(none->isEmpty());

        REQUIRE_OK(driver->writeClaim(certificate.value(), test::secureCopy(key.pkcs8Der)));  // DER: armoured as PEM
        auto hashes = driver->readBackHashes();
        REQUIRE_OK(hashes);
        QCOMPARE(hashes->size(), 2);
        QVERIFY(hasHash(hashes.value(), QStringLiteral("claimcert"), driver->expectedHash(QStringLiteral("claimcert"), certificate.value())));
        QVERIFY(hasHash(hashes.value(), QStringLiteral("claimkey"), driver->expectedHash(QStringLiteral("claimkey"), key.pkcs8Der)));
        REQUIRE_OK(driver->factoryReset());
        auto erased = driver->readBackHashes();
        REQUIRE_OK(erased);
        QVERIFY(erased->isEmpty());
    }

    void injectedKeyIsStoredAsPem()
    {
        auto driver = openDriver(m_devsim->slot(Inject));
        QVERIFY(driver);
        REQUIRE_OK(driver->identify());
        const test::TestKey key = test::makeTestKey();
        REQUIRE_OK(driver->writePrivateKey(SecureBytes(key.pkcs8Der.constData(), static_cast<std::size_t>(key.pkcs8Der.size()))));
        auto hashes = driver->readBackHashes();
        REQUIRE_OK(hashes);
        const QByteArray pem = "-----BEGIN PRIVATE KEY-----\n" + key.pkcs8Der.toBase64() + "\n-----END PRIVATE KEY-----\n";
        QVERIFY(hasHash(hashes.value(), QStringLiteral("key"), driver->expectedHash({}, pem)));
    }

    void whatTheModemCannotDoIsUnsupported()
    {
        auto driver = openDriver(m_devsim->slot(Inject));
        QVERIFY(driver);
        const auto pop = driver->proveKeyPossession(QByteArray(16, 'x'));
        QVERIFY(!pop.ok());
        QCOMPARE(pop.error().code(), ErrorCode::Unsupported);
        const Status config = driver->writeConfiguration({{QStringLiteral("endpoint"), QStringLiteral("x")}});
        QCOMPARE(config.error().code(), ErrorCode::Unsupported);
        QVERIFY(driver->writeConfiguration({}).ok());
        QCOMPARE(driver->publicKey().error().code(), ErrorCode::Unsupported);
    }

    void writeWhileModemActiveIsCmeError518()
    {
        {
            // Turn the modem on, as a mis-flashed application would.
            auto port = serial::openSerialPort(device::linkSettings(m_devsim->slot(Inject), QStringLiteral("nrf91")));
            REQUIRE_OK(port);
            port.value()->write("AT+CFUN=1\r\n");
            QVERIFY(port.value()->waitForBytesWritten(1000));
            QTest::qWait(200);
        }
        auto driver = openDriver(m_devsim->slot(Inject));
        QVERIFY(driver);
        const Status written = driver->writeServerRootCa(m_ca->caPem());
        QVERIFY(!written.ok());
        QCOMPARE(written.error().code(), ErrorCode::DeviceRefused);
        QCOMPARE(written.error().message(),
                 QStringLiteral("port %1: AT%CMNG=0 (root CA) failed: +CME ERROR 518 (not allowed in active state)")
                     .arg(m_devsim->slot(Inject)));
    }

    void droppedLinkFailsThatSlotOnly()
    {
        auto driver = openDriver(m_devsim->slot(Drop));
        QVERIFY(driver);
        REQUIRE_OK(driver->identify());
        const Status written = driver->writeServerRootCa(m_ca->caPem());
        QVERIFY(!written.ok());
        QCOMPARE(written.error().code(), ErrorCode::DeviceLinkLost);
        QVERIFY2(written.error().message().startsWith(QStringLiteral("port ") + m_devsim->slot(Drop) + u':'),
                 qPrintable(written.error().message()));
        auto neighbour = openDriver(m_devsim->slot(Noise));
        QVERIFY(neighbour);
        REQUIRE_OK(neighbour->identify());
    }

    void corruptedCsrIsRejected()
    {
        auto driver = openDriver(m_devsim->slot(Corrupt));
        QVERIFY(driver);
        REQUIRE_OK(driver->identify());
        const auto csr = driver->generateKeyAndCsr({});
        QVERIFY(!csr.ok());
        QCOMPARE(csr.error().code(), ErrorCode::CsrRejected);
        QVERIFY2(csr.error().message().startsWith(QStringLiteral("port ") + m_devsim->slot(Corrupt)),
                 qPrintable(csr.error().message()));
    }

    void stalledKeygenTimesOut()
    {
        auto driver = openDriver(m_devsim->slot(Stall));
        QVERIFY(driver);
        REQUIRE_OK(driver->identify());
        const auto csr = driver->generateKeyAndCsr({});
        QVERIFY(!csr.ok());
        QCOMPARE(csr.error().code(), ErrorCode::Timeout);
        QCOMPARE(csr.error().message(),
                 QStringLiteral("port %1: device did not answer AT%KEYGEN within 1 s").arg(m_devsim->slot(Stall)));
    }

    void rebootMidWriteIsRetried()
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
        REQUIRE_OK(driver->identify());
        const auto csr = driver->generateKeyAndCsr({});
        QVERIFY(!csr.ok());
        QCOMPARE(csr.error().code(), ErrorCode::CsrRejected);
        QVERIFY2(csr.error().message().contains(QStringLiteral("does not parse")), qPrintable(csr.error().message()));
    }

    void csrOfAnotherKeyFailsTheAttestation()
    {
        auto driver = openDriver(m_devsim->slot(ForeignCsr));
        QVERIFY(driver);
        REQUIRE_OK(driver->identify());
        const auto csr = driver->generateKeyAndCsr({});
        QVERIFY(!csr.ok());
        QCOMPARE(csr.error().code(), ErrorCode::CsrRejected);
        QVERIFY2(csr.error().message().contains(QStringLiteral("attestation's digest does not match")),
                 qPrintable(csr.error().message()));
    }

    void duplicatedHardwareIdIsReported()
    {
        auto driver = openDriver(m_devsim->slot(DuplicateId));
        QVERIFY(driver);
        auto identity = driver->identify();
        REQUIRE_OK(identity);
        QCOMPARE(identity->hardwareId, m_firstCleanId);
    }

    void boardNoiseIsIgnored()
    {
        auto driver = openDriver(m_devsim->slot(Noise));
        QVERIFY(driver);
        REQUIRE_OK(provision(*driver, *m_ca));
    }

private:
    std::unique_ptr<test::TestCa> m_ca;
    std::unique_ptr<test::Devsim> m_devsim;
    QString m_firstCleanId;
};

QTEST_GUILESS_MAIN(TestNrf91Protocol)
#include "tst_nrf91protocol.moc"
