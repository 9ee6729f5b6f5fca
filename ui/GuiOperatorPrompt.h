#pragma once

// The window's OperatorPrompt (core/OperatorPrompt.h). The core asks from a worker thread (the
// set-up worker, the station thread); the question goes to the GUI as a queued signal, and the
// worker thread blocks until a panel answers (provideSecret, answer) or the question is declined
// (decline). The GUI thread never waits and never spins a nested event loop: asking from the
// GUI thread itself is refused.

#include "core/OperatorPrompt.h"

#include <QMutex>
#include <QObject>
#include <QWaitCondition>

#include <optional>

namespace imprint::ui {

class GuiOperatorPrompt : public QObject, public OperatorPrompt
{
    Q_OBJECT
public:
    using QObject::QObject;
    ~GuiOperatorPrompt() override;

    // Worker thread: block until the GUI answers.
    [[nodiscard]] Result<SecureBytes> askSecret(const QString& what) override;
    [[nodiscard]] bool confirm(const QString& question) override;

    // GUI thread: the answer to the question being asked (ignored when none is).
    void provideSecret(SecureBytes secret);
    void answer(bool yes);
    void decline();
    // Declines the current question and every later one (the window is closing).
    void shutDown();
    // For the page that owns it, from its destructor: shutDown() and no more signals. A page
    // holds its prompt in a shared_ptr that its jobs copy, so a job still inside askSecret when
    // the page goes keeps the prompt alive until it returns.
    void detach();

    [[nodiscard]] bool waiting() const;

Q_SIGNALS:
    void secretRequested(const QString& what);
    void confirmationRequested(const QString& question);
    // The question was answered or declined: panels hide.
    void questionClosed();

private:
    enum class Kind { Secret, Confirmation };
    // Blocks the calling worker until answered; false when declined or shut down.
    bool waitForAnswer(Kind kind, const QString& text);

    mutable QMutex m_mutex;
    QWaitCondition m_answered;
    bool m_asking = false;
    bool m_answeredFlag = false;
    bool m_shutDown = false;
    bool m_yes = false;
    std::optional<SecureBytes> m_secret;
};

}  // namespace imprint::ui
