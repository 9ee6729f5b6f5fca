#include "app/gui/SetupPages.h"

#include "ui/CaRegistrationWizard.h"
#include "ui/CloudPage.h"
#include "ui/HsmCaPage.h"
#include "ui/MainWindow.h"
#include "ui/TemplateEditor.h"

namespace imprint::gui {

SetupPages::SetupPages(const QString& database, const Clock& clock) : m_hsm(clock), m_cloud(database, clock) {}

void SetupPages::addTo(ui::MainWindow& window)
{
    window.addPage(new ui::HsmCaPage(m_hsm, m_worker), ui::MainWindow::tr("HSM and CA"),
                   QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_H), true);
    window.addPage(new ui::CloudPage(m_cloud, m_worker), ui::MainWindow::tr("Cloud"),
                   QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C), true);
    window.addPage(new ui::TemplateEditor, ui::MainWindow::tr("Templates"),
                   QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_T), true);
    window.addSetupAction(ui::MainWindow::tr("&Register the CA with AWS IoT…"),
                          QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R), [this, &window] {
                              ui::CaRegistrationWizard* wizard = m_wizard.data();
                              if (!wizard) {
                                  wizard = new ui::CaRegistrationWizard(m_cloud, m_worker, &window);
                                  wizard->setAttribute(Qt::WA_DeleteOnClose);
                                  m_wizard = wizard;
                              }
                              wizard->open();  // no nested event loop
                              wizard->raise();
                          });
}

}  // namespace imprint::gui
