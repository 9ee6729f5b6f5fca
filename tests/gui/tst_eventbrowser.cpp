// Every audit event in one table, on a large audit (200,000 events made with SQL in a temporary
// directory; see makeLargeEventLog for what event i is): core/audit/EventBrowse pages newest
// first by keyset, counts and filters by step, outcome, batch, time and text (each page's rows
// and each count checked against the generator's arithmetic, deep pages too); then the
// window's EventBrowser through the application's own AuditService (its worker thread): the
// first page and the count arrive, scrolling fetches one more page, the filters are reached by
// keyboard and narrow the table.
#include "LargeAudit.h"
#include "app/gui/AuditService.h"
#include "core/audit/EventBrowse.h"
#include "core/audit/SqlConnection.h"
#include "ui/EventBrowser.h"
#include "ui/EventTableModel.h"

#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>

#include <functional>

using namespace imprint;

namespace {

using EventMatch = std::function<bool(qint64)>;

constexpr qint64 kEvents = 200'000;
constexpr int kBatches = 4;

QDateTime secondsIn(qint64 seconds)
{
    return QDateTime(QDate(2026, 2, 1), QTime(0, 0), QTimeZone::utc()).addSecs(seconds);
}

// The generator's event i, as the filters see it.
QString stepOf(qint64 i)
{
    static const char* const steps[] = {"begin", "identify", "issue-certificate", "write-certificate", "unit"};
    return QString::fromLatin1(steps[(i - 1) % 5]);
}

QString outcomeOf(qint64 i)
{
    return i % 50 == 0 ? QStringLiteral("failed") : (i - 1) % 5 == 4 ? QStringLiteral("passed") : QStringLiteral("ok");
}

}  // namespace

Q_DECLARE_METATYPE(EventMatch)

class TestEventBrowser : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_db;
    std::unique_ptr<audit::SqlConnection> m_connection;

    // Walks every page of `filter` (`limit` rows each) and returns the ids in order.
    std::vector<qint64> walk(const audit::EventFilter& filter, int limit)
    {
        std::vector<qint64> ids;
        std::optional<qint64> before;
        for (int pages = 0; pages < 100'000; ++pages) {
            auto page = audit::eventPage(*m_connection, filter, before, limit);
            if (!page) {
                qWarning() << page.error().message();
                return {};
            }
            if (static_cast<int>(page->rows.size()) > limit)
                return {};
            for (const auto& row : page->rows)
                ids.push_back(row.id);
            if (!page->more)
                break;
            before = page->rows.back().id;
        }
        return ids;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_db = m_dir.filePath(QStringLiteral("audit.sqlite"));
        const QString failure = test::makeLargeEventLog(m_db, kEvents, kBatches);
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        auto connection = audit::SqlConnection::open(m_db);
        QVERIFY2(connection, connection ? "" : qPrintable(connection.error().message()));
        m_connection = std::move(connection.value());
    }

    void cleanupTestCase() { m_connection.reset(); }

    void firstPageIsTheNewestEvents()
    {
        auto page = audit::eventPage(*m_connection, {}, std::nullopt, 200);
        QVERIFY2(page, page ? "" : qPrintable(page.error().message()));
        QCOMPARE(page->rows.size(), size_t(200));
        QVERIFY(page->more);
        const audit::EventListRow& newest = page->rows.front();
        QCOMPARE(newest.id, kEvents);
        QCOMPARE(newest.step, QStringLiteral("unit"));
        QCOMPARE(newest.outcome, QStringLiteral("failed"));
        QCOMPARE(newest.supervisor, QStringLiteral("sup-1"));
        QCOMPARE(newest.serialNumber, QStringLiteral("SN-0040000"));
        QCOMPARE(newest.error, QStringLiteral("the device did not answer in time"));
        QCOMPARE(newest.at, QStringLiteral("2026-02-03T07:33:19.000Z"));  // 199,999 s after the first
        QVERIFY(!newest.unitId);
        QCOMPARE(newest.batchId.value_or(-1), qint64(4));
        QCOMPARE(page->rows.back().id, kEvents - 199);
    }

    void aDeepPageCostsTheSameKeyset()
    {
        auto page = audit::eventPage(*m_connection, {}, qint64(1000), 200);
        QVERIFY(page);
        QCOMPARE(page->rows.size(), size_t(200));
        QCOMPARE(page->rows.front().id, qint64(999));
        QCOMPARE(page->rows.back().id, qint64(800));
        QVERIFY(page->more);
        auto last = audit::eventPage(*m_connection, {}, qint64(4), 200);
        QVERIFY(last);
        QCOMPARE(last->rows.size(), size_t(3));
        QVERIFY(!last->more);
        QVERIFY(!audit::eventPage(*m_connection, {}, std::nullopt, 0));  // a page has rows
    }

    void filtersCountAndPage_data()
    {
        QTest::addColumn<audit::EventFilter>("filter");
        QTest::addColumn<qint64>("expected");
        using Match = EventMatch;
        QTest::addColumn<Match>("matches");

        auto filter = [](auto&& set) {
            audit::EventFilter f;
            set(f);
            return f;
        };
        QTest::newRow("everything") << audit::EventFilter{} << kEvents << Match([](qint64) { return true; });
        QTest::newRow("step begin") << filter([](auto& f) { f.step = QStringLiteral("begin"); }) << kEvents / 5
                                    << Match([](qint64 i) { return (i - 1) % 5 == 0; });
        QTest::newRow("outcome failed") << filter([](auto& f) { f.outcome = QStringLiteral("failed"); }) << kEvents / 50
                                        << Match([](qint64 i) { return i % 50 == 0; });
        QTest::newRow("unit passed") << filter([](auto& f) {
            f.step = QStringLiteral("unit");
            f.outcome = QStringLiteral("passed");
        }) << kEvents / 5 - kEvents / 50
                                     << Match([](qint64 i) { return i % 5 == 0 && i % 50 != 0; });
        QTest::newRow("batch 2") << filter([](auto& f) { f.batchId = 2; }) << kEvents / kBatches
                                 << Match([](qint64 i) { return (i - 1) % kBatches == 1; });
        QTest::newRow("supervisor by text") << filter([](auto& f) { f.text = QStringLiteral("sup-1"); }) << kEvents / 1000
                                            << Match([](qint64 i) { return i % 1000 == 0; });
        QTest::newRow("one serial") << filter([](auto& f) { f.text = QStringLiteral(" SN-0000001 "); }) << qint64(5)
                                    << Match([](qint64 i) { return i <= 5; });
        QTest::newRow("time window") << filter([](auto& f) {
            f.from = secondsIn(100);
            f.until = secondsIn(200);
        }) << qint64(100)
                                     << Match([](qint64 i) { return i > 100 && i <= 200; });
        QTest::newRow("step and operator") << filter([](auto& f) {
            f.step = QStringLiteral("unit");
            f.text = QStringLiteral("tech-0");
        }) << kEvents / 15
                                           << Match([](qint64 i) { return i % 15 == 0; });
        QTest::newRow("a wildcard is literal") << filter([](auto& f) { f.text = QStringLiteral("%"); }) << qint64(0)
                                               << Match([](qint64) { return false; });
        QTest::newRow("unknown step") << filter([](auto& f) { f.step = QStringLiteral("no-such-step"); }) << qint64(0)
                                      << Match([](qint64) { return false; });
    }

    void filtersCountAndPage()
    {
        QFETCH(audit::EventFilter, filter);
        QFETCH(qint64, expected);
        QFETCH(EventMatch, matches);

        auto count = audit::countEvents(*m_connection, filter);
        QVERIFY2(count, count ? "" : qPrintable(count.error().message()));
        QCOMPARE(count.value(), expected);

        // The first page: the newest matching events, every one of them matching.
        auto page = audit::eventPage(*m_connection, filter, std::nullopt, 500);
        QVERIFY(page);
        QCOMPARE(static_cast<qint64>(page->rows.size()), std::min<qint64>(expected, 500));
        QCOMPARE(page->more, expected > 500);
        qint64 previous = kEvents + 1;
        for (const auto& row : page->rows) {
            QVERIFY2(matches(row.id), qPrintable(QString::number(row.id)));
            QVERIFY(row.id < previous);
            QCOMPARE(row.step, stepOf(row.id));
            QCOMPARE(row.outcome, outcomeOf(row.id));
            previous = row.id;
        }
        // Nothing newer was skipped: the first matching id is the page's first row.
        if (expected > 0) {
            qint64 first = kEvents;
            while (!matches(first))
                --first;
            QCOMPARE(page->rows.front().id, first);
        }
    }

    // Walking every page of a filter visits each matching event once, newest first.
    void walkingThePagesVisitsEveryMatchOnce()
    {
        audit::EventFilter failed;
        failed.outcome = QStringLiteral("failed");
        const std::vector<qint64> ids = walk(failed, 300);
        QCOMPARE(static_cast<qint64>(ids.size()), kEvents / 50);
        for (size_t k = 0; k < ids.size(); ++k)
            QCOMPARE(ids[k], kEvents - static_cast<qint64>(k) * 50);
    }

    void vocabularyListsStepsAndOutcomes()
    {
        auto vocabulary = audit::eventVocabulary(*m_connection);
        QVERIFY(vocabulary);
        QCOMPARE(vocabulary->steps, (QStringList{QStringLiteral("begin"), QStringLiteral("identify"),
                                                 QStringLiteral("issue-certificate"), QStringLiteral("unit"),
                                                 QStringLiteral("write-certificate")}));
        QCOMPARE(vocabulary->outcomes, (QStringList{QStringLiteral("failed"), QStringLiteral("ok"), QStringLiteral("passed")}));
    }

    // The window's events page, on the AuditService's worker thread.
    void eventBrowserPagesFiltersByKeyboard()
    {
        gui::AuditService service(m_db);
        ui::EventBrowser browser(&service);
        browser.resize(1200, 600);
        browser.show();
        browser.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&browser));
        browser.refresh();
        ui::EventTableModel* model = browser.model();
        QTRY_COMPARE(model->rowCount(), ui::EventTableModel::kPageSize);
        QCOMPARE(model->eventAt(0)->id, kEvents);
        QTRY_COMPARE(model->matching().value_or(-1), kEvents);
        QTRY_VERIFY(browser.findChild<QLabel*>(QStringLiteral("eventsStatus"))->text().contains(QStringLiteral("scroll down")));
        QCOMPARE(model->data(model->index(0, ui::EventTableModel::Operator), Qt::DisplayRole).toString(),
                 QStringLiteral("tech-2, approved by sup-1"));
        QCOMPARE(model->data(model->index(0, ui::EventTableModel::Unit), Qt::DisplayRole).toString(), QStringLiteral("station"));

        // Scrolling to the end asks for one more page, not the table.
        browser.table()->setFocus();
        browser.table()->scrollToBottom();
        QTRY_VERIFY(model->rowCount() >= 2 * ui::EventTableModel::kPageSize && !model->loading());
        QCOMPARE(model->eventAt(ui::EventTableModel::kPageSize)->id, kEvents - ui::EventTableModel::kPageSize);
        QVERIFY(model->rowCount() < 10 * ui::EventTableModel::kPageSize);

        // Alt+T: the step filter, chosen by keyboard; Alt+O: the outcome.
        auto* step = browser.findChild<QComboBox*>(QStringLiteral("stepFilter"));
        QTRY_COMPARE(step->count(), 6);  // "any" and the five steps on record
        QTest::keyClick(&browser, Qt::Key_T, Qt::AltModifier);
        QTRY_VERIFY(step->hasFocus());
        step->setCurrentIndex(step->findData(QStringLiteral("unit")));
        auto* outcome = browser.findChild<QComboBox*>(QStringLiteral("eventOutcomeFilter"));
        QTest::keyClick(&browser, Qt::Key_O, Qt::AltModifier);
        QTRY_VERIFY(outcome->hasFocus());
        outcome->setCurrentIndex(outcome->findData(QStringLiteral("failed")));
        QTRY_COMPARE(model->matching().value_or(-1), kEvents / 50);
        QTRY_VERIFY(model->rowCount() > 0 && !model->loading());
        for (int row = 0; row < model->rowCount(); ++row)
            QCOMPARE(model->eventAt(row)->outcome, QStringLiteral("failed"));

        // Alt+S: the search field; typing and Enter narrow to the supervisor's events.
        QTest::keyClick(&browser, Qt::Key_S, Qt::AltModifier);
        auto* search = browser.findChild<QLineEdit*>(QStringLiteral("eventSearchField"));
        QTRY_VERIFY(search->hasFocus());
        QTest::keyClicks(search, QStringLiteral("sup-1"));
        QTest::keyClick(search, Qt::Key_Return);
        QTRY_COMPARE(model->matching().value_or(-1), kEvents / 1000);  // every 1000th is a failed unit step too
        QTRY_COMPARE(model->rowCount(), static_cast<int>(kEvents / 1000));
        QVERIFY(model->complete());
        QVERIFY(browser.findChild<QLabel*>(QStringLiteral("eventsStatus"))->text().contains(QStringLiteral("Showing 200 of 200 matching")));
    }
};

QTEST_MAIN(TestEventBrowser)
#include "tst_eventbrowser.moc"
