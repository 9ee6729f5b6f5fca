#include "TestPki.h"

#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QStringList>

namespace imprint::test {

QString TestPki::runOpenSsl(const QStringList& arguments)
{
    QProcess process;
    process.start(QStringLiteral("openssl"), arguments);
    if (!process.waitForFinished(30000))
        return QStringLiteral("openssl %1 did not finish").arg(arguments.join(u' '));
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0)
        return QStringLiteral("openssl %1 failed: %2")
            .arg(arguments.join(u' '), QString::fromLocal8Bit(process.readAllStandardError()));
    return {};
}

QString TestPki::makeCa(const QString& name, const QString& subject) const
{
    return runOpenSsl({QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), QStringLiteral("ec"),
                       QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:P-256"), QStringLiteral("-nodes"),
                       QStringLiteral("-keyout"), keyPath(name), QStringLiteral("-out"), certPath(name),
                       QStringLiteral("-subj"), subject, QStringLiteral("-days"), QStringLiteral("30"),
                       QStringLiteral("-addext"), QStringLiteral("basicConstraints=critical,CA:TRUE"),
                       QStringLiteral("-addext"), QStringLiteral("keyUsage=critical,keyCertSign,cRLSign")});
}

QString TestPki::makeLeaf(const QString& name, const QString& subject, const QString& caName) const
{
    const QString csr = m_directory + u'/' + name + QStringLiteral(".csr");
    QString error = runOpenSsl({QStringLiteral("req"), QStringLiteral("-new"), QStringLiteral("-newkey"), QStringLiteral("ec"),
                                QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:P-256"), QStringLiteral("-nodes"),
                                QStringLiteral("-keyout"), keyPath(name), QStringLiteral("-out"), csr,
                                QStringLiteral("-subj"), subject});
    if (!error.isEmpty())
        return error;
    return runOpenSsl({QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"), csr,
                       QStringLiteral("-CA"), certPath(caName), QStringLiteral("-CAkey"), keyPath(caName),
                       QStringLiteral("-set_serial"), QString::number(QRandomGenerator::global()->generate64() >> 2),
                       QStringLiteral("-days"), QStringLiteral("30"), QStringLiteral("-out"), certPath(name)});
}

QByteArray TestPki::certPem(const QString& name) const
{
    QFile file(certPath(name));
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

}  // namespace imprint::test
