#include "core/DatabaseCheck.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace imprint;

class TestDatabaseCheck : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void opensWritesAndReportsTheVersion()
    {
        QTemporaryDir dir;
        const auto result = checkSqlite(dir.path());
        QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error().message()));
        QVERIFY(result.value().startsWith(QStringLiteral("SQLite 3.")));
        QVERIFY(result.value().contains(dir.path()));
        QVERIFY2(!QFile::exists(dir.filePath(QStringLiteral("selftest.sqlite"))), "the probe file is removed");
    }

    void aFileInTheWayIsNamed()
    {
        QTemporaryDir dir;
        const QString blocker = dir.filePath(QStringLiteral("not-a-dir"));
        QFile file(blocker);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.close();
        const auto result = checkSqlite(blocker + QStringLiteral("/sub"));
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code(), ErrorCode::Database);
        QVERIFY2(result.error().message().contains(blocker), qPrintable(result.error().message()));
    }
};

QTEST_GUILESS_MAIN(TestDatabaseCheck)
#include "tst_databasecheck.moc"
