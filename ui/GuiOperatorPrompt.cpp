#include "ui/GuiOperatorPrompt.h"

#include <QThread>

namespace imprint::ui {

GuiOperatorPrompt::~GuiOperatorPrompt()
{
    shutDown();
}

bool GuiOperatorPrompt::waitForAnswer(Kind kind, const QString& text)
{
    QMutexLocker lock(&m_mutex);
    if (m_shutDown)
        return false;
    m_asking = true;
    m_answeredFlag = false;
    m_secret.reset();
    // Queued: the receivers live on the GUI thread, this is a worker.
    if (kind == Kind::Secret)
        Q_EMIT secretRequested(text);
    else
        Q_EMIT confirmationRequested(text);
    while (!m_answeredFlag && !m_shutDown)
        m_answered.wait(&m_mutex);
    m_asking = false;
    const bool answered = m_answeredFlag && !m_shutDown;
    lock.unlock();
    Q_EMIT questionClosed();
    return answered;
}

Result<SecureBytes> GuiOperatorPrompt::askSecret(const QString& what)
{
    if (QThread::currentThread() == thread())
        return Error(ErrorCode::Internal, QStringLiteral("the %1 was asked for on the window's own thread; "
                                                         "it is only asked for from a worker").arg(what));
    if (!waitForAnswer(Kind::Secret, what))
        return Error(ErrorCode::Cancelled, QStringLiteral("the %1 was not entered").arg(what));
    const QMutexLocker lock(&m_mutex);
    if (!m_secret)
        return Error(ErrorCode::Cancelled, QStringLiteral("the %1 was not entered").arg(what));
    SecureBytes secret = std::move(*m_secret);
    m_secret.reset();
    return secret;
}

bool GuiOperatorPrompt::confirm(const QString& question)
{
    if (QThread::currentThread() == thread())
        return false;
    if (!waitForAnswer(Kind::Confirmation, question))
        return false;
    const QMutexLocker lock(&m_mutex);
    return m_yes;
}

void GuiOperatorPrompt::provideSecret(SecureBytes secret)
{
    const QMutexLocker lock(&m_mutex);
    if (!m_asking || m_answeredFlag)
        return;  // `secret` is wiped as it goes out of scope
    m_secret.emplace(std::move(secret));
    m_answeredFlag = true;
    m_answered.wakeAll();
}

void GuiOperatorPrompt::answer(bool yes)
{
    const QMutexLocker lock(&m_mutex);
    if (!m_asking || m_answeredFlag)
        return;
    m_yes = yes;
    m_answeredFlag = true;
    m_answered.wakeAll();
}

void GuiOperatorPrompt::decline()
{
    const QMutexLocker lock(&m_mutex);
    if (!m_asking || m_answeredFlag)
        return;
    m_secret.reset();
    m_yes = false;
    m_answeredFlag = true;
    m_answered.wakeAll();
}

void GuiOperatorPrompt::shutDown()
{
    const QMutexLocker lock(&m_mutex);
    m_shutDown = true;
    m_secret.reset();
    m_answered.wakeAll();
}

void GuiOperatorPrompt::detach()
{
    shutDown();
    disconnect(this, nullptr, nullptr, nullptr);
}

bool GuiOperatorPrompt::waiting() const
{
    const QMutexLocker lock(&m_mutex);
    return m_asking && !m_answeredFlag;
}

}  // namespace imprint::ui
