#include "core/Result.h"

#include <QSet>
#include <QTest>

#include <memory>

using namespace imprint;

class TestResult : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void valueIsReturned()
    {
        const Result<int> result = 42;
        QVERIFY(result.ok());
        QVERIFY(static_cast<bool>(result));
        QCOMPARE(result.value(), 42);
    }

    void errorIsReturned()
    {
        const Result<int> result = Error(ErrorCode::TokenNotFound, QStringLiteral("no token 'ca'"));
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code(), ErrorCode::TokenNotFound);
        QCOMPARE(result.error().message(), QStringLiteral("no token 'ca'"));
        QCOMPARE(result.valueOr(7), 7);
    }

    void moveOnlyValues()
    {
        Result<std::unique_ptr<int>> result = std::make_unique<int>(5);
        QVERIFY(result.ok());
        std::unique_ptr<int> taken = std::move(result).value();
        QCOMPARE(*taken, 5);
    }

    void voidResult()
    {
        const Status success = Status::success();
        QVERIFY(success.ok());
        const Status failure = Error(ErrorCode::Io, QStringLiteral("disk full"));
        QVERIFY(!failure.ok());
        QCOMPARE(failure.error().code(), ErrorCode::Io);
    }

    void contextIsPrepended()
    {
        const Error error = Error(ErrorCode::InvalidInput, QStringLiteral("missing column 'serial'"))
                                .withContext(QStringLiteral("devices.csv:1"));
        QCOMPARE(error.message(), QStringLiteral("devices.csv:1: missing column 'serial'"));
        QCOMPARE(error.code(), ErrorCode::InvalidInput);
    }

    void exitCodes_data()
    {
        QTest::addColumn<ErrorCode>("code");
        QTest::addColumn<int>("exit");
        QTest::newRow("input") << ErrorCode::InvalidInput << 3;
        QTest::newRow("not found") << ErrorCode::NotFound << 3;
        QTest::newRow("pin") << ErrorCode::PinIncorrect << 4;
        QTest::newRow("token removed") << ErrorCode::TokenRemoved << 4;
        QTest::newRow("csr") << ErrorCode::CsrRejected << 4;
        QTest::newRow("device") << ErrorCode::DeviceLinkLost << 5;
        QTest::newRow("database") << ErrorCode::Database << 6;
        QTest::newRow("throttled") << ErrorCode::Throttled << 7;
        QTest::newRow("tamper") << ErrorCode::IntegrityViolation << 8;
        QTest::newRow("timeout") << ErrorCode::Timeout << 1;
    }
    void exitCodes()
    {
        QFETCH(ErrorCode, code);
        QFETCH(int, exit);
        QCOMPARE(toInt(exitCodeFor(code)), exit);
    }

    void everyCodeHasItsOwnName()
    {
        QSet<QString> names;
        for (int i = static_cast<int>(ErrorCode::InvalidInput); i <= static_cast<int>(ErrorCode::Throttled); ++i) {
            const QString name = errorCodeName(static_cast<ErrorCode>(i));
            QVERIFY2(name != QStringLiteral("unknown error"), qPrintable(QString::number(i)));
            names.insert(name);
        }
        QCOMPARE(names.size(), static_cast<int>(ErrorCode::Throttled) + 1);
    }
};

QTEST_GUILESS_MAIN(TestResult)
#include "tst_result.moc"
