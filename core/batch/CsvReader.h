#pragma once

// A streaming RFC 4180 reader: comma-separated, fields optionally in double quotes (a quote
// inside doubled), quoted fields may hold commas and line breaks, CRLF or LF line ends. Reads
// through QIODevice's buffer: memory is one record, whatever the file's size.

#include <QByteArray>
#include <QIODevice>
#include <QString>

#include <vector>

namespace imprint::batch {

class CsvReader
{
public:
    explicit CsvReader(QIODevice& device) : m_device(device) {}

    enum class Outcome { Record, End, Malformed };

    // Reads the next record into `fields` (UTF-8 bytes). On Malformed, error() says why and
    // errorColumn() which field; the reader resumes at the next line.
    [[nodiscard]] Outcome next(std::vector<QByteArray>& fields);

    // The physical line the last record started on (1-based).
    [[nodiscard]] qint64 recordLine() const { return m_recordLine; }
    [[nodiscard]] const QString& error() const { return m_error; }
    [[nodiscard]] int errorColumn() const { return m_errorColumn; }

private:
    bool readLine();
    Outcome malformed(int column, QString reason);

    QIODevice& m_device;
    QByteArray m_line;
    qint64 m_linesRead = 0;
    qint64 m_recordLine = 0;
    QString m_error;
    int m_errorColumn = 0;
};

}  // namespace imprint::batch
