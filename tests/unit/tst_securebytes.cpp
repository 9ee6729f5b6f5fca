#include "core/SecureBytes.h"

#include <QTest>

#include <cstring>

using namespace imprint;

class TestSecureBytes : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void holdsACString()
    {
        const auto pin = SecureBytes::fromString("1234");
        QCOMPARE(pin.size(), std::size_t{4});
        QCOMPARE(std::strcmp(pin.c_str(), "1234"), 0);
    }

    void emptyIsASafeCString()
    {
        const SecureBytes none;
        QVERIFY(none.isEmpty());
        QCOMPARE(std::strcmp(none.c_str(), ""), 0);
    }

    void chopsLineEndings()
    {
        auto pin = SecureBytes::fromString("9876\r\n");
        pin.chopLineEnding();
        QCOMPARE(pin.size(), std::size_t{4});
        QCOMPARE(std::strcmp(pin.c_str(), "9876"), 0);
    }

    void wipeZeroesTheStorage()
    {
        auto secret = SecureBytes::fromString("top-secret");
        const char* storage = secret.data();
        secret.wipe();
        QCOMPARE(secret.size(), std::size_t{0});
        for (std::size_t i = 0; i < 10; ++i)
            QCOMPARE(storage[i], '\0');
    }

    void moveLeavesTheSourceEmpty()
    {
        auto first = SecureBytes::fromString("abc");
        SecureBytes second = std::move(first);
        QCOMPARE(first.size(), std::size_t{0});  // NOLINT(bugprone-use-after-move): checking the moved-from state
        QCOMPARE(std::strcmp(second.c_str(), "abc"), 0);
        SecureBytes third;
        third = std::move(second);
        QCOMPARE(std::strcmp(third.c_str(), "abc"), 0);
    }
};

QTEST_GUILESS_MAIN(TestSecureBytes)
#include "tst_securebytes.moc"
