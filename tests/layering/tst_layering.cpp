// The layering rules hold: the include check catches a forbidden include, and the CLI binary
// carries no Gui or Widgets library.
#include <QProcess>
#include <QTest>

namespace {

struct Outcome
{
    int exitCode = -1;
    QString output;
};

Outcome run(const QString& program, const QStringList& arguments)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(program, arguments);
    process.waitForFinished(60'000);
    return {process.exitCode(), QString::fromUtf8(process.readAll())};
}

Outcome checkFixture(const QString& name)
{
    const QString dir = QStringLiteral(IMPRINT_SOURCE_DIR "/tests/layering/fixtures/") + name;
    return run(QStringLiteral(IMPRINT_CMAKE),
               {QStringLiteral("-DLAYER=imprint_core"),
                QStringLiteral("-DFORBID=[<\"]Qt(Gui|Widgets)/|[<\"]ui/"), QStringLiteral("-DDIR=") + dir,
                QStringLiteral("-P"), QStringLiteral(IMPRINT_LAYERING_SCRIPT)});
}

}  // namespace

class TestLayering : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void allowedIncludesPass()
    {
        const Outcome outcome = checkFixture(QStringLiteral("good"));
        QVERIFY2(outcome.exitCode == 0, qPrintable(outcome.output));
    }

    void forbiddenIncludeFailsWithFileAndLine()
    {
        const Outcome outcome = checkFixture(QStringLiteral("bad"));
        QVERIFY(outcome.exitCode != 0);
        QVERIFY2(outcome.output.contains(QStringLiteral("bad/Leaky.cpp:3: layer imprint_core must not include <QtWidgets/QWidget>")),
                 qPrintable(outcome.output));
    }

    void cliLinksNoGuiLibraries()
    {
        const Outcome outcome = run(QStringLiteral("ldd"), {QStringLiteral(IMPRINT_CLI_PATH)});
        QCOMPARE(outcome.exitCode, 0);
        QVERIFY(outcome.output.contains(QStringLiteral("libQt6Core")));
        QVERIFY2(!outcome.output.contains(QStringLiteral("libQt6Gui")), qPrintable(outcome.output));
        QVERIFY2(!outcome.output.contains(QStringLiteral("libQt6Widgets")), qPrintable(outcome.output));
    }
};

QTEST_GUILESS_MAIN(TestLayering)
#include "tst_layering.moc"
