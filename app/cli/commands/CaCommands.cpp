// `imprint-cli ca …`: create the station's CA on its token, show it, issue a certificate from
// a CSR, and make AWS IoT's verification certificate.
#include "app/cli/Cli.h"
#include "app/cli/InputFiles.h"
#include "app/cli/TerminalPrompt.h"
#include "app/common/CaStation.h"
#include "hsm/X509Signing.h"

#include <QRegularExpression>

namespace imprint::cli {

namespace {

// A usage error (exit 2) naming the first required option that is missing.
std::optional<int> missingOption(CommandContext& context, const QCommandLineParser& parser,
                                 std::initializer_list<const QCommandLineOption*> required)
{
    for (const auto* option : required) {
        if (!parser.isSet(*option) || parser.value(*option).isEmpty()) {
            context.err << "imprint-cli: --" << option->names().constFirst() << " is required\n";
            return toInt(ExitCode::Usage);
        }
    }
    return std::nullopt;
}

int createCa(CommandContext& context)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Creates the station's CA key on the token ([hsm] uri) and either a self-signed root (default) or, with "
        "--csr-out, the CSR of an intermediate for your offline root. With --import-cert, installs the certificate "
        "the root signed for the key already on the token, after proving that it matches."));
    const QCommandLineOption keyType(QStringLiteral("key-type"), QStringLiteral("ec-p256 (default), ec-p384, rsa-2048, rsa-3072."),
                                     QStringLiteral("type"), QStringLiteral("ec-p256"));
    const QCommandLineOption subject(QStringLiteral("subject"), QStringLiteral("CA subject (default: CN=Imprint Device CA)."),
                                     QStringLiteral("dn"), QStringLiteral("CN=Imprint Device CA"));
    const QCommandLineOption days(QStringLiteral("days"), QStringLiteral("Root validity in days (default: 3650)."),
                                  QStringLiteral("n"), QStringLiteral("3650"));
    const QCommandLineOption pathLength(QStringLiteral("path-length"), QStringLiteral("basicConstraints pathLen (default: 0)."),
                                        QStringLiteral("n"), QStringLiteral("0"));
    const QCommandLineOption keyLabel(QStringLiteral("key-label"), QStringLiteral("Label of the CA key on the token (default: imprint-ca)."),
                                      QStringLiteral("label"), QStringLiteral("imprint-ca"));
    const QCommandLineOption csrOut(QStringLiteral("csr-out"), QStringLiteral("Intermediate CA: write its CSR here."), QStringLiteral("file"));
    const QCommandLineOption importCert(QStringLiteral("import-cert"), QStringLiteral("Install this CA certificate for the key on the token."),
                                        QStringLiteral("file"));
    const QCommandLineOption chain(QStringLiteral("chain"), QStringLiteral("With --import-cert: the parents up to the root (PEM)."),
                                   QStringLiteral("file"));
    parser.addOptions({keyType, subject, days, pathLength, keyLabel, csrOut, importCert, chain});
    if (auto stop = parseCommandLine(parser, context))
        return *stop;
    TerminalPrompt prompt(context.err);
    const SystemClock clock;

    if (parser.isSet(importCert)) {
        auto certificate = readInputFile(parser.value(importCert), QStringLiteral("CA certificate"));
        if (!certificate)
            return fail(context, certificate.error());
        QByteArray parents;
        if (parser.isSet(chain)) {
            auto read = readInputFile(parser.value(chain), QStringLiteral("chain"));
            if (!read)
                return fail(context, read.error());
            parents = read.value();
        }
        auto imported = station::importCaCertificate(certificate.value(), parents, parser.value(keyLabel), &prompt, clock);
        if (!imported)
            return fail(context, imported.error());
        context.out << "imported the CA certificate; it matches the key on the token\n  chain: " << imported->chainPath << '\n';
        return 0;
    }

    station::CaCreation creation;
    auto type = hsm::parseTokenKeyType(parser.value(keyType));
    if (!type)
        return fail(context, type.error());
    creation.keyType = type.value();
    creation.keyLabel = parser.value(keyLabel);
    creation.spec.subject = parser.value(subject);
    bool daysOk = false;
    bool pathOk = false;
    creation.spec.validityDays = parser.value(days).toInt(&daysOk);
    creation.spec.pathLength = parser.value(pathLength).toInt(&pathOk);
    if (!daysOk || creation.spec.validityDays <= 0 || !pathOk || creation.spec.pathLength < 0)
        return fail(context, Error(ErrorCode::InvalidInput, QStringLiteral("--days and --path-length take non-negative numbers")));
    creation.shape = parser.isSet(csrOut) ? station::CaShape::IntermediateRequest : station::CaShape::SelfSignedRoot;
    auto created = station::createCa(creation, &prompt, clock);
    if (!created)
        return fail(context, created.error());
    if (creation.shape == station::CaShape::IntermediateRequest) {
        if (auto written = writeOutputFile(parser.value(csrOut), created->pem); !written)
            return fail(context, written.error());
        context.out << "CA key '" << creation.keyLabel << "' generated on the token; CSR written to " << parser.value(csrOut)
                    << "\nHave the offline root sign it (CA:TRUE, keyCertSign), then run:\n  imprint-cli ca create --import-cert "
                       "<signed.pem> --chain <root.pem> --key-label " << creation.keyLabel << '\n';
        return 0;
    }
    auto root = hsm::parseCertificate(created->pem, QStringLiteral("the new root"));
    context.out << "created self-signed CA '" << creation.spec.subject << "' (" << tokenKeyTypeName(creation.keyType)
                << " key '" << creation.keyLabel << "' on the token)\n  chain: " << created->chainPath << '\n';
    if (root)
        context.out << "  SHA-256 fingerprint: " << hsm::sha256Hex(hsm::x509Der(root->get())) << '\n';
    return 0;
}

void describeCertificate(QTextStream& out, X509* certificate)
{
    hsm::BigNumPtr serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate), nullptr));
    char* serialHex = serial ? BN_bn2hex(serial.get()) : nullptr;
    out << "  subject:  " << hsm::nameToString(X509_get_subject_name(certificate)) << '\n'
        << "  issuer:   " << hsm::nameToString(X509_get_issuer_name(certificate)) << '\n'
        << "  serial:   " << (serialHex != nullptr ? serialHex : "?") << '\n'
        << "  valid:    " << hsm::asn1TimeToDateTime(X509_get0_notBefore(certificate)).toString(Qt::ISODate) << " to "
        << hsm::asn1TimeToDateTime(X509_get0_notAfter(certificate)).toString(Qt::ISODate) << '\n'
        << "  SHA-256:  " << hsm::sha256Hex(hsm::x509Der(certificate)) << '\n';
    OPENSSL_free(serialHex);
}

int showCa(CommandContext& context)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Shows the station's CA. With --pem, prints the CA chain alone (for openssl verify -CAfile, or to upload)."));
    const QCommandLineOption pem(QStringLiteral("pem"), QStringLiteral("Print the CA chain as PEM only."));
    parser.addOption(pem);
    if (auto stop = parseCommandLine(parser, context))
        return *stop;
    auto chainPem = station::readCaChain();
    if (!chainPem)
        return fail(context, chainPem.error());
    if (parser.isSet(pem)) {
        context.out << chainPem.value();
        return 0;
    }
    auto chain = hsm::parseCertificateChain(chainPem.value(), station::readCaSettings().chainPath);
    if (!chain)
        return fail(context, chain.error());
    const station::HsmSettings hsmSettings = station::readHsmSettings();
    context.out << "CA chain " << station::readCaSettings().chainPath << " (" << sk_X509_num(chain->get()) << " certificate(s))\n";
    for (int i = 0; i < sk_X509_num(chain->get()); ++i) {
        context.out << (i == 0 ? "issuing CA:\n" : "parent:\n");
        describeCertificate(context.out, sk_X509_value(chain->get(), i));
    }
    context.out << "key:        " << hsmSettings.uri.section(u'?', 0, 0) << "\nmodule:     " << hsmSettings.module << '\n';
    return 0;
}

// The thing name for a CSR issued by hand: --thing-name, else the CSR's CN if it is a valid
// AWS IoT thing name. The certificate's subject still comes from the profile alone.
Result<QString> thingNameFor(const QCommandLineParser& parser, const QCommandLineOption& option, const QByteArray& csr)
{
    static const QRegularExpression valid(QStringLiteral("^[A-Za-z0-9:_-]{1,128}$"));
    QString name = parser.value(option);
    if (name.isEmpty()) {
        auto request = hsm::parseRequest(csr, ErrorCode::CsrRejected);
        if (!request)
            return request.error();
        X509_NAME* subject = X509_REQ_get_subject_name(request->get());
        const int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
        if (index >= 0) {
            unsigned char* utf8 = nullptr;
            const int size = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index)));
            if (size > 0)
                name = QString::fromUtf8(reinterpret_cast<const char*>(utf8), size);
            OPENSSL_free(utf8);
        }
    }
    if (!valid.match(name).hasMatch())
        return Error(ErrorCode::InvalidInput, QStringLiteral("thing name '%1' is not valid (1-128 of A-Z a-z 0-9 : _ -); give --thing-name")
                                                  .arg(name));
    return name;
}

int issue(CommandContext& context)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Issues a device certificate from a CSR with the station's CA: verifies the CSR's signature and key policy "
        "and builds the certificate from the profile only (CSR extensions are never copied)."));
    const QCommandLineOption csr(QStringLiteral("csr"), QStringLiteral("The device's CSR (PEM or DER)."), QStringLiteral("file"));
    const QCommandLineOption profile(QStringLiteral("profile"), QStringLiteral("Certificate profile ([ca.profile.<name>]; default: [ca] profile)."),
                                     QStringLiteral("name"));
    const QCommandLineOption thingName(QStringLiteral("thing-name"), QStringLiteral("Thing name for {thingName} (default: the CSR's CN)."),
                                       QStringLiteral("name"));
    const QCommandLineOption out(QStringLiteral("out"), QStringLiteral("Where to write the certificate (PEM; DER if it ends in .der)."),
                                 QStringLiteral("file"));
    parser.addOptions({csr, profile, thingName, out});
    if (auto stop = parseCommandLine(parser, context))
        return *stop;
    if (auto missing = missingOption(context, parser, {&csr, &out}))
        return *missing;
    auto csrBytes = readInputFile(parser.value(csr), QStringLiteral("CSR"));
    if (!csrBytes)
        return fail(context, csrBytes.error());
    auto chosenProfile = station::readProfile(parser.isSet(profile) ? parser.value(profile) : station::readCaSettings().defaultProfile);
    if (!chosenProfile)
        return fail(context, chosenProfile.error());
    auto thing = thingNameFor(parser, thingName, csrBytes.value());
    if (!thing)
        return fail(context, thing.error());
    TerminalPrompt prompt(context.err);
    const SystemClock clock;
    auto service = station::openStationCa(&prompt, clock);
    if (!service)
        return fail(context, service.error());
    ca::IssueRequest request;
    request.csr = csrBytes.value();
    request.profile = chosenProfile.value();
    request.device.thingName = thing.value();
    auto issued = service.value()->issueFromCsr(request);
    if (!issued)
        return fail(context, issued.error());
    const bool der = parser.value(out).endsWith(QStringLiteral(".der"), Qt::CaseInsensitive);
    if (auto written = writeOutputFile(parser.value(out), der ? issued->der : issued->pem); !written)
        return fail(context, written.error());
    context.out << "issued " << issued->subject << " -> " << parser.value(out) << "\n  serial:  " << issued->serialHex
                << "\n  SHA-256: " << issued->sha256Fingerprint << "\n  valid:   " << issued->notBefore.toString(Qt::ISODate)
                << " to " << issued->notAfter.toString(Qt::ISODate) << '\n';
    return 0;
}

int verificationCert(CommandContext& context)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Makes AWS IoT's CA verification certificate: subject CN = the registration code (aws iot "
        "get-registration-code), signed by the CA key on the token. Upload it with the CA chain (ca show --pem)."));
    const QCommandLineOption code(QStringLiteral("registration-code"), QStringLiteral("The account's registration code."),
                                  QStringLiteral("code"));
    const QCommandLineOption out(QStringLiteral("out"), QStringLiteral("Where to write the certificate (PEM)."), QStringLiteral("file"));
    parser.addOptions({code, out});
    if (auto stop = parseCommandLine(parser, context))
        return *stop;
    if (auto missing = missingOption(context, parser, {&code, &out}))
        return *missing;
    TerminalPrompt prompt(context.err);
    const SystemClock clock;
    auto service = station::openStationCa(&prompt, clock);
    if (!service)
        return fail(context, service.error());
    auto pem = service.value()->verificationCertificatePem(parser.value(code));
    if (!pem)
        return fail(context, pem.error());
    if (auto written = writeOutputFile(parser.value(out), pem.value()); !written)
        return fail(context, written.error());
    context.out << "verification certificate (CN=" << parser.value(code) << ") written to " << parser.value(out) << '\n';
    return 0;
}

}  // namespace

std::vector<Command> caCommands()
{
    const QString group = QStringLiteral("ca");
    return {{group, QStringLiteral("create"), QStringLiteral("create the CA key on the token: self-signed root, intermediate CSR, or import"), createCa},
            {group, QStringLiteral("show"), QStringLiteral("show the station's CA (--pem: the chain alone)"), showCa},
            {group, QStringLiteral("issue"), QStringLiteral("issue a device certificate from a CSR"), issue},
            {group, QStringLiteral("verification-cert"), QStringLiteral("make AWS IoT's CA verification certificate"), verificationCert}};
}

}  // namespace imprint::cli
