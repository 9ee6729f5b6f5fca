// Bulk registration task reports: a finished task's ERRORS and RESULTS as report files in the
// emulator's S3 (JSON lines, one per failed or succeeded input line, AWS's observed shape:
// {"errorMessage","lineNumber","offset","response"}), listed by ListThingRegistrationTaskReports
// as links. AWS gives presigned S3 URLs; the emulator gives path-style URLs on its own port, read
// with a signed GetObject.
#include "app/iot-emulator/server/IotService.h"

#include <QJsonDocument>

namespace imprint::emulator {

namespace {

const QString kReportBucket = QStringLiteral("aws-iot-thing-registration-reports");
constexpr qsizetype kLinesPerReportFile = 500;  // AWS splits a long report over several files
constexpr int kMaxResultsLimit = 250;

QString reportTypeKey(const QString& reportType)
{
    return reportType == QStringLiteral("ERRORS") ? QStringLiteral("errors") : QStringLiteral("results");
}

}  // namespace

QJsonObject IotService::storeTaskReports(const QString& taskId, const QJsonArray& errors, const QJsonArray& results)
{
    QJsonObject keys;
    const std::pair<QString, const QJsonArray*> reports[] = {{QStringLiteral("ERRORS"), &errors},
                                                             {QStringLiteral("RESULTS"), &results}};
    for (const auto& [type, lines] : reports) {
        QJsonArray files;
        for (qsizetype first = 0; first < lines->size(); first += kLinesPerReportFile) {
            QByteArray file;
            for (qsizetype i = first; i < std::min(lines->size(), first + kLinesPerReportFile); ++i)
                file += QJsonDocument(lines->at(i).toObject()).toJson(QJsonDocument::Compact) + '\n';
            const QString key = QStringLiteral("%1/%2/%1-%3").arg(taskId, type).arg(files.size() + 1);
            if (!m_registry.putObject(kReportBucket, key, file))
                continue;  // the task still completes; its report lacks this file, as the log says
            files.append(key);
        }
        keys.insert(reportTypeKey(type), files);
    }
    return keys;
}

Answer IotService::listThingRegistrationTaskReports(const ApiCall& call)
{
    const QString taskId = call.pathParameters.value(0);
    const QString reportType = call.query.queryItemValue(QStringLiteral("reportType"));
    if (reportType != QStringLiteral("ERRORS") && reportType != QStringLiteral("RESULTS"))
        return invalidRequest(QStringLiteral("reportType must be ERRORS or RESULTS"));
    int maxResults = kMaxResultsLimit;
    if (call.query.hasQueryItem(QStringLiteral("maxResults"))) {
        bool ok = false;
        maxResults = call.query.queryItemValue(QStringLiteral("maxResults")).toInt(&ok);
        if (!ok || maxResults < 1 || maxResults > kMaxResultsLimit)
            return invalidRequest(QStringLiteral("maxResults must be 1 to 250"));
    }
    int start = 0;
    if (call.query.hasQueryItem(QStringLiteral("nextToken"))) {
        bool ok = false;
        start = call.query.queryItemValue(QStringLiteral("nextToken")).toInt(&ok);
        if (!ok || start < 0)
            return invalidRequest(QStringLiteral("nextToken is not one this service gave"));
    }
    auto task = m_registry.get(QStringLiteral("task"), taskId);
    if (!task)
        return notFound(QStringLiteral("Thing registration task %1 does not exist").arg(taskId));
    const QJsonArray keys = task->value(QStringLiteral("reports")).toObject().value(reportTypeKey(reportType)).toArray();
    const QString host = QString::fromUtf8(call.headers.value("host"));
    QJsonArray links;
    for (qsizetype i = start; i < keys.size() && links.size() < maxResults; ++i)
        links.append(QStringLiteral("http://%1/%2/%3").arg(host, kReportBucket, keys.at(i).toString()));
    QJsonObject out{{QStringLiteral("resourceLinks"), links}, {QStringLiteral("reportType"), reportType}};
    if (start + links.size() < keys.size())
        out.insert(QStringLiteral("nextToken"), QString::number(start + links.size()));
    return out;
}

}  // namespace imprint::emulator
