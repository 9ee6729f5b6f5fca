// `imprint-cli aws …`: SigV4 by hand (sign-request), the AWS settings the station would use
// (config), and any AWS IoT operation the station uses (iot OPERATION), against AWS or the
// emulator (--endpoint-url / AWS_ENDPOINT_URL).
#include "app/cli/Cli.h"
#include "app/cli/InputFiles.h"
#include "app/cli/commands/AwsCliOptions.h"
#include "core/cloud/AwsConfig.h"
#include "core/cloud/AwsIotClient.h"
#include "core/cloud/SigV4.h"

#include <QJsonDocument>
#include <QProcessEnvironment>


namespace imprint::cli {

namespace {

using namespace imprint::cloud;

// The options every aws command shares: where the settings come from.
using SettingsOptions = AwsCliOptions;

// --- sign-request -----------------------------------------------------------------------------

struct SignOptions
{
    QCommandLineOption service{QStringLiteral("service"), QStringLiteral("Signing name (default: iot)."),
                               QStringLiteral("name"), QStringLiteral("iot")};
    QCommandLineOption keyId{QStringLiteral("access-key-id"), QStringLiteral("Access key ID (default: the AWS CLI's chain)."),
                             QStringLiteral("id")};
    QCommandLineOption secret{QStringLiteral("secret-access-key"),
                              QStringLiteral("Secret access key (visible to other users in the process list: "
                                             "prefer AWS_SECRET_ACCESS_KEY or a profile)."),
                              QStringLiteral("key")};
    QCommandLineOption token{QStringLiteral("session-token"), QStringLiteral("STS session token."), QStringLiteral("token")};
    QCommandLineOption time{QStringLiteral("time"),
                            QStringLiteral("Signing time, e.g. 20150830T123600Z (default: the request's X-Amz-Date, "
                                           "else now)."),
                            QStringLiteral("time")};
    QCommandLineOption unnormalized{QStringLiteral("no-normalize"),
                                    QStringLiteral("Do not normalize the path (S3; the suite's *-unnormalized cases).")};
    QCommandLineOption signBody{QStringLiteral("sign-body"), QStringLiteral("Add and sign x-amz-content-sha256.")};
    QCommandLineOption omitToken{QStringLiteral("omit-session-token"),
                                 QStringLiteral("Add X-Amz-Security-Token after signing (not signed).")};
    QCommandLineOption input{QStringLiteral("input"), QStringLiteral("Raw HTTP request file (default: standard input)."),
                             QStringLiteral("file")};
    QCommandLineOption part{QStringLiteral("print"),
                            QStringLiteral("Print only one part, byte for byte as the suite's files: canonical-request, "
                                           "string-to-sign, signature or signed-request."),
                            QStringLiteral("part")};
};

Result<QDateTime> signingTime(const QString& given, const HttpRequest& request)
{
    if (given.isEmpty()) {
        if (auto header = request.header("x-amz-date"); header && parseAmzDate(header->trimmed()).isValid())
            return parseAmzDate(header->trimmed());
        return QDateTime::currentDateTimeUtc();
    }
    QDateTime time = parseAmzDate(given.toLatin1());
    if (!time.isValid())
        time = QDateTime::fromString(given, Qt::ISODate);
    if (!time.isValid())
        return Error(ErrorCode::InvalidInput,
                     QStringLiteral("--time '%1' is neither 20150830T123600Z nor 2015-08-30T12:36:00Z").arg(given));
    return time.toUTC();
}

Result<AwsCredentials> signingCredentials(const QCommandLineParser& parser, const SignOptions& sign,
                                          const SettingsOptions& settingsOptions)
{
    AwsSettingsRequest request = settingsOptions.request(parser);
    request.accessKeyId = parser.value(sign.keyId);
    if (parser.isSet(sign.secret))
        request.secretAccessKey = SecureBytes::fromString(parser.value(sign.secret).toStdString());
    auto settings = loadAwsSettings(QProcessEnvironment::systemEnvironment(), std::move(request));
    if (!settings)
        return settings.error();
    if (parser.isSet(sign.token))
        settings->credentials.sessionToken = parser.value(sign.token);
    return std::move(settings->credentials);
}

int signRequestCommand(CommandContext& context)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Signs a raw HTTP request (the SigV4 test suite's request.txt format) with AWS Signature Version 4 "
        "and prints its canonical request, string to sign, signature and signed request."));
    const SettingsOptions settingsOptions;
    const SignOptions sign;
    settingsOptions.addTo(parser);
    parser.addOptions({sign.service, sign.keyId, sign.secret, sign.token, sign.time, sign.unnormalized, sign.signBody,
                       sign.omitToken, sign.input, sign.part});
    if (auto stop = parseCommandLine(parser, context))
        return *stop;
    static const QStringList kParts{QStringLiteral("canonical-request"), QStringLiteral("string-to-sign"),
                                    QStringLiteral("signature"), QStringLiteral("signed-request")};
    if (parser.isSet(sign.part) && !kParts.contains(parser.value(sign.part))) {
        context.err << "imprint-cli: --print takes one of: " << kParts.join(QStringLiteral(", ")) << '\n';
        return toInt(ExitCode::Usage);
    }
    if (parser.isSet(sign.keyId) != parser.isSet(sign.secret)) {
        context.err << "imprint-cli: --access-key-id and --secret-access-key go together\n";
        return toInt(ExitCode::Usage);
    }

    auto raw = readInputOrStdin(parser.value(sign.input));
    if (!raw)
        return fail(context, raw.error());
    auto request = HttpRequest::parse(raw.value());
    if (!request)
        return fail(context, request.error().withContext(parser.value(sign.input)));
    auto credentials = signingCredentials(parser, sign, settingsOptions);
    if (!credentials)
        return fail(context, credentials.error());
    auto time = signingTime(parser.value(sign.time), request.value());
    if (!time)
        return fail(context, time.error());

    SigningOptions options;
    options.region = parser.value(settingsOptions.region);
    if (options.region.isEmpty()) {
        AwsSettingsRequest regionOnly = settingsOptions.request(parser);
        regionOnly.requireCredentials = false;
        auto settings = loadAwsSettings(QProcessEnvironment::systemEnvironment(), std::move(regionOnly));
        options.region = settings ? settings->region : QString();
    }
    options.service = parser.value(sign.service);
    options.time = time.value();
    options.normalizePath = !parser.isSet(sign.unnormalized);
    options.signBody = parser.isSet(sign.signBody);
    options.omitSessionTokenFromSignature = parser.isSet(sign.omitToken);
    auto result = signRequest(request.value(), credentials.value(), options);
    if (!result)
        return fail(context, result.error());

    const QByteArray signedRequest = request->serialize();
    const QString part = parser.value(sign.part);
    if (!part.isEmpty()) {
        const QByteArray& bytes = part == kParts[0]   ? result->canonicalRequest
                                  : part == kParts[1] ? result->stringToSign
                                  : part == kParts[2] ? result->signatureHex
                                                      : signedRequest;
        context.out << QString::fromUtf8(bytes);
        return 0;
    }
    context.out << "----- canonical request -----\n" << QString::fromUtf8(result->canonicalRequest)
                << "\n----- string to sign -----\n" << QString::fromUtf8(result->stringToSign)
                << "\n----- signature -----\n" << QString::fromUtf8(result->signatureHex)
                << "\n----- signed request -----\n" << QString::fromUtf8(signedRequest);
    return 0;
}

// --- config -----------------------------------------------------------------------------------

int configCommand(CommandContext& context)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Shows the AWS settings the station would use (profile, region, endpoint, where the credentials "
        "come from, the access key ID masked); never the secret."));
    const SettingsOptions settingsOptions;
    settingsOptions.addTo(parser);
    if (auto stop = parseCommandLine(parser, context))
        return *stop;
    auto settings = loadAwsSettings(QProcessEnvironment::systemEnvironment(), settingsOptions.request(parser));
    if (!settings)
        return fail(context, settings.error());
    context.out << "profile:       " << settings->profile << '\n'
                << "region:        " << (settings->region.isEmpty() ? QStringLiteral("(none)") : settings->region) << '\n'
                << "endpoint:      "
                << (settings->endpointUrl.isEmpty() ? QStringLiteral("AWS (https://iot.<region>.amazonaws.com)")
                                                    : settings->endpointUrl)
                << '\n'
                << "access key ID: " << maskedKeyId(settings->credentials.accessKeyId) << '\n'
                << "credentials:   " << settings->credentialsSource
                << (settings->credentials.sessionToken.isEmpty() ? "" : " (with session token)") << '\n';
    return 0;
}

// --- iot OPERATION ----------------------------------------------------------------------------

QString operationList()
{
    QStringList names;
    for (const IotOperationSpec& spec : iotOperations())
        names.append(QLatin1String(spec.name));
    return names.join(QStringLiteral(", "));
}

Result<QJsonObject> operationInput(const QString& inline_, const QString& file)
{
    if (inline_.isEmpty() && file.isEmpty())
        return QJsonObject();
    QByteArray text = inline_.toUtf8();
    if (!file.isEmpty()) {
        auto read = readInputOrStdin(file);
        if (!read)
            return read.error();
        text = read.value();
    }
    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(text, &parseError);
    if (!document.isObject())
        return Error(ErrorCode::InvalidInput, QStringLiteral("%1: expected a JSON object (%2 at offset %3)")
                                                  .arg(file.isEmpty() ? QStringLiteral("--input") : file,
                                                       parseError.errorString())
                                                  .arg(parseError.offset));
    return document.object();
}

int iotCommand(CommandContext& context)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Calls one AWS IoT operation with its input as JSON (member names as in the AWS IoT API) and "
                       "prints AWS's answer as JSON. Operations: %1.")
            .arg(operationList()));
    const SettingsOptions settingsOptions;
    settingsOptions.addTo(parser);
    const QCommandLineOption input(QStringLiteral("input"), QStringLiteral("Input JSON object."), QStringLiteral("json"));
    const QCommandLineOption inputFile(QStringLiteral("input-file"), QStringLiteral("Input JSON file ('-': stdin)."),
                                       QStringLiteral("file"));
    const QCommandLineOption upload(QStringLiteral("upload"),
                                    QStringLiteral("StartThingRegistrationTask: upload this file to "
                                                   "inputFileBucket/inputFileKey (S3 PutObject) first."),
                                    QStringLiteral("file"));
    const QCommandLineOption dryRun(QStringLiteral("dry-run"),
                                    QStringLiteral("Print the HTTP request that would be sent (unsigned) and stop."));
    parser.addOptions({input, inputFile, upload, dryRun});
    parser.addPositionalArgument(QStringLiteral("operation"), QStringLiteral("e.g. DescribeThing"));
    if (auto stop = parseCommandLine(parser, context))
        return *stop;
    const QStringList positional = parser.positionalArguments();
    const IotOperationSpec* spec = positional.size() == 1 ? findIotOperation(positional.first()) : nullptr;
    if (spec == nullptr) {
        context.err << "imprint-cli: aws iot needs one operation: " << operationList() << '\n';
        return toInt(ExitCode::Usage);
    }
    if (parser.isSet(upload) && spec->id != IotOperation::StartThingRegistrationTask) {
        context.err << "imprint-cli: --upload goes with StartThingRegistrationTask only\n";
        return toInt(ExitCode::Usage);
    }
    auto json = operationInput(parser.value(input), parser.value(inputFile));
    if (!json)
        return fail(context, json.error());

    if (parser.isSet(dryRun)) {
        auto request = AwsIotClient::buildRequest(spec->id, json.value());
        if (!request)
            return fail(context, request.error());
        HttpRequest http{request->method, request->path, request->headers, request->body};
        QList<QByteArray> query;
        for (const auto& [name, value] : request->query)
            query.append(uriEncode(name) + '=' + uriEncode(value));
        if (!query.isEmpty())
            http.target += '?' + query.join('&');
        context.out << QString::fromUtf8(http.serialize()) << '\n';
        return 0;
    }

    auto settings = loadAwsSettings(QProcessEnvironment::systemEnvironment(), settingsOptions.request(parser));
    if (!settings)
        return fail(context, settings.error());
    auto client = AwsIotClient::create(std::move(settings.value()));
    if (!client)
        return fail(context, client.error());
    Result<QJsonObject> answer = QJsonObject();
    if (parser.isSet(upload)) {
        auto file = readInputOrStdin(parser.value(upload));
        if (!file)
            return fail(context, file.error());
        const QJsonObject in = json.value();
        auto text = [&](const char* key) { return in.value(QLatin1String(key)).toString(); };
        answer = waitFor([&](JsonCallback done) {
            client.value()->startThingRegistrationTaskWithUpload(text("templateBody"), text("inputFileBucket"),
                                                                 text("inputFileKey"), text("roleArn"), file.value(),
                                                                 std::move(done));
        });
    } else {
        answer = waitFor([&](JsonCallback done) { client.value()->call(spec->id, json.value(), std::move(done)); });
    }
    if (!answer)
        return fail(context, answer.error());
    context.out << QString::fromUtf8(QJsonDocument(answer.value()).toJson(QJsonDocument::Indented));
    return 0;
}

}  // namespace

std::vector<Command> awsCommands()
{
    return {
        {QStringLiteral("aws"), QStringLiteral("sign-request"),
         QStringLiteral("sign a raw HTTP request with SigV4 and show each step"), signRequestCommand},
        {QStringLiteral("aws"), QStringLiteral("config"),
         QStringLiteral("show the AWS profile, region, endpoint and credential source in use"), configCommand},
        {QStringLiteral("aws"), QStringLiteral("iot"),
         QStringLiteral("call an AWS IoT operation with JSON input (AWS or the emulator)"), iotCommand},
    };
}

}  // namespace imprint::cli
