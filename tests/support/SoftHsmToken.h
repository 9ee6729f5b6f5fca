#pragma once

// A SoftHSM2 token of the test's own: a temporary token directory and configuration,
// SOFTHSM2_CONF exported for this process (and the processes it starts), and a token
// initialised with a known label and PINs. Tokens get random slot numbers: select by label.

#include "core/Result.h"

#include <QString>
#include <QTemporaryDir>

namespace imprint::test {

class SoftHsmToken
{
public:
    static constexpr const char* kUserPin = "123456";
    static constexpr const char* kSoPin = "12345678";

    // Creates the directory and configuration and initialises one token labelled `label`.
    [[nodiscard]] static Result<std::unique_ptr<SoftHsmToken>> create(const QString& label = QStringLiteral("imprint-test"));
    ~SoftHsmToken();

    [[nodiscard]] const QString& label() const { return m_label; }
    [[nodiscard]] QString configPath() const;
    [[nodiscard]] QString directory() const { return m_dir.path(); }
    [[nodiscard]] static QString modulePath();

    // Initialises a further token in the same configuration.
    [[nodiscard]] Result<void> addToken(const QString& label) const;

private:
    SoftHsmToken() = default;
    [[nodiscard]] Result<void> writeConfig() const;

    QTemporaryDir m_dir;
    QString m_label;
    QByteArray m_previousConf;
};

// Runs a program to completion (30 s at most); the error names it and carries its stderr.
[[nodiscard]] Result<QByteArray> runProgram(const QString& program, const QStringList& arguments,
                                            const QByteArray& input = {});

}  // namespace imprint::test
