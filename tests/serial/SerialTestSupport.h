#pragma once

// Helpers for the device-link tests and benchmarks: imprint-devsim as a child process, and a
// throw-away CA that issues a certificate for a device's CSR (no HSM: serial/ must not need one).

#include "core/Result.h"
#include "core/SecureBytes.h"

#include <QByteArray>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>

// QVERIFY that a Result is ok, printing its error message otherwise.
#define REQUIRE_OK(expression)                                                                                    \
    do {                                                                                                          \
        const auto& result_ = (expression);                                                                       \
        QVERIFY2(result_.ok(), qPrintable(result_.ok() ? QString() : result_.error().message()));                 \
    } while (false)

namespace imprint::test {

// Starts imprint-devsim with `arguments` (plus --dir) and waits for its ready line.
class Devsim
{
public:
    [[nodiscard]] static Result<std::unique_ptr<Devsim>> start(const QStringList& arguments, QString directory = {});
    ~Devsim();
    Devsim(const Devsim&) = delete;
    Devsim& operator=(const Devsim&) = delete;

    [[nodiscard]] QString slot(int index) const;
    [[nodiscard]] const QString& directory() const { return m_directory; }
    // SIGTERM and wait; true when it exited cleanly with code 0.
    bool stop();

private:
    Devsim() = default;
    QProcess m_process;
    QTemporaryDir m_ownDirectory;
    QString m_directory;
};

// A self-signed EC P-256 CA for tests.
class TestCa
{
public:
    [[nodiscard]] static Result<std::unique_ptr<TestCa>> create();
    ~TestCa();
    TestCa(const TestCa&) = delete;
    TestCa& operator=(const TestCa&) = delete;

    // Leaf certificate for the CSR's key and subject, followed by the CA certificate (PEM).
    [[nodiscard]] Result<QByteArray> issueChain(const QByteArray& csrDer) const;
    // A leaf certificate alone (PEM) for a public key (SubjectPublicKeyInfo DER): a claim certificate.
    [[nodiscard]] Result<QByteArray> issueCertificate(const QByteArray& spkiDer, const QString& commonName) const;
    [[nodiscard]] QByteArray caPem() const;

private:
    TestCa() = default;
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

// A fresh P-256 key as PKCS#8 DER and its SubjectPublicKeyInfo DER (inject mode tests).
struct TestKey
{
    QByteArray pkcs8Der;
    QByteArray spkiDer;
};
[[nodiscard]] TestKey makeTestKey();
// `bytes` (a test key) as the SecureBytes the driver interface takes.
[[nodiscard]] inline SecureBytes secureCopy(const QByteArray& bytes)
{
    return {bytes.constData(), static_cast<std::size_t>(bytes.size())};
}

QString devsimPath();

}  // namespace imprint::test
