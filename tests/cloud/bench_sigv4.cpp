// bench_sigv4: how much SigV4 costs per AWS call. Each figure is printed as a ratio to a baseline
// measured in the same run: one SHA-256 of the same request body (the least any signer must do).
#include "core/cloud/SigV4.h"

#include <QCoreApplication>
#include <QElapsedTimer>

#include <cstdio>

using namespace imprint;
using namespace imprint::cloud;

namespace {

constexpr int kRounds = 20'000;

HttpRequest sampleRequest()
{
    auto request = HttpRequest::parse(
        "POST /things/sensor-000123 HTTP/1.1\nHost:iot.eu-west-1.amazonaws.com\nContent-Type:application/json\n\n"
        "{\"thingTypeName\":\"sensor\",\"attributePayload\":{\"attributes\":{\"line\":\"3\",\"batch\":\"2026-11-26\"}}}");
    return request.value();
}

SigningOptions sampleOptions()
{
    SigningOptions options;
    options.region = QStringLiteral("eu-west-1");
    options.service = QStringLiteral("iot");
    options.time = parseAmzDate("20261126T080000Z");
    return options;
}

template <typename Work>
double nsPerCall(Work&& work)
{
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < kRounds; ++i)
        work(i);
    return static_cast<double>(timer.nsecsElapsed()) / kRounds;
}

}  // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    const HttpRequest request = sampleRequest();
    const AwsCredentials credentials{QStringLiteral("AKIDBENCH"), SecureBytes::fromString("bench/secret/key+0123456789"), {}};
    const SigningOptions options = sampleOptions();
    volatile qsizetype sink = 0;

    const double baseline = nsPerCall([&](int) { sink = sink + sha256Hex(request.body).size(); });
    HttpRequest signedCopy = request;
    const double sign = nsPerCall([&](int) {
        signedCopy = request;
        auto result = signRequest(signedCopy, credentials, options);
        sink = sink + result->signatureHex.size();
    });
    auto lookup = [](const QString&) { return std::optional(SecureBytes::fromString("bench/secret/key+0123456789")); };
    const double verify = nsPerCall([&](int) {
        sink = sink + (verifyRequest(signedCopy, lookup, options.time).verified ? 1 : 0);
    });
    const double parse = nsPerCall([&](int) { sink = sink + HttpRequest::parse(signedCopy.serialize())->headers.size(); });

    std::printf("bench_sigv4: %d rounds, request of %lld body bytes\n", kRounds, static_cast<long long>(request.body.size()));
    std::printf("baseline  sha256 of the body        %8.0f ns/call  1.00x\n", baseline);
    std::printf("signRequest (iot, 3 headers)         %8.0f ns/call  %.2fx baseline  (%.0f signatures/s)\n", sign,
                sign / baseline, 1e9 / sign);
    std::printf("verifyRequest (the emulator's check) %8.0f ns/call  %.2fx baseline  (%.0f checks/s)\n", verify,
                verify / baseline, 1e9 / verify);
    std::printf("HttpRequest parse + serialize        %8.0f ns/call  %.2fx baseline\n", parse, parse / baseline);
    return sink > 0 ? 0 : 1;
}
