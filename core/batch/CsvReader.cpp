#include "core/batch/CsvReader.h"

namespace imprint::batch {

bool CsvReader::readLine()
{
    if (m_device.atEnd())
        return false;
    m_line = m_device.readLine();
    ++m_linesRead;
    qsizetype size = m_line.size();
    if (size > 0 && m_line[size - 1] == '\n')
        --size;
    if (size > 0 && m_line[size - 1] == '\r')
        --size;
    m_line.truncate(size);
    return true;
}

CsvReader::Outcome CsvReader::malformed(int column, QString reason)
{
    m_errorColumn = column;
    m_error = std::move(reason);
    return Outcome::Malformed;
}

CsvReader::Outcome CsvReader::next(std::vector<QByteArray>& fields)
{
    fields.clear();
    if (!readLine())
        return Outcome::End;
    m_recordLine = m_linesRead;
    qsizetype pos = 0;
    for (;;) {
        const int column = static_cast<int>(fields.size()) + 1;
        QByteArray field;
        if (pos < m_line.size() && m_line[pos] == '"') {
            ++pos;
            for (;;) {
                const qsizetype quote = m_line.indexOf('"', pos);
                if (quote < 0) {
                    // The quoted field goes on over a line break.
                    field.append(m_line.constData() + pos, m_line.size() - pos);
                    field.append('\n');
                    if (!readLine())
                        return malformed(column, QStringLiteral("a quoted field is not closed before the end of the file"));
                    pos = 0;
                    continue;
                }
                field.append(m_line.constData() + pos, quote - pos);
                if (quote + 1 < m_line.size() && m_line[quote + 1] == '"') {
                    field.append('"');
                    pos = quote + 2;
                    continue;
                }
                pos = quote + 1;
                break;
            }
            if (pos < m_line.size() && m_line[pos] != ',')
                return malformed(column, QStringLiteral("text after the closing quote of a field"));
        } else {
            qsizetype comma = m_line.indexOf(',', pos);
            if (comma < 0)
                comma = m_line.size();
            field = m_line.mid(pos, comma - pos);
            if (field.contains('"'))
                return malformed(column, QStringLiteral("a quote inside an unquoted field (quote the whole field "
                                                        "and double the quote)"));
            pos = comma;
        }
        fields.push_back(std::move(field));
        if (pos >= m_line.size())
            return Outcome::Record;
        ++pos;  // the comma
    }
}

}  // namespace imprint::batch
