// The audit view on a large audit (200,000 units made with SQL in a temporary directory),
// through the application's own AuditService: the first page comes at once and newest first,
// scrolling fetches the next page, filters (outcome, batch, text, time) narrow it, a unit's
// certificate and timeline show, export writes the file, and the hash chain's verdict names the
// first bad row once one is forged.
#include "LargeAudit.h"
#include "app/gui/AuditService.h"
#include "core/audit/SqlConnection.h"
#include "ui/AuditView.h"
#include "ui/UnitTableModel.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QScrollBar>
#include <QSqlQuery>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>
#include <QTreeWidget>

using namespace imprint;

namespace {

constexpr qint64 kUnits = 200'000;
constexpr int kBatches = 4;

QString labelText(QWidget* parent, const QString& name)
{
    auto* label = parent->findChild<QLabel*>(name);
    return label ? label->text() : QStringLiteral("<no %1>").arg(name);
}

}  // namespace

class TestAuditView : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_db;
    test::LargeAudit m_made;
    std::unique_ptr<gui::AuditService> m_service;
    std::unique_ptr<ui::AuditView> m_view;

    ui::UnitTableModel* model() const { return m_view->model(); }

    // Resets every filter, then waits for the first page.
    void clearFilters()
    {
        m_view->findChild<QLineEdit*>(QStringLiteral("searchField"))->clear();
        m_view->findChild<QComboBox*>(QStringLiteral("outcomeFilter"))->setCurrentIndex(0);
        m_view->findChild<QComboBox*>(QStringLiteral("batchFilter"))->setCurrentIndex(0);
        m_view->findChild<QCheckBox*>(QStringLiteral("fromEnabled"))->setChecked(false);
        m_view->findChild<QCheckBox*>(QStringLiteral("untilEnabled"))->setChecked(false);
        m_view->refresh();
        QTRY_VERIFY(model()->pagesLoaded() >= 1 && !model()->loading());
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_db = m_dir.filePath(QStringLiteral("audit.sqlite"));
        const QString failure = test::makeLargeAudit(m_db, kUnits, kBatches, m_made);
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        m_service = std::make_unique<gui::AuditService>(m_db);
        m_view = std::make_unique<ui::AuditView>(m_service.get());
        m_view->resize(1200, 700);
        m_view->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
    }

    void cleanupTestCase()
    {
        m_view.reset();
        m_service.reset();
    }

    void firstPageIsNewestFirstAndScrollingFetchesMore()
    {
        m_view->refresh();
        QTRY_COMPARE(model()->rowCount(), ui::UnitTableModel::kPageSize);
        QCOMPARE(model()->unitAt(0)->id, kUnits);
        QCOMPARE(model()->unitAt(ui::UnitTableModel::kPageSize - 1)->id, kUnits - ui::UnitTableModel::kPageSize + 1);
        QVERIFY(labelText(m_view.get(), QStringLiteral("auditStatus")).contains(QStringLiteral("more load as you scroll")));

        // Scrolling to the end asks for the next page (the view calls fetchMore), and only that.
        QTableView* table = m_view->table();
        table->scrollToBottom();
        QTRY_VERIFY(model()->rowCount() >= 2 * ui::UnitTableModel::kPageSize);
        QTRY_VERIFY(!model()->loading());
        QCOMPARE(model()->unitAt(ui::UnitTableModel::kPageSize)->id, kUnits - ui::UnitTableModel::kPageSize);
        QVERIFY(model()->rowCount() < 10 * ui::UnitTableModel::kPageSize);  // never the whole table
        QVERIFY(model()->canFetchMore({}));
    }

    void filtersNarrowTheUnits_data()
    {
        QTest::addColumn<int>("outcome");  // index in the outcome box (0: any)
        QTest::addColumn<int>("batch");    // index in the batch box (0: all)
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("firstId");
        QTest::addColumn<int>("rows");     // -1: a full page

        QTest::newRow("failed") << 2 << 0 << QString() << kUnits << -1;
        QTest::newRow("passed in batch 2") << 1 << 2 << QString() << (kUnits - 2) << -1;
        QTest::newRow("serial") << 0 << 0 << QStringLiteral("SN-0012345") << qint64(12345) << 1;
        QTest::newRow("thing name, part") << 0 << 0 << QStringLiteral("thing-000012") << qint64(129) << 10;
        QTest::newRow("error text of failed ones") << 0 << 0 << QStringLiteral("did not answer") << kUnits << -1;
        QTest::newRow("nothing") << 0 << 0 << QStringLiteral("no-such-device") << qint64(0) << 0;
    }

    void filtersNarrowTheUnits()
    {
        QFETCH(int, outcome);
        QFETCH(int, batch);
        QFETCH(QString, text);
        QFETCH(qint64, firstId);
        QFETCH(int, rows);
        clearFilters();
        QTRY_COMPARE(m_view->findChild<QComboBox*>(QStringLiteral("batchFilter"))->count(), kBatches + 1);
        m_view->findChild<QComboBox*>(QStringLiteral("outcomeFilter"))->setCurrentIndex(outcome);
        m_view->findChild<QComboBox*>(QStringLiteral("batchFilter"))->setCurrentIndex(batch);
        auto* search = m_view->findChild<QLineEdit*>(QStringLiteral("searchField"));
        search->setFocus();
        QTest::keyClicks(search, text);
        QTest::keyClick(search, Qt::Key_Return);
        QTRY_VERIFY(model()->filter() == m_view->currentFilter() && !model()->loading() && model()->pagesLoaded() >= 1);
        QCOMPARE(model()->rowCount(), rows < 0 ? ui::UnitTableModel::kPageSize : rows);
        if (rows != 0)
            QCOMPARE(model()->unitAt(0)->id, firstId);
        for (int row = 0; row < model()->rowCount(); ++row) {
            const audit::UnitRow* unit = model()->unitAt(row);
            if (outcome == 2)
                QCOMPARE(unit->state, QStringLiteral("failed"));
            if (outcome == 1)
                QCOMPARE(unit->state, QStringLiteral("passed"));
            if (batch > 0)
                QCOMPARE(unit->batchId, qint64(batch));
        }
        if (rows == 0)
            QCOMPARE(labelText(m_view.get(), QStringLiteral("auditStatus")), QStringLiteral("No unit matches."));
    }

    void timeRangeSelectsTheUnitsStartedInIt()
    {
        clearFilters();
        // Units start one per second from 2026-01-01T00:00:00Z: unit i at i - 1 seconds.
        const QDateTime from = QDateTime(QDate(2026, 1, 1), QTime(0, 16), Qt::UTC).toLocalTime();
        m_view->findChild<QDateTimeEdit*>(QStringLiteral("fromEdit"))->setDateTime(from);
        m_view->findChild<QDateTimeEdit*>(QStringLiteral("untilEdit"))->setDateTime(from.addSecs(60));
        m_view->findChild<QCheckBox*>(QStringLiteral("fromEnabled"))->setChecked(true);
        m_view->findChild<QCheckBox*>(QStringLiteral("untilEnabled"))->setChecked(true);
        QTRY_VERIFY(model()->filter().until.has_value() && !model()->loading());
        QTRY_COMPARE(model()->rowCount(), 60);
        QCOMPARE(model()->unitAt(0)->id, qint64(1020));
        QCOMPARE(model()->unitAt(59)->id, qint64(961));
        QVERIFY(model()->complete());
    }

    void detailShowsCertificateAndTimeline()
    {
        clearFilters();
        const int row = static_cast<int>(kUnits - m_made.newestUnit);
        QCOMPARE(model()->unitAt(row)->id, m_made.newestUnit);
        m_view->table()->setFocus();
        m_view->table()->selectRow(row);
        QTRY_VERIFY(m_view->shownDetail() && m_view->shownDetail()->unit.id == m_made.newestUnit);
        QCOMPARE(labelText(m_view.get(), QStringLiteral("certSubject")), m_made.certificateSubject);
        QVERIFY(labelText(m_view.get(), QStringLiteral("certSerial")).startsWith(QStringLiteral("7f01")));
        QVERIFY(labelText(m_view.get(), QStringLiteral("certValidity")).contains(QStringLiteral("2046-01-01")));
        QCOMPARE(labelText(m_view.get(), QStringLiteral("certFingerprint")), ui::formatFingerprint(m_made.fingerprintSha256));
        QCOMPARE(labelText(m_view.get(), QStringLiteral("certFingerprint")).size(), 32 * 3 - 1);
        auto* timeline = m_view->findChild<QTreeWidget*>(QStringLiteral("timelineView"));
        QCOMPARE(timeline->topLevelItemCount(), int(m_made.timelineEvents));
        QCOMPARE(timeline->topLevelItem(2)->text(1), QStringLiteral("issue-certificate"));
        m_view->copyPem();
        QVERIFY(QApplication::clipboard()->text().startsWith(QStringLiteral("-----BEGIN CERTIFICATE-----")));
    }

    void exportsWhatTheFilterSelects()
    {
        clearFilters();
        QTRY_COMPARE(m_view->findChild<QComboBox*>(QStringLiteral("batchFilter"))->count(), kBatches + 1);
        m_view->findChild<QComboBox*>(QStringLiteral("batchFilter"))->setCurrentIndex(2);
        m_view->findChild<QComboBox*>(QStringLiteral("outcomeFilter"))->setCurrentIndex(2);  // failed
        m_view->findChild<QComboBox*>(QStringLiteral("exportFormat"))->setCurrentIndex(0);    // units, CSV
        const QString path = m_dir.filePath(QStringLiteral("failed-batch-2.csv"));
        m_view->startExport(path);
        QVERIFY(m_view->exporting());
        QTRY_VERIFY_WITH_TIMEOUT(!m_view->exporting(), 30'000);
        QVERIFY2(labelText(m_view.get(), QStringLiteral("exportResult")).startsWith(QStringLiteral("Exported")),
                 qPrintable(labelText(m_view.get(), QStringLiteral("exportResult"))));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = file.readAll().split('\n');
        // Batch 2 holds units 2, 6, 10…; the failed ones among them are 10, 30, 50…
        const qint64 expected = kUnits / 20;
        QCOMPARE(lines.size() - 2, expected);  // header and the empty piece after the last newline
        QVERIFY(lines.at(0).startsWith("unit_id,uuid,batch"));
        QVERIFY(lines.at(1).contains(",failed,"));
    }

    void chainVerifiesThenNamesTheFirstBadRow()
    {
        m_view->verifyChain();
        QTRY_VERIFY(labelText(m_view.get(), QStringLiteral("chainVerdict")).contains(QStringLiteral("verifies")));
        QVERIFY2(labelText(m_view.get(), QStringLiteral("chainVerdict")).contains(QStringLiteral("all 6 event(s) are intact")),
                 qPrintable(labelText(m_view.get(), QStringLiteral("chainVerdict"))));

        // A forged event appended without its hash: the verdict names it.
        {
            auto connection = audit::SqlConnection::open(m_db);
            QVERIFY(connection);
            QSqlQuery q(connection.value()->db());
            QVERIFY(q.exec(QStringLiteral("INSERT INTO events (at, station, operator, step, outcome, prev_hash, hash) "
                                          "VALUES ('2026-01-02T00:00:00.000Z', 'x', 'mallory', 'unit', 'passed', '00', '00')")));
        }
        m_view->verifyChain();
        QTRY_VERIFY(labelText(m_view.get(), QStringLiteral("chainVerdict")).contains(QStringLiteral("does NOT verify")));
        QVERIFY2(labelText(m_view.get(), QStringLiteral("chainVerdict")).contains(QStringLiteral("first bad row is event 7")),
                 qPrintable(labelText(m_view.get(), QStringLiteral("chainVerdict"))));
    }
};

QTEST_MAIN(TestAuditView)
#include "tst_auditview.moc"
