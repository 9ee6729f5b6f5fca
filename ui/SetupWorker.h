#pragma once

// One worker thread for the set-up pages' blocking work (token login, SQLite, HTTP). Jobs run
// one after another from its own queue, never from Qt's event queue, so a job that waits on a
// local event loop (an HTTP call) or on the operator (a PIN) never lets a second job start
// inside it. Each answer is handed back on the GUI thread, to a receiver that may have gone.
// One worker for every page: two users of one PKCS#11 module would initialise and finalise it
// under each other.

#include <QMutex>
#include <QObject>
#include <QPointer>
#include <QThread>
#include <QWaitCondition>

#include <deque>
#include <functional>
#include <memory>

namespace imprint::ui {

class SetupWorker : public QObject
{
    Q_OBJECT
public:
    explicit SetupWorker(QObject* parent = nullptr);
    // Declines any question a job is waiting on (stopping()), finishes the running job, drops the rest.
    ~SetupWorker() override;
    SetupWorker(const SetupWorker&) = delete;
    SetupWorker& operator=(const SetupWorker&) = delete;

    // Runs `job` on the worker thread, then `done(result)` on the GUI thread if `receiver` still exists.
    template <typename Job, typename Done>
    void run(QObject* receiver, Job job, Done done)
    {
        using R = decltype(job());
        QPointer<QObject> target(receiver);
        enqueue([this, target, job = std::move(job), done = std::move(done)]() mutable {
            auto result = std::make_shared<R>(job());
            QMetaObject::invokeMethod(
                this, [target, done, result]() mutable {
                    if (target)
                        done(std::move(*result));
                },
                Qt::QueuedConnection);
        });
    }

    // True while a job runs or waits (GUI thread).
    [[nodiscard]] bool busy() const { return m_pending > 0; }

Q_SIGNALS:
    void busyChanged(bool busy);
    // Emitted (directly) when the worker is being destroyed: prompts decline their questions.
    void stopping();

private:
    void enqueue(std::function<void()> job);
    void loop();
    void jobFinished();

    QThread* m_thread = nullptr;
    QMutex m_mutex;
    QWaitCondition m_wake;
    std::deque<std::function<void()>> m_jobs;
    bool m_stop = false;
    int m_pending = 0;  // GUI thread only
};

}  // namespace imprint::ui
