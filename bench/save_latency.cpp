// engage_bench_save [--count N] [--data-dir DIR] [--sealed]   (DIR must not hold a database yet)
// Wall time of Store::save_response (one fsync'd WAL transaction each) on this machine. --sealed: the same saves
// again into a second database that holds a hub key (answers sealed in the save's transaction), and the ratio.
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "engage/sealed.h"
#include "engage/storage.h"

namespace {

struct Figures {
    double p50 = 0, p90 = 0, p99 = 0, max = 0, per_s = 0;
    std::size_t bytes = 0;
};

Figures run(const std::string& dir, int count, bool sealed) {
    auto store = engage::Store::open(dir);
    if (sealed) store->set_hub_public_key(engage::sealed::new_key_pair().public_key);
    store->start_session("Benchmark", "Bench");
    engage::NewResponse r;
    r.survey_id = "community-hall";
    r.survey_version = 2;
    r.language = "en";
    std::vector<double> ms;
    ms.reserve(static_cast<std::size_t>(count));
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < count; ++i) {
        // ~300 bytes, shaped like answers_to_json() output.
        r.answers_json = R"({"mood":{"number":)" + std::to_string(i % 5 + 1) +
                         R"(},"recommend":{"number":)" + std::to_string(i % 11) +
                         R"(},"needs":{"selected":["transport","childcare","food"]},)"
                         R"("heard":{"selected":["poster"]},"ideas":{"text":"More benches along )"
                         R"(the river path and a covered area by the playground, plus longer )"
                         R"(library opening hours on Saturdays, when most families can come in. )" + std::to_string(i) + R"("}})";
        auto a = std::chrono::steady_clock::now();
        store->save_response(r);
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count());
    }
    const double total_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::sort(ms.begin(), ms.end());
    auto pct = [&](double p) { return ms[std::min(ms.size() - 1, static_cast<std::size_t>(p * ms.size()))]; };
    std::printf("save_response x%d in %s (answers_json %zu bytes%s)\n", count, store->path().c_str(),
                r.answers_json.size(), sealed ? ", sealed" : "");
    Figures f{pct(0.50), pct(0.90), pct(0.99), ms.back(), count / total_s, r.answers_json.size()};
    std::printf("p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  max %.3f ms  %.0f saves/s\n", f.p50, f.p90, f.p99, f.max,
                f.per_s);
    return f;
}

}  // namespace

int main(int argc, char** argv) {
    int count = 1000;
    bool sealed = false;
    std::string dir;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--count" && i + 1 < argc) count = std::atoi(argv[++i]);
        else if (a == "--data-dir" && i + 1 < argc) dir = argv[++i];
        else if (a == "--sealed") sealed = true;
        else {
            std::fprintf(stderr, "usage: %s [--count N] [--data-dir DIR] [--sealed]\n", argv[0]);
            return 2;
        }
    }
    if (count <= 0) return 2;
    std::string temp;
    if (!dir.empty() && std::filesystem::exists(dir + "/" + engage::kDatabaseFile)) {
        std::fprintf(stderr, "bench: %s/%s exists; use an empty folder (the bench adds responses)\n",
                     dir.c_str(), engage::kDatabaseFile);
        return 2;
    }
    if (dir.empty()) {
        const char* base = std::getenv("TMPDIR");
        temp = std::string(base && *base ? base : "/tmp") + "/engage-bench-XXXXXX";
        if (!::mkdtemp(temp.data())) return std::perror("mkdtemp"), 2;
        dir = temp;
    }

    try {
        const Figures plain = run(dir, count, false);
        if (sealed) {
            const std::string second = dir + "/sealed";
            std::filesystem::create_directories(second);
            const Figures f = run(second, count, true);
            std::printf("sealed / plain: p50 %.2fx  p99 %.2fx  saves/s %.2fx\n", f.p50 / plain.p50, f.p99 / plain.p99,
                        f.per_s / plain.per_s);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench: %s\n", e.what());
        return 1;
    }
    if (!temp.empty()) std::filesystem::remove_all(temp);
    return 0;
}
