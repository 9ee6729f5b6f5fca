#pragma once

// What a claim certificate's connection may do on the device endpoint. A claim (a
// CreateProvisioningClaim certificate, or a registered certificate whose policy names the
// fleet-provisioning topics) may only publish fleet-provisioning requests and subscribe to
// their answers, and within that only what its grant allows (docs/emulator.md, "Claim
// certificates"). Other certificates' policies are not evaluated.

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace imprint::emulator {

class ClaimScope
{
public:
    // The fixed grant of a CreateProvisioningClaim certificate: its template only.
    [[nodiscard]] static ClaimScope forProvisioningClaim(const QString& templateName);
    // The grant read from the Allow statements of the certificate's policy documents; empty
    // when no document names a fleet-provisioning resource (then it is no claim).
    [[nodiscard]] static std::optional<ClaimScope> fromPolicies(const QStringList& policyDocuments);

    [[nodiscard]] bool mayPublish(const QString& topic) const;
    [[nodiscard]] bool maySubscribe(const QString& filter) const;
    [[nodiscard]] QString describe() const;  // for the log

private:
    QStringList m_publishPatterns;    // topic globs (* and ?), from arn:…:topic/<glob>
    QStringList m_subscribePatterns;  // topic-filter globs, from arn:…:topicfilter/<glob>
};

// The three request topics, e.g. "$aws/certificates/create/json".
[[nodiscard]] bool isFleetRequestTopic(const QString& topic);
// Any topic or filter under $aws/certificates/ or $aws/provisioning-templates/.
[[nodiscard]] bool isFleetTopic(const QString& topicOrFilter);
// AWS policy resource glob: * any characters, ? one character.
[[nodiscard]] bool globMatches(const QString& pattern, const QString& text);

}  // namespace imprint::emulator
