#pragma once

// Registers the station's CA with AWS IoT, step by step: the mode (JITP, JITR or SNI_ONLY), for
// JITP the template (an existing one by name, or a body written in the template editor, with
// its role ARN), then the registration itself — registration code, verification certificate
// signed on the HSM (the PIN asked inline), RegisterCACertificate — with its progress, a plain
// error, or the CA's id and state. The work runs on the SetupWorker. Open it with show() or
// open(), never exec(): the window stays live.

#include "core/setup/SetupServices.h"

#include <memory>

#include <QWizard>

class QButtonGroup;
class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QRadioButton;

namespace imprint::ui {

class GuiOperatorPrompt;
class PinPromptPanel;
class SetupWorker;
class TemplateEditor;

class CaRegistrationWizard : public QWizard
{
    Q_OBJECT
public:
    enum PageId { ModePage, TemplatePage, RegisterPage };

    CaRegistrationWizard(setup::CloudSetupService& service, SetupWorker& worker, QWidget* parent = nullptr);
    ~CaRegistrationWizard() override;

    void setMode(registration::CaMode mode);
    [[nodiscard]] registration::CaMode mode() const;
    void setTemplateName(const QString& name);
    void setTemplateBody(const QString& body, const QString& roleArn);
    [[nodiscard]] TemplateEditor* templateEditor() const { return m_editor; }
    [[nodiscard]] setup::CaRegistrationOrder order() const;

    // Starts the registration (the Register page's button).
    void startRegistration();
    [[nodiscard]] bool registering() const { return m_registering; }
    [[nodiscard]] bool registered() const { return m_result.has_value(); }
    [[nodiscard]] const std::optional<registration::CaRegistration>& result() const { return m_result; }
    [[nodiscard]] QString problemText() const;
    [[nodiscard]] PinPromptPanel* pinPanel() const { return m_pinPanel; }

    [[nodiscard]] int nextId() const override;

Q_SIGNALS:
    void registrationFinished(bool ok);

private:
    QWizardPage* makeModePage();
    QWizardPage* makeTemplatePage();
    QWizardPage* makeRegisterPage();
    void loadTemplateNames();
    void showRegistration(const Result<registration::CaRegistration>& result);
    [[nodiscard]] bool templateComplete() const;
    [[nodiscard]] QString summary() const;

    setup::CloudSetupService& m_service;
    SetupWorker& m_worker;
    std::shared_ptr<GuiOperatorPrompt> m_prompt;  // shared with the jobs that may wait on it
    setup::CloudConfig m_config;
    bool m_configRead = false;

    QButtonGroup* m_modes = nullptr;
    QRadioButton* m_byName = nullptr;
    QRadioButton* m_byBody = nullptr;
    QComboBox* m_templateName = nullptr;
    TemplateEditor* m_editor = nullptr;
    QLineEdit* m_roleArn = nullptr;
    QLabel* m_summary = nullptr;
    QPushButton* m_register = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_status = nullptr;
    PinPromptPanel* m_pinPanel = nullptr;
    QWizardPage* m_templatePage = nullptr;
    QWizardPage* m_registerPage = nullptr;
    bool m_registering = false;
    std::optional<registration::CaRegistration> m_result;
};

}  // namespace imprint::ui
