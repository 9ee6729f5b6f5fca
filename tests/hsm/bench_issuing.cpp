// bench_issuing: how fast the issuing service turns device CSRs into certificates on a
// SoftHSM2 token, against the limit set by the two raw costs it cannot avoid — one token
// signature and one CSR signature verification per certificate — measured in the same run
// through the same module. Prints, per CA key type and thread count:
//   raw token signatures/s, CSR verifications/s, certificates/s, and
//   ratio = certificates/s ÷ (1 / (1/signatures/s + 1/verifications/s))   (target ≥ 0.5)
#include "CaFixture.h"
#include "DeviceCsrs.h"
#include "hsm/DeviceCertificates.h"

#include <QCoreApplication>
#include <QTextStream>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <thread>
#include <vector>

using namespace imprint;

namespace {

constexpr double kSecondsPerFigure = 1.0;

// Runs `operation(threadIndex, iteration)` on `threads` threads for kSecondsPerFigure;
// returns operations per second (all threads together), or -1 when an operation failed.
double ratePerSecond(int threads, const std::function<bool(int, std::size_t)>& operation)
{
    std::atomic<bool> failed{false};
    std::vector<std::size_t> counts(static_cast<std::size_t>(threads), 0);
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + std::chrono::duration<double>(kSecondsPerFigure);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            std::size_t done = 0;
            while (std::chrono::steady_clock::now() < deadline && !failed) {
                if (!operation(t, done)) {
                    failed = true;
                    break;
                }
                ++done;
            }
            counts[static_cast<std::size_t>(t)] = done;
        });
    }
    for (auto& worker : workers)
        worker.join();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::size_t total = 0;
    for (auto count : counts)
        total += count;
    return failed ? -1.0 : static_cast<double>(total) / seconds;
}

struct Case
{
    const char* name;
    hsm::TokenKeyType caKey;
    const char* deviceKey;
    int distinctKeys;  // RSA key generation is slow: CSRs share a few keys, each CSR still distinct
};

std::vector<QByteArray> makeCsrs(const Case& benchCase, int count)
{
    std::vector<hsm::EvpPkeyPtr> keys;
    for (int i = 0; i < benchCase.distinctKeys; ++i)
        keys.push_back(test::makeKey(QString::fromLatin1(benchCase.deviceKey)));
    std::vector<QByteArray> csrs;
    for (int i = 0; i < count; ++i) {
        test::CsrOptions options;
        options.commonName = QStringLiteral("bench-%1").arg(i);
        csrs.push_back(test::makeCsrDer(options, keys[static_cast<std::size_t>(i % benchCase.distinctKeys)].get()));
    }
    return csrs;
}

int runCase(const Case& benchCase, QTextStream& out)
{
    const SystemClock clock;
    auto ca = test::makeCa(benchCase.caKey, clock, QStringLiteral("bench"));
    if (!ca) {
        out << benchCase.name << ": cannot set up the CA: " << ca.error().message() << Qt::endl;
        return 1;
    }
    auto& service = *ca.value()->service;
    const std::vector<QByteArray> csrs = makeCsrs(benchCase, 512);
    const ca::KeyPolicy policy;
    std::array<unsigned char, 32> digest{};
    digest.fill(0x5a);
    const unsigned int digestSize = 32;  // SHA-256 for both P-256 and RSA-2048

    for (int threads : {1, 2}) {
        const double signatures = ratePerSecond(threads, [&](int, std::size_t) {
            return service.key().signDigest(digest.data(), digestSize).ok();
        });
        const double verifications = ratePerSecond(threads, [&](int t, std::size_t i) {
            return hsm::checkCsr(csrs[(i * 2 + static_cast<std::size_t>(t)) % csrs.size()], policy).ok();
        });
        const double certificates = ratePerSecond(threads, [&](int t, std::size_t i) {
            ca::IssueRequest request;
            request.csr = csrs[(i * 2 + static_cast<std::size_t>(t)) % csrs.size()];
            request.device.thingName = QStringLiteral("bench-thing");
            return service.issueFromCsr(request).ok();
        });
        if (signatures <= 0 || verifications <= 0 || certificates <= 0) {
            out << benchCase.name << ": an operation failed during the measurement" << Qt::endl;
            return 1;
        }
        const double limit = 1.0 / (1.0 / signatures + 1.0 / verifications);
        out << QStringLiteral("%1  threads=%2  token signatures/s=%3  CSR verifications/s=%4  limit/s=%5  "
                              "certificates/s=%6  ratio=%7")
                   .arg(QString::fromLatin1(benchCase.name))
                   .arg(threads)
                   .arg(signatures, 0, 'f', 0)
                   .arg(verifications, 0, 'f', 0)
                   .arg(limit, 0, 'f', 0)
                   .arg(certificates, 0, 'f', 0)
                   .arg(certificates / limit, 0, 'f', 2)
            << Qt::endl;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QTextStream out(stdout);
    out << "bench_issuing: SoftHSM2 " << test::SoftHsmToken::modulePath() << ", " << std::thread::hardware_concurrency()
        << " hardware threads, " << kSecondsPerFigure << " s per figure" << Qt::endl;
    out << "baseline per row: limit/s = 1/(1/token signatures/s + 1/CSR verifications/s), same run, same module; "
           "ratio = certificates/s / limit/s (target >= 0.5)" << Qt::endl;
    // Optional argument "ec" or "rsa": one case only (for profiling).
    const QString only = app.arguments().value(1);
    int failures = 0;
    for (const Case& benchCase : {Case{"EC P-256 ", hsm::TokenKeyType::EcP256, "ec-p256", 512},
                                  Case{"RSA-2048 ", hsm::TokenKeyType::Rsa2048, "rsa-2048", 8}}) {
        if (only.isEmpty() || QString::fromLatin1(benchCase.name).startsWith(only, Qt::CaseInsensitive))
            failures += runCase(benchCase, out);
    }
    return failures == 0 ? 0 : 1;
}
