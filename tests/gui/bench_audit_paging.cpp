// bench_audit_paging: how fast the audit view opens and scrolls on a 1,000,000-unit audit
// (generated with SQL in a temporary directory). Figures: the first page through the window's
// own AuditService and model (request to rows in the model, event loop included), the next
// pages as the table scrolls, a keyset page half-way down, filtered first pages, and the
// same half-way page the naive way (OFFSET). Each is printed against a baseline measured in
// this run: one full scan of the units table (what any query touching every row costs).
#include "LargeAudit.h"
#include "app/gui/AuditService.h"
#include "core/audit/AuditBrowse.h"
#include "core/audit/SqlConnection.h"
#include "ui/AuditView.h"
#include "ui/UnitTableModel.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTableView>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <cstdio>
#include <functional>

using namespace imprint;

namespace {

constexpr qint64 kUnits = 1'000'000;

double millis(const std::function<void()>& work)
{
    QElapsedTimer clock;
    clock.start();
    work();
    return double(clock.nsecsElapsed()) / 1e6;
}

void print(const char* what, double ms, double baseline)
{
    std::printf("%-46s %9.2f ms  (%.4f x full scan)\n", what, ms, ms / baseline);
}

}  // namespace

int main(int argc, char* argv[])
{
    QApplication app(argc, argv);
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("audit.sqlite"));
    test::LargeAudit made;
    QString failure;
    const double generated = millis([&] { failure = test::makeLargeAudit(db, kUnits, 8, made); });
    if (!failure.isEmpty()) {
        std::fprintf(stderr, "bench_audit_paging: %s\n", qPrintable(failure));
        return 1;
    }
    auto connection = audit::SqlConnection::open(db);
    if (!connection) {
        std::fprintf(stderr, "bench_audit_paging: %s\n", qPrintable(connection.error().message()));
        return 1;
    }
    audit::SqlConnection& sql = *connection.value();
    std::printf("bench_audit_paging: %lld units generated in %.1f s\n", static_cast<long long>(kUnits), generated / 1000);

    QSqlQuery scan(sql.db());
    const double baseline = millis([&] {
        scan.exec(QStringLiteral("SELECT COUNT(*) FROM units WHERE serial_number LIKE '%never%'"));
        scan.next();
    });

    // The window's path: AuditService on its thread, the model, the event loop.
    gui::AuditService service(db);
    ui::AuditView view(&service);
    view.resize(1200, 800);
    view.show();
    ui::UnitTableModel* model = view.model();
    // Each page is awaited in a plain event loop that ends when the rows are in the model.
    QEventLoop loop;
    QObject::connect(model, &ui::UnitTableModel::pageArrived, &loop, &QEventLoop::quit);
    const double firstPage = millis([&] {
        view.refresh();
        loop.exec();
    });
    constexpr int kScrolls = 50;
    const double scrolled = millis([&] {
        for (int page = 1; page <= kScrolls; ++page) {
            view.table()->scrollToBottom();  // as the operator does; the view asks for the page
            if (model->loading())
                loop.exec();
        }
    });
    if (model->rowCount() != (kScrolls + 1) * ui::UnitTableModel::kPageSize) {
        std::fprintf(stderr, "bench_audit_paging: %d rows after scrolling\n", model->rowCount());
        return 1;
    }

    const int page = ui::UnitTableModel::kPageSize;
    auto keyset = [&](const audit::BrowseFilter& filter, std::optional<qint64> before) {
        return millis([&] { static_cast<void>(audit::unitPage(sql, filter, before, page)); });
    };
    audit::BrowseFilter failed;
    failed.outcome = QStringLiteral("failed");
    audit::BrowseFilter batch;
    batch.batchId = 3;
    batch.outcome = QStringLiteral("passed");
    audit::BrowseFilter text;
    text.text = QStringLiteral("SN-00012");
    const double middle = keyset({}, kUnits / 2);
    const double failedFirst = keyset(failed, std::nullopt);
    const double batchFirst = keyset(batch, std::nullopt);
    const double textFirst = keyset(text, std::nullopt);
    QSqlQuery offset(sql.db());
    const double naive = millis([&] {
        offset.exec(QStringLiteral("SELECT u.id, u.serial_number FROM units u ORDER BY u.id DESC LIMIT %1 OFFSET %2")
                        .arg(page)
                        .arg(kUnits / 2));
        while (offset.next()) {
        }
    });

    std::printf("baseline: full scan of %lld units %.2f ms\n", static_cast<long long>(kUnits), baseline);
    print("first page in the window (service + model)", firstPage, baseline);
    print("next page while scrolling (mean of 50)", scrolled / kScrolls, baseline);
    print("keyset page half-way down", middle, baseline);
    print("first page, outcome failed", failedFirst, baseline);
    print("first page, batch 3 + passed", batchFirst, baseline);
    print("first page, text 'SN-00012' (rare: scans)", textFirst, baseline);
    print("half-way page with OFFSET (naive, for contrast)", naive, baseline);
    return 0;
}
