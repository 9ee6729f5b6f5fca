// imprint-cli: wires the layers for the command line. No Gui, no Widgets.
#include "app/cli/Cli.h"
#include "core/Log.h"

#include <QCoreApplication>

#include <cstdio>

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("imprint"));
    QCoreApplication::setOrganizationName(QStringLiteral("imprint"));
    imprint::installLogFormat();

    QTextStream out(stdout);
    QTextStream err(stderr);
    const int code = imprint::cli::dispatch(QCoreApplication::arguments(), out, err);
    out.flush();
    err.flush();
    return code;
}
