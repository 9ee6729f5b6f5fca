// The man pages the package installs are generated at build time from the programs' own --help
// (installer/gen-manpage). These tests read both and assert that every command, its summary and
// every option a program's help shows is in its man page, under the right command.
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTest>

namespace {

QString runHelp(const QString& program, const QStringList& arguments)
{
    QProcess process;
    process.start(program, arguments + QStringList{QStringLiteral("--help")});
    if (!process.waitForFinished(30000) || process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0)
        return {};
    return QString::fromUtf8(process.readAllStandardOutput());
}

QString manPage(const QString& name)
{
    QFile file(QStringLiteral(IMPRINT_MAN_DIR "/") + name + QStringLiteral(".1"));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(file.readAll());
}

// Plain text as roff spells it (installer/gen-manpage's roff()).
QString roff(QString text)
{
    return text.replace(u'\\', QStringLiteral("\\e")).replace(u'-', QStringLiteral("\\-"));
}

// The long options a QCommandLineParser help lists ("  -h, --help", "  --module <path>").
QStringList longOptions(const QString& help)
{
    QStringList options;
    static const QRegularExpression item(QStringLiteral("^  (?:-\\w, )?(--[\\w-]+)"),
                                         QRegularExpression::MultilineOption);
    for (auto it = item.globalMatch(help); it.hasNext();)
        options.append(it.next().captured(1));
    return options;
}

// Whether one of the `.B` item lines of a man page's text names `option` (roff-escaped), as a
// whole option name: "-h, --help" names --help; --db does not name --db-path.
bool namesOption(const QString& text, const QString& option)
{
    const QRegularExpression item(QStringLiteral("^\\.B .*") + QRegularExpression::escape(roff(option))
                                      + QStringLiteral("(?![\\w\\\\])"),
                                  QRegularExpression::MultilineOption);
    return item.match(text).hasMatch();
}

// The text of the man page's `.SS "imprint-cli <words> …"` subsection.
QString commandSection(const QString& page, const QString& words)
{
    const QString title = QStringLiteral(".SS \"") + roff(QStringLiteral("imprint-cli ") + words);
    qsizetype at = page.indexOf(title + u' ');
    if (at < 0)
        at = page.indexOf(title + u'"');
    if (at < 0)
        return {};
    const qsizetype next = page.indexOf(QStringLiteral("\n.S"), at + 1);
    return page.mid(at, next < 0 ? -1 : next - at);
}

}  // namespace

class TestManPage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cliPageNamesTheVersion()
    {
        const QString page = manPage(QStringLiteral("imprint-cli"));
        QVERIFY2(!page.isEmpty(), "imprint-cli.1 was not generated");
        QProcess cli;
        cli.start(QStringLiteral(IMPRINT_CLI_PATH), {QStringLiteral("--version")});
        QVERIFY(cli.waitForFinished(30000));
        const QString version = QString::fromUtf8(cli.readAllStandardOutput()).trimmed().section(u' ', 1);
        QVERIFY(!version.isEmpty());
        QVERIFY2(page.startsWith(QStringLiteral(".TH IMPRINT\\-CLI 1 \"\" \"Imprint %1\"").arg(roff(version))),
                 qPrintable(page.left(80)));
        QVERIFY(QFile::exists(QStringLiteral(IMPRINT_MAN_DIR "/imprint-cli.1.gz")));
    }

    void everyCommandHasItsSummaryAndOptions_data()
    {
        QTest::addColumn<QString>("words");
        QTest::addColumn<QString>("summary");
        const QString overview = runHelp(QStringLiteral(IMPRINT_CLI_PATH), {});
        QVERIFY(overview.contains(QStringLiteral("Commands:\n")));
        const QString table = overview.section(QStringLiteral("Commands:\n"), 1).section(QStringLiteral("\n\n"), 0, 0);
        static const QRegularExpression line(QStringLiteral("^  (\\S+(?: \\S+)?) {2,}(\\S.*)$"),
                                             QRegularExpression::MultilineOption);
        int rows = 0;
        for (auto it = line.globalMatch(table); it.hasNext(); ++rows) {
            const auto match = it.next();
            QTest::newRow(qPrintable(match.captured(1))) << match.captured(1) << match.captured(2);
        }
        QVERIFY2(rows >= 10, "imprint-cli --help lists fewer than 10 commands");
    }

    void everyCommandHasItsSummaryAndOptions()
    {
        QFETCH(QString, words);
        QFETCH(QString, summary);
        const QString page = manPage(QStringLiteral("imprint-cli"));
        QVERIFY2(page.contains(QStringLiteral(".B ") + roff(words) + u'\n' + roff(summary) + u'\n'),
                 "the COMMANDS list lacks this command or its summary");

        const QString section = commandSection(page, words);
        QVERIFY2(!section.isEmpty(), "no COMMAND OPTIONS subsection for this command");
        const QStringList options = longOptions(runHelp(QStringLiteral(IMPRINT_CLI_PATH), words.split(u' ')));
        QVERIFY2(options.contains(QStringLiteral("--help")), "the command's --help lists no options");
        for (const QString& option : options)
            QVERIFY2(namesOption(section, option), qPrintable(option));
    }

    void cliPageListsTheExitCodes()
    {
        const QString overview = runHelp(QStringLiteral(IMPRINT_CLI_PATH), {});
        const QString page = manPage(QStringLiteral("imprint-cli"));
        const QString status = page.section(QStringLiteral(".SH \"EXIT STATUS\"\n"), 1).section(QStringLiteral("\n.SH "), 0, 0);
        static const QRegularExpression code(QStringLiteral("^  (\\d+)  (\\S.*)$"), QRegularExpression::MultilineOption);
        int codes = 0;
        for (auto it = code.globalMatch(overview); it.hasNext(); ++codes) {
            const auto match = it.next();
            QVERIFY2(status.contains(QStringLiteral(".B ") + match.captured(1) + u'\n' + roff(match.captured(2))),
                     qPrintable(match.captured(0)));
        }
        QCOMPARE(codes, 10);
    }

    void everyProgramsOptionsAreInItsPage_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("program");
        QTest::newRow("imprint") << QStringLiteral("imprint") << QStringLiteral(IMPRINT_GUI_PATH);
        QTest::newRow("imprint-devsim") << QStringLiteral("imprint-devsim") << QStringLiteral(IMPRINT_DEVSIM_PATH);
        QTest::newRow("imprint-iot-emulator") << QStringLiteral("imprint-iot-emulator")
                                              << QStringLiteral(IMPRINT_EMULATOR_PATH);
    }

    void everyProgramsOptionsAreInItsPage()
    {
        QFETCH(QString, name);
        QFETCH(QString, program);
        const QString page = manPage(name);
        QVERIFY2(page.startsWith(QStringLiteral(".TH ") + roff(name.toUpper()) + u' '), qPrintable(page.left(80)));
        QVERIFY2(page.contains(QStringLiteral("\n.SH SYNOPSIS\n.B ") + roff(name)), "no synopsis");
        const QStringList options = longOptions(runHelp(program, {}));
        QVERIFY2(options.size() >= 2, "the program's --help lists no options");
        const QString optionsSection = page.section(QStringLiteral("\n.SH OPTIONS\n"), 1).section(QStringLiteral("\n.SH "), 0, 0);
        for (const QString& option : options)
            QVERIFY2(namesOption(optionsSection, option), qPrintable(option));
    }
};

QTEST_GUILESS_MAIN(TestManPage)
#include "tst_manpage.moc"
