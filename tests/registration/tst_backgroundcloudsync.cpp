// BackgroundCloudSync (app/common): the outbox sent from its own thread while the station
// provisions, counts reported for the progress display, stop() letting the requests in flight
// finish and be recorded. Against imprint-iot-emulator (one slowed by injected latency, so a stop
// lands while requests are in flight); what exists afterwards checked with the real AWS CLI.
#include "RegistrationFixture.h"

#include "app/common/BackgroundCloudSync.h"

#include <QSignalSpy>

using namespace imprint;
using namespace imprint::test;
using station::BackgroundCloudSync;
using station::CloudSyncCounts;

class TestBackgroundCloudSync : public QObject
{
    Q_OBJECT

    RegistrationFixture m_fixture;

    registration::SenderSettings registerThing() const
    {
        registration::SenderSettings settings;
        settings.templateBody = readAll(sourceFile("resources/templates/register-thing.json"));
        return settings;
    }

    qint64 rowsIn(const QString& state) const
    {
        return scalar(m_fixture.db, QStringLiteral("SELECT COUNT(*) FROM cloud_outbox WHERE state = '%1'").arg(state)).toLongLong();
    }

private Q_SLOTS:
    void initTestCase()
    {
        const QString error = m_fixture.setUp(QStringLiteral("line-1"), 40, "[cloud]\nmode=register-thing\n");
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }

    // Counts first, then after each pass; a unit passed and wake(): registered in AWS.
    void countsFollowTheOutbox()
    {
        const QStringList before = m_fixture.passUnits(3);
        station::BackgroundCloudSyncOptions options;
        options.aws = m_fixture.awsSettings();
        options.intervalMs = 60'000;  // only the first pass and wake() in this test
        auto sync = BackgroundCloudSync::start(m_fixture.db, registerThing(), std::move(options), m_fixture.clock);
        REQUIRE_OK(sync);
        QSignalSpy changed(sync.value().get(), &BackgroundCloudSync::countsChanged);
        QTRY_COMPARE_WITH_TIMEOUT(sync.value()->counts().registered, qint64{3}, 20000);
        const QStringList after = m_fixture.passUnits(2);
        sync.value()->wake();
        QTRY_COMPARE_WITH_TIMEOUT(sync.value()->counts().registered, qint64{5}, 20000);
        QCOMPARE(sync.value()->counts().pending(), qint64{0});
        QCOMPARE(sync.value()->counts().failed, qint64{0});
        QVERIFY(!changed.isEmpty());
        const auto last = changed.last().at(0).value<CloudSyncCounts>();
        QCOMPARE(last.registered, qint64{5});
        for (const auto& thing : before + after)
            AWS_OK(m_fixture.emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-thing"), QStringLiteral("--thing-name"), thing}));
        sync.value()->stop();
        QVERIFY(!sync.value()->running());
        sync.value()->wake();  // harmless after stop
        sync.value()->stop();  // idempotent
    }

    // stop() while requests are in flight: each finishes and is recorded (none left `sent`),
    // the rest stay queued for the next start, and nothing is registered twice.
    void stopLetsTheRequestsInFlightFinish()
    {
        EmulatorProcess slow;
        const QString error = slow.start({QStringLiteral("--fault"), QStringLiteral("latency-ms=300")});
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const QStringList passed = m_fixture.passUnits(12);
        station::BackgroundCloudSyncOptions options;
        options.aws = m_fixture.awsSettings();
        options.aws.endpointUrl = slow.endpoint();
        registration::SenderSettings settings = registerThing();
        settings.maxInFlight = 2;
        auto sync = BackgroundCloudSync::start(m_fixture.db, settings, std::move(options), m_fixture.clock);
        REQUIRE_OK(sync);
        QTRY_VERIFY_WITH_TIMEOUT(rowsIn(QStringLiteral("sent")) > 0, 10000);  // requests in flight
        sync.value()->stop();
        QCOMPARE(rowsIn(QStringLiteral("sent")), qint64{0});
        const qint64 registered = rowsIn(QStringLiteral("registered"));
        QVERIFY(registered > 5);
        const qint64 left = rowsIn(QStringLiteral("queued"));
        QCOMPARE(registered + left, qint64{5 + 12});
        QCOMPARE(sync.value()->counts().registered, registered);  // the last pass's counts were reported

        // Started again: the rest goes, once each.
        station::BackgroundCloudSyncOptions again;
        again.aws = m_fixture.awsSettings();
        again.aws.endpointUrl = slow.endpoint();
        auto resumed = BackgroundCloudSync::start(m_fixture.db, settings, std::move(again), m_fixture.clock);
        REQUIRE_OK(resumed);
        QTRY_COMPARE_WITH_TIMEOUT(resumed.value()->counts().registered, qint64{17}, 30000);
        for (const auto& thing : passed) {
            const auto described = slow.aws({QStringLiteral("iot"), QStringLiteral("describe-thing"), QStringLiteral("--thing-name"), thing});
            AWS_OK(described);
            QCOMPARE(described.json().value(QStringLiteral("version")).toInt(), 1);
        }
    }

    void startRefusesWhatCannotRun()
    {
        registration::SenderSettings noTemplate;
        station::BackgroundCloudSyncOptions options;
        options.aws = m_fixture.awsSettings();
        auto refused = BackgroundCloudSync::start(m_fixture.db, noTemplate, std::move(options), m_fixture.clock);
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().code(), ErrorCode::InvalidInput);

        station::BackgroundCloudSyncOptions noRegion;
        noRegion.aws = m_fixture.awsSettings();
        noRegion.aws.region.clear();
        auto noAws = BackgroundCloudSync::start(m_fixture.db, registerThing(), std::move(noRegion), m_fixture.clock);
        QVERIFY(!noAws.ok());
        QVERIFY2(noAws.error().message().contains(QStringLiteral("region")), qPrintable(noAws.error().message()));

        QFile ini(QString::fromUtf8(qgetenv("IMPRINT_DATA_DIR")) + QStringLiteral("/station.ini"));
        QVERIFY(ini.open(QIODevice::WriteOnly | QIODevice::Truncate));
        QVERIFY(ini.write("[cloud]\nmode=bulk\n") > 0);
        ini.close();
        auto bulk = BackgroundCloudSync::startForStation(m_fixture.db, {}, m_fixture.clock);
        QVERIFY(!bulk.ok());
        QVERIFY2(bulk.error().message().contains(QStringLiteral("cloud sync --mode bulk")), qPrintable(bulk.error().message()));
    }
};

QTEST_GUILESS_MAIN(TestBackgroundCloudSync)
#include "tst_backgroundcloudsync.moc"
