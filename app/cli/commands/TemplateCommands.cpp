// `imprint-cli template render`: evaluates an AWS IoT provisioning template locally, so a
// batch can be dry-run (and compared with AWS's answer) before a device is touched.
#include "app/cli/Cli.h"
#include "core/template/CertificateParameters.h"
#include "core/template/ProvisioningTemplate.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

namespace imprint::cli {

namespace {

Result<QByteArray> readFile(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error(ErrorCode::Io, QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    return file.readAll();
}

// A params file is one JSON object of name -> string (numbers and booleans are taken as text).
Result<QHash<QString, QString>> readParameters(const QString& path)
{
    auto data = readFile(path);
    if (!data)
        return data.error();
    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(data.value(), &parseError);
    if (!document.isObject())
        return Error(ErrorCode::InvalidInput, QStringLiteral("%1: expected a JSON object of parameter values (%2)")
                                                  .arg(path, parseError.errorString()));
    QHash<QString, QString> values;
    const QJsonObject object = document.object();
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (it.value().isObject() || it.value().isArray() || it.value().isNull())
            return Error(ErrorCode::InvalidInput,
                         QStringLiteral("%1: parameter '%2' must be a string").arg(path, it.key()));
        values.insert(it.key(), it.value().toVariant().toString());
    }
    return values;
}

int render(CommandContext& context)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Evaluates an AWS IoT provisioning template and prints each resource's logical name, type "
        "and resolved properties, and the DeviceConfiguration, as JSON. Parameter values come from a "
        "JSON file, or (JITP) from a device certificate's subject."));
    const QCommandLineOption templateOption(QStringLiteral("template"), QStringLiteral("Template JSON file."),
                                            QStringLiteral("file"));
    const QCommandLineOption paramsOption(QStringLiteral("params"),
                                          QStringLiteral("JSON object of parameter values."), QStringLiteral("file"));
    const QCommandLineOption certOption(QStringLiteral("cert"),
                                        QStringLiteral("PEM device certificate: the JITP parameters "
                                                       "AWS::IoT::Certificate::* come from its subject."),
                                        QStringLiteral("file"));
    parser.addOptions({templateOption, paramsOption, certOption});
    if (auto stop = parseCommandLine(parser, context))
        return *stop;
    if (!parser.isSet(templateOption) || parser.isSet(paramsOption) == parser.isSet(certOption)) {
        context.err << "imprint-cli: template render needs --template FILE and one of --params FILE or --cert FILE\n";
        return toInt(ExitCode::Usage);
    }

    auto body = readFile(parser.value(templateOption));
    if (!body)
        return fail(context, body.error());
    auto parsed = provisioning::ProvisioningTemplate::parse(body.value());
    if (!parsed)
        return fail(context, parsed.error().withContext(parser.value(templateOption)));
    auto values = parser.isSet(paramsOption)
                      ? readParameters(parser.value(paramsOption))
                      : [&]() -> Result<QHash<QString, QString>> {
                            auto pem = readFile(parser.value(certOption));
                            if (!pem)
                                return pem.error();
                            return provisioning::certificateParameters(pem.value(), parser.value(certOption));
                        }();
    if (!values)
        return fail(context, values.error());
    auto rendered = parsed->render(values.value());
    if (!rendered)
        return fail(context, rendered.error().withContext(parser.value(templateOption)));
    context.out << QString::fromUtf8(QJsonDocument(rendered->toJson()).toJson(QJsonDocument::Indented));
    return 0;
}

}  // namespace

std::vector<Command> templateCommands()
{
    return {{QStringLiteral("template"), QStringLiteral("render"),
             QStringLiteral("evaluate an AWS IoT provisioning template with parameters or a certificate"), render}};
}

}  // namespace imprint::cli
