#include "FakeAwsServer.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>

namespace imprint::test {

using cloud::HttpRequest;
using cloud::SignatureFailure;

FakeAwsServer::FakeAwsServer(QString accessKeyId, QByteArray secret, QObject* parent)
    : QObject(parent), m_server(this), m_accessKeyId(std::move(accessKeyId)), m_secret(std::move(secret))
{
    m_handler = [](const ReceivedRequest&) { return FakeAnswer{}; };
    connect(&m_server, &QTcpServer::newConnection, this, [this] {
        while (QTcpSocket* socket = m_server.nextPendingConnection()) {
            connect(socket, &QTcpSocket::readyRead, this, [this, socket] { readFrom(socket); });
            connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
                m_buffers.remove(socket);
                socket->deleteLater();
            });
        }
    });
}

FakeAwsServer::~FakeAwsServer()
{
    // The sockets outlive our members while QObject deletes its children: no callbacks then.
    for (QTcpSocket* socket : m_server.findChildren<QTcpSocket*>())
        socket->disconnect(this);
}

bool FakeAwsServer::listen()
{
    m_started.start();
    return m_server.listen(QHostAddress::LocalHost, 0);
}

QString FakeAwsServer::url() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort()); }

void FakeAwsServer::readFrom(QTcpSocket* socket)
{
    QByteArray& buffer = m_buffers[socket];
    buffer += socket->readAll();
    for (;;) {
        const qsizetype headEnd = buffer.indexOf("\r\n\r\n");
        if (headEnd < 0)
            return;
        QByteArray head = buffer.left(headEnd);
        head.replace("\r\n", "\n");
        auto parsed = HttpRequest::parse(head + "\n\n");
        if (!parsed) {
            socket->disconnectFromHost();
            return;
        }
        const qsizetype length = parsed->header("content-length").value_or("0").trimmed().toLongLong();
        if (buffer.size() < headEnd + 4 + length)
            return;
        parsed->body = buffer.mid(headEnd + 4, length);
        for (auto& header : parsed->headers)
            header.value = header.value.trimmed();
        buffer.remove(0, headEnd + 4 + length);

        ReceivedRequest received{parsed.value(), {}, m_started.elapsed()};
        received.signature = cloud::verifyRequest(
            received.request,
            [this](const QString& keyId) -> std::optional<SecureBytes> {
                if (keyId != m_accessKeyId)
                    return std::nullopt;
                return SecureBytes(m_secret.constData(), static_cast<std::size_t>(m_secret.size()));
            },
            QDateTime::currentDateTimeUtc(), 24 * 3600 * 365 * 20);  // the tests' clocks may stand in 2026
        m_received.append(received);
        const FakeAnswer reply = answer(received);
        QByteArray out = "HTTP/1.1 " + QByteArray::number(reply.status) + " Status\r\n";
        out += "Content-Type: application/json\r\nx-amzn-RequestId: req-" + QByteArray::number(m_received.size()) + "\r\n";
        for (const auto& header : reply.headers)
            out += header.name + ": " + header.value + "\r\n";
        out += "Content-Length: " + QByteArray::number(reply.body.size()) + "\r\n\r\n" + reply.body;
        socket->write(out);
    }
}

FakeAnswer FakeAwsServer::answer(const ReceivedRequest& received)
{
    if (received.signature.verified)
        return m_handler(received);
    switch (received.signature.failure) {
    case SignatureFailure::Missing: return awsError(403, QStringLiteral("MissingAuthenticationTokenException"), received.signature.message);
    case SignatureFailure::Malformed: return awsError(400, QStringLiteral("IncompleteSignatureException"), received.signature.message);
    case SignatureFailure::UnknownKey: return awsError(403, QStringLiteral("UnrecognizedClientException"), received.signature.message);
    case SignatureFailure::Expired:
    case SignatureFailure::Mismatch: return awsError(403, QStringLiteral("InvalidSignatureException"), received.signature.message);
    }
    return awsError(500, QStringLiteral("InternalFailureException"), QStringLiteral("unreachable"));
}

FakeAnswer awsError(int status, const QString& type, const QString& message)
{
    FakeAnswer answer;
    answer.status = status;
    answer.body = QJsonDocument(QJsonObject{{QStringLiteral("message"), message}}).toJson(QJsonDocument::Compact);
    answer.headers.append({"x-amzn-ErrorType", type.toUtf8() + ":http://internal.amazon.com/coral/com.amazonaws.iot/"});
    return answer;
}

}  // namespace imprint::test
