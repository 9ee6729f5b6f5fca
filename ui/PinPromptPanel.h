#pragma once

// The inline answer to a GuiOperatorPrompt: a masked PIN field (or a yes/no question) shown in
// the page while a worker waits for it; never a modal dialog. The PIN goes straight into
// SecureBytes and the field is cleared: it is never stored. Enter answers, Esc declines.

#include <QWidget>

class QLabel;
class QLineEdit;
class QPushButton;

namespace imprint::ui {

class GuiOperatorPrompt;

class PinPromptPanel : public QWidget
{
    Q_OBJECT
public:
    explicit PinPromptPanel(GuiOperatorPrompt& prompt, QWidget* parent = nullptr);

    [[nodiscard]] QLineEdit* pinField() const { return m_pin; }
    [[nodiscard]] QString question() const;

private:
    void askSecret(const QString& what);
    void askConfirmation(const QString& question);
    void submit();
    void declineQuestion();
    void closeQuestion();
    void keyPressEvent(QKeyEvent* event) override;

    GuiOperatorPrompt& m_prompt;
    QLabel* m_question = nullptr;
    QLineEdit* m_pin = nullptr;
    QPushButton* m_ok = nullptr;
    QPushButton* m_cancel = nullptr;
    bool m_askingSecret = false;
};

}  // namespace imprint::ui
