#pragma once

// The start of a shift: the technician scans their badge (a barcode scanner types the ID and
// Enter) or types the ID. Nothing on the station runs until a registered person is on record.

#include <QWidget>

class QLabel;
class QLineEdit;

namespace imprint::ui {

class LoginPanel : public QWidget
{
    Q_OBJECT
public:
    explicit LoginPanel(QWidget* parent = nullptr);

    // Ready for the next person: empty field with the focus, `message` (e.g. why the last failed).
    void reset(const QString& message = {});
    void showChecking(const QString& id);
    void showRefused(const QString& message);

Q_SIGNALS:
    void loginRequested(const QString& id);

private:
    QLineEdit* m_id = nullptr;
    QLabel* m_message = nullptr;
};

}  // namespace imprint::ui
