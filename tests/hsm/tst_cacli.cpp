// imprint-cli's hsm and ca commands end to end, as a line engineer runs them: a development
// token in the data directory, a CA on it, certificates that `openssl verify` accepts, and
// the exit code and message of each failure.
#include "SoftHsmToken.h"

#include <QFile>
#include <QProcess>
#include <QSettings>
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

class Station
{
public:
    Station() { m_env.remove(QStringLiteral("SOFTHSM2_CONF")); m_env.insert(QStringLiteral("IMPRINT_DATA_DIR"), dataDir()); }

    [[nodiscard]] QString dataDir() const { return m_dir.filePath(QStringLiteral("data")); }
    [[nodiscard]] QString path(const QString& name) const { return m_dir.filePath(name); }
    void setEnv(const QString& name, const QString& value) { m_env.insert(name, value); }

    Run cli(const QStringList& arguments, const QByteArray& input = {}) const
    {
        QProcess process;
        process.setProcessEnvironment(m_env);
        process.start(QStringLiteral(IMPRINT_CLI_PATH), arguments);
        process.waitForStarted();
        process.write(input);
        process.closeWriteChannel();
        process.waitForFinished(60'000);
        return {process.exitCode(), QString::fromUtf8(process.readAllStandardOutput()), QString::fromUtf8(process.readAllStandardError())};
    }

    Run openssl(const QStringList& arguments, const QByteArray& input = {}) const
    {
        QProcess process;
        process.start(QStringLiteral("openssl"), arguments);
        process.waitForStarted();
        process.write(input);
        process.closeWriteChannel();
        process.waitForFinished(30'000);
        return {process.exitCode(), QString::fromUtf8(process.readAllStandardOutput()), QString::fromUtf8(process.readAllStandardError())};
    }

    // A device's key and CSR, made by openssl.
    QString deviceCsr(const QString& name) const
    {
        const QString csr = path(name + QStringLiteral(".csr"));
        openssl({QStringLiteral("req"), QStringLiteral("-new"), QStringLiteral("-newkey"), QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
                 QStringLiteral("ec_paramgen_curve:P-256"), QStringLiteral("-nodes"), QStringLiteral("-keyout"), path(name + QStringLiteral(".key")),
                 QStringLiteral("-out"), csr, QStringLiteral("-subj"), QStringLiteral("/CN=") + name});
        return csr;
    }

    // `openssl verify -CAfile <(imprint-cli ca show --pem) cert`
    Run verify(const QString& certificate) const
    {
        const Run chain = cli({QStringLiteral("ca"), QStringLiteral("show"), QStringLiteral("--pem")});
        const QString chainFile = path(QStringLiteral("shown-chain.pem"));
        QFile file(chainFile);
        if (file.open(QIODevice::WriteOnly))
            file.write(chain.out.toUtf8());
        file.close();
        return openssl({QStringLiteral("verify"), QStringLiteral("-CAfile"), chainFile, certificate});
    }

    [[nodiscard]] QString iniPath() const { return dataDir() + QStringLiteral("/station.ini"); }

private:
    QTemporaryDir m_dir;
    QProcessEnvironment m_env = QProcessEnvironment::systemEnvironment();
};

#define EXPECT_RUN(run, code, text)                                                                                         \
    do {                                                                                                                    \
        const Run r_ = (run);                                                                                               \
        QVERIFY2(r_.exitCode == (code) && QString(r_.out + r_.err).contains(text),                                               \
                 qPrintable(QStringLiteral("exit %1\nstdout: %2\nstderr: %3").arg(r_.exitCode).arg(r_.out, r_.err)));       \
    } while (false)

QByteArray readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

const QString kHsm = QStringLiteral("hsm");
const QString kCa = QStringLiteral("ca");

void setUpRootCa(const Station& station)
{
    EXPECT_RUN(station.cli({kHsm, QStringLiteral("init-dev-token")}), 0, QStringLiteral("created development token 'imprint-dev'"));
    EXPECT_RUN(station.cli({kCa, QStringLiteral("create"), QStringLiteral("--subject"), QStringLiteral("CN=Line CA,O=Acme")}), 0,
               QStringLiteral("created self-signed CA 'CN=Line CA,O=Acme'"));
}

}  // namespace

class TestCaCli : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void devTokenCaAndCertificatesOpensslAccepts()
    {
        Station station;
        EXPECT_RUN(station.cli({kHsm, QStringLiteral("init-dev-token")}), 0,
                   QStringLiteral("pkcs11:token=imprint-dev;object=imprint-ca?pin-source=file:"));
        EXPECT_RUN(station.cli({kHsm, QStringLiteral("init-dev-token")}), 0, QStringLiteral("exists  development token 'imprint-dev'"));
        const QString pinFile = station.dataDir() + QStringLiteral("/softhsm/user.pin");
        const QFileDevice::Permissions permissions = QFile::permissions(pinFile);
        QVERIFY(permissions.testFlag(QFileDevice::ReadOwner) && permissions.testFlag(QFileDevice::WriteOwner));
        QVERIFY2(!(permissions & (QFileDevice::ExeOwner | QFileDevice::ReadGroup | QFileDevice::WriteGroup | QFileDevice::ExeGroup
                                  | QFileDevice::ReadOther | QFileDevice::WriteOther | QFileDevice::ExeOther)),
                 "the PIN file is 0600");
        const QByteArray pin = readAll(pinFile);
        QCOMPARE(pin.size(), qsizetype{8});
        QVERIFY2(!readAll(station.iniPath()).contains(pin), "the PIN never goes into station.ini");
        EXPECT_RUN(station.cli({kHsm, QStringLiteral("tokens")}), 0, QStringLiteral("pkcs11:token=imprint-dev"));

        EXPECT_RUN(station.cli({kCa, QStringLiteral("create"), QStringLiteral("--subject"), QStringLiteral("CN=Line CA,O=Acme")}), 0,
                   QStringLiteral("SHA-256 fingerprint: "));
        EXPECT_RUN(station.cli({kCa, QStringLiteral("create")}), 3, QStringLiteral("already has a CA"));
        EXPECT_RUN(station.cli({kCa, QStringLiteral("show")}), 0, QStringLiteral("subject:  O=Acme,CN=Line CA"));
        EXPECT_RUN(station.cli({kCa, QStringLiteral("show"), QStringLiteral("--pem")}), 0, QStringLiteral("-----BEGIN CERTIFICATE-----"));

        const QString csr = station.deviceCsr(QStringLiteral("thing-7"));
        const QString certificate = station.path(QStringLiteral("thing-7.pem"));
        EXPECT_RUN(station.cli({kCa, QStringLiteral("issue"), QStringLiteral("--csr"), csr, QStringLiteral("--out"), certificate}), 0,
                   QStringLiteral("issued CN=thing-7"));
        EXPECT_RUN(station.verify(certificate), 0, QStringLiteral(": OK"));
        // The certificate holds the device's key.
        const Run fromCertificate = station.openssl({QStringLiteral("x509"), QStringLiteral("-noout"), QStringLiteral("-pubkey"),
                                                     QStringLiteral("-in"), certificate});
        const Run fromKey = station.openssl({QStringLiteral("pkey"), QStringLiteral("-pubout"), QStringLiteral("-in"),
                                             station.path(QStringLiteral("thing-7.key"))});
        QCOMPARE(fromCertificate.out, fromKey.out);

        const QString der = station.path(QStringLiteral("thing-7.der"));
        EXPECT_RUN(station.cli({kCa, QStringLiteral("issue"), QStringLiteral("--csr"), csr, QStringLiteral("--thing-name"),
                                QStringLiteral("pump-1"), QStringLiteral("--out"), der}), 0, QStringLiteral("issued CN=pump-1"));
        EXPECT_RUN(station.openssl({QStringLiteral("x509"), QStringLiteral("-inform"), QStringLiteral("DER"), QStringLiteral("-noout"),
                                    QStringLiteral("-subject"), QStringLiteral("-in"), der}), 0, QStringLiteral("subject=CN = pump-1"));

        const QString verification = station.path(QStringLiteral("verification.pem"));
        EXPECT_RUN(station.cli({kCa, QStringLiteral("verification-cert"), QStringLiteral("--registration-code"), QStringLiteral("0123abcd"),
                                QStringLiteral("--out"), verification}), 0, QStringLiteral("CN=0123abcd"));
        EXPECT_RUN(station.verify(verification), 0, QStringLiteral(": OK"));
        EXPECT_RUN(station.openssl({QStringLiteral("x509"), QStringLiteral("-noout"), QStringLiteral("-subject"), QStringLiteral("-in"), verification}),
                   0, QStringLiteral("subject=CN = 0123abcd"));
    }

    void profileFromStationIniShapesTheSubject()
    {
        Station station;
        setUpRootCa(station);
        {
            QSettings ini(station.iniPath(), QSettings::IniFormat);
            ini.beginGroup(QStringLiteral("ca.profile.jitp"));
            ini.setValue(QStringLiteral("commonName"), QStringLiteral("{thingName}"));
            ini.setValue(QStringLiteral("organization"), QStringLiteral("Acme"));
            ini.setValue(QStringLiteral("country"), QStringLiteral("DE"));
            ini.setValue(QStringLiteral("validityDays"), 30);
        }
        const QString certificate = station.path(QStringLiteral("jitp.pem"));
        EXPECT_RUN(station.cli({kCa, QStringLiteral("issue"), QStringLiteral("--csr"), station.deviceCsr(QStringLiteral("sensor-3")),
                                QStringLiteral("--profile"), QStringLiteral("jitp"), QStringLiteral("--out"), certificate}),
                   0, QStringLiteral("issued CN=sensor-3,O=Acme,C=DE"));
        EXPECT_RUN(station.verify(certificate), 0, QStringLiteral(": OK"));
        EXPECT_RUN(station.cli({kCa, QStringLiteral("issue"), QStringLiteral("--csr"), station.deviceCsr(QStringLiteral("x")),
                                QStringLiteral("--profile"), QStringLiteral("nope"), QStringLiteral("--out"), certificate}),
                   3, QStringLiteral("certificate profile 'nope' not found"));
    }

    void intermediateThroughTheOfflineRoot()
    {
        Station station;
        EXPECT_RUN(station.cli({kHsm, QStringLiteral("init-dev-token")}), 0, QStringLiteral("created"));
        const QString request = station.path(QStringLiteral("intermediate.csr"));
        EXPECT_RUN(station.cli({kCa, QStringLiteral("create"), QStringLiteral("--key-type"), QStringLiteral("ec-p384"), QStringLiteral("--subject"),
                                QStringLiteral("CN=Acme Line 3 CA"), QStringLiteral("--csr-out"), request}),
                   0, QStringLiteral("--import-cert"));
        const QString rootKey = station.path(QStringLiteral("root.key"));
        const QString root = station.path(QStringLiteral("root.pem"));
        EXPECT_RUN(station.openssl({QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), QStringLiteral("rsa:2048"),
                                    QStringLiteral("-nodes"), QStringLiteral("-keyout"), rootKey, QStringLiteral("-out"), root,
                                    QStringLiteral("-subj"), QStringLiteral("/CN=Acme Root"), QStringLiteral("-days"), QStringLiteral("90")}),
                   0, QString());
        const QString extensions = station.path(QStringLiteral("ext.cnf"));
        QFile file(extensions);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n"
                   "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n");
        file.close();
        const QString signedCa = station.path(QStringLiteral("intermediate.pem"));
        EXPECT_RUN(station.openssl({QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"), request, QStringLiteral("-CA"), root,
                                    QStringLiteral("-CAkey"), rootKey, QStringLiteral("-set_serial"), QStringLiteral("7"), QStringLiteral("-days"),
                                    QStringLiteral("60"), QStringLiteral("-extfile"), extensions, QStringLiteral("-out"), signedCa}),
                   0, QString());
        // The root's own certificate is not the token key's: refused.
        EXPECT_RUN(station.cli({kCa, QStringLiteral("create"), QStringLiteral("--import-cert"), root}), 4, QStringLiteral("does not match key 'imprint-ca'"));
        EXPECT_RUN(station.cli({kCa, QStringLiteral("create"), QStringLiteral("--import-cert"), signedCa}), 4,
                   QStringLiteral("does not verify against the given chain"));
        EXPECT_RUN(station.cli({kCa, QStringLiteral("create"), QStringLiteral("--import-cert"), signedCa, QStringLiteral("--chain"), root}), 0,
                   QStringLiteral("it matches the key on the token"));
        EXPECT_RUN(station.cli({kCa, QStringLiteral("show")}), 0, QStringLiteral("(2 certificate(s))"));
        const QString certificate = station.path(QStringLiteral("leaf.pem"));
        EXPECT_RUN(station.cli({kCa, QStringLiteral("issue"), QStringLiteral("--csr"), station.deviceCsr(QStringLiteral("leaf-1")),
                                QStringLiteral("--out"), certificate}), 0, QStringLiteral("issued CN=leaf-1"));
        EXPECT_RUN(station.verify(certificate), 0, QStringLiteral(": OK"));
    }

    void pinFromEnvironmentOrPipedPrompt()
    {
        Station station;
        setUpRootCa(station);
        const QByteArray pin = readAll(station.dataDir() + QStringLiteral("/softhsm/user.pin"));
        {
            QSettings ini(station.iniPath(), QSettings::IniFormat);
            ini.setValue(QStringLiteral("hsm/uri"), QStringLiteral("pkcs11:token=imprint-dev;object=imprint-ca"));
        }
        const QString csr = station.deviceCsr(QStringLiteral("d1"));
        const QStringList issue{kCa, QStringLiteral("issue"), QStringLiteral("--csr"), csr, QStringLiteral("--out"), station.path(QStringLiteral("d1.pem"))};
        EXPECT_RUN(station.cli(issue), 1, QStringLiteral("no PIN entered"));
        EXPECT_RUN(station.cli(issue, pin + '\n'), 0, QStringLiteral("issued CN=d1"));
        station.setEnv(QStringLiteral("IMPRINT_HSM_PIN"), QString::fromLatin1(pin));
        EXPECT_RUN(station.cli(issue), 0, QStringLiteral("issued CN=d1"));
        station.setEnv(QStringLiteral("IMPRINT_HSM_PIN"), QStringLiteral("00000000"));
        EXPECT_RUN(station.cli(issue), 4, QStringLiteral("C_Login on token 'imprint-dev': CKR_PIN_INCORRECT"));
    }

    void failuresExitWithTheirCodeAndSayWhy()
    {
        Station station;
        EXPECT_RUN(station.cli({kCa, QStringLiteral("show")}), 3, QStringLiteral("this station has no CA yet"));
        setUpRootCa(station);
        const QString out = station.path(QStringLiteral("x.pem"));
        const QString bad = station.path(QStringLiteral("bad.csr"));
        QFile file(bad);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("-----BEGIN CERTIFICATE REQUEST-----\nMIIBzzCCAXQCAQAw\n-----END CERTIFICATE REQUEST-----\n");
        file.close();
        EXPECT_RUN(station.cli({kCa, QStringLiteral("issue"), QStringLiteral("--csr"), bad, QStringLiteral("--out"), out}), 4,
                   QStringLiteral("CSR malformed"));
        QVERIFY(!QFile::exists(out));
        EXPECT_RUN(station.cli({kCa, QStringLiteral("issue"), QStringLiteral("--csr"), bad}), 2, QStringLiteral("--out is required"));
        EXPECT_RUN(station.cli({kCa, QStringLiteral("issue"), QStringLiteral("--csr"), station.path(QStringLiteral("missing.csr")),
                                QStringLiteral("--out"), out}), 3, QStringLiteral("cannot read CSR"));

        QFile pinFile(station.dataDir() + QStringLiteral("/softhsm/user.pin"));
        const QByteArray pin = readAll(pinFile.fileName());
        QVERIFY(pinFile.open(QIODevice::WriteOnly | QIODevice::Truncate));
        pinFile.write("11111111");
        pinFile.close();
        const QString csr = station.deviceCsr(QStringLiteral("d2"));
        EXPECT_RUN(station.cli({kCa, QStringLiteral("issue"), QStringLiteral("--csr"), csr, QStringLiteral("--out"), out}), 4,
                   QStringLiteral("C_Login on token 'imprint-dev': CKR_PIN_INCORRECT"));
        QVERIFY(!QFile::exists(out));
        QVERIFY(pinFile.open(QIODevice::WriteOnly | QIODevice::Truncate));
        pinFile.write(pin);
        pinFile.close();

        {
            QSettings ini(station.iniPath(), QSettings::IniFormat);
            ini.setValue(QStringLiteral("hsm/uri"), QStringLiteral("pkcs11:token=absent;object=imprint-ca"));
        }
        EXPECT_RUN(station.cli({kCa, QStringLiteral("issue"), QStringLiteral("--csr"), csr, QStringLiteral("--out"), out}), 4,
                   QStringLiteral("token 'absent' not found in /usr/lib/softhsm/libsofthsm2.so; tokens present: 'imprint-dev'"));
        {
            QSettings ini(station.iniPath(), QSettings::IniFormat);
            ini.setValue(QStringLiteral("hsm/module"), QStringLiteral("/nonexistent/libvendor-pkcs11.so"));
        }
        EXPECT_RUN(station.cli({kCa, QStringLiteral("issue"), QStringLiteral("--csr"), csr, QStringLiteral("--out"), out}), 4,
                   QStringLiteral("PKCS#11 module /nonexistent/libvendor-pkcs11.so does not exist"));
        EXPECT_RUN(station.cli({kHsm, QStringLiteral("tokens")}), 4, QStringLiteral("does not exist"));
    }
};

QTEST_GUILESS_MAIN(TestCaCli)
#include "tst_cacli.moc"
