#pragma once

// An nRF91 modem running Nordic's AT host library, answering the commands Nordic's
// credential tools send (AT+CFUN, AT+CGSN, AT+CGMR, AT+CGMM, AT%DEVICEUUID, AT%KEYGEN,
// AT%CMNG). Like the AT host it does not echo, ignores line ends inside double quotes and
// drops empty commands.

#include "SimDevice.h"

namespace imprint::devsim {

class Nrf91SimDevice final : public SimDevice
{
public:
    explicit Nrf91SimDevice(DeviceSetup setup);

    void boot() override;
    void receive(const QByteArray& bytes) override;
    // The serial number the station reads (AT+CGSN).
    [[nodiscard]] QByteArray imei() const;

private:
    void handleCommand(const QByteArray& command);
    void reply(const QByteArray& text);
    [[nodiscard]] QByteArray cme(int code) const { return "+CME ERROR: " + QByteArray::number(code) + "\r\n"; }
    [[nodiscard]] QByteArray keygen(const QByteArray& arguments);
    [[nodiscard]] QByteArray cmng(const QByteArray& arguments);
    [[nodiscard]] QByteArray credentialName(quint64 tag, int type) const;
    [[nodiscard]] bool modemActive() const { return m_cfun == 1 || m_cfun == 2 || m_cfun == 21; }
    // Once a client certificate is stored and the station is done with the unit, the slot
    // presents its next device.
    void finishIfProvisioned();

    QByteArray m_command;
    bool m_insideQuotes = false;
    bool m_busy = false;
    bool m_stalled = false;
    bool m_gone = false;
    bool m_rebootDone = false;
    bool m_finished = false;
    int m_cfun = 0;
    QByteArray m_pending;  // input that arrived while busy
};

}  // namespace imprint::devsim
