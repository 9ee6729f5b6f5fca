// The window's parts on their own: the tile's outcome in word + symbol + colour, failure reason
// and hint, keyboard on tiles and between them, the batch counts, the pace and time-left
// arithmetic, and the work-order preview listing every problem.
#include "ui/AuditSource.h"
#include "ui/AuditView.h"
#include "ui/BatchPanel.h"
#include "ui/FixtureView.h"
#include "ui/ImportDialog.h"
#include "ui/SlotTile.h"
#include "ui/SupervisorDialog.h"
#include "ui/ThroughputMeter.h"
#include "ui/UnitTableModel.h"

#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSet>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace imprint;
using pipeline::SlotPhase;

namespace {

QString text(QWidget* parent, const QString& name)
{
    auto* label = parent->findChild<QLabel*>(name);
    return label ? label->text() : QString();
}

pipeline::SlotSnapshot snapshot(int slot, SlotPhase phase)
{
    pipeline::SlotSnapshot s;
    s.slot = slot;
    s.port = QStringLiteral("/dev/ttyUSB%1").arg(slot);
    s.phase = phase;
    return s;
}

// Records what the model asks; the test answers when it likes (as the worker thread would).
class FakeAuditSource : public ui::AuditSource
{
public:
    struct Request
    {
        quint64 ticket;
        audit::BrowseFilter filter;
        std::optional<qint64> before;
        int limit;
    };
    std::vector<Request> requests;

    void requestUnits(quint64 ticket, const audit::BrowseFilter& filter, std::optional<qint64> before, int limit) override
    {
        requests.push_back({ticket, filter, before, limit});
    }
    void requestDetail(qint64) override {}
    void requestBatches() override {}
    void exportAudit(const ui::AuditExportRequest&) override {}
    void cancelExport() override {}
    void verifyChain() override {}

    // A page of `count` units counting down from `newest`.
    void answer(const Request& request, qint64 newest, int count, bool more)
    {
        audit::UnitPage page;
        for (int i = 0; i < count; ++i) {
            audit::UnitRow row;
            row.id = newest - i;
            row.state = i % 2 ? QStringLiteral("failed") : QStringLiteral("passed");
            page.rows.push_back(row);
        }
        page.more = more;
        Q_EMIT unitsReady(request.ticket, page);
    }
};

}  // namespace

class TestWidgets : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void everyPhaseHasItsOwnWordSymbolAndColour()
    {
        const SlotPhase phases[] = {SlotPhase::Idle, SlotPhase::WaitingForDevice, SlotPhase::Working,
                                    SlotPhase::Passed, SlotPhase::Failed, SlotPhase::Stopped};
        QSet<QString> words, symbols, colours;
        for (SlotPhase phase : phases) {
            const ui::OutcomeLook look = ui::outcomeLook(phase);
            words.insert(look.word);
            symbols.insert(look.symbol);
            colours.insert(look.colour.name());
        }
        QCOMPARE(words.size(), 6);
        QCOMPARE(symbols.size(), 6);
        QCOMPARE(colours.size(), 6);
        QCOMPARE(ui::outcomeLook(SlotPhase::Passed).word, QStringLiteral("PASS"));
        QCOMPARE(ui::outcomeLook(SlotPhase::Failed).word, QStringLiteral("FAIL"));
    }

    void failedTileSaysWhyAndWhatToDo()
    {
        ui::SlotTile tile({3, QStringLiteral("/dev/ttyUSB3")});
        tile.show();
        QVERIFY(text(&tile, QStringLiteral("titleLabel")).contains(QStringLiteral("Slot 4")));
        QVERIFY(text(&tile, QStringLiteral("titleLabel")).contains(QStringLiteral("ttyUSB3")));

        auto working = snapshot(3, SlotPhase::Working);
        working.serialNumber = QStringLiteral("SN-1");
        working.step = QStringLiteral("issue");
        working.stepIndex = 3;
        working.stepCount = 8;
        working.elapsedMs = 1500;
        tile.display(working);
        QVERIFY(text(&tile, QStringLiteral("outcomeLabel")).endsWith(QStringLiteral("WORKING")));
        QCOMPARE(tile.findChild<QProgressBar*>(QStringLiteral("stepProgress"))->value(), 3);
        QCOMPARE(tile.findChild<QProgressBar*>(QStringLiteral("stepProgress"))->maximum(), 8);
        QCOMPARE(text(&tile, QStringLiteral("elapsedLabel")), QStringLiteral("Elapsed 1.5 s"));
        QVERIFY(!tile.findChild<QLabel*>(QStringLiteral("reasonLabel"))->isVisible());

        auto failed = working;
        failed.phase = SlotPhase::Failed;
        failed.reason = QStringLiteral("the device did not answer on /dev/ttyUSB3");
        failed.hint = QStringLiteral("reseat the device and press Start");
        failed.failed = 1;
        tile.display(failed);
        QVERIFY(text(&tile, QStringLiteral("outcomeLabel")).endsWith(QStringLiteral("FAIL")));
        QCOMPARE(text(&tile, QStringLiteral("reasonLabel")), QStringLiteral("Why: the device did not answer on /dev/ttyUSB3"));
        QCOMPARE(text(&tile, QStringLiteral("hintLabel")), QStringLiteral("What to do: reseat the device and press Start"));
        QVERIFY(tile.findChild<QLabel*>(QStringLiteral("reasonLabel"))->isVisible());

        auto passed = failed;
        passed.phase = SlotPhase::Passed;
        passed.thingName = QStringLiteral("sensor-SN-1");
        tile.display(passed);
        QVERIFY(!tile.findChild<QLabel*>(QStringLiteral("reasonLabel"))->isVisible());
        QVERIFY(text(&tile, QStringLiteral("identityLabel")).contains(QStringLiteral("sensor-SN-1")));
    }

    void enterStartsAStoppedTileAndStopsARunningOne()
    {
        ui::SlotTile tile({1, QStringLiteral("p1")});
        QSignalSpy starts(&tile, &ui::SlotTile::startRequested);
        QSignalSpy stops(&tile, &ui::SlotTile::stopRequested);
        QTest::keyClick(&tile, Qt::Key_Return);
        QCOMPARE(starts.size(), 1);
        QCOMPARE(starts.at(0).at(0).toInt(), 1);
        tile.setRunning(true);
        QTest::keyClick(&tile, Qt::Key_Space);
        QCOMPARE(stops.size(), 1);
    }

    void fixtureCountsEachUnitOnceAndMovesWithArrows()
    {
        ui::FixtureView view;
        QList<pipeline::SlotConfig> slots;
        for (int slot = 0; slot < 6; ++slot)
            slots.append({slot, QStringLiteral("p%1").arg(slot)});
        view.setSlots(slots);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QSignalSpy finished(&view, &ui::FixtureView::unitFinished);
        auto passed = snapshot(2, SlotPhase::Passed);
        passed.passed = 1;
        view.applySnapshot(passed);
        view.applySnapshot(passed);  // the same state again (e.g. Stopped after Passed): no new unit
        auto failed = snapshot(2, SlotPhase::Failed);
        failed.passed = 1;
        failed.failed = 1;
        view.applySnapshot(failed);
        QCOMPARE(finished.size(), 2);
        QCOMPARE(finished.at(0).at(1).toBool(), true);
        QCOMPARE(finished.at(1).at(1).toBool(), false);

        view.selectSlot(0);
        QTRY_COMPARE(view.selectedSlot().value_or(-1), 0);
        QTest::keyClick(view.tile(0), Qt::Key_Right);
        QCOMPARE(view.selectedSlot().value_or(-1), 1);
        QTest::keyClick(view.tile(1), Qt::Key_Down);  // four to a row
        QCOMPARE(view.selectedSlot().value_or(-1), 5);
        QTest::keyClick(view.tile(5), Qt::Key_Down);  // no row below: stays
        QCOMPARE(view.selectedSlot().value_or(-1), 5);
    }

    void batchPanelCounts_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<qint64>("devices");
        QTest::addColumn<qint64>("quota");  // -1: none
        QTest::addColumn<qint64>("provisioned");
        QTest::addColumn<QString>("remaining");
        QTest::addColumn<QString>("quotaText");
        QTest::addColumn<bool>("complete");
        QTest::newRow("list batch") << "list" << qint64(16) << qint64(-1) << qint64(5) << "11" << "16" << false;
        QTest::newRow("list batch done") << "list" << qint64(4) << qint64(-1) << qint64(4) << "0" << "4" << true;
        QTest::newRow("open batch with quota") << "open" << qint64(3) << qint64(100) << qint64(3) << "97" << "100" << false;
        QTest::newRow("open batch, no quota") << "open" << qint64(3) << qint64(-1) << qint64(3) << "open" << "no limit" << false;
    }

    void batchPanelCounts()
    {
        QFETCH(QString, kind);
        QFETCH(qint64, devices);
        QFETCH(qint64, quota);
        QFETCH(qint64, provisioned);
        QFETCH(QString, remaining);
        QFETCH(QString, quotaText);
        QFETCH(bool, complete);
        ui::BatchPanel panel;
        audit::BatchSummary batch;
        batch.id = 7;
        batch.name = QStringLiteral("wo-7");
        batch.kind = kind;
        batch.devices = devices;
        batch.quota = quota >= 0 ? std::optional<qint64>(quota) : std::nullopt;
        batch.provisioned = provisioned;
        batch.failed = 2;
        panel.showBatch(batch);
        QCOMPARE(text(&panel, QStringLiteral("batchNameLabel")), QStringLiteral("wo-7"));
        QCOMPARE(text(&panel, QStringLiteral("passedCount")), QString::number(provisioned));
        QCOMPARE(text(&panel, QStringLiteral("failedCount")), QStringLiteral("2"));
        QCOMPARE(text(&panel, QStringLiteral("remainingCount")), remaining);
        QCOMPARE(text(&panel, QStringLiteral("quotaCount")), quotaText);
        QCOMPARE(panel.complete(), complete);  // an open batch without a quota never completes
        QCOMPARE(text(&panel, QStringLiteral("etaLabel")) == QStringLiteral("done"), complete);
        const int before = panel.chartPoints();
        panel.sample();
        QCOMPARE(panel.chartPoints(), before + 1);
    }

    void paceAndTimeLeft_data()
    {
        QTest::addColumn<QList<qint64>>("units");  // ms
        QTest::addColumn<qint64>("now");
        QTest::addColumn<double>("perMinute");
        QTest::addColumn<qint64>("remaining");
        QTest::addColumn<qint64>("leftMs");  // -1: unknown
        QTest::newRow("nothing yet") << QList<qint64>{} << qint64(30'000) << 0.0 << qint64(5) << qint64(-1);
        QTest::newRow("one per second") << QList<qint64>{1000, 2000, 3000, 4000, 5000, 6000} << qint64(6000) << 60.0
                                        << qint64(60) << qint64(60'000);
        QTest::newRow("old units leave the window")
            << QList<qint64>{1000, 2000, 100'000, 110'000} << qint64(120'000) << 2.0 << qint64(4) << qint64(120'000);
        QTest::newRow("done") << QList<qint64>{1000} << qint64(2000) << 30.0 << qint64(0) << qint64(0);
    }

    void paceAndTimeLeft()
    {
        QFETCH(QList<qint64>, units);
        QFETCH(qint64, now);
        QFETCH(double, perMinute);
        QFETCH(qint64, remaining);
        QFETCH(qint64, leftMs);
        ui::ThroughputMeter meter(60'000);
        meter.start(0);
        for (qint64 at : units)
            meter.recordUnit(at);
        QCOMPARE(meter.unitsPerMinute(now), perMinute);
        const auto left = meter.timeLeftMs(remaining, now);
        QCOMPARE(left.value_or(-1), leftMs);
    }

    void previewListsEveryProblem_data()
    {
        QTest::addColumn<QString>("fileName");
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<qint64>("valid");
        QTest::addColumn<int>("problems");
        QTest::newRow("csv clean") << "ok.csv" << QByteArray("serial_number\nA-1\nA-2\n") << qint64(2) << 0;
        QTest::newRow("csv empty serial and duplicate")
            << "bad.csv" << QByteArray("serial_number\nA-1\n\"\"\nA-1\n") << qint64(1) << 2;
        QTest::newRow("jsonl broken line")
            << "bad.jsonl" << QByteArray("{\"serial_number\":\"B-1\"}\n{not json\n{\"serial_number\":\"B-2\"}\n") << qint64(2)
            << 1;
    }

    void previewListsEveryProblem()
    {
        QFETCH(QString, fileName);
        QFETCH(QByteArray, content);
        QFETCH(qint64, valid);
        QFETCH(int, problems);
        QTemporaryDir dir;
        QFile file(dir.filePath(fileName));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(content);
        file.close();
        const ui::WorkOrderPreview preview = ui::previewWorkOrder(file.fileName(), QStringLiteral("t-{serial}"),
                                                                  QStringLiteral("b"), 1);
        QVERIFY2(preview.failure.isEmpty(), qPrintable(preview.failure));
        QCOMPARE(preview.validRows, valid);
        QCOMPARE(preview.rows.size(), qsizetype(std::min<qint64>(valid, 1)));
        QCOMPARE(preview.issues.size(), problems);
        for (const auto& issue : preview.issues) {
            QVERIFY(issue.line > 1 || fileName.endsWith(QStringLiteral(".jsonl")));
            QVERIFY(!issue.reason.isEmpty());
        }
    }

    void importDialogEnablesImportOnlyForACleanFile()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("wo.csv"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("serial_number\nA-1\n,\n");
        file.close();
        ui::ImportDialog dialog;
        auto* import = dialog.findChild<QPushButton*>(QStringLiteral("importButton"));
        dialog.setPath(path);
        QTRY_VERIFY(dialog.preview().path == path && !dialog.previewing());
        QVERIFY(!import->isEnabled());
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write("serial_number\nA-1\nA-2\n");
        file.close();
        dialog.setThingNameRule(QStringLiteral("x-{serial}"));  // any change reads the file again
        QTRY_VERIFY(dialog.preview().validRows == 2 && !dialog.previewing());
        QVERIFY(import->isEnabled());
        QSignalSpy requested(&dialog, &ui::ImportDialog::importRequested);
        QTest::mouseClick(import, Qt::LeftButton);
        QCOMPARE(requested.size(), 1);
        const auto request = requested.at(0).at(0).value<ui::ImportRequest>();
        QCOMPARE(request.path, path);
        QCOMPARE(request.batchName, QStringLiteral("wo"));
        QCOMPARE(request.thingNameRule, QStringLiteral("x-{serial}"));
        QVERIFY(!import->isEnabled());  // until the station answers
        dialog.showImportResult({false, QStringLiteral("wo"), 0, QStringLiteral("batch 'wo' exists already"), {}});
        QVERIFY(text(&dialog, QStringLiteral("previewSummary")).contains(QStringLiteral("exists already")));
        QVERIFY(import->isEnabled());
    }

    void unitModelPagesOnDemandAndDropsStalePages()
    {
        FakeAuditSource source;
        ui::UnitTableModel model(&source);
        audit::BrowseFilter failed;
        failed.outcome = QStringLiteral("failed");
        model.setFilter({});
        model.setFilter(failed);  // the operator changed the filter before the first page came
        QCOMPARE(source.requests.size(), size_t(2));
        QVERIFY(!source.requests[1].before);
        QCOMPARE(source.requests[1].limit, ui::UnitTableModel::kPageSize);
        QVERIFY(!model.canFetchMore({}));  // one request at a time

        source.answer(source.requests[0], 1000, 200, true);  // stale: dropped
        QCOMPARE(model.rowCount(), 0);
        source.answer(source.requests[1], 900, 200, true);
        QCOMPARE(model.rowCount(), 200);
        QCOMPARE(model.unitAt(0)->id, 900);
        QVERIFY(model.canFetchMore({}));

        model.fetchMore({});
        QCOMPARE(source.requests.size(), size_t(3));
        QCOMPARE(source.requests[2].before.value_or(-1), 701);  // keyset: below the last row shown
        QVERIFY(source.requests[2].filter == failed);
        source.answer(source.requests[2], 700, 50, false);
        QCOMPARE(model.rowCount(), 250);
        QVERIFY(model.complete());
        QVERIFY(!model.canFetchMore({}));
        // The outcome column reads without colour: a symbol and a word.
        QCOMPARE(model.data(model.index(1, ui::UnitTableModel::Outcome), Qt::DisplayRole).toString(),
                 QStringLiteral("\u2716 failed"));
    }

    void fingerprintsPrintAsColonSeparatedPairs()
    {
        QCOMPARE(ui::formatFingerprint(QStringLiteral("0a1bff")), QStringLiteral("0A:1B:FF"));
        QCOMPARE(ui::formatFingerprint(QString()), QString());
    }

    void supervisorDialogAsksWithoutANestedLoop()
    {
        ui::SupervisorDialog dialog(QStringLiteral("rework of device X on slot 1"));
        dialog.setAttribute(Qt::WA_DeleteOnClose, false);
        QSignalSpy entered(&dialog, &ui::SupervisorDialog::supervisorEntered);
        dialog.open();  // returns at once
        QVERIFY(dialog.isVisible());
        auto* id = dialog.findChild<QLineEdit*>(QStringLiteral("supervisorIdField"));
        QTest::keyClicks(id, QStringLiteral("sup-1"));
        QTest::keyClick(id, Qt::Key_Return);
        QCOMPARE(entered.size(), 1);
        QCOMPARE(entered.at(0).at(0).toString(), QStringLiteral("sup-1"));
        QVERIFY(dialog.isVisible());  // stays until the window has checked the ID
        dialog.showRefused(QStringLiteral("sup-1 is registered as a technician, not a supervisor."));
        QVERIFY(text(&dialog, QStringLiteral("approvalMessage")).contains(QStringLiteral("not a supervisor")));
        QVERIFY(id->text().isEmpty() && id->isEnabled());
    }

    void tileOffersReworkOnlyForAnAlreadyProvisionedDevice()
    {
        ui::SlotTile tile({0, QStringLiteral("/dev/ttyUSB0")});
        tile.show();
        auto* rework = tile.findChild<QPushButton*>(QStringLiteral("reworkButton"));
        pipeline::SlotSnapshot failed = snapshot(0, SlotPhase::Failed);
        failed.reason = QStringLiteral("the device did not answer");
        tile.display(failed);
        QVERIFY(!rework->isVisible());
        // The words alone are not what counts: a failure after binding that mentions it is not a refusal.
        failed.reason = QStringLiteral("serial number SIM-0-0 (port /dev/ttyUSB0) is already provisioned (unit 4); a "
                                       "supervisor can choose rework");
        tile.display(failed);
        QVERIFY(!rework->isVisible());
        failed.refusal = pipeline::Refusal::AlreadyProvisioned;
        tile.display(failed);
        QVERIFY(rework->isVisible());
        QSignalSpy asked(&tile, &ui::SlotTile::reworkRequested);
        QTest::mouseClick(rework, Qt::LeftButton);
        QCOMPARE(asked.size(), 1);
        tile.display(snapshot(0, SlotPhase::Working));
        QVERIFY(!rework->isVisible());
    }

    void tileOffersAQuotaOverrideOnlyForAFullBatch()
    {
        ui::SlotTile tile({0, QStringLiteral("/dev/ttyUSB0")});
        tile.show();
        auto* pastQuota = tile.findChild<QPushButton*>(QStringLiteral("pastQuotaButton"));
        auto* rework = tile.findChild<QPushButton*>(QStringLiteral("reworkButton"));
        pipeline::SlotSnapshot failed = snapshot(0, SlotPhase::Failed);
        failed.reason = QStringLiteral("the device did not answer");
        failed.hint = QStringLiteral("Re-seat it.");
        tile.display(failed);
        QVERIFY(!pastQuota->isVisible());
        QCOMPARE(text(&tile, QStringLiteral("hintLabel")), QStringLiteral("What to do: Re-seat it."));
        failed.reason = QStringLiteral("batch 'lot' has reached its quota of 1 units; a supervisor can override the quota");
        failed.hint = QStringLiteral("Set the device aside and call the supervisor.");
        failed.refusal = pipeline::Refusal::OverQuota;
        tile.display(failed);
        QVERIFY(pastQuota->isVisible());
        QVERIFY(!rework->isVisible());
        QCOMPARE(pastQuota->text(), QStringLiteral("Allow past quota (supervisor)…"));
        QVERIFY(text(&tile, QStringLiteral("hintLabel")).contains(QStringLiteral("The batch is full")));
        QSignalSpy asked(&tile, &ui::SlotTile::quotaOverrideRequested);
        QTest::mouseClick(pastQuota, Qt::LeftButton);
        QCOMPARE(asked.size(), 1);
        QCOMPARE(asked.at(0).at(0).toInt(), 0);
        tile.setControlsEnabled(false);  // nobody logged in: visible, but not for use
        QVERIFY(!pastQuota->isEnabled());
        tile.display(snapshot(0, SlotPhase::Passed));
        QVERIFY(!pastQuota->isVisible());
    }

    void tileCountsATrustedUserClaimDown()
    {
        ui::SlotTile tile({0, QStringLiteral("/dev/ttyUSB0")});
        pipeline::SlotSnapshot working = snapshot(0, SlotPhase::Working);
        working.elapsedMs = 1200;
        tile.display(working);
        QCOMPARE(text(&tile, QStringLiteral("elapsedLabel")), QStringLiteral("Elapsed 1.2 s"));  // no claim, no countdown
        working.claimExpiresAt = QDateTime::currentDateTimeUtc().addSecs(4 * 60 + 30);
        tile.display(working);
        const QString withClaim = text(&tile, QStringLiteral("elapsedLabel"));
        QVERIFY2(withClaim.contains(QRegularExpression(QStringLiteral("claim 04:(29|30) left$"))), qPrintable(withClaim));
        working.claimExpiresAt = QDateTime::currentDateTimeUtc().addSecs(-5);  // ran out: never a negative time
        tile.display(working);
        QVERIFY2(text(&tile, QStringLiteral("elapsedLabel")).endsWith(QStringLiteral("claim 00:00 left")),
                 qPrintable(text(&tile, QStringLiteral("elapsedLabel"))));
        tile.display(snapshot(0, SlotPhase::Passed));  // the unit has ended: the claim is no longer the tile's
        QVERIFY(!text(&tile, QStringLiteral("elapsedLabel")).contains(QStringLiteral("claim")));
    }

    void typingOnATileGoesToTheScanField()
    {
        ui::FixtureView fixture;
        fixture.setSlots({{0, QStringLiteral("/dev/ttyUSB0")}, {1, QStringLiteral("/dev/ttyUSB1")}});
        fixture.show();
        QSignalSpy typed(&fixture, &ui::FixtureView::labelTyped);
        QSignalSpy started(&fixture, &ui::FixtureView::startRequested);
        QTest::keyClick(fixture.tile(1), 'A');
        QCOMPARE(typed.size(), 1);
        QCOMPARE(typed.at(0).at(0).toInt(), 1);
        QCOMPARE(typed.at(0).at(1).toString(), QStringLiteral("A"));
        QTest::keyClick(fixture.tile(1), Qt::Key_Space);  // still start/stop, never a label
        QCOMPARE(typed.size(), 1);
        QCOMPARE(started.size(), 1);
    }
};

QTEST_MAIN(TestWidgets)
#include "tst_widgets.moc"
