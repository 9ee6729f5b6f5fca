#include "ui/LoginPanel.h"

#include <QLabel>
#include <QLineEdit>
#include <QVBoxLayout>

namespace imprint::ui {

LoginPanel::LoginPanel(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("loginPanel"));
    auto* layout = new QVBoxLayout(this);
    layout->addStretch(1);
    auto* title = new QLabel(tr("Start of shift"), this);
    QFont big = title->font();
    big.setPointSizeF(big.pointSizeF() * 2.0);
    big.setBold(true);
    title->setFont(big);
    title->setAlignment(Qt::AlignCenter);
    auto* prompt = new QLabel(tr("Scan your operator badge, or type your operator ID and press Enter."), this);
    prompt->setAlignment(Qt::AlignCenter);
    m_id = new QLineEdit(this);
    m_id->setObjectName(QStringLiteral("operatorIdField"));
    m_id->setAccessibleName(tr("Operator ID"));
    m_id->setMaximumWidth(420);
    QFont field = m_id->font();
    field.setPointSizeF(field.pointSizeF() * 1.6);
    m_id->setFont(field);
    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("loginMessage"));
    m_message->setAlignment(Qt::AlignCenter);
    m_message->setWordWrap(true);
    layout->addWidget(title);
    layout->addWidget(prompt);
    layout->addWidget(m_id, 0, Qt::AlignHCenter);
    layout->addWidget(m_message);
    layout->addStretch(2);
    setFocusProxy(m_id);
    connect(m_id, &QLineEdit::returnPressed, this, [this] {
        const QString id = m_id->text().trimmed();
        if (!id.isEmpty())
            Q_EMIT loginRequested(id);
    });
}

void LoginPanel::reset(const QString& message)
{
    m_id->clear();
    m_id->setEnabled(true);
    m_message->setText(message);
    m_id->setFocus(Qt::OtherFocusReason);
}

void LoginPanel::showChecking(const QString& id)
{
    m_id->setEnabled(false);
    m_message->setText(tr("Checking %1…").arg(id));
}

void LoginPanel::showRefused(const QString& message)
{
    reset(QStringLiteral("\u2716 ") + message);
}

}  // namespace imprint::ui
