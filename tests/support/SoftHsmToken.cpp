#include "SoftHsmToken.h"

#include <QDir>
#include <QFile>
#include <QProcess>

namespace imprint::test {

Result<QByteArray> runProgram(const QString& program, const QStringList& arguments, const QByteArray& input)
{
    QProcess process;
    process.start(program, arguments);
    if (!process.waitForStarted(10'000))
        return Error(ErrorCode::NotFound, QStringLiteral("cannot start %1: %2").arg(program, process.errorString()));
    if (!input.isEmpty())
        process.write(input);
    process.closeWriteChannel();
    if (!process.waitForFinished(30'000)) {
        process.kill();
        return Error(ErrorCode::Timeout, QStringLiteral("%1 did not finish in 30 s").arg(program));
    }
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0)
        return Error(ErrorCode::Internal, QStringLiteral("%1 %2 failed (exit %3): %4")
                                              .arg(program, arguments.join(u' '))
                                              .arg(process.exitCode())
                                              .arg(QString::fromUtf8(process.readAllStandardError())));
    return process.readAllStandardOutput();
}

QString SoftHsmToken::modulePath()
{
    return QStringLiteral(IMPRINT_SOFTHSM_MODULE);
}

QString SoftHsmToken::configPath() const
{
    return m_dir.filePath(QStringLiteral("softhsm2.conf"));
}

Result<void> SoftHsmToken::writeConfig() const
{
    const QString tokens = m_dir.filePath(QStringLiteral("tokens"));
    if (!QDir().mkpath(tokens))
        return Error(ErrorCode::Io, QStringLiteral("cannot create %1").arg(tokens));
    QFile config(configPath());
    if (!config.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return Error(ErrorCode::Io, QStringLiteral("cannot write %1").arg(configPath()));
    const QString text = QStringLiteral("directories.tokendir = %1\nobjectstore.backend = file\n"
                                        "log.level = ERROR\nslots.removable = false\n")
                             .arg(tokens);
    config.write(text.toUtf8());
    return {};
}

Result<std::unique_ptr<SoftHsmToken>> SoftHsmToken::create(const QString& label)
{
    std::unique_ptr<SoftHsmToken> token(new SoftHsmToken);
    if (!token->m_dir.isValid())
        return Error(ErrorCode::Io, QStringLiteral("cannot create a temporary directory"));
    token->m_label = label;
    if (auto written = token->writeConfig(); !written)
        return written.error();
    token->m_previousConf = qgetenv("SOFTHSM2_CONF");
    qputenv("SOFTHSM2_CONF", QFile::encodeName(token->configPath()));
    if (auto added = token->addToken(label); !added)
        return added.error();
    return token;
}

Result<void> SoftHsmToken::addToken(const QString& label) const
{
    auto output = runProgram(QStringLiteral("softhsm2-util"),
                             {QStringLiteral("--init-token"), QStringLiteral("--free"),
                              QStringLiteral("--label"), label, QStringLiteral("--pin"),
                              QString::fromLatin1(kUserPin), QStringLiteral("--so-pin"),
                              QString::fromLatin1(kSoPin)});
    if (!output)
        return output.error();
    return {};
}

SoftHsmToken::~SoftHsmToken()
{
    if (m_previousConf.isEmpty())
        qunsetenv("SOFTHSM2_CONF");
    else
        qputenv("SOFTHSM2_CONF", m_previousConf);
}

}  // namespace imprint::test
