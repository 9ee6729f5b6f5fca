#include "SoftHsmToken.h"
#include "hsm/OpenSslInfo.h"
#include "hsm/Pkcs11Module.h"

#include <QTest>

using namespace imprint;

class TestPkcs11Module : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void loadsSoftHsmAndListsTokensByLabel()
    {
        auto token = test::SoftHsmToken::create(QStringLiteral("ca-under-test"));
        QVERIFY2(token.ok(), qPrintable(token.ok() ? QString() : token.error().message()));
        QVERIFY(token.value()->addToken(QStringLiteral("second")).ok());

        auto module = hsm::Pkcs11Module::load(test::SoftHsmToken::modulePath());
        QVERIFY2(module.ok(), qPrintable(module.ok() ? QString() : module.error().message()));
        QVERIFY(module->description().contains(QStringLiteral("SoftHSM")));
        const auto tokens = module->tokens();
        QVERIFY(tokens.ok());
        QStringList labels;
        for (const auto& summary : tokens.value()) {
            if (summary.initialized)
                labels << summary.label;
        }
        labels.sort();
        QCOMPARE(labels, (QStringList{QStringLiteral("ca-under-test"), QStringLiteral("second")}));
    }

    void selfCheckCountsInitialisedTokens()
    {
        auto token = test::SoftHsmToken::create();
        QVERIFY(token.ok());
        const auto result = hsm::checkPkcs11Module(test::SoftHsmToken::modulePath());
        QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error().message()));
        QVERIFY2(result.value().contains(QStringLiteral("1 initialised token")), qPrintable(result.value()));
    }

    void missingModuleIsNamed()
    {
        const auto result = hsm::Pkcs11Module::load(QStringLiteral("/nonexistent/libpkcs11.so"));
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code(), ErrorCode::HsmModule);
        QVERIFY(result.error().message().contains(QStringLiteral("/nonexistent/libpkcs11.so")));
        QVERIFY(result.error().message().contains(QStringLiteral("does not exist")));
    }

    void aLibraryThatIsNoPkcs11ModuleIsNamed()
    {
        const QString notAModule = QStringLiteral("/usr/lib/x86_64-linux-gnu/libsqlite3.so.0");
        const auto result = hsm::Pkcs11Module::load(notAModule);
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code(), ErrorCode::HsmModule);
        QVERIFY2(result.error().message().contains(QStringLiteral("is not a PKCS#11 module")),
                 qPrintable(result.error().message()));
    }

    void brokenSoftHsmConfigurationIsExplained()
    {
        qputenv("SOFTHSM2_CONF", "/nonexistent/softhsm2.conf");
        const auto result = hsm::Pkcs11Module::load(test::SoftHsmToken::modulePath());
        QVERIFY(!result.ok());
        QVERIFY2(result.error().message().contains(QStringLiteral("C_Initialize failed")),
                 qPrintable(result.error().message()));
        QVERIFY(result.error().message().contains(QStringLiteral("SOFTHSM2_CONF")));
    }

    void openSslIsVersion3()
    {
        const auto result = hsm::checkOpenSslVersion();
        QVERIFY(result.ok());
        QVERIFY(result.value().startsWith(QStringLiteral("OpenSSL 3.")));
    }
};

QTEST_GUILESS_MAIN(TestPkcs11Module)
#include "tst_pkcs11module.moc"
