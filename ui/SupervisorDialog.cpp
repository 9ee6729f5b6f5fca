#include "ui/SupervisorDialog.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace imprint::ui {

SupervisorDialog::SupervisorDialog(const QString& action, QWidget* parent) : QDialog(parent), m_action(action)
{
    setObjectName(QStringLiteral("supervisorDialog"));
    setWindowTitle(tr("Supervisor approval"));
    auto* layout = new QVBoxLayout(this);
    auto* what = new QLabel(tr("A supervisor must approve: %1").arg(action), this);
    what->setObjectName(QStringLiteral("approvalAction"));
    what->setWordWrap(true);
    auto* prompt = new QLabel(tr("Supervisor: scan your badge, or type your ID and press Enter."), this);
    m_id = new QLineEdit(this);
    m_id->setObjectName(QStringLiteral("supervisorIdField"));
    m_id->setAccessibleName(tr("Supervisor ID"));
    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("approvalMessage"));
    m_message->setWordWrap(true);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    // Enter belongs to the ID field (a scanner ends with it); only Esc or Cancel closes.
    buttons->button(QDialogButtonBox::Cancel)->setAutoDefault(false);
    layout->addWidget(what);
    layout->addWidget(prompt);
    layout->addWidget(m_id);
    layout->addWidget(m_message);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_id, &QLineEdit::returnPressed, this, [this] {
        const QString id = m_id->text().trimmed();
        if (!id.isEmpty())
            Q_EMIT supervisorEntered(id);
    });
    setAttribute(Qt::WA_DeleteOnClose);
}

void SupervisorDialog::showChecking(const QString& id)
{
    m_id->setEnabled(false);
    m_message->setText(tr("Checking %1…").arg(id));
}

void SupervisorDialog::showRefused(const QString& message)
{
    m_id->setEnabled(true);
    m_id->clear();
    m_id->setFocus(Qt::OtherFocusReason);
    m_message->setText(QStringLiteral("\u2716 ") + message);
}

}  // namespace imprint::ui
