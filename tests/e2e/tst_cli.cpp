// imprint-cli as a line engineer's script sees it: output, exit codes, error messages.
#include "SoftHsmToken.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace imprint;

namespace {

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

Run runCli(const QStringList& arguments)
{
    QProcess process;
    process.start(QStringLiteral(IMPRINT_CLI_PATH), arguments);
    if (!process.waitForFinished(60'000))
        return {};
    return {process.exitCode(), QString::fromUtf8(process.readAllStandardOutput()),
            QString::fromUtf8(process.readAllStandardError())};
}

}  // namespace

class TestCli : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void version()
    {
        const Run run = runCli({QStringLiteral("--version")});
        QCOMPARE(run.exitCode, 0);
        QVERIFY(QRegularExpression(QStringLiteral("^imprint-cli \\d+\\.\\d+\\.\\d+\n$")).match(run.out).hasMatch());
    }

    void helpListsCommandsAndExitCodes()
    {
        const Run run = runCli({QStringLiteral("--help")});
        QCOMPARE(run.exitCode, 0);
        QVERIFY(run.out.contains(QStringLiteral("selftest")));
        QVERIFY(run.out.contains(QStringLiteral("Exit codes:")));
        QVERIFY(run.out.contains(QStringLiteral("imprint-cli <group> <command>")));
    }

    void noArgumentsIsAUsageError()
    {
        const Run run = runCli({});
        QCOMPARE(run.exitCode, 2);
        QVERIFY(run.err.contains(QStringLiteral("Usage:")));
    }

    void unknownCommandIsNamed()
    {
        const Run run = runCli({QStringLiteral("frobnicate")});
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains(QStringLiteral("unknown command 'frobnicate'")), qPrintable(run.err));
    }

    void unknownOptionIsAUsageError()
    {
        const Run run = runCli({QStringLiteral("selftest"), QStringLiteral("--bogus")});
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains(QStringLiteral("bogus")), qPrintable(run.err));
    }

    void commandHelpShowsItsOptions()
    {
        const Run run = runCli({QStringLiteral("selftest"), QStringLiteral("--help")});
        QCOMPARE(run.exitCode, 0);
        QVERIFY(run.out.contains(QStringLiteral("--module")));
        QVERIFY(run.out.contains(QStringLiteral("imprint-cli selftest")));
    }

    void selftestPassesOnAWorkingStation()
    {
        auto token = test::SoftHsmToken::create();
        QVERIFY(token.ok());
        QTemporaryDir data;
        const Run run = runCli({QStringLiteral("selftest"), QStringLiteral("--data-dir"), data.path()});
        QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err));
        QVERIFY(run.out.contains(QStringLiteral("ok      OpenSSL: OpenSSL 3.")));
        QVERIFY(run.out.contains(QStringLiteral("ok      PKCS#11 module: ")));
        QVERIFY(run.out.contains(QStringLiteral("ok      SQLite database: SQLite 3.")));
        QVERIFY(run.out.contains(QStringLiteral("all 3 checks passed")));
    }

    void selftestReportsAMissingModuleAndGoesOn()
    {
        QTemporaryDir data;
        const Run run = runCli({QStringLiteral("selftest"), QStringLiteral("--module"),
                                QStringLiteral("/opt/missing/pkcs11.so"), QStringLiteral("--data-dir"), data.path()});
        QCOMPARE(run.exitCode, 9);
        QVERIFY2(run.out.contains(QStringLiteral("FAILED  PKCS#11 module: PKCS#11 module /opt/missing/pkcs11.so does not exist")),
                 qPrintable(run.out));
        QVERIFY(run.out.contains(QStringLiteral("ok      SQLite database")));
        QVERIFY(run.out.contains(QStringLiteral("1 of 3 checks failed")));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
