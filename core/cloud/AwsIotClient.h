#pragma once

// The AWS IoT control-plane client (rest-json over HTTPS, SigV4 with the model's signing name
// "iot"), plus the minimal S3 PutObject that StartThingRegistrationTask needs for its input file.
// Asynchronous: callbacks run on the client's thread, which must run an event loop; waitFor()
// is the blocking convenience for the command line. Inputs and outputs are the JSON shapes of
// the service model (../shared/reference/aws-iot-service-2.json), member names as in the model.

#include "core/cloud/AwsConfig.h"
#include "core/cloud/AwsRestClient.h"
#include "core/cloud/IotOperations.h"

#include <QEventLoop>
#include <QJsonArray>
#include <QJsonObject>
#include <QNetworkAccessManager>

#include <memory>

namespace imprint::cloud {

using JsonCallback = std::function<void(Result<QJsonObject>)>;

// RegisterCACertificate / UpdateCACertificate registrationConfig.
struct RegistrationConfig
{
    QString templateBody;  // either a body…
    QString templateName;  // …or the name of a provisioning template
    QString roleArn;
    [[nodiscard]] QJsonObject toJson() const;
};

struct RegisterCaCertificateInput
{
    QString caCertificatePem;
    QString verificationCertificatePem;  // empty with certificateMode SNI_ONLY
    bool setAsActive = false;
    bool allowAutoRegistration = false;
    std::optional<RegistrationConfig> registrationConfig;
    QString certificateMode;             // "DEFAULT" (empty) or "SNI_ONLY"
};

struct CreateProvisioningTemplateInput
{
    QString templateName;
    QString templateBody;
    QString provisioningRoleArn;
    QString description;
    bool enabled = true;
    QString type;  // "FLEET_PROVISIONING" (empty) or "JITP"
};

class AwsIotClient : public QObject
{
    Q_OBJECT

public:
    AwsIotClient(AwsEndpoint endpoint, AwsCredentials credentials, AwsClientOptions options = {},
                 QObject* parent = nullptr);

    // From loadAwsSettings(): the endpoint override if any (path-style S3 on the same one),
    // otherwise AWS's public endpoints of the region.
    [[nodiscard]] static Result<std::unique_ptr<AwsIotClient>> create(AwsSettings settings, AwsClientOptions options = {},
                                                                      QObject* parent = nullptr);

    // Any listed operation with its input as JSON (members named as in the model). Required
    // members are checked before anything is sent; unknown members are refused.
    void call(IotOperation operation, const QJsonObject& input, JsonCallback done);

    void getRegistrationCode(JsonCallback done);
    void registerCaCertificate(const RegisterCaCertificateInput& input, JsonCallback done);
    void describeCaCertificate(const QString& certificateId, JsonCallback done);
    // newStatus "ACTIVE"/"INACTIVE", newAutoRegistrationStatus "ENABLE"/"DISABLE"; empty: unchanged.
    void updateCaCertificate(const QString& certificateId, const QString& newStatus,
                             const QString& newAutoRegistrationStatus,
                             const std::optional<RegistrationConfig>& registrationConfig, JsonCallback done);
    void listCaCertificates(const QString& marker, JsonCallback done);

    void createProvisioningTemplate(const CreateProvisioningTemplateInput& input, JsonCallback done);
    void deleteProvisioningTemplate(const QString& templateName, JsonCallback done);
    void describeProvisioningTemplate(const QString& templateName, JsonCallback done);
    void listProvisioningTemplates(const QString& nextToken, JsonCallback done);
    // Only the members present in `changes` (description, enabled, defaultVersionId, provisioningRoleArn…).
    void updateProvisioningTemplate(const QString& templateName, const QJsonObject& changes, JsonCallback done);
    void createProvisioningTemplateVersion(const QString& templateName, const QString& templateBody, bool setAsDefault,
                                           JsonCallback done);
    void deleteProvisioningTemplateVersion(const QString& templateName, int versionId, JsonCallback done);
    void describeProvisioningTemplateVersion(const QString& templateName, int versionId, JsonCallback done);
    void listProvisioningTemplateVersions(const QString& templateName, const QString& nextToken, JsonCallback done);
    void createProvisioningClaim(const QString& templateName, JsonCallback done);
    void registerThing(const QString& templateBody, const QHash<QString, QString>& parameters, JsonCallback done);

    void createThing(const QString& thingName, const QString& thingTypeName, const QHash<QString, QString>& attributes,
                     JsonCallback done);
    void describeThing(const QString& thingName, JsonCallback done);
    // status "ACTIVE", "INACTIVE", "PENDING_ACTIVATION"…; empty: AWS's default.
    void registerCertificate(const QString& certificatePem, const QString& caCertificatePem, const QString& status,
                             JsonCallback done);
    void registerCertificateWithoutCa(const QString& certificatePem, const QString& status, JsonCallback done);
    void describeCertificate(const QString& certificateId, JsonCallback done);
    void updateCertificate(const QString& certificateId, const QString& newStatus, JsonCallback done);
    void createPolicy(const QString& policyName, const QString& policyDocument, JsonCallback done);
    void attachPolicy(const QString& policyName, const QString& target, JsonCallback done);
    void attachThingPrincipal(const QString& thingName, const QString& principal, JsonCallback done);

    void startThingRegistrationTask(const QString& templateBody, const QString& inputFileBucket,
                                    const QString& inputFileKey, const QString& roleArn, JsonCallback done);
    // Uploads `inputFile` (JSON lines, one parameter object per thing) to S3, then starts the task.
    void startThingRegistrationTaskWithUpload(const QString& templateBody, const QString& inputFileBucket,
                                              const QString& inputFileKey, const QString& roleArn,
                                              const QByteArray& inputFile, JsonCallback done);
    void describeThingRegistrationTask(const QString& taskId, JsonCallback done);
    // reportType "ERRORS" or "RESULTS"; answers {resourceLinks: [URL…], reportType, nextToken}.
    void listThingRegistrationTaskReports(const QString& taskId, const QString& reportType, const QString& nextToken,
                                          JsonCallback done);
    // One report file of a task (JSON lines). A presigned link (as AWS gives) is fetched as it is;
    // a plain path-style link on this client's S3 endpoint (the emulator) by a signed GetObject.
    // Answers {"data": <the file's text>}.
    void fetchTaskReport(const QString& link, JsonCallback done);

    // Minimal S3 PutObject: path-style URL, SigV4 "s3" with the payload hash signed. Answers
    // {"requestId": …}.
    void putS3Object(const QString& bucket, const QString& key, const QByteArray& data, JsonCallback done);
    // Minimal S3 GetObject, path-style, signed as PutObject. Answers {"data": <the object as text>}.
    void getS3Object(const QString& bucket, const QString& key, JsonCallback done);

    [[nodiscard]] AwsRestClient& iotTransport() { return *m_iot; }
    [[nodiscard]] AwsRestClient& s3Transport() { return *m_s3; }

    // The request an operation would send (method, encoded path and query, body), for tests and
    // for `imprint-cli aws iot --dry-run`.
    [[nodiscard]] static Result<AwsRestRequest> buildRequest(IotOperation operation, const QJsonObject& input);

private:
    void fetchPresigned(const QUrl& url, JsonCallback done);
    AwsRestClient* m_iot;
    AwsRestClient* m_s3;
    QNetworkAccessManager* m_presigned = nullptr;  // made on first use: presigned report links
};

// Runs a local event loop until the asynchronous call started by `start` answers. For the
// command line and tests; never on a GUI thread.
template <typename Start>
[[nodiscard]] Result<QJsonObject> waitFor(Start&& start)
{
    std::optional<Result<QJsonObject>> answer;
    QEventLoop loop;
    start([&](Result<QJsonObject> result) {
        answer.emplace(std::move(result));
        loop.quit();
    });
    if (!answer)
        loop.exec();
    return std::move(*answer);
}

}  // namespace imprint::cloud
