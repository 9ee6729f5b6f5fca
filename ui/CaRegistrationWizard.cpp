#include "ui/CaRegistrationWizard.h"

#include "ui/GuiOperatorPrompt.h"
#include "ui/PinPromptPanel.h"
#include "ui/SetupPageStyle.h"
#include "ui/SetupWorker.h"
#include "ui/TemplateEditor.h"

#include <QButtonGroup>
#include <QComboBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QVBoxLayout>

#include <functional>

namespace imprint::ui {

namespace {

using registration::CaMode;

// A wizard page whose Next/Finish follows a predicate of the wizard's state.
class PredicatePage : public QWizardPage
{
public:
    PredicatePage(std::function<bool()> complete, QWidget* parent) : QWizardPage(parent), m_complete(std::move(complete)) {}
    [[nodiscard]] bool isComplete() const override { return m_complete(); }
    void recheck() { Q_EMIT completeChanged(); }

private:
    std::function<bool()> m_complete;
};

struct ModeChoice
{
    CaMode mode;
    const char* title;
    const char* explanation;
};

constexpr ModeChoice kModes[] = {
    {CaMode::Jitp, QT_TRANSLATE_NOOP("CaRegistrationWizard", "&JITP: devices provision themselves with a template"),
     QT_TRANSLATE_NOOP("CaRegistrationWizard",
                       "On its first connection AWS IoT creates the device's thing, certificate and policy from the "
                       "template you choose next.")},
    {CaMode::Jitr, QT_TRANSLATE_NOOP("CaRegistrationWizard", "JIT&R: a rule activates new certificates"),
     QT_TRANSLATE_NOOP("CaRegistrationWizard",
                       "Certificates register as PENDING_ACTIVATION on first connection; your rule or Lambda activates them.")},
    {CaMode::SniOnly, QT_TRANSLATE_NOOP("CaRegistrationWizard", "&SNI_ONLY: the same CA in several accounts"),
     QT_TRANSLATE_NOOP("CaRegistrationWizard",
                       "No verification certificate; devices must send SNI. For a CA shared between accounts or regions.")},
};

}  // namespace

CaRegistrationWizard::CaRegistrationWizard(setup::CloudSetupService& service, SetupWorker& worker, QWidget* parent)
    : QWizard(parent), m_service(service), m_worker(worker), m_prompt(std::make_shared<GuiOperatorPrompt>())
{
    setObjectName(QStringLiteral("caRegistrationWizard"));
    setWindowTitle(tr("Register the station's CA with AWS IoT"));
    setOption(QWizard::NoBackButtonOnLastPage, false);
    setPage(ModePage, makeModePage());
    setPage(TemplatePage, makeTemplatePage());
    setPage(RegisterPage, makeRegisterPage());
    setStartId(ModePage);
    connect(&worker, &SetupWorker::stopping, this, [prompt = m_prompt] { prompt->shutDown(); });
    connect(this, &QWizard::currentIdChanged, this, [this](int id) {
        if (id == TemplatePage)
            loadTemplateNames();
        if (id == RegisterPage)
            m_summary->setText(summary());
    });
    m_worker.run(this, [&service] { return service.config(); }, [this](setup::CloudConfig config) {
        m_config = std::move(config);
        m_configRead = true;
        m_summary->setText(summary());
    });
    resize(760, 560);
}

CaRegistrationWizard::~CaRegistrationWizard()
{
    m_prompt->detach();
}

QWizardPage* CaRegistrationWizard::makeModePage()
{
    auto* page = new QWizardPage(this);
    page->setTitle(tr("How will devices register?"));
    m_modes = new QButtonGroup(page);
    auto* layout = new QVBoxLayout(page);
    for (const ModeChoice& choice : kModes) {
        auto* button = new QRadioButton(tr(choice.title), page);
        auto* explanation = new QLabel(tr(choice.explanation), page);
        explanation->setWordWrap(true);
        explanation->setIndent(24);
        m_modes->addButton(button, static_cast<int>(choice.mode));
        layout->addWidget(button);
        layout->addWidget(explanation);
    }
    m_modes->button(static_cast<int>(CaMode::Jitp))->setChecked(true);
    layout->addStretch(1);
    return page;
}

QWizardPage* CaRegistrationWizard::makeTemplatePage()
{
    auto* page = new PredicatePage([this] { return templateComplete(); }, this);
    m_templatePage = page;
    page->setTitle(tr("JITP template"));
    page->setSubTitle(tr("Use a provisioning template that exists in the account, or write its body here with the role "
                         "AWS IoT assumes to create the resources."));
    m_byName = new QRadioButton(tr("An &existing template:"), page);
    m_templateName = new QComboBox(page);
    m_templateName->setEditable(true);
    m_byBody = new QRadioButton(tr("This template &body:"), page);
    m_editor = new TemplateEditor(page);
    m_roleArn = new QLineEdit(page);
    m_roleArn->setPlaceholderText(QStringLiteral("arn:aws:iam::123456789012:role/JITPRole"));
    m_byBody->setChecked(true);
    auto* layout = new QVBoxLayout(page);
    auto* nameRow = new QHBoxLayout;
    nameRow->addWidget(m_byName);
    nameRow->addWidget(m_templateName, 1);
    layout->addLayout(nameRow);
    layout->addWidget(m_byBody);
    layout->addWidget(m_editor, 1);
    auto* roleRow = new QFormLayout;
    roleRow->addRow(tr("&Role ARN:"), m_roleArn);
    layout->addLayout(roleRow);

    auto recheck = [page] { page->recheck(); };
    connect(m_byName, &QRadioButton::toggled, page, recheck);
    connect(m_templateName, &QComboBox::currentTextChanged, page, recheck);
    connect(m_editor, &TemplateEditor::checked, page, recheck);
    connect(m_roleArn, &QLineEdit::textChanged, page, recheck);
    connect(m_templateName, &QComboBox::currentTextChanged, this, [this] { m_byName->setChecked(true); });
    connect(m_editor->editor(), &QPlainTextEdit::textChanged, this, [this] { m_byBody->setChecked(true); });
    return page;
}

QWizardPage* CaRegistrationWizard::makeRegisterPage()
{
    auto* page = new PredicatePage([this] { return m_result.has_value(); }, this);
    m_registerPage = page;
    page->setTitle(tr("Register"));
    page->setSubTitle(tr("AWS IoT gives a registration code; the station's CA key on the HSM signs a verification "
                         "certificate for it; the CA is then registered."));
    m_summary = new QLabel(page);
    m_summary->setWordWrap(true);
    m_register = new QPushButton(tr("&Register the CA"), page);
    m_register->setObjectName(QStringLiteral("registerCa"));
    m_progress = new QProgressBar(page);
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_status = new QLabel(page);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_pinPanel = new PinPromptPanel(*m_prompt, page);
    auto* layout = new QVBoxLayout(page);
    layout->addWidget(m_summary);
    layout->addWidget(m_register, 0, Qt::AlignLeft);
    layout->addWidget(m_progress);
    layout->addWidget(m_pinPanel);
    layout->addWidget(m_status);
    layout->addStretch(1);
    connect(m_register, &QPushButton::clicked, this, &CaRegistrationWizard::startRegistration);
    return page;
}

int CaRegistrationWizard::nextId() const
{
    switch (currentId()) {
    case ModePage:
        return mode() == CaMode::Jitp ? TemplatePage : RegisterPage;
    case TemplatePage:
        return RegisterPage;
    default:
        return -1;
    }
}

void CaRegistrationWizard::setMode(CaMode mode)
{
    m_modes->button(static_cast<int>(mode))->setChecked(true);
}

CaMode CaRegistrationWizard::mode() const
{
    return static_cast<CaMode>(m_modes->checkedId());
}

void CaRegistrationWizard::setTemplateName(const QString& name)
{
    m_templateName->setCurrentText(name);
    m_byName->setChecked(true);
}

void CaRegistrationWizard::setTemplateBody(const QString& body, const QString& roleArn)
{
    m_editor->setText(body);
    m_roleArn->setText(roleArn);
    m_byBody->setChecked(true);
}

bool CaRegistrationWizard::templateComplete() const
{
    if (m_byName->isChecked())
        return !m_templateName->currentText().trimmed().isEmpty();
    return m_editor->isValid() && !m_roleArn->text().trimmed().isEmpty();
}

setup::CaRegistrationOrder CaRegistrationWizard::order() const
{
    setup::CaRegistrationOrder order;
    order.mode = mode();
    if (order.mode == CaMode::Jitp) {
        if (m_byName->isChecked()) {
            order.templateName = m_templateName->currentText().trimmed();
        } else {
            order.templateBody = m_editor->text().toUtf8();
            order.roleArn = m_roleArn->text().trimmed();
        }
    }
    return order;
}

QString CaRegistrationWizard::summary() const
{
    const setup::CaRegistrationOrder o = order();
    QString text = tr("Mode: %1").arg(registration::caModeName(o.mode).toUpper());
    if (!o.templateName.isEmpty())
        text += tr("; template '%1'").arg(o.templateName);
    else if (!o.templateBody.isEmpty())
        text += tr("; template body (%1 characters), role %2").arg(o.templateBody.size()).arg(o.roleArn);
    const QString endpoint = m_config.endpointUrl.isEmpty() ? tr("AWS IoT") : m_config.endpointUrl;
    return text + tr(". To: %1%2.").arg(endpoint, m_config.region.isEmpty() ? QString() : tr(" (%1)").arg(m_config.region));
}

void CaRegistrationWizard::loadTemplateNames()
{
    if (!m_configRead || m_templateName->count() > 0)
        return;
    const setup::CloudConfig config = m_config;
    m_worker.run(this, [&service = m_service, config] { return service.templateNames(config); },
                 [this](Result<QStringList> names) {
                     if (!names)
                         return;  // the body can still be written here; the register step reports the reason
                     const QString typed = m_templateName->currentText();
                     const QSignalBlocker blocker(m_templateName);
                     m_templateName->addItems(names.value());
                     m_templateName->setCurrentText(typed);
                 });
}

void CaRegistrationWizard::startRegistration()
{
    if (m_registering || m_result)
        return;
    m_registering = true;
    m_register->setEnabled(false);
    button(QWizard::BackButton)->setEnabled(false);
    m_progress->setRange(0, 0);
    setSetupStatus(m_status, tr("Getting a registration code, signing the verification certificate on the HSM, "
                                "registering the CA…"), false);
    // The configuration is read again on the worker, after any earlier job (the page may have
    // been opened before the station's settings were read).
    const setup::CaRegistrationOrder registrationOrder = order();
    m_worker.run(
        this,
        [&service = m_service, prompt = m_prompt, registrationOrder] {
            return service.registerCa(service.config(), registrationOrder, *prompt);
        },
        [this](Result<registration::CaRegistration> result) { showRegistration(result); });
}

void CaRegistrationWizard::showRegistration(const Result<registration::CaRegistration>& result)
{
    m_registering = false;
    m_progress->setRange(0, 1);
    button(QWizard::BackButton)->setEnabled(true);
    if (!result) {
        m_progress->setValue(0);
        m_register->setEnabled(true);
        setSetupStatus(m_status, result.error().message(), true);
        Q_EMIT registrationFinished(false);
        return;
    }
    const registration::CaRegistration& r = result.value();
    m_result = r;
    m_progress->setValue(1);
    setSetupStatus(m_status,
                   tr("%1\nCA id:\n%2\nState: %3, auto-registration %4, mode %5")
                       .arg(r.alreadyRegistered ? tr("This CA was registered already.") : tr("CA registered."),
                            r.certificateId, r.status, r.autoRegistrationStatus, r.certificateMode),
                   false);
    static_cast<PredicatePage*>(m_registerPage)->recheck();
    Q_EMIT registrationFinished(true);
}

QString CaRegistrationWizard::problemText() const
{
    return m_status->property("problem").toBool() ? m_status->text() : QString();
}

}  // namespace imprint::ui
