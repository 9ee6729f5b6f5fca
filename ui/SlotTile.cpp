#include "ui/SlotTile.h"

#include <QCheckBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

namespace imprint::ui {

using pipeline::SlotPhase;

OutcomeLook outcomeLook(SlotPhase phase)
{
    switch (phase) {
    case SlotPhase::Idle: return {SlotTile::tr("READY"), QStringLiteral("\u25CB"), QColor(0x60, 0x60, 0x60)};
    case SlotPhase::WaitingForDevice: return {SlotTile::tr("INSERT DEVICE"), QStringLiteral("\u25CC"), QColor(0x45, 0x55, 0x6b)};
    case SlotPhase::Working: return {SlotTile::tr("WORKING"), QStringLiteral("\u21BB"), QColor(0x1f, 0x5f, 0xbf)};
    case SlotPhase::Passed: return {SlotTile::tr("PASS"), QStringLiteral("\u2714"), QColor(0x1b, 0x7f, 0x3b)};
    case SlotPhase::Failed: return {SlotTile::tr("FAIL"), QStringLiteral("\u2716"), QColor(0xb0, 0x00, 0x20)};
    case SlotPhase::Stopped: return {SlotTile::tr("STOPPED"), QStringLiteral("\u25A0"), QColor(0x30, 0x30, 0x30)};
    }
    return {QStringLiteral("?"), QStringLiteral("?"), Qt::black};
}

bool offersRework(const pipeline::SlotSnapshot& snapshot)
{
    return snapshot.phase == SlotPhase::Failed && snapshot.refusal == pipeline::Refusal::AlreadyProvisioned;
}

bool offersQuotaOverride(const pipeline::SlotSnapshot& snapshot)
{
    return snapshot.phase == SlotPhase::Failed && snapshot.refusal == pipeline::Refusal::OverQuota;
}

namespace {

QLabel* wrappedLabel(const QString& name, QWidget* parent)
{
    auto* label = new QLabel(parent);
    label->setObjectName(name);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::NoTextInteraction);
    return label;
}

QFont scaled(QFont font, double factor, bool bold)
{
    font.setPointSizeF(font.pointSizeF() * factor);
    font.setBold(bold);
    return font;
}

}  // namespace

SlotTile::SlotTile(const pipeline::SlotConfig& slot, QWidget* parent) : QFrame(parent), m_slot(slot.slot)
{
    setObjectName(QStringLiteral("slotTile%1").arg(slot.slot));
    setFocusPolicy(Qt::StrongFocus);
    setFrameShape(QFrame::Box);
    setLineWidth(3);
    setMinimumWidth(220);
    setAccessibleName(tr("Slot %1").arg(slot.slot + 1));

    auto* layout = new QVBoxLayout(this);
    m_title = new QLabel(tr("Slot %1 · %2").arg(slot.slot + 1).arg(QFileInfo(slot.port).fileName()), this);
    m_title->setObjectName(QStringLiteral("titleLabel"));
    m_title->setToolTip(slot.port);
    m_title->setFont(scaled(m_title->font(), 1.2, true));

    m_outcome = new QLabel(this);
    m_outcome->setObjectName(QStringLiteral("outcomeLabel"));
    m_outcome->setAlignment(Qt::AlignCenter);
    m_outcome->setMinimumHeight(64);
    m_outcome->setFont(scaled(m_outcome->font(), 2.4, true));

    m_identity = wrappedLabel(QStringLiteral("identityLabel"), this);
    m_step = wrappedLabel(QStringLiteral("stepLabel"), this);
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("stepProgress"));
    m_progress->setTextVisible(true);
    m_progress->setFormat(tr("step %v of %m"));
    m_elapsed = wrappedLabel(QStringLiteral("elapsedLabel"), this);
    m_reason = wrappedLabel(QStringLiteral("reasonLabel"), this);
    m_reason->setFont(scaled(m_reason->font(), 1.1, true));
    m_hint = wrappedLabel(QStringLiteral("hintLabel"), this);

    auto* buttons = new QHBoxLayout;
    m_start = new QPushButton(tr("Start"), this);
    m_start->setObjectName(QStringLiteral("startButton"));
    m_stop = new QPushButton(tr("Stop"), this);
    m_stop->setObjectName(QStringLiteral("stopButton"));
    // The tile itself takes the keyboard (Enter/Space); the buttons are for the mouse.
    m_start->setFocusPolicy(Qt::NoFocus);
    m_stop->setFocusPolicy(Qt::NoFocus);
    m_rework = new QPushButton(tr("Rework…"), this);
    m_rework->setObjectName(QStringLiteral("reworkButton"));
    m_rework->setToolTip(tr("Provision this already provisioned device again, with a supervisor's approval (F7)"));
    m_rework->setFocusPolicy(Qt::NoFocus);
    m_rework->hide();
    m_pastQuota = new QPushButton(tr("Allow past quota (supervisor)…"), this);
    m_pastQuota->setObjectName(QStringLiteral("pastQuotaButton"));
    m_pastQuota->setToolTip(tr("Let the batch take units past its quota, with a supervisor's approval (F9)"));
    m_pastQuota->setFocusPolicy(Qt::NoFocus);
    m_pastQuota->hide();
    m_auto = new QCheckBox(tr("Auto"), this);
    m_auto->setObjectName(QStringLiteral("autoStartBox"));
    m_auto->setToolTip(tr("Start by itself when a device is plugged in (F8 on the selected slot)"));
    m_auto->setFocusPolicy(Qt::NoFocus);
    m_autoWaiting = wrappedLabel(QStringLiteral("autoWaitingLabel"), this);
    m_autoWaiting->setText(tr("AUTO: waiting for a device on %1").arg(QFileInfo(slot.port).fileName()));
    m_autoWaiting->hide();
    buttons->addWidget(m_start);
    buttons->addWidget(m_stop);
    buttons->addWidget(m_rework);
    buttons->addWidget(m_pastQuota);
    buttons->addWidget(m_auto);
    connect(m_rework, &QPushButton::clicked, this, [this] { Q_EMIT reworkRequested(m_slot); });
    connect(m_pastQuota, &QPushButton::clicked, this, [this] { Q_EMIT quotaOverrideRequested(m_slot); });
    connect(m_auto, &QCheckBox::toggled, this, [this](bool on) { Q_EMIT autoStartToggled(m_slot, on); });
    connect(m_start, &QPushButton::clicked, this, [this] { Q_EMIT startRequested(m_slot); });
    connect(m_stop, &QPushButton::clicked, this, [this] { Q_EMIT stopRequested(m_slot); });

    for (QWidget* widget : std::initializer_list<QWidget*>{m_title, m_outcome, m_identity, m_step, m_progress,
                                                           m_elapsed, m_reason, m_hint, m_autoWaiting})
        layout->addWidget(widget);
    layout->addStretch();
    layout->addLayout(buttons);

    m_snapshot.slot = slot.slot;
    m_snapshot.port = slot.port;
    display(m_snapshot);
    setRunning(false);
    updateBorder();
}

void SlotTile::paintOutcome(SlotPhase phase)
{
    const OutcomeLook look = outcomeLook(phase);
    m_outcome->setText(look.symbol + QLatin1Char(' ') + look.word);
    m_outcome->setStyleSheet(QStringLiteral("QLabel { background: %1; color: white; border-radius: 4px; }")
                                 .arg(look.colour.name()));
    m_outcome->setAccessibleName(look.word);
}

void SlotTile::display(const pipeline::SlotSnapshot& snapshot)
{
    m_snapshot = snapshot;
    m_sinceSnapshot.start();
    paintOutcome(snapshot.phase);

    QStringList identity;
    if (!snapshot.serialNumber.isEmpty())
        identity << tr("Serial %1").arg(snapshot.serialNumber);
    if (!snapshot.thingName.isEmpty())
        identity << tr("Thing %1").arg(snapshot.thingName);
    if (!snapshot.hardwareId.isEmpty())
        identity << tr("HW %1").arg(snapshot.hardwareId);
    m_identity->setText(identity.isEmpty() ? tr("No device yet") : identity.join(u'\n'));

    m_step->setText(snapshot.step.isEmpty() ? QString() : tr("Step: %1").arg(snapshot.step));
    m_progress->setRange(0, std::max(1, snapshot.stepCount));
    m_progress->setValue(std::clamp(snapshot.stepIndex, 0, std::max(1, snapshot.stepCount)));
    showElapsed(snapshot.elapsedMs);

    const bool failed = snapshot.phase == SlotPhase::Failed;
    m_reason->setText(failed ? tr("Why: %1").arg(snapshot.reason) : QString());
    const QString hint = offersQuotaOverride(snapshot)
                             ? tr("The batch is full. Leave the device on the slot and ask a supervisor to allow "
                                  "units past the quota (F9), or set it aside.")
                             : snapshot.hint;
    m_hint->setText(failed && !hint.isEmpty() ? tr("What to do: %1").arg(hint) : QString());
    m_reason->setVisible(failed);
    m_hint->setVisible(failed && !hint.isEmpty());
    m_rework->setVisible(offersRework(snapshot));
    m_rework->setEnabled(m_controlsEnabled);
    m_pastQuota->setVisible(offersQuotaOverride(snapshot));
    m_pastQuota->setEnabled(m_controlsEnabled);
    setToolTip(tr("%1 passed, %2 failed on this slot").arg(snapshot.passed).arg(snapshot.failed));
}

void SlotTile::setAutoStart(bool automatic)
{
    const QSignalBlocker quiet(m_auto);
    m_auto->setChecked(automatic);
    if (!automatic)
        m_autoWaiting->hide();
}

void SlotTile::setAutoWaiting(bool waiting)
{
    m_autoWaiting->setVisible(waiting);
}

bool SlotTile::autoStart() const
{
    return m_auto->isChecked();
}

void SlotTile::showElapsed(qint64 ms)
{
    QString text = tr("Elapsed %1 s").arg(double(ms) / 1000.0, 0, 'f', 1);
    // Trusted user: the claim being installed runs out; the technician sees how long it has left.
    if (m_snapshot.phase == SlotPhase::Working && m_snapshot.claimExpiresAt) {
        const qint64 left = std::max<qint64>(0, QDateTime::currentDateTimeUtc().secsTo(*m_snapshot.claimExpiresAt));
        text += tr(" \u00b7 claim %1:%2 left").arg(left / 60, 2, 10, QLatin1Char('0')).arg(left % 60, 2, 10, QLatin1Char('0'));
    }
    m_elapsed->setText(text);
}

void SlotTile::tick()
{
    if (m_snapshot.phase == SlotPhase::Working)
        showElapsed(m_snapshot.elapsedMs + m_sinceSnapshot.elapsed());
}

void SlotTile::setRunning(bool running)
{
    m_running = running;
    m_start->setEnabled(!running);
    m_stop->setEnabled(running);
}

void SlotTile::setControlsEnabled(bool enabled)
{
    m_controlsEnabled = enabled;
    m_start->setEnabled(enabled && !m_running);
    m_stop->setEnabled(enabled && m_running);
    m_rework->setEnabled(enabled);
    m_pastQuota->setEnabled(enabled);
    m_auto->setEnabled(enabled);
}

void SlotTile::toggle()
{
    if (m_running)
        Q_EMIT stopRequested(m_slot);
    else
        Q_EMIT startRequested(m_slot);
}

void SlotTile::keyPressEvent(QKeyEvent* event)
{
    switch (event->key()) {
    case Qt::Key_Return:
    case Qt::Key_Enter:
    case Qt::Key_Space:
        toggle();
        return;
    default:
        QFrame::keyPressEvent(event);
    }
}

void SlotTile::updateBorder()
{
    // A thick highlight border shows where the keyboard is; only the frame, never the labels.
    const QColor colour = hasFocus() ? palette().color(QPalette::Highlight) : palette().color(QPalette::Mid);
    setStyleSheet(QStringLiteral("QFrame#%1 { border: %2px solid %3; }")
                      .arg(objectName())
                      .arg(hasFocus() ? 5 : 2)
                      .arg(colour.name()));
}

void SlotTile::focusInEvent(QFocusEvent* event)
{
    QFrame::focusInEvent(event);
    updateBorder();
}

void SlotTile::focusOutEvent(QFocusEvent* event)
{
    QFrame::focusOutEvent(event);
    updateBorder();
}

}  // namespace imprint::ui
