// imprint-cli ports / probe / csr against imprint-devsim, as a line engineer runs them.
#include "SerialTestSupport.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTest>

using namespace imprint;

namespace {

struct Run
{
    int code = -1;
    QString out;
    QString err;
};

Run runCli(const QStringList& arguments)
{
    QProcess process;
    process.start(QStringLiteral(IMPRINT_CLI_PATH), arguments);
    process.waitForFinished(20000);
    return {process.exitCode(), QString::fromUtf8(process.readAllStandardOutput()),
            QString::fromUtf8(process.readAllStandardError())};
}

}  // namespace

class TestDeviceCli : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void probeAndCsrBothProtocols_data()
    {
        QTest::addColumn<QString>("protocol");
        QTest::addColumn<QString>("identityLine");
        QTest::newRow("imprint") << QStringLiteral("imprint") << QStringLiteral("protocol:     imprint/1");
        QTest::newRow("nrf91") << QStringLiteral("nrf91") << QStringLiteral("protocol:     nrf91-at");
    }

    void probeAndCsrBothProtocols()
    {
        QFETCH(QString, protocol);
        QFETCH(QString, identityLine);
        auto devsim = test::Devsim::start({QStringLiteral("--ports"), QStringLiteral("1"), QStringLiteral("--protocol"), protocol,
                                           QStringLiteral("--keygen-ms"), QStringLiteral("10")});
        QVERIFY2(devsim.ok(), qPrintable(devsim.ok() ? QString() : devsim.error().message()));
        const QString port = devsim.value()->slot(0);
        const Run probe = runCli({QStringLiteral("probe"), QStringLiteral("--port"), port, QStringLiteral("--protocol"), protocol});
        QVERIFY2(probe.code == 0, qPrintable(probe.err));
        QVERIFY2(probe.out.contains(identityLine), qPrintable(probe.out));
        QVERIFY(probe.out.contains(QStringLiteral("hardware id:")));

        QTemporaryDir out;
        const QString file = out.filePath(QStringLiteral("device.csr"));
        const Run csr = runCli({QStringLiteral("csr"), QStringLiteral("--port"), port, QStringLiteral("--protocol"), protocol,
                                QStringLiteral("--subject"), QStringLiteral("CN=line-7,O=Acme"), QStringLiteral("--out"), file});
        QVERIFY2(csr.code == 0, qPrintable(csr.err));
        QProcess openssl;
        openssl.start(QStringLiteral("openssl"), {QStringLiteral("req"), QStringLiteral("-in"), file, QStringLiteral("-noout"),
                                                   QStringLiteral("-verify"), QStringLiteral("-subject")});
        QVERIFY(openssl.waitForFinished(10000));
        const QString text = QString::fromUtf8(openssl.readAllStandardOutput() + openssl.readAllStandardError());
        QVERIFY2(text.contains(QStringLiteral("verify OK")) && text.contains(QStringLiteral("CN = line-7")), qPrintable(text));
        QVERIFY(devsim.value()->stop());
    }

    void stationIniChoosesProtocolAndPorts()
    {
        auto devsim = test::Devsim::start({QStringLiteral("--ports"), QStringLiteral("1"), QStringLiteral("--protocol"),
                                           QStringLiteral("nrf91"), QStringLiteral("--keygen-ms"), QStringLiteral("10")});
        REQUIRE_OK(devsim);
        const QString dataDir = qEnvironmentVariable("IMPRINT_DATA_DIR");
        QVERIFY(!dataDir.isEmpty() && QDir().mkpath(dataDir));
        QFile ini(QDir(dataDir).filePath(QStringLiteral("station.ini")));
        QVERIFY(ini.open(QIODevice::WriteOnly | QIODevice::Truncate));
        ini.write("[serial]\nprotocol=nrf91\nports=" + devsim.value()->slot(0).toUtf8() + "\n");
        ini.close();
        const Run probe = runCli({QStringLiteral("probe"), QStringLiteral("--port"), devsim.value()->slot(0)});
        const Run listed = runCli({QStringLiteral("ports")});
        QVERIFY(ini.remove());
        QVERIFY2(probe.code == 0 && probe.out.contains(QStringLiteral("nrf91-at")), qPrintable(probe.out + probe.err));
        QVERIFY2(listed.out.contains(devsim.value()->slot(0) + QStringLiteral("  id=")), qPrintable(listed.out));
    }

    void missingPortIsADeviceError()
    {
        const Run probe = runCli({QStringLiteral("probe"), QStringLiteral("--port"), QStringLiteral("/tmp/imprint-no-such-port")});
        QCOMPARE(probe.code, toInt(exitCodeFor(ErrorCode::NotFound)));
        QVERIFY2(probe.err.contains(QStringLiteral("port /tmp/imprint-no-such-port: no such device")), qPrintable(probe.err));
    }

    void portsListsAndChecksFilters()
    {
        const Run listed = runCli({QStringLiteral("ports"), QStringLiteral("--allow"), QStringLiteral("1915:*")});
        QCOMPARE(listed.code, 0);
        QVERIFY(listed.out.contains(QStringLiteral("found")));
        const Run bad = runCli({QStringLiteral("ports"), QStringLiteral("--deny"), QStringLiteral("nordic")});
        QCOMPARE(bad.code, toInt(ExitCode::InvalidInput));
        QVERIFY2(bad.err.contains(QStringLiteral("'nordic' is not a VID:PID")), qPrintable(bad.err));
    }
};

QTEST_GUILESS_MAIN(TestDeviceCli)
#include "tst_devicecli.moc"
