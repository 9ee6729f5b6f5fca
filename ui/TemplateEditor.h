#pragma once

// A provisioning template editor that checks as you type: 400 ms after the last key the
// template engine (core/template) parses and renders the text with sample parameter values.
// A problem is shown under the editor with the JSON path it names, and its line is marked;
// a valid template shows what a sample device would get (thing, attributes, certificate
// status, policy). Rendering is local and quick: it needs no worker thread.

#include "ui/TemplateCheck.h"

#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QTableWidget;
class QTimer;

namespace imprint::ui {

class TemplateEditor : public QWidget
{
    Q_OBJECT
public:
    static constexpr int kDebounceMs = 400;

    explicit TemplateEditor(QWidget* parent = nullptr);

    void setText(const QString& text);
    [[nodiscard]] QString text() const;
    // Checks now (instead of after the debounce).
    void checkNow();

    [[nodiscard]] const TemplateCheck& lastCheck() const { return m_check; }
    [[nodiscard]] bool isValid() const { return m_check.valid() && m_checked; }
    [[nodiscard]] int markedLine() const { return m_markedLine; }
    [[nodiscard]] QString problemText() const;
    [[nodiscard]] QString previewText() const;
    [[nodiscard]] QPlainTextEdit* editor() const { return m_editor; }
    // The sample value used for `parameter` (editable in the parameters table).
    void setSampleValue(const QString& parameter, const QString& value);

Q_SIGNALS:
    void checked(bool valid);

private:
    void showCheck();
    void markLine(int line);
    void fillSampleTable();
    [[nodiscard]] QHash<QString, QString> sampleValues() const;

    QPlainTextEdit* m_editor = nullptr;
    QLabel* m_problem = nullptr;
    QTableWidget* m_samples = nullptr;
    QPlainTextEdit* m_preview = nullptr;
    QTimer* m_debounce = nullptr;
    TemplateCheck m_check;
    QHash<QString, QString> m_overrides;
    bool m_checked = false;
    bool m_fillingSamples = false;
    int m_markedLine = 0;
};

}  // namespace imprint::ui
