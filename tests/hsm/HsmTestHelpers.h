#pragma once

// Small helpers the HSM tests share: readable failures for Result, and files in a temp dir.

#include "core/Result.h"

#include <QTemporaryDir>
#include <QTest>

namespace imprint::test {

[[nodiscard]] inline QString describe(const Error& error)
{
    return errorCodeName(error.code()) + QStringLiteral(": ") + error.message();
}

// Writes `content` to `name` in `dir`; returns the path.
QString writeFile(const QTemporaryDir& dir, const QString& name, const QByteArray& content);

}  // namespace imprint::test

#define REQUIRE_OK(result) \
    QVERIFY2((result).ok(), qPrintable((result).ok() ? QString() : ::imprint::test::describe((result).error())))
