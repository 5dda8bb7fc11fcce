// engage-kiosk: the kiosk (no subcommand) and its helper commands.
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "engage/config.h"
#include "engage/seed.h"
#include "engage/storage.h"
#include "engage/survey.h"
#include "kiosk.h"

namespace {

int check_survey(const std::string& file) {
    const engage::SurveyLoad r = engage::load_survey_file(file);
    if (r.ok()) {
        std::printf("%s: ok: survey '%s' version %d, %zu questions, languages:", file.c_str(), r.survey->id.c_str(),
                    r.survey->version, r.survey->questions.size());
        for (const auto& l : r.survey->languages) std::printf(" %s", l.c_str());
        std::printf("\n");
        return 0;
    }
    for (const auto& p : r.problems) std::printf("%s: %s\n", file.c_str(), p.str().c_str());
    std::printf("%s: %zu problem%s\n", file.c_str(), r.problems.size(), r.problems.size() == 1 ? "" : "s");
    return 1;
}

// seed: N synthetic responses into DATA_DIR, in transactions of kSeedBatch. Bad input: exit 2, nothing written.
int seed_responses(const std::string& data_dir, const std::string& count_text, std::string survey_file,
                   std::uint64_t seed) {
    constexpr int kSeedBatch = 5000, kMaxSeed = 10'000'000, kBarFrom = 10'000, kBarWidth = 20;
    auto fail = [](const std::string& msg) {
        std::fprintf(stderr, "engage-kiosk seed: %s\n", msg.c_str());
        return 2;
    };
    if (data_dir.empty()) return fail("--data-dir DIR is required");
    if (count_text.empty()) return fail("--count N is required");
    long long count = 0;
    const char* end = count_text.data() + count_text.size();
    if (auto [p, ec] = std::from_chars(count_text.data(), end, count); ec != std::errc() || p != end)
        count = -1;
    if (count < 1 || count > kMaxSeed)
        return fail("--count " + count_text + ": expected a whole number from 1 to 10000000");
    if (survey_file.empty()) survey_file = engage::assets_dir() + "/surveys/demo.json";
    const engage::SurveyLoad survey = engage::load_survey_file(survey_file);
    if (!survey.ok()) {
        for (const auto& p : survey.problems) std::fprintf(stderr, "%s: %s\n", survey_file.c_str(), p.str().c_str());
        return fail("the survey " + survey_file + " cannot be used; nothing was written");
    }

    const auto t0 = std::chrono::steady_clock::now();
    std::unique_ptr<engage::Store> store;
    try {
        store = engage::Store::open(data_dir);
    } catch (const engage::StoreError& e) {
        return fail(e.what());
    }
    const int n = static_cast<int>(count);
    // Progress on stderr for long runs: redrawn in place on a terminal, one line per tenth in a log.
    const bool bar = n >= kBarFrom, tty = ::isatty(STDERR_FILENO) == 1;
    long long shown = tty ? -1 : 0;
    auto progress = [&](int done) {
        const long long filled = 1LL * done * kBarWidth / n, step = tty ? filled : 10LL * done / n;
        if (!bar || step == shown) return;
        shown = step;
        std::fprintf(stderr, "%s[%s%s] %d/%d%s", tty ? "\r" : "", std::string(filled, '#').c_str(),
                     std::string(kBarWidth - filled, '.').c_str(), done, n, !tty || done == n ? "\n" : "");
    };
    int done = 0;
    try {
        engage::synthetic_responses(*survey.survey, n, seed, kSeedBatch, [&](const std::vector<engage::NewResponse>& rs) {
            store->save_batch(rs);
            progress(done += static_cast<int>(rs.size()));
        });
    } catch (const engage::StoreError& e) {
        if (bar && tty) std::fputc('\n', stderr);
        std::fprintf(stderr, "engage-kiosk seed: %s (%d of %d responses were saved)\n", e.what(), done, n);
        return 1;
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("seeded %d responses into %s in %.1f s\n", n, store->path().c_str(), s);
    return 0;
}

bool parse_size(const std::string& s, int& w, int& h) {
    unsigned a = 0, b = 0;
    char x = 0, extra = 0;
    if (std::sscanf(s.c_str(), "%u%c%u%c", &a, &x, &b, &extra) != 3 || (x != 'x' && x != 'X')) return false;
    if (a < 320 || b < 320 || a > 7680 || b > 7680) return false;
    w = static_cast<int>(a);
    h = static_cast<int>(b);
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Engage kiosk: anonymous feedback at in-person engagement sessions, offline first.\n"
                 "With no command it runs the kiosk (full screen; hold the top-left corner for 3 s for the facilitator panel)."};
    app.set_version_flag("--version", "engage-kiosk " ENGAGE_VERSION);
    app.require_subcommand(0, 1);

    engage::RunOptions opts;
    std::string config_file, size;
    int idle = 0;
    app.add_option("--survey", opts.config.survey, "Survey file to run (default: the last one chosen, else the bundled demo)");
    app.add_option("--data-dir", opts.config.data_dir, "Folder for the database and log (default: $XDG_DATA_HOME/engage)");
    app.add_flag("--windowed", opts.config.windowed, "Run in a window with a cursor (development, tests)");
    app.add_option("--size", size, "Window size when windowed, WxH (default 1280x800)");
    app.add_option("--idle-seconds", idle, "Seconds without a touch before \"Are you still there?\" (default 60)")
        ->check(CLI::Range(5, 3600));
    app.add_option("--automation", opts.config.automation, "Append a JSON line per screen change with every widget's label and rectangle");
    app.add_option("--config", config_file, "Config file (JSON; default: $XDG_CONFIG_HOME/engage/kiosk.json if it exists)");
    app.add_flag("--always-redraw", opts.always_redraw, "Benchmark: redraw every frame instead of only on change")->group("");
    app.add_flag("--exit-after-first-frame", opts.exit_after_first_frame, "Benchmark: quit after drawing one frame")->group("");

    std::string survey_file;
    CLI::App* check = app.add_subcommand("check-survey", "Check a survey file; print every problem with its location");
    check->set_version_flag("--version", "engage-kiosk " ENGAGE_VERSION);
    check->add_option("FILE", survey_file, "Survey file (JSON)")->required();

    std::string seed_dir, seed_count, seed_survey;
    std::uint64_t seed_value = 1;
    CLI::App* seed = app.add_subcommand("seed", "Fill a database with N synthetic responses (demos, benchmarks)");
    seed->set_version_flag("--version", "engage-kiosk " ENGAGE_VERSION);
    seed->add_option("--data-dir", seed_dir, "Folder for the database (required; created if missing)");
    seed->add_option("--count", seed_count, "How many responses, 1 to 10000000 (required)")->type_name("N");
    seed->add_option("--survey", seed_survey, "Survey to answer (default: the bundled demo)");
    seed->add_option("--seed", seed_value, "Random seed: the same seed gives the same answers (default 1)");

    CLI11_PARSE(app, argc, argv);

    if (*check) return check_survey(survey_file);
    if (*seed) return seed_responses(seed_dir, seed_count, seed_survey, seed_value);

    // Config file first, then the command line on top.
    engage::KioskConfig from_cli = opts.config;
    std::vector<std::string> problems;
    const bool explicit_config = !config_file.empty();
    if (!explicit_config) config_file = engage::default_config_path();
    if (explicit_config || std::filesystem::exists(config_file)) {
        if (!engage::load_config_file(config_file, opts.config, problems)) {
            for (const auto& p : problems) std::fprintf(stderr, "engage-kiosk: %s\n", p.c_str());
            return 2;
        }
        if (!from_cli.survey.empty()) opts.config.survey = from_cli.survey;
        if (!from_cli.data_dir.empty()) opts.config.data_dir = from_cli.data_dir;
        if (!from_cli.automation.empty()) opts.config.automation = from_cli.automation;
        if (from_cli.windowed) opts.config.windowed = true;
    }
    if (idle) opts.config.idle_seconds = idle;
    if (!size.empty() && !parse_size(size, opts.config.width, opts.config.height)) {
        std::fprintf(stderr, "engage-kiosk: --size %s: expected WxH, e.g. 1280x800 (each 320 to 7680)\n", size.c_str());
        return 2;
    }
    return engage::run_kiosk(opts);
}
