// The supervisor's set-up pages on the real stack, offscreen: a SoftHSM2 token of the test's own
// with a CA made on it, the HSM and CA page (token listed, wrong PIN refused in plain words,
// right PIN shows the CA), the template editor (an invalid template flagged with its JSON path
// and line, a valid one previewed), the CA registration wizard registering the CA with
// imprint-iot-emulator in JITP mode (checked with the real AWS CLI), and the cloud page (outbox
// counts and failed rows from a real audit database, the connection test).
#include "EmulatorProcess.h"
#include "SoftHsmToken.h"
#include "app/common/CaStation.h"
#include "app/common/CloudSetupStation.h"
#include "app/common/CloudStation.h"
#include "app/common/HsmSetupStation.h"
#include "core/audit/EventChain.h"
#include "core/audit/OutboxRecords.h"
#include "tests/db/AuditFixture.h"
#include "ui/CaRegistrationWizard.h"
#include "ui/CloudPage.h"
#include "ui/GuiOperatorPrompt.h"
#include "ui/HsmCaPage.h"
#include "ui/PinPromptPanel.h"
#include "ui/SetupWorker.h"
#include "ui/TemplateEditor.h"

#include <QAbstractButton>
#include <QComboBox>
#include <QLabel>
#include <QCryptographicHash>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QTest>

using namespace imprint;

namespace {

constexpr int kHsmTimeoutMs = 20'000;
constexpr int kCloudTimeoutMs = 60'000;
const QString kTokenLabel = QStringLiteral("setup-pages");
const QString kCaSubject = QStringLiteral("CN=Setup Pages Test CA,O=Imprint Tests");
const QString kRoleArn = QStringLiteral("arn:aws:iam::123456789012:role/JITPRole");

// Answers the PIN for the CA's creation, as a line engineer at the terminal would.
class ScriptedPrompt final : public OperatorPrompt
{
public:
    Result<SecureBytes> askSecret(const QString&) override { return SecureBytes::fromString(test::SoftHsmToken::kUserPin); }
    bool confirm(const QString&) override { return true; }
};

QByteArray readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// Types into the visible PIN panel and presses Enter.
void enterPin(ui::PinPromptPanel* panel, const QString& pin)
{
    QLineEdit* field = panel->pinField();
    QCOMPARE(field->echoMode(), QLineEdit::Password);
    QTest::keyClicks(field, pin);
    QTest::keyClick(field, Qt::Key_Return);
}

// For the documentation: IMPRINT_SCREENSHOT_DIR=docs/images xvfb-run -a tests/gui/tst_setup_pages
void saveScreenshot(QWidget& widget, const QString& name)
{
    const QString directory = qEnvironmentVariable("IMPRINT_SCREENSHOT_DIR");
    if (directory.isEmpty())
        return;
    QCoreApplication::processEvents();
    QVERIFY(widget.grab().save(directory + u'/' + name));
}

}  // namespace

class TestSetupPages : public QObject
{
    Q_OBJECT

    QTemporaryDir m_data;
    std::unique_ptr<test::SoftHsmToken> m_token;
    SystemClock m_clock;
    QByteArray m_caPem;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_data.isValid());
        qputenv("IMPRINT_DATA_DIR", QFile::encodeName(m_data.path()));
        qunsetenv("IMPRINT_HSM_PIN");
        auto token = test::SoftHsmToken::create(kTokenLabel);
        QVERIFY2(token.ok(), qPrintable(token.ok() ? QString() : token.error().message()));
        m_token = std::move(token.value());
        // The station's token without a pin-source: every PIN comes from the operator.
        station::writeHsmSettings({test::SoftHsmToken::modulePath(), QStringLiteral("pkcs11:token=%1;object=imprint-ca").arg(kTokenLabel), {}});
        station::CaCreation creation;
        creation.spec.subject = kCaSubject;
        ScriptedPrompt prompt;
        auto created = station::createCa(creation, &prompt, m_clock);
        QVERIFY2(created.ok(), qPrintable(created.ok() ? QString() : created.error().message()));
        m_caPem = created->pem;
    }

    void promptRefusesTheGuiThread()
    {
        // Asking on the GUI thread would have to spin a nested event loop: it is refused at once.
        ui::GuiOperatorPrompt prompt;
        auto answer = prompt.askSecret(QStringLiteral("token 'x'"));
        QVERIFY(!answer.ok());
        QCOMPARE(answer.error().code(), ErrorCode::Internal);
        QVERIFY(!prompt.confirm(QStringLiteral("sure?")));
    }

    void hsmPageListsTokensAndOpensTheCa()
    {
        ui::SetupWorker worker;
        station::HsmSetupStation service(m_clock);
        ui::HsmCaPage page(service, worker);
        page.resize(900, 600);
        page.show();
        QTRY_VERIFY_WITH_TIMEOUT(page.tokens().contains(kTokenLabel), kHsmTimeoutMs);
        QCOMPARE(page.findChild<QComboBox*>(QStringLiteral("tokenChoice"))->currentText(), kTokenLabel);

        // A wrong PIN: the token says no, in plain words naming the token; nothing is shown.
        auto* open = page.findChild<QPushButton*>(QStringLiteral("openCa"));
        QTest::mouseClick(open, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(page.pinPanel()->isVisible(), kHsmTimeoutMs);
        QVERIFY(page.pinPanel()->question().contains(kTokenLabel));
        enterPin(page.pinPanel(), QStringLiteral("999999"));
        QVERIFY(page.pinPanel()->pinField()->text().isEmpty());  // wiped as soon as it was taken
        QTRY_VERIFY_WITH_TIMEOUT(!page.problemText().isEmpty(), kHsmTimeoutMs);
        QVERIFY2(page.problemText().contains(QStringLiteral("CKR_PIN_INCORRECT")), qPrintable(page.problemText()));
        QVERIFY2(page.problemText().contains(kTokenLabel), qPrintable(page.problemText()));
        QVERIFY(!page.pinPanel()->isVisible());
        QCOMPARE(page.detailText(QStringLiteral("subject")), QStringLiteral("—"));

        // The right PIN: the CA's details, from its certificate.
        QSignalSpy opened(&page, &ui::HsmCaPage::caOpened);
        QTest::mouseClick(open, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(page.pinPanel()->isVisible(), kHsmTimeoutMs);
        enterPin(page.pinPanel(), QString::fromLatin1(test::SoftHsmToken::kUserPin));
        QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, kHsmTimeoutMs);
        QVERIFY(page.problemText().isEmpty());
        QVERIFY2(page.detailText(QStringLiteral("subject")).contains(QStringLiteral("CN=Setup Pages Test CA")),
                 qPrintable(page.detailText(QStringLiteral("subject"))));
        const QList<QSslCertificate> certificates = QSslCertificate::fromData(m_caPem);
        QCOMPARE(certificates.size(), 1);
        QCOMPARE(page.detailText(QStringLiteral("sha256")),
                 QString::fromLatin1(certificates.first().digest(QCryptographicHash::Sha256).toHex().toUpper()));
        QCOMPARE(page.detailText(QStringLiteral("serial")).toLower(),
                 QString::fromLatin1(certificates.first().serialNumber()).remove(u':').toLower().remove(QRegularExpression(QStringLiteral("^0+"))));
        QVERIFY2(page.detailText(QStringLiteral("valid")).contains(QStringLiteral("day(s) left")) ||
                     page.detailText(QStringLiteral("valid")).contains(QStringLiteral("days left")),
                 qPrintable(page.detailText(QStringLiteral("valid"))));
        QVERIFY(page.detailText(QStringLiteral("key")).startsWith(QStringLiteral("EC P-256")));
        saveScreenshot(page, QStringLiteral("setup-hsm-ca.png"));
        // The choice is recorded; the PIN is not.
        const QByteArray ini = readAll(station::stationIniPath());
        QVERIFY(ini.contains(kTokenLabel.toUtf8()));
        QVERIFY(!ini.contains(test::SoftHsmToken::kUserPin));
    }

    void pageClosedWhileAskingForThePin()
    {
        // The worker waits on the operator; the page goes: the question is declined, the worker
        // is free again, nothing waits or crashes.
        ui::SetupWorker worker;
        station::HsmSetupStation service(m_clock);
        auto page = std::make_unique<ui::HsmCaPage>(service, worker);
        page->show();
        QTRY_VERIFY_WITH_TIMEOUT(page->tokens().contains(kTokenLabel), kHsmTimeoutMs);
        page->openCa();
        QTRY_VERIFY_WITH_TIMEOUT(page->pinPanel()->isVisible(), kHsmTimeoutMs);
        QVERIFY(worker.busy());
        page.reset();
        QTRY_VERIFY_WITH_TIMEOUT(!worker.busy(), kHsmTimeoutMs);
    }

    void templateEditorFlagsAndPreviews_data()
    {
        QTest::addColumn<QString>("body");
        QTest::addColumn<QString>("path");
        QTest::addColumn<int>("line");
        QTest::newRow("undefined parameter") << QStringLiteral(
            "{\n  \"Parameters\": {\"ThingName\": {\"Type\": \"String\"}},\n  \"Resources\": {\n    \"thing\": {\n"
            "      \"Type\": \"AWS::IoT::Thing\",\n      \"Properties\": {\n        \"ThingName\": {\"Ref\": \"SerialNumber\"}\n"
            "      }\n    }\n  }\n}\n") << QStringLiteral("Resources.thing.Properties.ThingName") << 7;
        QTest::newRow("unknown property") << QStringLiteral(
            "{\n  \"Resources\": {\n    \"policy\": {\n      \"Type\": \"AWS::IoT::Policy\",\n      \"Properties\": {\n"
            "        \"PolicyNam\": \"p\"\n      }\n    }\n  }\n}\n") << QStringLiteral("Resources.policy.Properties.PolicyNam") << 6;
        QTest::newRow("not JSON") << QStringLiteral("{\n  \"Resources\": {\n    \"thing\": [,]\n  }\n}\n") << QString() << 3;
    }

    void templateEditorFlagsAndPreviews()
    {
        QFETCH(QString, body);
        QFETCH(QString, path);
        QFETCH(int, line);
        ui::TemplateEditor editor;
        editor.resize(1000, 600);
        editor.show();
        QFile jitp(QStringLiteral(IMPRINT_SOURCE_DIR "/resources/templates/jitp.json"));
        QVERIFY(jitp.open(QIODevice::ReadOnly));
        editor.setText(QString::fromUtf8(jitp.readAll()));
        QVERIFY(editor.isValid());
        QVERIFY2(editor.previewText().contains(QStringLiteral("Thing: sample-device-0001")), qPrintable(editor.previewText()));
        QVERIFY(editor.previewText().contains(QStringLiteral("status ACTIVE")));
        QVERIFY(editor.previewText().contains(QStringLiteral("attribute provisionedBy = imprint-jitp")));
        QVERIFY(editor.previewText().contains(QStringLiteral("Policy: ")));
        QCOMPARE(editor.markedLine(), 0);

        // Typed, not set: the check follows the debounce, without any call.
        QSignalSpy checked(&editor, &ui::TemplateEditor::checked);
        editor.editor()->setPlainText(body);
        QCOMPARE(checked.count(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(checked.count(), 1, 5 * ui::TemplateEditor::kDebounceMs);
        QCOMPARE(checked.first().first().toBool(), false);
        QVERIFY(!editor.isValid());
        if (!path.isEmpty()) {
            QVERIFY2(editor.problemText().contains(path), qPrintable(editor.problemText()));
            QCOMPARE(editor.lastCheck().jsonPath, path);
        }
        QVERIFY2(editor.problemText().contains(QStringLiteral("line %1").arg(line)), qPrintable(editor.problemText()));
        QCOMPARE(editor.markedLine(), line);
        QCOMPARE(editor.editor()->extraSelections().size(), 1);
        QCOMPARE(editor.editor()->extraSelections().first().cursor.blockNumber(), line - 1);
        if (QByteArray(QTest::currentDataTag()) == "undefined parameter")
            saveScreenshot(editor, QStringLiteral("setup-template-editor.png"));
    }

    void templatePreviewUsesTheSampleValues()
    {
        ui::TemplateEditor editor;
        QFile jitp(QStringLiteral(IMPRINT_SOURCE_DIR "/resources/templates/jitp.json"));
        QVERIFY(jitp.open(QIODevice::ReadOnly));
        editor.setText(QString::fromUtf8(jitp.readAll()));
        editor.setSampleValue(QStringLiteral("AWS::IoT::Certificate::CommonName"), QStringLiteral("line-7-unit-42"));
        QVERIFY(editor.previewText().contains(QStringLiteral("Thing: line-7-unit-42")));
        QVERIFY(editor.previewText().contains(QStringLiteral("attribute certificateSerial = none")));  // the template's Default
    }

    void wizardRegistersTheCaAndCloudPageShowsIt()
    {
        test::EmulatorProcess emulator;
        const QString started = emulator.start();
        QVERIFY2(started.isEmpty(), qPrintable(started));
        qputenv("AWS_ACCESS_KEY_ID", test::kAccessKeyId);
        qputenv("AWS_SECRET_ACCESS_KEY", test::kSecretAccessKey);
        qputenv("AWS_CONFIG_FILE", QFile::encodeName(m_data.filePath(QStringLiteral("no-aws-config"))));
        qputenv("AWS_SHARED_CREDENTIALS_FILE", QFile::encodeName(m_data.filePath(QStringLiteral("no-aws-credentials"))));
        const QString database = m_data.filePath(QStringLiteral("audit.sqlite"));
        const qint64 batch = test::importDevices(database, m_data, QStringLiteral("b-setup"), 3);
        QVERIFY(batch > 0);

        ui::SetupWorker worker;
        station::CloudSetupStation service(database, m_clock);
        ui::CloudPage page(service, worker);
        page.show();
        QSignalSpy loaded(&page, &ui::CloudPage::configLoaded);
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, kHsmTimeoutMs);
        page.setEnteredConfig({{}, QStringLiteral("us-east-1"), emulator.endpoint()});
        QSignalSpy finished(&page, &ui::CloudPage::actionFinished);
        page.save();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kHsmTimeoutMs);
        QVERIFY2(finished.last().first().toBool(), qPrintable(page.statusText()));
        QSettings ini(station::stationIniPath(), QSettings::IniFormat);
        QCOMPARE(ini.value(QStringLiteral("cloud/endpoint-url")).toString(), emulator.endpoint());
        QCOMPARE(ini.value(QStringLiteral("cloud/region")).toString(), QStringLiteral("us-east-1"));

        // The wizard: JITP with a template body, the PIN asked inline, the CA registered.
        ui::CaRegistrationWizard wizard(service, worker);
        QFile jitp(QStringLiteral(IMPRINT_SOURCE_DIR "/resources/templates/jitp.json"));
        QVERIFY(jitp.open(QIODevice::ReadOnly));
        const QString templateBody = QString::fromUtf8(jitp.readAll());
        wizard.show();
        wizard.setMode(registration::CaMode::Jitp);
        wizard.next();
        QCOMPARE(wizard.currentId(), int(ui::CaRegistrationWizard::TemplatePage));
        QVERIFY(!wizard.button(QWizard::NextButton)->isEnabled());  // no template yet
        wizard.setTemplateBody(templateBody, kRoleArn);
        QVERIFY(wizard.button(QWizard::NextButton)->isEnabled());
        wizard.next();
        QCOMPARE(wizard.currentId(), int(ui::CaRegistrationWizard::RegisterPage));
        QVERIFY(!wizard.button(QWizard::FinishButton)->isEnabled());
        QSignalSpy registered(&wizard, &ui::CaRegistrationWizard::registrationFinished);
        QTest::mouseClick(wizard.findChild<QPushButton*>(QStringLiteral("registerCa")), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(wizard.pinPanel()->isVisible(), kCloudTimeoutMs);
        enterPin(wizard.pinPanel(), QString::fromLatin1(test::SoftHsmToken::kUserPin));
        QTRY_COMPARE_WITH_TIMEOUT(registered.count(), 1, kCloudTimeoutMs);
        QVERIFY2(registered.first().first().toBool(), qPrintable(wizard.problemText()));
        QVERIFY(wizard.button(QWizard::FinishButton)->isEnabled());
        const QString caId = wizard.result()->certificateId;
        QCOMPARE(caId.size(), 64);
        QCOMPARE(wizard.result()->status, QStringLiteral("ACTIVE"));
        saveScreenshot(wizard, QStringLiteral("setup-ca-wizard.png"));

        // What AWS holds, asked with the AWS CLI.
        const test::CommandResult described =
            emulator.aws({QStringLiteral("iot"), QStringLiteral("describe-ca-certificate"), QStringLiteral("--certificate-id"), caId});
        QVERIFY2(described.ok(), qPrintable(described.describe()));
        const QJsonObject description = described.json().value(QStringLiteral("certificateDescription")).toObject();
        QCOMPARE(description.value(QStringLiteral("status")).toString(), QStringLiteral("ACTIVE"));
        QCOMPARE(description.value(QStringLiteral("autoRegistrationStatus")).toString(), QStringLiteral("ENABLE"));
        QCOMPARE(description.value(QStringLiteral("certificatePem")).toString().trimmed(), QString::fromUtf8(m_caPem).trimmed());
        const QJsonObject config = described.json().value(QStringLiteral("registrationConfig")).toObject();
        QCOMPARE(config.value(QStringLiteral("roleArn")).toString(), kRoleArn);
        QVERIFY(config.value(QStringLiteral("templateBody")).toString().contains(QStringLiteral("imprint-jitp")));

        // The connection test reaches the emulator and sees the CA just registered.
        page.testConnection();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, kCloudTimeoutMs);
        QVERIFY2(finished.last().first().toBool(), qPrintable(page.statusText()));
        QVERIFY2(page.statusText().contains(emulator.endpoint()) && page.statusText().contains(QStringLiteral("1 CA certificate")),
                 qPrintable(page.statusText()));
        QVERIFY(!page.statusText().contains(QString::fromLatin1(test::kSecretAccessKey)));
    }

    void cloudPageShowsTheOutbox()
    {
        const QString database = m_data.filePath(QStringLiteral("outbox.sqlite"));
        const qint64 batch = test::importDevices(database, m_data, QStringLiteral("b-outbox"), 3);
        QVERIFY(batch > 0);
        {
            auto store = audit::AuditStore::open({database, QStringLiteral("station-1")}, m_clock);
            QVERIFY(store.ok());
            QList<qint64> outboxIds;
            for (int i = 1; i <= 3; ++i) {
                const QString serial = QStringLiteral("SN%1").arg(i, 4, 10, QChar(u'0'));
                auto unit = store.value()->beginUnit(test::unitFor(batch, serial));
                QVERIFY(unit.ok());
                QVERIFY(store.value()->recordCertificate(unit->unitId, test::fakeCertificate(serial, QStringLiteral("key-") + serial)).ok());
                auto outboxId = store.value()->completePassed(unit->unitId, 1000);
                QVERIFY(outboxId.ok());
                outboxIds << outboxId.value();
            }
            auto connection = audit::SqlConnection::open(database);
            QVERIFY(connection.ok());
            const QString now = audit::auditTime(m_clock.nowUtc());
            QVERIFY(audit::markOutboxFailed(*connection.value(), outboxIds.at(1), now,
                                            QStringLiteral("RegisterThing refused: template parameter ThingName missing"))
                        .ok());
            QVERIFY(audit::markOutboxRegistered(*connection.value(), outboxIds.at(2), now).ok());
        }
        ui::SetupWorker worker;
        station::CloudSetupStation service(database, m_clock);
        ui::CloudPage page(service, worker);
        QSignalSpy shown(&page, &ui::CloudPage::outboxShown);
        page.show();
        QTRY_VERIFY_WITH_TIMEOUT(shown.count() >= 1, kHsmTimeoutMs);
        QCOMPARE(page.shownCount(QStringLiteral("queued")), 1);
        QCOMPARE(page.shownCount(QStringLiteral("failed")), 1);
        QCOMPARE(page.shownCount(QStringLiteral("registered")), 1);
        QCOMPARE(page.shownCount(QStringLiteral("sent")), 0);
        QCOMPARE(page.findChild<QLabel*>(QStringLiteral("outboxCounts"))->text(),
                 QStringLiteral("1 queued · 0 sent · 1 registered · 1 failed"));
        QCOMPARE(page.failedRows(), 1);
        QVERIFY(page.failedReason(0).contains(QStringLiteral("ThingName missing")));
        page.resize(900, 560);
        saveScreenshot(page, QStringLiteral("setup-cloud.png"));

        // Retry failed: the failed row is queued again; in mode "device" (JITP) nothing is sent
        // per unit, so both pending rows are left to the devices' first connection.
        station::CloudSettings settings = station::readCloudSettings();
        settings.mode = QStringLiteral("device");
        station::writeCloudSettings(settings);
        qputenv("AWS_ACCESS_KEY_ID", test::kAccessKeyId);
        qputenv("AWS_SECRET_ACCESS_KEY", test::kSecretAccessKey);
        QSignalSpy finished(&page, &ui::CloudPage::actionFinished);
        const int shownBefore = static_cast<int>(shown.count());
        auto* retry = page.findChild<QPushButton*>(QStringLiteral("retryFailed"));
        QCOMPARE(retry->text(), QStringLiteral("&Retry failed"));
        QVERIFY(retry->isEnabled());
        QTest::mouseClick(retry, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kCloudTimeoutMs);
        QVERIFY2(finished.first().first().toBool(), qPrintable(page.statusText()));
        QVERIFY2(page.statusText().contains(QStringLiteral("1 failed registration(s) queued again")), qPrintable(page.statusText()));
        QVERIFY2(page.statusText().contains(QStringLiteral("2 left to the devices' first connection")), qPrintable(page.statusText()));
        QTRY_VERIFY_WITH_TIMEOUT(shown.count() > shownBefore, kHsmTimeoutMs);
        QCOMPARE(page.shownCount(QStringLiteral("failed")), 0);
        QCOMPARE(page.shownCount(QStringLiteral("queued")), 1);
        QCOMPARE(page.shownCount(QStringLiteral("sent")), 1);  // queued again: due now, its attempts kept
        QCOMPARE(page.failedRows(), 0);
        QVERIFY(!retry->isEnabled());
    }
};

QTEST_MAIN(TestSetupPages)
#include "tst_setup_pages.moc"
