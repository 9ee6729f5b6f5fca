#include "app/cli/InputFiles.h"

#include <QFile>
#include <QSaveFile>

#include <cstdio>

namespace imprint::cli {

namespace {

QString describe(const QString& what, const QString& path)
{
    return what.isEmpty() ? path : what + u' ' + path;
}

}  // namespace

Result<QByteArray> readInputFile(const QString& path, const QString& what)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error(ErrorCode::NotFound, QStringLiteral("cannot read %1: %2").arg(describe(what, path), file.errorString()));
    return file.readAll();
}

Result<QByteArray> readInputOrStdin(const QString& path, const QString& what)
{
    if (!path.isEmpty() && path != u'-')
        return readInputFile(path, what);
    QFile input;
    if (!input.open(stdin, QIODevice::ReadOnly))
        return Error(ErrorCode::Io, QStringLiteral("cannot read %1: %2")
                                        .arg(describe(what, QStringLiteral("standard input")), input.errorString()));
    return input.readAll();
}

Status writeOutputFile(const QString& path, const QByteArray& content)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(content) != content.size() || !file.commit())
        return Error(ErrorCode::Io, QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
    return {};
}

}  // namespace imprint::cli
