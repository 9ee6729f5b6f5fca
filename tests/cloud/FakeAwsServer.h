#pragma once

// A stand-in for an AWS endpoint on 127.0.0.1 for the client tests: parses each HTTP/1.1
// request, checks its SigV4 signature with verifyRequest (as AWS and the emulator do), and
// answers what the test's handler says. Keeps connections alive, as Qt's client expects.

#include "core/cloud/SigV4.h"

#include <QElapsedTimer>
#include <QHash>
#include <QTcpServer>

#include <functional>

namespace imprint::test {

struct FakeAnswer
{
    int status = 200;
    QByteArray body = "{}";
    QList<cloud::HttpHeader> headers;  // e.g. x-amzn-ErrorType
};

struct ReceivedRequest
{
    cloud::HttpRequest request;
    cloud::SignatureCheck signature;
    qint64 elapsedMs = 0;  // since the server started
};

class FakeAwsServer : public QObject
{
    Q_OBJECT

public:
    using Handler = std::function<FakeAnswer(const ReceivedRequest&)>;

    // The server knows one key pair; requests signed otherwise get AWS's 403 answers.
    FakeAwsServer(QString accessKeyId, QByteArray secret, QObject* parent = nullptr);
    ~FakeAwsServer() override;
    [[nodiscard]] bool listen();
    [[nodiscard]] QString url() const;
    void setHandler(Handler handler) { m_handler = std::move(handler); }
    [[nodiscard]] const QList<ReceivedRequest>& received() const { return m_received; }
    void clear() { m_received.clear(); }

private:
    void readFrom(QTcpSocket* socket);
    [[nodiscard]] FakeAnswer answer(const ReceivedRequest& received);

    QTcpServer m_server;
    QString m_accessKeyId;
    QByteArray m_secret;
    Handler m_handler;
    QList<ReceivedRequest> m_received;
    QHash<QTcpSocket*, QByteArray> m_buffers;
    QElapsedTimer m_started;
};

// AWS's answer for an error: the type in x-amzn-ErrorType and in the body, as AWS IoT sends it.
[[nodiscard]] FakeAnswer awsError(int status, const QString& type, const QString& message);

}  // namespace imprint::test
