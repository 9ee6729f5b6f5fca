#include "app/iot-emulator/server/PreProvisioningHook.h"

#include <QJsonDocument>
#include <QProcess>
#include <QTimer>

#include <memory>

namespace imprint::emulator {

Result<std::pair<PreProvisioningHook::Rule, QString>> PreProvisioningHook::parseSpec(const QString& spec)
{
    if (spec == QStringLiteral("allow"))
        return std::pair{Rule::Allow, QString()};
    if (spec == QStringLiteral("deny"))
        return std::pair{Rule::Deny, QString()};
    if (spec.startsWith(QStringLiteral("command:")) && spec.size() > 8)
        return std::pair{Rule::Command, spec.mid(8)};
    return Error(ErrorCode::InvalidInput,
                 QStringLiteral("--pre-provisioning-hook: '%1' is not allow, deny or command:PATH").arg(spec));
}

PreProvisioningHook::PreProvisioningHook(Rule rule, QString command, QObject* parent)
    : QObject(parent), m_rule(rule), m_command(std::move(command))
{
}

HookVerdict parseHookOutput(const QByteArray& output)
{
    QJsonParseError error{};
    const QJsonObject answer = QJsonDocument::fromJson(output.trimmed(), &error).object();
    if (error.error != QJsonParseError::NoError || !answer.value(QStringLiteral("allowProvisioning")).isBool())
        return {false, {}, QStringLiteral("the hook's output is not {\"allowProvisioning\": bool, …}")};
    HookVerdict verdict;
    verdict.allow = answer.value(QStringLiteral("allowProvisioning")).toBool();
    const QJsonObject overrides = answer.value(QStringLiteral("parameterOverrides")).toObject();
    for (auto it = overrides.begin(); it != overrides.end(); ++it)
        verdict.parameterOverrides.insert(it.key(), it.value().toVariant().toString());
    verdict.reason = verdict.allow ? QStringLiteral("the hook allowed provisioning") : QStringLiteral("the hook denied provisioning");
    return verdict;
}

void PreProvisioningHook::ask(const QJsonObject& input, std::function<void(const HookVerdict&)> done)
{
    switch (m_rule) {
    case Rule::Allow:
        done({true, {}, QStringLiteral("--pre-provisioning-hook allow")});
        return;
    case Rule::Deny:
        done({false, {}, QStringLiteral("--pre-provisioning-hook deny")});
        return;
    case Rule::Command:
        runCommand(input, std::move(done));
        return;
    }
}

void PreProvisioningHook::runCommand(const QJsonObject& input, std::function<void(const HookVerdict&)> done)
{
    auto* process = new QProcess(this);
    // Whichever comes first, the process's end or the time limit, answers; the other is ignored.
    auto answer = std::make_shared<std::function<void(const HookVerdict&)>>(std::move(done));
    auto finish = [process, answer](const HookVerdict& verdict) {
        if (!*answer)
            return;
        auto callback = std::move(*answer);
        *answer = nullptr;
        process->disconnect();
        if (process->state() != QProcess::NotRunning)
            process->kill();
        process->deleteLater();
        callback(verdict);
    };
    connect(process, &QProcess::finished, this, [process, finish](int exitCode, QProcess::ExitStatus status) {
        if (status != QProcess::NormalExit || exitCode != 0) {
            finish({false, {}, QStringLiteral("the hook command failed (exit code %1)").arg(exitCode)});
            return;
        }
        finish(parseHookOutput(process->readAllStandardOutput()));
    });
    connect(process, &QProcess::errorOccurred, this, [process, finish](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart)
            finish({false, {}, QStringLiteral("the hook command cannot start: ") + process->errorString()});
    });
    QTimer::singleShot(kTimeoutMs, process, [finish] {
        finish({false, {}, QStringLiteral("the hook command did not answer within 5 s")});
    });
    process->start(m_command, {});
    process->write(QJsonDocument(input).toJson(QJsonDocument::Compact));
    process->closeWriteChannel();
}

}  // namespace imprint::emulator
