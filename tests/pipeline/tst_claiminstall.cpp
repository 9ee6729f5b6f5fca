// Claim modes (fleet provisioning by claim and by trusted user) through the whole pipeline with
// the real audit store (a SQLite file), a scripted device and a FakeClock: the steps, the claim
// on record for each unit, a fresh claim when too little time is left, a device never passed
// with a claim that expired before its lock, and a device family that cannot hold a claim.
// Also the fleet claim read from its files (its certificate ID as AWS computes it).
#include "FakeClock.h"
#include "FakeDevice.h"
#include "WorkOrderFixture.h"
#include "core/audit/AuditStore.h"
#include "core/audit/SqlConnection.h"
#include "core/claims/ClaimProviders.h"
#include "core/pipeline/UnitProvisioner.h"

#include <QCryptographicHash>
#include <QProcess>
#include <QSqlQuery>
#include <QSslCertificate>
#include <QTemporaryDir>
#include <QTest>

#include <deque>

using namespace imprint;

namespace {

const audit::Actor kOperator{QStringLiteral("alice"), std::nullopt};
const QByteArray kClaimPem = "-----BEGIN CERTIFICATE-----\nclaim\n-----END CERTIFICATE-----\n";

// The claim modes never issue a certificate: any call to the CA is a failure of the test.
class NoIssuer final : public ca::CertificateIssuer
{
public:
    Result<ca::IssuedCertificate> issueFromCsr(const ca::IssueRequest&) override { return refused(); }
    Result<ca::IssuedWithKey> issueWithStationKey(const ca::IssueRequest&) override { return refused(); }
    QByteArray caChainPem() const override { return {}; }
    int calls = 0;

private:
    Error refused()
    {
        ++calls;
        return Error(ErrorCode::Internal, QStringLiteral("a claim mode asked the CA for a certificate"));
    }
};

// Hands out the claims it was given, in order, with their expiry relative to the clock's now.
class ScriptedClaims final : public claims::ClaimProvider
{
public:
    ScriptedClaims(const Clock& clock, claims::ClaimVia via) : m_clock(clock), m_via(via) {}
    void add(const QString& id, std::optional<qint64> secondsLeft) { m_script.push_back({id, secondsLeft}); }
    Result<claims::UnitClaim> claimForUnit() override
    {
        if (m_script.empty())
            return Error(ErrorCode::CloudRejected, QStringLiteral("no more claims"));
        const auto [id, left] = m_script.front();
        m_script.pop_front();
        ++requests;
        std::optional<QDateTime> expires;
        if (left)
            expires = m_clock.nowUtc().addSecs(*left);
        return claims::UnitClaim{id, kClaimPem, SecureBytes::fromString("-----BEGIN PRIVATE KEY-----\nk\n"), m_via, expires};
    }
    claims::ClaimVia via() const override { return m_via; }
    int requests = 0;

private:
    const Clock& m_clock;
    claims::ClaimVia m_via;
    std::deque<std::pair<QString, std::optional<qint64>>> m_script;
};

QVariant value(const QString& path, const QString& sql)
{
    auto connection = audit::SqlConnection::open(path);
    if (!connection)
        return QStringLiteral("cannot open");
    QSqlQuery query(connection.value()->db());
    if (!query.exec(sql) || !query.next())
        return QStringLiteral("no row");
    return query.value(0);
}

}  // namespace

class TestClaimInstall : public QObject
{
    Q_OBJECT

    test::FakeClock m_clock;
    QTemporaryDir m_dir;
    QString m_db;
    qint64 m_batch = 0;
    int m_databases = 0;
    std::unique_ptr<audit::AuditStore> m_audit;
    pipeline::ProvisioningProfile m_profile;
    NoIssuer m_issuer;

    qint64 count(const QString& sql) { return value(m_db, sql).toLongLong(); }

private Q_SLOTS:
    void init()
    {
        m_db = m_dir.filePath(QStringLiteral("audit-%1.sqlite").arg(++m_databases));
        auto opened = test::openWorkOrderDatabase(m_db, m_dir.filePath(QStringLiteral("order.csv")), 2, kOperator, m_clock);
        QVERIFY2(opened.ok(), qPrintable(opened.ok() ? QString() : opened.error().message()));
        m_batch = opened->batchId;
        m_audit = std::move(opened->audit);

        m_profile = {};
        m_profile.retry.backoff = std::chrono::milliseconds(1);
        m_profile.registration = pipeline::RegistrationMode::Claim;
        m_profile.claimTemplate = QStringLiteral("fleet-template");
        m_profile.configuration = {{QStringLiteral("thing"), QStringLiteral("{thingName}")},
                                   {QStringLiteral("endpoint"), QStringLiteral("iot.example.com:8883")}};
        m_profile.serverRootCaPem = "-----BEGIN CERTIFICATE-----\nroot\n-----END CERTIFICATE-----\n";
        m_issuer.calls = 0;
    }

    void cleanup() { m_audit.reset(); }

    void fleetClaimIsInstalledAndOnRecord()
    {
        ScriptedClaims claims(m_clock, claims::ClaimVia::Keys);
        claims.add(QStringLiteral("c0ffee"), std::nullopt);
        test::FakeDevice device(QStringLiteral("HW-1"));
        QStringList steps;
        pipeline::UnitProvisioner provisioner(device, m_issuer, *m_audit, m_profile, m_clock);
        pipeline::UnitContext context{m_batch, 0, kOperator};
        context.claims = &claims;
        const auto outcome = provisioner.run(device.identify().value(), context,
                                             [&](const QString& step, int, int) { steps << step; });

        QVERIFY2(outcome.passed, qPrintable(outcome.step + u": " + outcome.reason));
        QCOMPARE(steps, (QStringList{QStringLiteral("bind"), QStringLiteral("write claim"), QStringLiteral("write root CA"),
                                     QStringLiteral("write configuration"), QStringLiteral("verify"),
                                     QStringLiteral("lock"), QStringLiteral("complete")}));
        QCOMPARE(steps, pipeline::UnitProvisioner::stepNames(m_profile));
        QCOMPARE(m_issuer.calls, 0);
        QCOMPARE(device.stored().value(QStringLiteral("claimcert")), kClaimPem);
        QVERIFY(device.stored().value(QStringLiteral("claimkey")).startsWith("-----BEGIN PRIVATE KEY-----"));
        QVERIFY(!device.stored().contains(QStringLiteral("chain")));
        QCOMPARE(device.stored().value(QStringLiteral("config")),
                 QByteArray("thing=sensor-SN-1\nendpoint=iot.example.com:8883\ntemplate=fleet-template\n"));
        QVERIFY(device.locked());
        QVERIFY(!provisioner.claimExpiresAt());

        m_audit.reset();
        QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM units WHERE state = 'passed'")), 1);
        QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM cloud_outbox")), 0);  // the device registers itself
        QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM certificates")), 0);
        QCOMPARE(value(m_db, QStringLiteral("SELECT detail FROM events WHERE step = 'write claim'")).toString(),
                 QStringLiteral("claim=c0ffee via=keys expires=never"));
    }

    void trustedUserClaimTooShortIsRenewed()
    {
        m_profile.registration = pipeline::RegistrationMode::TrustedUser;
        m_profile.claimInstallBudget = std::chrono::seconds(60);
        ScriptedClaims claims(m_clock, claims::ClaimVia::TrustedUser);
        claims.add(QStringLiteral("short"), 30);   // less than the 60 s installing needs
        claims.add(QStringLiteral("fresh"), 300);
        test::FakeDevice device(QStringLiteral("HW-1"));
        std::optional<QDateTime> expiryShown;
        pipeline::UnitProvisioner provisioner(device, m_issuer, *m_audit, m_profile, m_clock);
        pipeline::UnitContext context{m_batch, 0, kOperator};
        context.claims = &claims;
        const QDateTime expected = m_clock.nowUtc().addSecs(300);
        const auto outcome = provisioner.run(device.identify().value(), context, [&](const QString& step, int, int) {
            if (step == u"lock")
                expiryShown = provisioner.claimExpiresAt();
        });

        QVERIFY2(outcome.passed, qPrintable(outcome.step + u": " + outcome.reason));
        QCOMPARE(claims.requests, 2);
        QCOMPARE(expiryShown, std::optional<QDateTime>(expected));
        QCOMPARE(pipeline::UnitProvisioner::stepNames(m_profile).mid(0, 3),
                 (QStringList{QStringLiteral("bind"), QStringLiteral("request claim"), QStringLiteral("write claim")}));
        m_audit.reset();
        QCOMPARE(value(m_db, QStringLiteral("SELECT error FROM events WHERE step = 'request claim' AND outcome = 'renewed'"))
                     .toString(),
                 QStringLiteral("claim short had 30.0 s left; installing needs 60 s: a fresh claim was requested"));
        QCOMPARE(value(m_db, QStringLiteral("SELECT detail FROM events WHERE step = 'write claim'")).toString(),
                 QStringLiteral("claim=fresh via=trusted-user expires=%1").arg(expected.toString(Qt::ISODate)));
        QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM units WHERE state = 'passed'")), 1);
    }

    void freshClaimAlsoTooShortFails()
    {
        m_profile.registration = pipeline::RegistrationMode::TrustedUser;
        ScriptedClaims claims(m_clock, claims::ClaimVia::TrustedUser);
        claims.add(QStringLiteral("short"), 10);
        claims.add(QStringLiteral("short-too"), 20);
        test::FakeDevice device(QStringLiteral("HW-1"));
        pipeline::UnitProvisioner provisioner(device, m_issuer, *m_audit, m_profile, m_clock);
        pipeline::UnitContext context{m_batch, 0, kOperator};
        context.claims = &claims;
        const auto outcome = provisioner.run(device.identify().value(), context);
        QVERIFY(!outcome.passed);
        QCOMPARE(outcome.step, QStringLiteral("request claim"));
        QVERIFY2(outcome.reason.contains(QStringLiteral("short-too")), qPrintable(outcome.reason));
        QVERIFY(!device.stored().contains(QStringLiteral("claimkey")));
    }

    void claimExpiringBeforeLockIsNeverPassed()
    {
        m_profile.registration = pipeline::RegistrationMode::TrustedUser;
        ScriptedClaims claims(m_clock, claims::ClaimVia::TrustedUser);
        claims.add(QStringLiteral("slow"), 90);
        test::FakeDevice device(QStringLiteral("HW-1"));
        device.onWriteClaim = [&] { m_clock.advanceMs(120'000); };  // a slow flash write
        pipeline::UnitProvisioner provisioner(device, m_issuer, *m_audit, m_profile, m_clock);
        pipeline::UnitContext context{m_batch, 0, kOperator};
        context.claims = &claims;
        const auto outcome = provisioner.run(device.identify().value(), context);
        QVERIFY(!outcome.passed);
        QCOMPARE(outcome.step, QStringLiteral("lock"));
        QVERIFY2(outcome.reason.contains(QStringLiteral("claim slow expired")), qPrintable(outcome.reason));
        QVERIFY2(outcome.hint.contains(QStringLiteral("fresh claim")), qPrintable(outcome.hint));
        QVERIFY(!device.locked());
        m_audit.reset();
        QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM units WHERE state = 'passed'")), 0);
        QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM units WHERE state = 'failed'")), 1);
    }

    void deviceThatCannotHoldAClaimFails()
    {
        ScriptedClaims claims(m_clock, claims::ClaimVia::Keys);
        claims.add(QStringLiteral("c0ffee"), std::nullopt);
        test::FakeDevice device(QStringLiteral("HW-2"));
        device.holdNoClaims();
        pipeline::UnitProvisioner provisioner(device, m_issuer, *m_audit, m_profile, m_clock);
        pipeline::UnitContext context{m_batch, 0, kOperator};
        context.claims = &claims;
        const auto outcome = provisioner.run(device.identify().value(), context);
        QVERIFY(!outcome.passed);
        QCOMPARE(outcome.step, QStringLiteral("write claim"));
        QCOMPARE(outcome.errorCode, std::optional<ErrorCode>(ErrorCode::Unsupported));
        QVERIFY2(outcome.reason.contains(QStringLiteral("/dev/fake0")), qPrintable(outcome.reason));
        QVERIFY2(outcome.hint.contains(QStringLiteral("cannot hold")), qPrintable(outcome.hint));
        QVERIFY(!device.locked());
    }

    void noClaimProviderIsAnError()
    {
        test::FakeDevice device(QStringLiteral("HW-1"));
        pipeline::UnitProvisioner provisioner(device, m_issuer, *m_audit, m_profile, m_clock);
        const auto outcome = provisioner.run(device.identify().value(), {m_batch, 0, kOperator});
        QVERIFY(!outcome.passed);
        QVERIFY2(outcome.reason.contains(QStringLiteral("no claim provider")), qPrintable(outcome.reason));
    }

    void fleetClaimFromFiles()
    {
        const QString cert = m_dir.filePath(QStringLiteral("claim.crt"));
        const QString key = m_dir.filePath(QStringLiteral("claim.key"));
        const QString otherKey = m_dir.filePath(QStringLiteral("other.key"));
        auto openssl = [](const QStringList& arguments) {
            QProcess process;
            process.start(QStringLiteral("openssl"), arguments);
            return process.waitForFinished(30000) && process.exitCode() == 0;
        };
        QVERIFY(openssl({QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), QStringLiteral("ec"),
                         QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:P-256"), QStringLiteral("-nodes"),
                         QStringLiteral("-subj"), QStringLiteral("/CN=claim"), QStringLiteral("-days"), QStringLiteral("1"),
                         QStringLiteral("-keyout"), key, QStringLiteral("-out"), cert}));
        QVERIFY(openssl({QStringLiteral("genpkey"), QStringLiteral("-algorithm"), QStringLiteral("EC"),
                         QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:P-256"), QStringLiteral("-out"),
                         otherKey}));

        auto provider = claims::FleetClaimProvider::fromFiles(cert, key);
        QVERIFY2(provider.ok(), qPrintable(provider.ok() ? QString() : provider.error().message()));
        const auto certificates = QSslCertificate::fromPath(cert);
        QCOMPARE(certificates.size(), 1);
        const QString id = QString::fromLatin1(QCryptographicHash::hash(certificates.first().toDer(),
                                                                        QCryptographicHash::Sha256).toHex());
        QCOMPARE(provider.value()->certificateId(), id);
        auto claim = provider.value()->claimForUnit();
        QVERIFY(claim.ok());
        QCOMPARE(claim->certificateId, id);
        QCOMPARE(claimDetail(claim.value()), QStringLiteral("claim=%1 via=keys expires=never").arg(id));
        QVERIFY(QByteArray(claim->privateKeyPem.data(), qsizetype(claim->privateKeyPem.size())).contains("PRIVATE KEY"));

        auto mismatched = claims::FleetClaimProvider::fromFiles(cert, otherKey);
        QVERIFY(!mismatched.ok());
        QVERIFY2(mismatched.error().message().contains(otherKey), qPrintable(mismatched.error().message()));
        auto missing = claims::FleetClaimProvider::fromFiles(m_dir.filePath(QStringLiteral("none.crt")), key);
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().code(), ErrorCode::NotFound);
        QVERIFY(missing.error().message().contains(QStringLiteral("none.crt")));
    }
};

QTEST_GUILESS_MAIN(TestClaimInstall)
#include "tst_claiminstall.moc"
