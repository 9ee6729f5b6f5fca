#pragma once

// What both audit tables have (the units of AuditView, the events of EventBrowser): the table
// view itself, a search field that asks once the typing pauses, and a from / until time range.

#include <QDateTime>
#include <QLineEdit>
#include <QObject>
#include <QTimer>

#include <optional>

class QAbstractItemModel;
class QBoxLayout;
class QTableView;
class QCheckBox;
class QDateTimeEdit;

namespace imprint::ui {

// A read-only table of whole rows, one selected at a time, compact rows, the last column stretched.
[[nodiscard]] QTableView* auditTable(QAbstractItemModel* model, const QString& objectName, const QString& accessibleName,
                                     QWidget* parent);

// A search field that asks at Enter or once the typing pauses: one query, not one per key.
class SearchField final : public QLineEdit
{
    Q_OBJECT
public:
    SearchField(const QString& objectName, const QString& placeholder, QWidget* parent);
    // The filter was applied by other means: no late search for the same text.
    void cancelPending() { m_pause.stop(); }

Q_SIGNALS:
    void searchRequested();

private:
    QTimer m_pause;
};

// From and until, each switched on by its own box (Alt + the underlined letter of its text).
// Object names: <prefix>FromEnabled, <prefix>FromEdit, <prefix>UntilEnabled, <prefix>UntilEdit
// (no prefix: fromEnabled, fromEdit…), which the GUI tests find them by.
class TimeRangeFields final : public QObject
{
    Q_OBJECT
public:
    TimeRangeFields(const QString& fromText, const QString& untilText, const QString& namePrefix, QWidget* parent);

    void addTo(QBoxLayout* row) const;
    // In UTC, as the audit stores time; unset while its box is off.
    [[nodiscard]] std::optional<QDateTime> from() const;
    [[nodiscard]] std::optional<QDateTime> until() const;

Q_SIGNALS:
    void changed();

private:
    QCheckBox* m_fromOn = nullptr;
    QDateTimeEdit* m_from = nullptr;
    QCheckBox* m_untilOn = nullptr;
    QDateTimeEdit* m_until = nullptr;
};

}  // namespace imprint::ui
