#include "ui/PinPromptPanel.h"

#include "ui/GuiOperatorPrompt.h"

#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>

#include <algorithm>

namespace imprint::ui {

namespace {

// The text of the field as SecureBytes. The field is cleared first so that our copy is the
// last owner of Qt's buffer and is zeroed here, not left in freed memory.
SecureBytes takeSecret(QLineEdit* field)
{
    QString text = field->text();
    field->clear();
    QByteArray utf8 = text.toUtf8();
    SecureBytes secret(utf8.constData(), static_cast<std::size_t>(utf8.size()));
    std::fill(text.data(), text.data() + text.size(), QChar(u'\0'));
    std::fill(utf8.data(), utf8.data() + utf8.size(), '\0');
    return secret;
}

}  // namespace

PinPromptPanel::PinPromptPanel(GuiOperatorPrompt& prompt, QWidget* parent) : QWidget(parent), m_prompt(prompt)
{
    m_question = new QLabel(this);
    m_question->setWordWrap(true);
    m_pin = new QLineEdit(this);
    m_pin->setEchoMode(QLineEdit::Password);
    m_pin->setObjectName(QStringLiteral("pinField"));
    m_pin->setAccessibleName(tr("PIN"));
    m_ok = new QPushButton(tr("&OK"), this);
    m_ok->setObjectName(QStringLiteral("pinOk"));
    m_cancel = new QPushButton(tr("Cancel"), this);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_question, 1);
    layout->addWidget(m_pin);
    layout->addWidget(m_ok);
    layout->addWidget(m_cancel);
    setVisible(false);

    connect(&prompt, &GuiOperatorPrompt::secretRequested, this, &PinPromptPanel::askSecret);
    connect(&prompt, &GuiOperatorPrompt::confirmationRequested, this, &PinPromptPanel::askConfirmation);
    connect(&prompt, &GuiOperatorPrompt::questionClosed, this, &PinPromptPanel::closeQuestion);
    connect(m_pin, &QLineEdit::returnPressed, this, &PinPromptPanel::submit);
    connect(m_ok, &QPushButton::clicked, this, &PinPromptPanel::submit);
    connect(m_cancel, &QPushButton::clicked, this, &PinPromptPanel::declineQuestion);
}

QString PinPromptPanel::question() const
{
    return isVisible() ? m_question->text() : QString();
}

void PinPromptPanel::askSecret(const QString& what)
{
    m_askingSecret = true;
    m_question->setText(tr("%1:").arg(what));  // e.g. "PIN of token 'line-7'"
    m_pin->clear();
    m_pin->setVisible(true);
    m_ok->setText(tr("&OK"));
    m_cancel->setText(tr("Cancel"));
    setVisible(true);
    m_pin->setFocus();
}

void PinPromptPanel::askConfirmation(const QString& question)
{
    m_askingSecret = false;
    m_question->setText(question);
    m_pin->setVisible(false);
    m_ok->setText(tr("&Yes"));
    m_cancel->setText(tr("&No"));
    setVisible(true);
    m_ok->setFocus();
}

void PinPromptPanel::submit()
{
    if (m_askingSecret)
        m_prompt.provideSecret(takeSecret(m_pin));
    else
        m_prompt.answer(true);
}

void PinPromptPanel::declineQuestion()
{
    m_pin->clear();
    m_prompt.decline();
}

void PinPromptPanel::closeQuestion()
{
    m_pin->clear();
    setVisible(false);
}

void PinPromptPanel::keyPressEvent(QKeyEvent* event)
{
    if (event->key() == Qt::Key_Escape && isVisible()) {
        declineQuestion();
        return;
    }
    QWidget::keyPressEvent(event);
}

}  // namespace imprint::ui
