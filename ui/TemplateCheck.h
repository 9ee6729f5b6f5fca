#pragma once

// The template editor's checks, kept apart from the widget: run the template engine
// (core/template) on the text with sample parameter values, find the line of the JSON path an
// error names, and describe what a sample device would get.

#include "core/template/ProvisioningTemplate.h"

#include <QHash>
#include <QString>

#include <optional>

namespace imprint::ui {

struct TemplateCheck
{
    QString problem;    // the engine's message; empty when the template renders
    QString jsonPath;   // the path the message names ("Resources.thing.Properties.ThingName")
    int line = 0;       // 1-based line of that path (or of a JSON syntax error); 0 when unknown
    QList<provisioning::TemplateParameter> parameters;
    std::optional<provisioning::RenderedTemplate> rendered;

    [[nodiscard]] bool valid() const { return problem.isEmpty(); }
};

// A plausible value for a parameter a sample device would give (its thing name, serial,
// certificate id…); the parameter's Default when it has one.
[[nodiscard]] QString sampleValue(const provisioning::TemplateParameter& parameter);

// Parses and renders `text` with `sample` (missing values from sampleValue()).
[[nodiscard]] TemplateCheck checkTemplate(const QString& text, const QHash<QString, QString>& sample);

// The 1-based line where the object key at `path` ("A.b[0].C") is written in `text`; 0 if not found.
[[nodiscard]] int lineOfJsonPath(const QString& text, const QString& path);

// What the sample device gets, in plain words: its thing (name, type, attributes, groups), the
// certificate's status, the policy (name or document), and the device configuration.
[[nodiscard]] QString describeResources(const provisioning::RenderedTemplate& rendered);

}  // namespace imprint::ui
