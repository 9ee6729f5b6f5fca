#pragma once

// A device with custom firmware speaking the Imprint device protocol (docs/device-protocol.md).

#include "SimDevice.h"
#include "serial/ImprintFrame.h"
#include "serial/ImprintProtocol.h"
#include "serial/LineSplitter.h"

namespace imprint::devsim {

class ImprintSimDevice final : public SimDevice
{
public:
    using SimDevice::SimDevice;

    void boot() override;
    void receive(const QByteArray& bytes) override;

private:
    struct Reply
    {
        QByteArray word = "OK";
        QList<QByteArray> args;
    };
    using DeviceError = serial::protocol::DeviceError;

    void handleLine(const QByteArray& line);
    void execute(const serial::ImprintFrame& request);
    void answer(quint16 seq, const Reply& reply, bool cache = true);
    void transmitFrame(QByteArray frame);
    [[nodiscard]] static Reply refuse(DeviceError code, const QByteArray& detail = {});

    [[nodiscard]] Reply hello();
    [[nodiscard]] Reply keygen(const QList<QByteArray>& args);
    [[nodiscard]] Reply pubkey();
    [[nodiscard]] Reply begin(const QList<QByteArray>& args);
    [[nodiscard]] Reply chunk(const QList<QByteArray>& args);
    [[nodiscard]] Reply commit(const QList<QByteArray>& args);
    [[nodiscard]] Reply pop(const QList<QByteArray>& args);
    [[nodiscard]] Reply hashes();
    [[nodiscard]] Reply lock();
    [[nodiscard]] Reply reset();
    [[nodiscard]] std::optional<QByteArray> validateObject(const QByteArray& name, const QByteArray& data) const;
    [[nodiscard]] std::optional<QByteArray> validateClaimKey(const QByteArray& data) const;
    [[nodiscard]] bool locked() const { return loadFile(QStringLiteral("locked")).has_value(); }
    void rebootNow();

    serial::LineSplitter m_splitter;
    bool m_busy = false;
    bool m_stalled = false;
    bool m_gone = false;
    bool m_rebootDone = false;
    bool m_corruptDone = false;
    int m_chunksSeen = 0;
    std::optional<quint16> m_lastSeq;
    QByteArray m_lastReply;
    // The object being transferred.
    QByteArray m_objectName;
    qsizetype m_objectSize = 0;
    QByteArray m_objectDigest;
    QByteArray m_objectData;
    int m_nextChunk = 0;
};

}  // namespace imprint::devsim
