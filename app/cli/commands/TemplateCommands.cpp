// `imprint-cli template render`: evaluates an AWS IoT provisioning template locally, so a
// batch can be dry-run (and compared with AWS's answer) before a device is touched.
// `imprint-cli template create|update|version|versions|delete-version|list|describe|delete`:
// the account's provisioning templates (JITP and fleet provisioning) managed from files, each
// body checked locally (core/template/TemplateValidation) before it is uploaded.
#include "app/cli/Cli.h"
#include "app/cli/InputFiles.h"
#include "app/cli/commands/AwsCliOptions.h"
#include "core/template/CertificateParameters.h"
#include "core/template/ProvisioningTemplate.h"
#include "core/template/TemplateValidation.h"

#include <QJsonDocument>
#include <QJsonArray>
#include <QJsonObject>

namespace imprint::cli {

namespace {

// A params file is one JSON object of name -> string (numbers and booleans are taken as text).
Result<QHash<QString, QString>> readParameters(const QString& path)
{
    auto data = readInputFile(path);
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

    auto body = readInputFile(parser.value(templateOption));
    if (!body)
        return fail(context, body.error());
    auto parsed = provisioning::ProvisioningTemplate::parse(body.value());
    if (!parsed)
        return fail(context, parsed.error().withContext(parser.value(templateOption)));
    auto values = parser.isSet(paramsOption)
                      ? readParameters(parser.value(paramsOption))
                      : [&]() -> Result<QHash<QString, QString>> {
                            auto pem = readInputFile(parser.value(certOption));
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

struct ManageOptions : AwsCliOptions
{
    QCommandLineOption name{QStringLiteral("name"), QStringLiteral("The template's name in AWS IoT."), QStringLiteral("name")};
    QCommandLineOption file{QStringLiteral("file"), QStringLiteral("Template body (JSON file)."), QStringLiteral("file")};
    QCommandLineOption type{QStringLiteral("type"), QStringLiteral("JITP or FLEET_PROVISIONING (default)."), QStringLiteral("type")};
    QCommandLineOption role{QStringLiteral("role-arn"), QStringLiteral("The role AWS IoT assumes to provision."),
                            QStringLiteral("arn")};
    QCommandLineOption description{QStringLiteral("description"), QStringLiteral("Description."), QStringLiteral("text")};
    QCommandLineOption version{QStringLiteral("version"), QStringLiteral("Template version id."), QStringLiteral("id")};
    QCommandLineOption setDefault{QStringLiteral("set-default"), QStringLiteral("Make the new version the default.")};
    QCommandLineOption json{QStringLiteral("json"), QStringLiteral("Print AWS's answer as JSON.")};
};

// Parses, then checks the required options are there; nullopt: go on.
std::optional<int> parseManaged(QCommandLineParser& parser, CommandContext& context, const ManageOptions& options,
                                const QList<QCommandLineOption>& extra, const QList<const QCommandLineOption*>& required,
                                const QString& description)
{
    parser.setApplicationDescription(description);
    parser.addOptions(options.all());
    parser.addOptions(extra);
    if (auto stop = parseCommandLine(parser, context))
        return stop;
    for (const QCommandLineOption* option : required) {
        if (!parser.isSet(*option)) {
            context.err << "imprint-cli: --" << option->names().constFirst() << " is required\n";
            return toInt(ExitCode::Usage);
        }
    }
    return std::nullopt;
}

// The body from --file, checked for its type before anything is sent.
Result<QByteArray> checkedBody(const QString& path, provisioning::TemplateType type)
{
    auto body = readInputFile(path);
    if (!body)
        return body.error();
    if (auto valid = provisioning::validateForUpload(body.value(), type); !valid)
        return valid.error().withContext(path);
    return body;
}

// Runs one AWS call with the parsed options' client; prints the answer (JSON or `summary`).
int callAws(CommandContext& context, const QCommandLineParser& parser, const ManageOptions& options,
            const std::function<void(cloud::AwsIotClient&, cloud::JsonCallback)>& start,
            const std::function<void(const QJsonObject&)>& summary)
{
    auto client = options.client(parser);
    if (!client)
        return fail(context, client.error());
    auto answer = cloud::waitFor([&](cloud::JsonCallback done) { start(*client.value(), std::move(done)); });
    if (!answer)
        return fail(context, answer.error());
    if (parser.isSet(options.json) || !summary)
        context.out << QString::fromUtf8(QJsonDocument(answer.value()).toJson(QJsonDocument::Indented));
    else
        summary(answer.value());
    return 0;
}

// The type of a template already in AWS (a new version must suit it).
Result<provisioning::TemplateType> typeInAws(cloud::AwsIotClient& client, const QString& name)
{
    auto described = cloud::waitFor([&](cloud::JsonCallback done) { client.describeProvisioningTemplate(name, std::move(done)); });
    if (!described)
        return described.error();
    return provisioning::parseTemplateType(described->value(QStringLiteral("type")).toString());
}

int createTemplate(CommandContext& context)
{
    QCommandLineParser parser;
    const ManageOptions o;
    const QCommandLineOption disabled(QStringLiteral("disabled"), QStringLiteral("Create it disabled."));
    if (auto stop = parseManaged(parser, context, o, {o.name, o.file, o.type, o.role, o.description, disabled, o.json},
                                 {&o.name, &o.file, &o.role},
                                 QStringLiteral("Creates a provisioning template from a file, checked locally first.")))
        return *stop;
    auto type = provisioning::parseTemplateType(parser.value(o.type));
    if (!type)
        return fail(context, type.error());
    auto body = checkedBody(parser.value(o.file), type.value());
    if (!body)
        return fail(context, body.error());
    cloud::CreateProvisioningTemplateInput input{parser.value(o.name), QString::fromUtf8(body.value()), parser.value(o.role),
                                                 parser.value(o.description), !parser.isSet(disabled),
                                                 provisioning::templateTypeName(type.value())};
    return callAws(
        context, parser, o, [&](cloud::AwsIotClient& client, cloud::JsonCallback done) { client.createProvisioningTemplate(input, std::move(done)); },
        [&](const QJsonObject& answer) {
            context.out << "created " << answer.value(QStringLiteral("templateName")).toString() << " ("
                        << input.type << "), version " << answer.value(QStringLiteral("defaultVersionId")).toInt() << '\n'
                        << "  " << answer.value(QStringLiteral("templateArn")).toString() << '\n';
        });
}

int updateTemplate(CommandContext& context)
{
    QCommandLineParser parser;
    const ManageOptions o;
    const QCommandLineOption enable(QStringLiteral("enable"), QStringLiteral("Enable the template."));
    const QCommandLineOption disable(QStringLiteral("disable"), QStringLiteral("Disable the template."));
    const QCommandLineOption defaultVersion(QStringLiteral("default-version"), QStringLiteral("Make this version the default."),
                                            QStringLiteral("id"));
    if (auto stop = parseManaged(parser, context, o, {o.name, o.role, o.description, enable, disable, defaultVersion}, {&o.name},
                                 QStringLiteral("Changes a provisioning template's description, role, enabled state or "
                                                "default version (a new body is a new version: template version).")))
        return *stop;
    QJsonObject changes;
    if (parser.isSet(o.description))
        changes.insert(QStringLiteral("description"), parser.value(o.description));
    if (parser.isSet(o.role))
        changes.insert(QStringLiteral("provisioningRoleArn"), parser.value(o.role));
    if (parser.isSet(enable) || parser.isSet(disable))
        changes.insert(QStringLiteral("enabled"), parser.isSet(enable));
    if (parser.isSet(defaultVersion))
        changes.insert(QStringLiteral("defaultVersionId"), parser.value(defaultVersion).toInt());
    if (changes.isEmpty() || (parser.isSet(enable) && parser.isSet(disable))) {
        context.err << "imprint-cli: template update needs one of --description, --role-arn, --enable or --disable, "
                       "--default-version\n";
        return toInt(ExitCode::Usage);
    }
    const QString name = parser.value(o.name);
    return callAws(
        context, parser, o,
        [&](cloud::AwsIotClient& client, cloud::JsonCallback done) { client.updateProvisioningTemplate(name, changes, std::move(done)); },
        [&](const QJsonObject&) { context.out << "updated " << name << '\n'; });
}

int createVersion(CommandContext& context)
{
    QCommandLineParser parser;
    const ManageOptions o;
    if (auto stop = parseManaged(parser, context, o, {o.name, o.file, o.setDefault, o.json}, {&o.name, &o.file},
                                 QStringLiteral("Adds a version of a provisioning template from a file, checked locally "
                                                "for the template's type first (AWS keeps at most 5 versions).")))
        return *stop;
    auto client = o.client(parser);
    if (!client)
        return fail(context, client.error());
    const QString name = parser.value(o.name);
    auto type = typeInAws(*client.value(), name);
    if (!type)
        return fail(context, type.error());
    auto body = checkedBody(parser.value(o.file), type.value());
    if (!body)
        return fail(context, body.error());
    return callAws(
        context, parser, o,
        [&](cloud::AwsIotClient& aws, cloud::JsonCallback done) {
            aws.createProvisioningTemplateVersion(name, QString::fromUtf8(body.value()), parser.isSet(o.setDefault), std::move(done));
        },
        [&](const QJsonObject& answer) {
            context.out << "version " << answer.value(QStringLiteral("versionId")).toInt() << " of " << name
                        << (answer.value(QStringLiteral("isDefaultVersion")).toBool() ? " (default)" : "") << '\n';
        });
}

int listVersions(CommandContext& context)
{
    QCommandLineParser parser;
    const ManageOptions o;
    if (auto stop = parseManaged(parser, context, o, {o.name, o.json}, {&o.name},
                                 QStringLiteral("Lists a provisioning template's versions.")))
        return *stop;
    const QString name = parser.value(o.name);
    return callAws(
        context, parser, o,
        [&](cloud::AwsIotClient& client, cloud::JsonCallback done) { client.listProvisioningTemplateVersions(name, {}, std::move(done)); },
        [&](const QJsonObject& answer) {
            for (const auto& item : answer.value(QStringLiteral("versions")).toArray()) {
                const QJsonObject version = item.toObject();
                context.out << version.value(QStringLiteral("versionId")).toInt()
                            << (version.value(QStringLiteral("isDefaultVersion")).toBool() ? "  default" : "") << '\n';
            }
        });
}

int deleteVersion(CommandContext& context)
{
    QCommandLineParser parser;
    const ManageOptions o;
    if (auto stop = parseManaged(parser, context, o, {o.name, o.version}, {&o.name, &o.version},
                                 QStringLiteral("Deletes a version of a provisioning template (never the default one).")))
        return *stop;
    const QString name = parser.value(o.name);
    const int version = parser.value(o.version).toInt();
    return callAws(
        context, parser, o,
        [&](cloud::AwsIotClient& client, cloud::JsonCallback done) { client.deleteProvisioningTemplateVersion(name, version, std::move(done)); },
        [&](const QJsonObject&) { context.out << "deleted version " << version << " of " << name << '\n'; });
}

int listTemplates(CommandContext& context)
{
    QCommandLineParser parser;
    const ManageOptions o;
    if (auto stop = parseManaged(parser, context, o, {o.json}, {}, QStringLiteral("Lists the account's provisioning templates.")))
        return *stop;
    return callAws(
        context, parser, o,
        [&](cloud::AwsIotClient& client, cloud::JsonCallback done) { client.listProvisioningTemplates({}, std::move(done)); },
        [&](const QJsonObject& answer) {
            for (const auto& item : answer.value(QStringLiteral("templates")).toArray()) {
                const QJsonObject t = item.toObject();
                context.out << t.value(QStringLiteral("templateName")).toString() << "  "
                            << t.value(QStringLiteral("type")).toString(QStringLiteral("FLEET_PROVISIONING")) << "  "
                            << (t.value(QStringLiteral("enabled")).toBool() ? "enabled" : "disabled") << '\n';
            }
        });
}

int describeTemplate(CommandContext& context)
{
    QCommandLineParser parser;
    const ManageOptions o;
    if (auto stop = parseManaged(parser, context, o, {o.name, o.version, o.json}, {&o.name},
                                 QStringLiteral("Describes a provisioning template (or one --version of it).")))
        return *stop;
    const QString name = parser.value(o.name);
    const bool oneVersion = parser.isSet(o.version);
    const int version = parser.value(o.version).toInt();
    return callAws(
        context, parser, o,
        [&](cloud::AwsIotClient& client, cloud::JsonCallback done) {
            if (oneVersion)
                client.describeProvisioningTemplateVersion(name, version, std::move(done));
            else
                client.describeProvisioningTemplate(name, std::move(done));
        },
        [&](const QJsonObject& answer) {
            if (oneVersion) {
                context.out << name << " version " << answer.value(QStringLiteral("versionId")).toInt()
                            << (answer.value(QStringLiteral("isDefaultVersion")).toBool() ? " (default)" : "") << '\n'
                            << answer.value(QStringLiteral("templateBody")).toString() << '\n';
                return;
            }
            context.out << answer.value(QStringLiteral("templateName")).toString() << "  "
                        << answer.value(QStringLiteral("type")).toString() << "  "
                        << (answer.value(QStringLiteral("enabled")).toBool() ? "enabled" : "disabled") << "  default version "
                        << answer.value(QStringLiteral("defaultVersionId")).toInt() << "\n  role: "
                        << answer.value(QStringLiteral("provisioningRoleArn")).toString() << '\n';
            if (!answer.value(QStringLiteral("description")).toString().isEmpty())
                context.out << "  " << answer.value(QStringLiteral("description")).toString() << '\n';
        });
}

int deleteTemplate(CommandContext& context)
{
    QCommandLineParser parser;
    const ManageOptions o;
    if (auto stop = parseManaged(parser, context, o, {o.name}, {&o.name},
                                 QStringLiteral("Deletes a provisioning template and all its versions.")))
        return *stop;
    const QString name = parser.value(o.name);
    return callAws(
        context, parser, o,
        [&](cloud::AwsIotClient& client, cloud::JsonCallback done) { client.deleteProvisioningTemplate(name, std::move(done)); },
        [&](const QJsonObject&) { context.out << "deleted " << name << '\n'; });
}

}  // namespace

std::vector<Command> templateCommands()
{
    const QString group = QStringLiteral("template");
    return {{group, QStringLiteral("render"), QStringLiteral("evaluate an AWS IoT provisioning template with parameters or a certificate"), render},
            {group, QStringLiteral("create"), QStringLiteral("create a provisioning template (JITP or fleet) from a file, checked first"), createTemplate},
            {group, QStringLiteral("update"), QStringLiteral("change a template's description, role, enabled state or default version"), updateTemplate},
            {group, QStringLiteral("version"), QStringLiteral("add a version of a template from a file (--set-default)"), createVersion},
            {group, QStringLiteral("versions"), QStringLiteral("list a template's versions"), listVersions},
            {group, QStringLiteral("delete-version"), QStringLiteral("delete one version of a template"), deleteVersion},
            {group, QStringLiteral("list"), QStringLiteral("list the account's provisioning templates"), listTemplates},
            {group, QStringLiteral("describe"), QStringLiteral("describe a template or one of its versions"), describeTemplate},
            {group, QStringLiteral("delete"), QStringLiteral("delete a provisioning template"), deleteTemplate}};
}

}  // namespace imprint::cli
