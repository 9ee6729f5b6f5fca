#include "ui/HsmCaPage.h"

#include "ui/GuiOperatorPrompt.h"
#include "ui/PinPromptPanel.h"
#include "ui/SetupPageStyle.h"
#include "ui/SetupWorker.h"

#include <QComboBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace imprint::ui {

namespace {

const QStringList kUsualModules = {
    QStringLiteral("/usr/lib/softhsm/libsofthsm2.so"),
    QStringLiteral("/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"),
    QStringLiteral("/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"),
    QStringLiteral("/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so"),
};

struct DetailField
{
    const char* key;
    const char* label;
};

constexpr DetailField kDetailFields[] = {
    {"subject", QT_TRANSLATE_NOOP("HsmCaPage", "Subject")},   {"issuer", QT_TRANSLATE_NOOP("HsmCaPage", "Issuer")},
    {"serial", QT_TRANSLATE_NOOP("HsmCaPage", "Serial")},     {"valid", QT_TRANSLATE_NOOP("HsmCaPage", "Valid")},
    {"key", QT_TRANSLATE_NOOP("HsmCaPage", "Key")},           {"sha256", QT_TRANSLATE_NOOP("HsmCaPage", "SHA-256")},
    {"chain", QT_TRANSLATE_NOOP("HsmCaPage", "Chain file")},
};

QString validityText(const setup::CaDetails& details)
{
    const QString range = QStringLiteral("%1 to %2").arg(details.notBefore.toString(Qt::ISODate), details.notAfter.toString(Qt::ISODate));
    if (details.daysLeft < 0)
        return HsmCaPage::tr("%1 (EXPIRED %n day(s) ago)", nullptr, static_cast<int>(-details.daysLeft)).arg(range);
    return HsmCaPage::tr("%1 (%n day(s) left)", nullptr, static_cast<int>(details.daysLeft)).arg(range);
}

}  // namespace

QStringList HsmCaPage::knownModules(const QString& configured)
{
    QStringList modules;
    if (!configured.isEmpty())
        modules << configured;
    for (const QString& path : kUsualModules) {
        if (!modules.contains(path) && QFileInfo::exists(path))
            modules << path;
    }
    return modules;
}

HsmCaPage::HsmCaPage(setup::HsmSetupService& service, SetupWorker& worker, QWidget* parent)
    : QWidget(parent), m_service(service), m_worker(worker), m_prompt(std::make_shared<GuiOperatorPrompt>())
{
    setObjectName(QStringLiteral("hsmCaPage"));
    m_module = new QComboBox(this);
    m_module->setEditable(true);
    m_module->setObjectName(QStringLiteral("moduleChoice"));
    m_module->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    m_find = new QPushButton(tr("&Find tokens"), this);
    m_token = new QComboBox(this);
    m_token->setObjectName(QStringLiteral("tokenChoice"));
    m_open = new QPushButton(tr("&Open CA"), this);
    m_open->setObjectName(QStringLiteral("openCa"));
    m_createDev = new QPushButton(tr("Create &development token + CA (demo)"), this);
    m_createDev->setObjectName(QStringLiteral("createDevCa"));
    m_pinPanel = new PinPromptPanel(*m_prompt, this);
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_status->setObjectName(QStringLiteral("status"));
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* choice = new QFormLayout;
    auto* moduleRow = new QHBoxLayout;
    moduleRow->addWidget(m_module, 1);
    moduleRow->addWidget(m_find);
    auto* moduleLabel = new QLabel(tr("PKCS#11 &module:"), this);
    moduleLabel->setBuddy(m_module);
    choice->addRow(moduleLabel, moduleRow);
    auto* tokenRow = new QHBoxLayout;
    tokenRow->addWidget(m_token, 1);
    tokenRow->addWidget(m_open);
    auto* tokenLabel = new QLabel(tr("&Token:"), this);
    tokenLabel->setBuddy(m_token);
    choice->addRow(tokenLabel, tokenRow);

    auto* detailsBox = new QGroupBox(tr("Station CA"), this);
    m_details = new QFormLayout(detailsBox);
    for (const DetailField& field : kDetailFields) {
        auto* value = new QLabel(tr("—"), detailsBox);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        value->setWordWrap(true);
        m_detailLabels.insert(QLatin1String(field.key), value);
        m_details->addRow(tr(field.label) + u':', value);
    }

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(choice);
    layout->addWidget(m_pinPanel);
    layout->addWidget(m_status);
    layout->addWidget(detailsBox);
    layout->addWidget(m_createDev, 0, Qt::AlignLeft);
    layout->addStretch(1);

    connect(m_find, &QPushButton::clicked, this, &HsmCaPage::findTokens);
    connect(m_open, &QPushButton::clicked, this, &HsmCaPage::openCa);
    connect(m_createDev, &QPushButton::clicked, this, &HsmCaPage::createDevelopmentCa);
    connect(m_module->lineEdit(), &QLineEdit::returnPressed, this, &HsmCaPage::findTokens);
    connect(&worker, &SetupWorker::stopping, this, [prompt = m_prompt] { prompt->shutDown(); });

    setBusy(true, tr("Reading the station's configuration…"));
    m_worker.run(
        this, [&service] { return service.configured(); },
        [this](setup::HsmChoice configured) {
            setBusy(false, {});
            m_configuredToken = configured.tokenLabel;
            m_module->addItems(knownModules(configured.module));
            findTokens();
        });
}

HsmCaPage::~HsmCaPage()
{
    m_prompt->detach();
}

void HsmCaPage::setModule(const QString& path)
{
    m_module->setCurrentText(path);
}

QStringList HsmCaPage::tokens() const
{
    QStringList labels;
    for (int i = 0; i < m_token->count(); ++i)
        labels << m_token->itemText(i);
    return labels;
}

QString HsmCaPage::problemText() const
{
    return m_status->property("problem").toBool() ? m_status->text() : QString();
}

QString HsmCaPage::detailText(const QString& field) const
{
    const QLabel* label = m_detailLabels.value(field);
    return label != nullptr ? label->text() : QString();
}

void HsmCaPage::findTokens()
{
    if (m_busy)
        return;
    const QString module = m_module->currentText().trimmed();
    setBusy(true, tr("Looking for tokens in %1…").arg(module));
    m_worker.run(
        this, [&service = m_service, module] { return service.tokenLabels(module); },
        [this](Result<QStringList> labels) {
            setBusy(false, {});
            if (!labels) {
                m_token->clear();
                showProblem(labels.error().message());
                return;
            }
            showTokens(labels.value(), m_token->currentText().isEmpty() ? m_configuredToken : m_token->currentText());
            Q_EMIT tokensListed(labels.value());
        });
}

void HsmCaPage::showTokens(const QStringList& labels, const QString& preferred)
{
    m_token->clear();
    m_token->addItems(labels);
    if (const qsizetype index = labels.indexOf(preferred); index >= 0)
        m_token->setCurrentIndex(static_cast<int>(index));
    if (labels.isEmpty())
        showProblem(tr("No initialised token in this module. For the demo, create the development token below."));
    else
        setSetupStatus(m_status, tr("%n token(s) found.", nullptr, static_cast<int>(labels.size())), false);
    m_open->setEnabled(!labels.isEmpty());
}

void HsmCaPage::openCa()
{
    if (m_busy || m_token->currentText().isEmpty())
        return;
    const setup::HsmChoice choice{m_module->currentText().trimmed(), m_token->currentText()};
    setBusy(true, tr("Opening token '%1'…").arg(choice.tokenLabel));
    m_worker.run(
        this, [&service = m_service, prompt = m_prompt, choice] { return service.openCa(choice, *prompt); },
        [this](Result<setup::CaDetails> details) {
            setBusy(false, {});
            if (!details) {
                showProblem(details.error().message());
                return;
            }
            showDetails(details.value());
            setSetupStatus(m_status, tr("Logged in to '%1'; its key '%2' matches the station's CA.")
                                         .arg(details->tokenLabel, details->keyLabel), false);
            Q_EMIT caOpened(details.value());
        });
}

void HsmCaPage::createDevelopmentCa()
{
    if (m_busy)
        return;
    const QString module = m_module->currentText().trimmed();
    setBusy(true, tr("Creating the development token and CA…"));
    m_worker.run(
        this, [&service = m_service, module] { return service.createDevelopmentCa(module); },
        [this](Result<setup::CaDetails> details) {
            setBusy(false, {});
            if (!details) {
                showProblem(details.error().message());
                return;
            }
            m_configuredToken = details->tokenLabel;
            showDetails(details.value());
            findTokens();
            Q_EMIT caOpened(details.value());
        });
}

void HsmCaPage::showDetails(const setup::CaDetails& details)
{
    m_detailLabels[QStringLiteral("subject")]->setText(details.subject);
    m_detailLabels[QStringLiteral("issuer")]->setText(details.issuer);
    m_detailLabels[QStringLiteral("serial")]->setText(details.serial);
    m_detailLabels[QStringLiteral("valid")]->setText(validityText(details));
    m_detailLabels[QStringLiteral("key")]->setText(
        details.keyLabel.isEmpty() ? details.keyType
                                   : tr("%1, '%2' on token '%3'").arg(details.keyType, details.keyLabel, details.tokenLabel));
    m_detailLabels[QStringLiteral("sha256")]->setText(details.sha256);
    m_detailLabels[QStringLiteral("chain")]->setText(details.chainPath);
}

void HsmCaPage::showProblem(const QString& message)
{
    setSetupStatus(m_status, message, true);
    Q_EMIT failed(message);
}

void HsmCaPage::setBusy(bool busy, const QString& what)
{
    m_busy = busy;
    m_find->setEnabled(!busy);
    m_open->setEnabled(!busy && m_token->count() > 0);
    m_createDev->setEnabled(!busy);
    m_module->setEnabled(!busy);
    m_token->setEnabled(!busy);
    if (busy)
        setSetupStatus(m_status, what, false);
}

}  // namespace imprint::ui
