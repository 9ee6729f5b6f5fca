#pragma once

// Reading and writing the files a command is pointed at, with errors that name the file and
// what it was for ("cannot read CSR /tmp/x.csr: No such file or directory").

#include "core/Result.h"

#include <QByteArray>
#include <QString>

namespace imprint::cli {

// `what` says what the file is for ("CSR", "template", "chain"); empty for a plain file.
// A file that cannot be opened is NotFound.
[[nodiscard]] Result<QByteArray> readInputFile(const QString& path, const QString& what = {});
// As readInputFile, but "-" or an empty path reads standard input.
[[nodiscard]] Result<QByteArray> readInputOrStdin(const QString& path, const QString& what = {});
// Atomically: the old file stays whole until the new one is complete.
[[nodiscard]] Status writeOutputFile(const QString& path, const QByteArray& content);

}  // namespace imprint::cli
