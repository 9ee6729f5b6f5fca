// `imprint --demo` as a user starts it on a fresh machine (an empty data directory): the
// window opens, makes the development token and CA, starts imprint-devsim, imports the sample
// work order and provisions all 16 devices, then (--quit-when-done) saves its picture and ends.
#include "StationHarness.h"

#include <QFileInfo>
#include <QImage>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace imprint;

class TestDemo : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void demoProvisionsTheSampleBatchFromTheWindowAlone()
    {
        QTemporaryDir home;
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("IMPRINT_DATA_DIR"), home.filePath(QStringLiteral("data")));
        environment.remove(QStringLiteral("SOFTHSM2_CONF"));
        environment.insert(QStringLiteral("QT_LOGGING_RULES"), QStringLiteral("imprint.*.info=false"));
        const QString shot = home.filePath(QStringLiteral("window.png"));
        QProcess app;
        app.setProcessEnvironment(environment);
        app.setProcessChannelMode(QProcess::MergedChannels);
        app.start(QStringLiteral(IMPRINT_GUI_PATH),
                  {QStringLiteral("--demo"), QStringLiteral("--quit-when-done"), QStringLiteral("--quit-after"),
                   QStringLiteral("90000"), QStringLiteral("--screenshot"), shot});
        QVERIFY(app.waitForFinished(100'000));
        const QString output = QString::fromUtf8(app.readAll());
        QVERIFY2(app.exitStatus() == QProcess::NormalExit && app.exitCode() == 0, qPrintable(output));
        const QString db = home.filePath(QStringLiteral("data/demo-gui/audit.sqlite"));
        // The window's own words (problems, the station's notices) say why when it is not all 16.
        const qint64 passed = test::countRows(db, QStringLiteral("SELECT COUNT(*) FROM units WHERE state = 'passed'"));
        QVERIFY2(passed == 16, qPrintable(QStringLiteral("%1 of 16 passed; imprint said:\n%2").arg(passed).arg(output)));
        QCOMPARE(test::countRows(db, QStringLiteral("SELECT COUNT(*) FROM units WHERE state <> 'passed'")), 0);
        const QImage image(shot);
        QVERIFY2(!image.isNull(), qPrintable(output));
        QVERIFY(image.width() >= 800 && image.height() >= 600);
    }
};

QTEST_MAIN(TestDemo)
#include "tst_demo.moc"
