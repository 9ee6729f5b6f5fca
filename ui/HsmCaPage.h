#pragma once

// The supervisor's HSM and CA page: the PKCS#11 module and a token chosen from those detected,
// the masked PIN prompt (inline, never stored), the station CA's details (subject, serial,
// validity with the days left, key type, fingerprint) and, for the demo, the development token
// + CA. Every token operation runs on the SetupWorker; answers come back as signals.

#include "core/Result.h"
#include "core/setup/SetupServices.h"

#include <memory>

#include <QWidget>

class QComboBox;
class QFormLayout;
class QLabel;
class QPushButton;

namespace imprint::ui {

class GuiOperatorPrompt;
class PinPromptPanel;
class SetupWorker;

class HsmCaPage : public QWidget
{
    Q_OBJECT
public:
    HsmCaPage(setup::HsmSetupService& service, SetupWorker& worker, QWidget* parent = nullptr);
    ~HsmCaPage() override;

    // Module paths worth offering: the station's, the default, the usual places that exist.
    [[nodiscard]] static QStringList knownModules(const QString& configured);

    void setModule(const QString& path);
    void findTokens();
    void openCa();
    void createDevelopmentCa();

    [[nodiscard]] QStringList tokens() const;
    [[nodiscard]] QString problemText() const;
    [[nodiscard]] QString detailText(const QString& field) const;  // "subject", "serial", "valid", "key", "sha256"…
    [[nodiscard]] PinPromptPanel* pinPanel() const { return m_pinPanel; }
    [[nodiscard]] GuiOperatorPrompt& prompt() const { return *m_prompt; }

Q_SIGNALS:
    void tokensListed(const QStringList& labels);
    void caOpened(const imprint::setup::CaDetails& details);
    void failed(const QString& message);

private:
    void showDetails(const setup::CaDetails& details);
    void showProblem(const QString& message);
    void setBusy(bool busy, const QString& what);
    void showTokens(const QStringList& labels, const QString& preferred);

    setup::HsmSetupService& m_service;
    SetupWorker& m_worker;
    std::shared_ptr<GuiOperatorPrompt> m_prompt;  // shared with the jobs that may wait on it
    QComboBox* m_module = nullptr;
    QComboBox* m_token = nullptr;
    QPushButton* m_find = nullptr;
    QPushButton* m_open = nullptr;
    QPushButton* m_createDev = nullptr;
    PinPromptPanel* m_pinPanel = nullptr;
    QLabel* m_status = nullptr;
    QFormLayout* m_details = nullptr;
    QHash<QString, QLabel*> m_detailLabels;
    QString m_configuredToken;
    bool m_busy = false;
};

}  // namespace imprint::ui
