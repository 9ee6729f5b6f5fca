#pragma once

// Shared by the AWS CLI tests of imprint-iot-emulator: assertions on an aws run and small
// file helpers.

#include "EmulatorProcess.h"

#include <QFile>
#include <QStringList>
#include <QTest>

namespace imprint::test {

#define AWS_OK(result)                                                                                 \
    do {                                                                                               \
        const auto& r_ = (result);                                                                     \
        QVERIFY2(r_.ok(), qPrintable(r_.describe()));                                                  \
    } while (false)

#define AWS_FAILS_WITH(result, type)                                                                   \
    do {                                                                                               \
        const auto& r_ = (result);                                                                     \
        QVERIFY2(!r_.ok() && r_.err.contains(type), qPrintable(r_.describe()));                         \
    } while (false)

inline QString fileArgument(const QString& path)
{
    return QStringLiteral("file://") + path;
}

inline QString writeFile(const EmulatorProcess& emulator, const QString& name, const QByteArray& data)
{
    QFile file(emulator.path(name));
    if (!file.open(QIODevice::WriteOnly) || file.write(data) != data.size())
        return {};
    return file.fileName();
}

inline QByteArray fixture(const QString& name)
{
    QFile file(QStringLiteral(IMPRINT_SOURCE_DIR "/tests/emulator/data/") + name);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

inline QStringList args(std::initializer_list<const char*> list)
{
    QStringList out;
    for (const char* item : list)
        out << QString::fromUtf8(item);
    return out;
}


}  // namespace imprint::test
