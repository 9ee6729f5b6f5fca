#pragma once

// The pre-provisioning hook of FLEET_PROVISIONING templates. AWS calls a Lambda; the emulator
// answers with a fixed rule (allow, deny) or runs a local command that reads the hook input
// JSON on stdin and prints {"allowProvisioning": bool, "parameterOverrides": {…}} within 5 s.
// The command runs asynchronously so the device endpoint keeps serving meanwhile.

#include "core/Result.h"

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QString>

#include <functional>

namespace imprint::emulator {

struct HookVerdict
{
    bool allow = false;
    QHash<QString, QString> parameterOverrides;
    QString reason;  // for the log and the rejection's errorMessage
};

class PreProvisioningHook : public QObject
{
    Q_OBJECT
public:
    enum class Rule { Allow, Deny, Command };

    // `spec` is "allow", "deny" or "command:PATH".
    [[nodiscard]] static Result<std::pair<Rule, QString>> parseSpec(const QString& spec);

    PreProvisioningHook(Rule rule, QString command, QObject* parent = nullptr);

    // Calls `done` (later, on this thread) with the verdict for the AWS-shaped hook input.
    void ask(const QJsonObject& input, std::function<void(const HookVerdict&)> done);

    static constexpr int kTimeoutMs = 5000;

private:
    void runCommand(const QJsonObject& input, std::function<void(const HookVerdict&)> done);

    Rule m_rule;
    QString m_command;
};

// Reads the command's output: {"allowProvisioning": bool, "parameterOverrides": {"k":"v"}}.
[[nodiscard]] HookVerdict parseHookOutput(const QByteArray& output);

}  // namespace imprint::emulator
