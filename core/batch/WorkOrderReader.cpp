#include "core/batch/WorkOrderReader.h"

#include "core/batch/CsvReader.h"
#include "core/batch/ThingNameRule.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <array>

namespace imprint::batch {

namespace {

enum Field { Serial, Hardware, ThingName, Attributes, Groups, ThingType, Parameters, FieldCount };

const std::array<QLatin1StringView, FieldCount> kFieldNames = {
    QLatin1StringView("serial_number"), QLatin1StringView("hardware_id"), QLatin1StringView("thing_name"),
    QLatin1StringView("attributes"),    QLatin1StringView("thing_groups"), QLatin1StringView("thing_type"),
    QLatin1StringView("template_parameters")};

bool isAlnum(char16_t u)
{
    return (u >= u'a' && u <= u'z') || (u >= u'A' && u <= u'Z') || (u >= u'0' && u <= u'9');
}

// Serial numbers and hardware IDs: letters, digits and . _ : - (safe in thing names and file names).
bool isValidIdentifier(QStringView text, qsizetype maxLength)
{
    if (text.isEmpty() || text.size() > maxLength)
        return false;
    for (const QChar c : text) {
        const char16_t u = c.unicode();
        if (!isAlnum(u) && u != u'.' && u != u'_' && u != u':' && u != u'-')
            return false;
    }
    return true;
}

// AWS IoT attribute names [a-zA-Z0-9_.,@/:#-]+ (<= 128) and values [a-zA-Z0-9_.,@/:#=\[\]-]* (<= 800).
bool isValidAttribute(QStringView text, bool value)
{
    if ((!value && text.isEmpty()) || text.size() > (value ? 800 : 128))
        return false;
    for (const QChar c : text) {
        const char16_t u = c.unicode();
        const bool ok = isAlnum(u) || u == u'_' || u == u'.' || u == u',' || u == u'@' || u == u'/' || u == u':'
                        || u == u'#' || u == u'-' || (value && (u == u'=' || u == u'[' || u == u']'));
        if (!ok)
            return false;
    }
    return true;
}

// Collects one row's values and problems; the row is kept only when it has none.
class RowBuilder
{
public:
    RowBuilder(const ReadOptions& options, const std::function<void(const ImportIssue&)>& onIssue)
        : m_options(options), m_onIssue(onIssue)
    {
    }

    void start(qint64 line)
    {
        m_row = WorkOrderRow{};
        m_row.line = line;
        m_ok = true;
    }
    void issue(int column, Field field, QString reason) { issueNamed(column, QString(kFieldNames[field]), std::move(reason)); }
    void issueNamed(int column, QString field, QString reason)
    {
        m_ok = false;
        m_onIssue(ImportIssue{m_row.line, column, std::move(field), std::move(reason)});
    }
    void serial(int column, const QString& value)
    {
        if (value.isEmpty())
            return issue(column, Serial, QStringLiteral("the serial number is required"));
        if (!isValidIdentifier(value, 64))
            return issue(column, Serial, QStringLiteral("'%1' is not a serial number (1 to 64 letters, digits, "
                                                        ". _ : -)").arg(value.left(80)));
        m_row.serialNumber = value;
        m_row.serialColumn = column;
    }
    void hardware(int column, const QString& value)
    {
        if (value.isEmpty())
            return;
        if (!isValidIdentifier(value, 128))
            return issue(column, Hardware, QStringLiteral("'%1' is not a hardware ID (1 to 128 letters, digits, "
                                                          ". _ : -)").arg(value.left(80)));
        m_row.hardwareId = value;
        m_row.hardwareIdColumn = column;
    }
    void thingName(int column, const QString& value)
    {
        if (value.isEmpty())
            return;
        if (!isValidThingName(value))
            return issue(column, ThingName, QStringLiteral("'%1' is not an AWS IoT thing name (1 to 128 of "
                                                           "a-z A-Z 0-9 : _ -)").arg(value.left(80)));
        m_row.thingName = value;
        m_row.thingNameColumn = column;
    }
    void attribute(int column, const QString& key, const QString& value)
    {
        if (!isValidAttribute(key, false))
            return issue(column, Attributes, QStringLiteral("'%1' is not an attribute name ([a-zA-Z0-9_.,@/:#-], "
                                                            "up to 128)").arg(key.left(80)));
        if (!isValidAttribute(value, true))
            return issue(column, Attributes, QStringLiteral("the value of attribute '%1' has a character AWS IoT "
                                                            "does not allow, or is over 800 long").arg(key));
        // Names and values cannot hold a quote or a backslash: no JSON escaping needed.
        QString& json = m_attributes;
        json += json.isEmpty() ? u'{' : u',';
        json += u'"' + key + QStringLiteral("\":\"") + value + u'"';
    }
    void group(int column, const QString& name)
    {
        if (!isValidThingName(name))
            return issue(column, Groups, QStringLiteral("'%1' is not a thing group name (1 to 128 of a-z A-Z 0-9 "
                                                        ": _ -)").arg(name.left(80)));
        m_groups += m_groups.isEmpty() ? u'[' : u',';
        m_groups += u'"' + name + u'"';
    }
    void thingType(int column, const QString& value)
    {
        if (value.isEmpty())
            return;
        if (!isValidThingName(value))
            return issue(column, ThingType, QStringLiteral("'%1' is not a thing type name").arg(value.left(80)));
        m_row.thingType = value;
    }
    void parameters(int column, const QJsonObject& object, const QString& text)
    {
        for (auto it = object.begin(); it != object.end(); ++it) {
            if (!it.value().isString() && !it.value().isDouble() && !it.value().isBool())
                return issue(column, Parameters, QStringLiteral("template parameter '%1' must be a string").arg(it.key()));
            if (it.key().size() > 2048 || it.value().toVariant().toString().size() > 4096)
                return issue(column, Parameters, QStringLiteral("template parameter '%1' is too long (names up to "
                                                                "2048, values up to 4096)").arg(it.key()));
        }
        m_row.templateParametersJson = text;
    }

    void finish(int serialColumn, const std::function<void(const WorkOrderRow&)>& onRow)
    {
        if (!m_attributes.isEmpty())
            m_row.attributesJson = m_attributes + u'}';
        if (!m_groups.isEmpty())
            m_row.thingGroupsJson = m_groups + u']';
        m_attributes.clear();
        m_groups.clear();
        if (m_ok && m_row.thingName.isEmpty()) {
            if (m_options.thingNameRule.isEmpty()) {
                issue(serialColumn, ThingName, QStringLiteral("no thing_name, and the batch has no thing-name rule "
                                                              "(--thing-name-rule) to derive it"));
            } else {
                const QString derived = applyThingNameRule(m_options.thingNameRule, m_row.serialNumber,
                                                           m_row.hardwareId.value_or(QString()), m_options.batchName);
                if (!isValidThingName(derived))
                    issue(serialColumn, ThingName, QStringLiteral("the thing-name rule gives '%1', which is not an "
                                                                  "AWS IoT thing name").arg(derived.left(80)));
                m_row.thingName = derived;
                m_row.thingNameColumn = serialColumn;
            }
        }
        if (m_ok)
            onRow(m_row);
    }

private:
    const ReadOptions& m_options;
    const std::function<void(const ImportIssue&)>& m_onIssue;
    WorkOrderRow m_row;
    QString m_attributes;
    QString m_groups;
    bool m_ok = true;
};

void csvAttributes(RowBuilder& row, int column, const QString& cell)
{
    if (cell.isEmpty())
        return;
    for (const QStringView pair : QStringView(cell).split(u';')) {
        const qsizetype equals = pair.indexOf(u'=');
        if (equals <= 0) {
            row.issue(column, Attributes, QStringLiteral("'%1' is not key=value").arg(pair.left(80)));
            return;
        }
        row.attribute(column, pair.left(equals).toString(), pair.mid(equals + 1).toString());
    }
}

void csvParameters(RowBuilder& row, int column, const QByteArray& cell)
{
    if (cell.isEmpty())
        return;
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(cell, &error);
    if (!document.isObject()) {
        row.issue(column, Parameters, error.error != QJsonParseError::NoError
                                          ? QStringLiteral("not JSON: %1 at character %2").arg(error.errorString()).arg(error.offset + 1)
                                          : QStringLiteral("must be a JSON object of name: value"));
        return;
    }
    row.parameters(column, document.object(), QString::fromUtf8(cell));
}

Status readCsv(QFile& file, const ReadOptions& options, const std::function<void(const WorkOrderRow&)>& onRow,
               const std::function<void(const ImportIssue&)>& onIssue)
{
    CsvReader reader(file);
    std::vector<QByteArray> fields;
    std::array<int, FieldCount> position{};  // field -> 1-based column, 0 when absent
    auto outcome = reader.next(fields);
    if (outcome != CsvReader::Outcome::Record) {
        onIssue(ImportIssue{1, reader.errorColumn(), QString(),
                            outcome == CsvReader::Outcome::End ? QStringLiteral("the file is empty: expected a header row")
                                                               : reader.error()});
        return Status::success();
    }
    bool headerOk = true;
    for (size_t i = 0; i < fields.size(); ++i) {
        const QString name = QString::fromUtf8(fields[i]).trimmed().toLower();
        const auto known = std::find(kFieldNames.begin(), kFieldNames.end(), name);
        const int column = static_cast<int>(i) + 1;
        if (known == kFieldNames.end()) {
            onIssue(ImportIssue{1, column, name, QStringLiteral("unknown column '%1' (known: serial_number, hardware_id, "
                                                                "thing_name, attributes, thing_groups, thing_type, "
                                                                "template_parameters)").arg(name)});
            headerOk = false;
        } else if (position[static_cast<size_t>(known - kFieldNames.begin())] != 0) {
            onIssue(ImportIssue{1, column, name, QStringLiteral("column '%1' appears twice").arg(name)});
            headerOk = false;
        } else {
            position[static_cast<size_t>(known - kFieldNames.begin())] = column;
        }
    }
    if (position[Serial] == 0) {
        onIssue(ImportIssue{1, 0, QString(kFieldNames[Serial]), QStringLiteral("the header has no serial_number column")});
        headerOk = false;
    }
    if (!headerOk)
        return Status::success();

    const size_t expected = fields.size();
    RowBuilder row(options, onIssue);
    auto cell = [&fields, &position](Field field) -> const QByteArray* {
        const int column = position[field];
        return column == 0 ? nullptr : &fields[static_cast<size_t>(column - 1)];
    };
    auto text = [&cell](Field field) {
        const QByteArray* bytes = cell(field);
        return bytes ? QString::fromUtf8(*bytes) : QString();
    };
    while ((outcome = reader.next(fields)) != CsvReader::Outcome::End) {
        row.start(reader.recordLine());
        if (outcome == CsvReader::Outcome::Malformed) {
            onIssue(ImportIssue{reader.recordLine(), reader.errorColumn(), QString(), reader.error()});
            continue;
        }
        if (fields.size() == 1 && fields[0].isEmpty())
            continue;  // a blank line
        if (fields.size() != expected) {
            onIssue(ImportIssue{reader.recordLine(), static_cast<int>(std::min(fields.size(), expected)) + 1, QString(),
                                QStringLiteral("%1 fields, the header has %2").arg(fields.size()).arg(expected)});
            continue;
        }
        row.serial(position[Serial], text(Serial));
        row.hardware(position[Hardware], text(Hardware));
        row.thingName(position[ThingName], text(ThingName));
        csvAttributes(row, position[Attributes], text(Attributes));
        if (const QString groups = text(Groups); !groups.isEmpty()) {
            for (const QStringView group : QStringView(groups).split(u';'))
                row.group(position[Groups], group.toString());
        }
        row.thingType(position[ThingType], text(ThingType));
        if (const QByteArray* parameters = cell(Parameters))
            csvParameters(row, position[Parameters], *parameters);
        row.finish(position[Serial], onRow);
    }
    return Status::success();
}

int keyColumn(const QByteArray& line, QLatin1StringView key)
{
    const QByteArray quoted = QByteArray("\"") + QByteArray(key.data(), key.size()) + '"';
    const qsizetype at = line.indexOf(quoted);
    return at < 0 ? 1 : static_cast<int>(at) + 1;
}

void jsonRow(RowBuilder& row, const QByteArray& line, const QJsonObject& object)
{
    auto column = [&line](Field field) { return keyColumn(line, kFieldNames[field]); };
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (std::find(kFieldNames.begin(), kFieldNames.end(), it.key()) == kFieldNames.end())
            row.issueNamed(keyColumn(line, QLatin1StringView(it.key().toLatin1())), it.key(),
                           QStringLiteral("unknown key '%1'").arg(it.key()));
    }
    auto stringOf = [&](Field field) -> QString {
        const QJsonValue value = object.value(kFieldNames[field]);
        if (value.isUndefined() || value.isNull())
            return {};
        if (!value.isString()) {
            row.issue(column(field), field, QStringLiteral("must be a string"));
            return {};
        }
        return value.toString();
    };
    row.serial(column(Serial), stringOf(Serial));
    row.hardware(column(Hardware), stringOf(Hardware));
    row.thingName(column(ThingName), stringOf(ThingName));
    row.thingType(column(ThingType), stringOf(ThingType));
    if (const QJsonValue attributes = object.value(kFieldNames[Attributes]); !attributes.isUndefined()) {
        if (!attributes.isObject())
            row.issue(column(Attributes), Attributes, QStringLiteral("must be an object of name: value"));
        const QJsonObject map = attributes.toObject();
        for (auto it = map.begin(); it != map.end(); ++it)
            row.attribute(column(Attributes), it.key(), it.value().toVariant().toString());
    }
    if (const QJsonValue groups = object.value(kFieldNames[Groups]); !groups.isUndefined()) {
        if (!groups.isArray())
            row.issue(column(Groups), Groups, QStringLiteral("must be an array of thing group names"));
        for (const QJsonValue group : groups.toArray())
            row.group(column(Groups), group.toString());
    }
    if (const QJsonValue parameters = object.value(kFieldNames[Parameters]); !parameters.isUndefined()) {
        if (!parameters.isObject())
            row.issue(column(Parameters), Parameters, QStringLiteral("must be a JSON object of name: value"));
        else
            row.parameters(column(Parameters), parameters.toObject(),
                           QString::fromUtf8(QJsonDocument(parameters.toObject()).toJson(QJsonDocument::Compact)));
    }
}

Status readJsonLines(QFile& file, const ReadOptions& options, const std::function<void(const WorkOrderRow&)>& onRow,
                     const std::function<void(const ImportIssue&)>& onIssue)
{
    RowBuilder row(options, onIssue);
    qint64 lineNumber = 0;
    while (!file.atEnd()) {
        const QByteArray line = file.readLine().trimmed();
        ++lineNumber;
        if (line.isEmpty())
            continue;
        row.start(lineNumber);
        QJsonParseError error{};
        const QJsonDocument document = QJsonDocument::fromJson(line, &error);
        if (!document.isObject()) {
            onIssue(ImportIssue{lineNumber, error.error != QJsonParseError::NoError ? error.offset + 1 : 1, QString(),
                                error.error != QJsonParseError::NoError
                                    ? QStringLiteral("not JSON: %1").arg(error.errorString())
                                    : QStringLiteral("each line must be one JSON object")});
            continue;
        }
        jsonRow(row, line, document.object());
        row.finish(keyColumn(line, kFieldNames[Serial]), onRow);
    }
    return Status::success();
}

}  // namespace

WorkOrderFormat formatForPath(const QString& path)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    return (suffix == QLatin1String("jsonl") || suffix == QLatin1String("ndjson") || suffix == QLatin1String("json"))
               ? WorkOrderFormat::JsonLines
               : WorkOrderFormat::Csv;
}

Status readWorkOrder(const QString& path, const ReadOptions& options,
                     const std::function<void(const WorkOrderRow&)>& onRow,
                     const std::function<void(const ImportIssue&)>& onIssue)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error(ErrorCode::Io, QStringLiteral("cannot read the work order %1: %2").arg(path, file.errorString()));
    return options.format == WorkOrderFormat::Csv ? readCsv(file, options, onRow, onIssue)
                                                  : readJsonLines(file, options, onRow, onIssue);
}

}  // namespace imprint::batch
