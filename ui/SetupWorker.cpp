#include "ui/SetupWorker.h"

#include "core/crypto/ThreadState.h"

namespace imprint::ui {

SetupWorker::SetupWorker(QObject* parent) : QObject(parent)
{
    m_thread = QThread::create([this] {
        loop();
        crypto::releaseThreadState();
    });
    m_thread->setObjectName(QStringLiteral("imprint-setup"));
    m_thread->start();
}

SetupWorker::~SetupWorker()
{
    Q_EMIT stopping();
    {
        const QMutexLocker lock(&m_mutex);
        m_stop = true;
        m_jobs.clear();
    }
    m_wake.wakeAll();
    m_thread->wait();
    delete m_thread;
}

void SetupWorker::enqueue(std::function<void()> job)
{
    if (m_pending++ == 0)
        Q_EMIT busyChanged(true);
    {
        const QMutexLocker lock(&m_mutex);
        m_jobs.push_back([this, job = std::move(job)] {
            job();
            QMetaObject::invokeMethod(this, &SetupWorker::jobFinished, Qt::QueuedConnection);
        });
    }
    m_wake.wakeOne();
}

void SetupWorker::jobFinished()
{
    if (--m_pending == 0)
        Q_EMIT busyChanged(false);
}

void SetupWorker::loop()
{
    for (;;) {
        std::function<void()> job;
        {
            QMutexLocker lock(&m_mutex);
            while (!m_stop && m_jobs.empty())
                m_wake.wait(&m_mutex);
            if (m_stop)
                return;
            job = std::move(m_jobs.front());
            m_jobs.pop_front();
        }
        job();
    }
}

}  // namespace imprint::ui
