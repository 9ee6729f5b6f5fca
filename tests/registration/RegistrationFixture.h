#pragma once

// What the registration tests share: a real audit database in a temporary directory with a
// batch of devices, a test PKI issuing each unit's certificate, imprint-iot-emulator, an AWS
// client on it, units passed (one outbox row each), and `imprint-cli` run as a user runs it.

#include "AuditFixture.h"
#include "EmulatorProcess.h"
#include "TestPki.h"

#include "core/audit/OutboxRecords.h"
#include "core/cloud/AwsIotClient.h"

#include <QDir>
#include <QProcess>

namespace imprint::test {

inline QString sourceFile(const char* relative)
{
    return QStringLiteral(IMPRINT_SOURCE_DIR "/") + QString::fromLatin1(relative);
}

inline QByteArray readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

class RegistrationFixture
{
public:
    QTemporaryDir dir;
    QString db;
    qint64 batch = 0;
    int nextDevice = 1;
    SystemClock clock;
    EmulatorProcess emulator;
    std::unique_ptr<TestPki> pki;

    // A batch of `devices`, a CA "ca", a fresh station directory (IMPRINT_DATA_DIR) with `ini`
    // as its station.ini, and the emulator started with `emulatorArguments`. Empty: success.
    QString setUp(const QString& batchName, int devices, const QByteArray& ini = {},
                  const QStringList& emulatorArguments = {})
    {
        if (!dir.isValid())
            return QStringLiteral("no temporary directory");
        db = dir.filePath(QStringLiteral("audit.sqlite"));
        batch = importDevices(db, dir, batchName, devices);
        addPerson(db, QStringLiteral("olivia"), QStringLiteral("operator"));
        pki = std::make_unique<TestPki>(dir.path());
        if (QString error = pki->makeCa(QStringLiteral("ca"), QStringLiteral("/CN=Imprint Test CA")); !error.isEmpty())
            return error;
        const QString dataDir = dir.filePath(QStringLiteral("station"));
        QDir().mkpath(dataDir);
        qputenv("IMPRINT_DATA_DIR", dataDir.toUtf8());
        QFile file(dataDir + QStringLiteral("/station.ini"));
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(ini) != ini.size())
            return QStringLiteral("cannot write station.ini");
        file.close();
        return emulator.start(emulatorArguments);
    }

    cloud::AwsSettings awsSettings() const
    {
        cloud::AwsSettings settings;
        settings.credentials.accessKeyId = QString::fromLatin1(kAccessKeyId);
        settings.credentials.secretAccessKey = SecureBytes::fromString(kSecretAccessKey);
        settings.credentialsSource = QStringLiteral("test");
        settings.region = QStringLiteral("us-east-1");
        settings.endpointUrl = emulator.endpoint();
        return settings;
    }

    std::unique_ptr<cloud::AwsIotClient> client(cloud::AwsClientOptions options = {}) const
    {
        auto made = cloud::AwsIotClient::create(awsSettings(), std::move(options));
        if (!made)
            qFatal("%s", qPrintable(made.error().message()));
        return std::move(made.value());
    }

    // Passes `count` more devices of the batch, each with a certificate from CA `caName`.
    QStringList passUnits(int count, const QString& caName = QStringLiteral("ca"))
    {
        auto store = audit::AuditStore::open(audit::StoreOptions{db, QStringLiteral("station-1")}, clock);
        if (!store)
            qFatal("%s", qPrintable(store.error().message()));
        QStringList things;
        for (int i = 0; i < count; ++i, ++nextDevice) {
            const QString serial = QStringLiteral("SN%1").arg(nextDevice, 4, 10, QLatin1Char('0'));
            const QString thing = QStringLiteral("thing-") + serial;
            if (const QString error = pki->makeLeaf(serial, QStringLiteral("/CN=") + thing, caName); !error.isEmpty())
                qFatal("%s", qPrintable(error));
            auto unit = store.value()->beginUnit(unitFor(batch, serial));
            if (!unit)
                qFatal("%s", qPrintable(unit.error().message()));
            audit::CertificateRecord certificate = fakeCertificate(QStringLiteral("C0") + serial, QStringLiteral("key-") + serial);
            certificate.pem = QString::fromUtf8(pki->certPem(serial));
            if (!store.value()->recordCertificate(unit->unitId, certificate).ok() || !store.value()->completePassed(unit->unitId).ok())
                qFatal("cannot pass %s", qPrintable(serial));
            things << thing;
        }
        return things;
    }

    QString outboxState(const QString& thing) const
    {
        return scalar(db, QStringLiteral("SELECT o.state FROM cloud_outbox o JOIN units u ON u.id = o.unit_id "
                                         "WHERE u.thing_name = '%1'").arg(thing)).toString();
    }

    QString outboxError(const QString& thing) const
    {
        return scalar(db, QStringLiteral("SELECT o.last_error FROM cloud_outbox o JOIN units u ON u.id = o.unit_id "
                                         "WHERE u.thing_name = '%1'").arg(thing)).toString();
    }

    // `imprint-cli` with the test's AWS credentials in the environment and no AWS config files.
    CommandResult cli(const QStringList& arguments) const
    {
        QProcess process;
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("AWS_ACCESS_KEY_ID"), QString::fromLatin1(kAccessKeyId));
        environment.insert(QStringLiteral("AWS_SECRET_ACCESS_KEY"), QString::fromLatin1(kSecretAccessKey));
        environment.insert(QStringLiteral("AWS_DEFAULT_REGION"), QStringLiteral("us-east-1"));
        environment.insert(QStringLiteral("AWS_CONFIG_FILE"), dir.filePath(QStringLiteral("no-aws-config")));
        environment.insert(QStringLiteral("AWS_SHARED_CREDENTIALS_FILE"), dir.filePath(QStringLiteral("no-aws-credentials")));
        environment.remove(QStringLiteral("SOFTHSM2_CONF"));  // the development token's comes from station.ini
        process.setProcessEnvironment(environment);
        process.start(QStringLiteral(IMPRINT_CLI_PATH), arguments);
        CommandResult result;
        if (!process.waitForFinished(120000))
            return result;
        result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
        result.out = process.readAllStandardOutput();
        result.err = process.readAllStandardError();
        return result;
    }
};

}  // namespace imprint::test

#define REQUIRE_OK(result)                                                                                             \
    do {                                                                                                               \
        const auto& r_ = (result);                                                                                     \
        QVERIFY2(r_.ok(), qPrintable(r_.ok() ? QString() : r_.error().message()));                                    \
    } while (false)

#define AWS_OK(result)                                                                                                 \
    do {                                                                                                               \
        const auto& a_ = (result);                                                                                     \
        QVERIFY2(a_.ok(), qPrintable(a_.describe()));                                                                  \
    } while (false)
