#pragma once

// "A supervisor must approve this": asks for a supervisor's ID (scanned or typed, then Enter)
// for one named action. Opened with open(), never exec(): no nested event loop, so nothing else
// can start meanwhile through a second loop. The window checks the ID and then accepts the
// dialog (the action goes ahead) or shows why not (the dialog stays).

#include <QDialog>

class QLabel;
class QLineEdit;

namespace imprint::ui {

class SupervisorDialog : public QDialog
{
    Q_OBJECT
public:
    SupervisorDialog(const QString& action, QWidget* parent = nullptr);

    [[nodiscard]] QString action() const { return m_action; }
    void showChecking(const QString& id);
    void showRefused(const QString& message);

Q_SIGNALS:
    void supervisorEntered(const QString& id);

private:
    QString m_action;
    QLineEdit* m_id = nullptr;
    QLabel* m_message = nullptr;
};

}  // namespace imprint::ui
