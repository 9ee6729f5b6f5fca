#pragma once

// A throw-away PKI for the emulator tests, made with the openssl command line: a CA, a
// verification certificate for AWS's registration code, device certificates. Each file is
// <dir>/<name>.key and <dir>/<name>.crt (PEM). The HSM CA is tested elsewhere; these tests need a
// CA they fully control.

#include <QByteArray>
#include <QString>

namespace imprint::test {

class TestPki
{
public:
    explicit TestPki(QString directory) : m_directory(std::move(directory)) {}

    // Self-signed EC P-256 CA. Returns an error message, empty on success.
    [[nodiscard]] QString makeCa(const QString& name, const QString& subject) const;
    // EC P-256 leaf certificate with `subject`, signed by CA `caName`.
    [[nodiscard]] QString makeLeaf(const QString& name, const QString& subject, const QString& caName) const;

    [[nodiscard]] QString keyPath(const QString& name) const { return m_directory + u'/' + name + QStringLiteral(".key"); }
    [[nodiscard]] QString certPath(const QString& name) const { return m_directory + u'/' + name + QStringLiteral(".crt"); }
    [[nodiscard]] QByteArray certPem(const QString& name) const;

private:
    [[nodiscard]] static QString runOpenSsl(const QStringList& arguments);

    QString m_directory;
};

}  // namespace imprint::test
