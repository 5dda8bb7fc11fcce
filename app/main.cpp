// engage-kiosk: the kiosk (no subcommand) and its helper commands.
#include <CLI/CLI.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>
#include <thread>

#include "engage/bundle.h"
#include "engage/config.h"
#include "engage/kiosk_pack.h"
#include "engage/log.h"
#include "engage/pin_reset.h"
#include "engage/published.h"
#include "engage/seed.h"
#include "engage/storage.h"
#include "engage/survey.h"
#include "engage/sync.h"
#include "kiosk.h"
#include "pair_reply.h"

namespace {

int check_survey(const std::string& file) {
    const engage::SurveyLoad r = engage::load_survey_file(file);
    if (r.ok()) {
        std::printf("%s: ok: survey '%s' version %d, %zu questions, languages:", file.c_str(), r.survey->id.c_str(),
                    r.survey->version, r.survey->questions.size());
        for (const auto& l : r.survey->languages) std::printf(" %s", l.c_str());
        std::printf("\n");
        for (const auto& q : r.survey->questions)  // the skip logic, in words
            if (q.show_if)
                std::printf("%s: %s is shown if %s\n", file.c_str(), q.id.c_str(), engage::describe(*q.show_if).c_str());
        return 0;
    }
    for (const auto& p : r.problems) std::printf("%s: %s\n", file.c_str(), p.str().c_str());
    std::printf("%s: %zu problem%s\n", file.c_str(), r.problems.size(), r.problems.size() == 1 ? "" : "s");
    return 1;
}

// seed: N synthetic responses into DATA_DIR, in transactions of kSeedBatch. Bad input: exit 2, nothing written.
int seed_responses(const std::string& data_dir, const std::string& count_text, std::string survey_file,
                   std::uint64_t seed, const std::string& text) {
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
    if (!text.empty()) {  // what a person could type: printable UTF-8, not too long
        bool ok = text.size() <= 2000;
        for (unsigned char c : text) ok = ok && c >= 0x20 && c != 0x7f;
        try {
            (void)nlohmann::json(text).dump();
        } catch (const nlohmann::json::exception&) {
            ok = false;
        }
        if (!ok) return fail("--text: expected 1 to 2000 bytes of printable UTF-8 text; nothing was written");
    }
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
        engage::synthetic_responses(
            *survey.survey, n, seed, kSeedBatch,
            [&](const std::vector<engage::NewResponse>& rs) {
                store->save_batch(rs);
                progress(done += static_cast<int>(rs.size()));
            },
            text);
    } catch (const engage::StoreError& e) {
        if (bar && tty) std::fputc('\n', stderr);
        std::fprintf(stderr, "engage-kiosk seed: %s (%d of %d responses were saved)\n", e.what(), done, n);
        return 1;
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("seeded %d responses into %s in %.1f s\n", n, store->path().c_str(), s);
    return 0;
}

// Reads the config file (FILE, else the default one if it exists) into cfg. false: problems printed.
bool read_config(std::string file, engage::KioskConfig& cfg, const char* who) {
    const bool explicit_config = !file.empty();
    if (!explicit_config) file = engage::default_config_path();
    if (!explicit_config && !std::filesystem::exists(file)) return true;
    std::vector<std::string> problems;
    if (engage::load_config_file(file, cfg, problems)) return true;
    for (const auto& p : problems) std::fprintf(stderr, "%s: %s\n", who, p.c_str());
    return false;
}

// Progress on stderr for long runs: redrawn in place on a terminal, one line per tenth in a log.
struct ProgressBar {
    static constexpr int kWidth = 20;
    bool tty = ::isatty(STDERR_FILENO) == 1, open = false;
    long long shown = tty ? -1 : 0;
    void draw(long long done, long long total) {
        if (total <= 0) return;
        done = std::min(done, total);
        const long long filled = done * kWidth / total, step = tty ? filled * 1000 + done * 100 / total : 10 * done / total;
        if (step == shown) return;
        shown = step;
        open = tty && done < total;
        std::fprintf(stderr, "%s[%s%s] %lld/%lld%s", tty ? "\r" : "", std::string(filled, '#').c_str(),
                     std::string(kWidth - filled, '.').c_str(), done, total, open ? "" : "\n");
    }
    void line_break() {  // before another message while the bar is drawn in place
        if (open) std::fputc('\n', stderr);
        open = false;
        if (tty) shown = -1;
    }
};

struct SyncOptions {
    std::string data_dir, config, hub, token, ca_file;
    int batch_records = 0, batch_kib = 0, batch_grow = 0, in_flight = 0, retries = 5, max_seconds = 0, retry_base_ms = 0, stall_seconds = 0;
    bool retry_quarantined = false;
};

// What Store::open says it did (a damaged file moved aside), one line each on stderr.
void print_notices(const char* who, const std::vector<std::string>& notices) {
    for (const auto& n : notices) std::fprintf(stderr, "%s: %s\n", who, n.c_str());
}

// Opens DATA_DIR (config, else the default) for sync/pair. Exit code on failure, 0 when open.
// Check::Later (sync) leaves quick_check to the caller, to run beside its work. A file found damaged at opening
// is moved aside (Store::open): that is printed, and also given in `notices` if asked for.
int open_for_sync(const char* who, SyncOptions& o, engage::KioskConfig& cfg, std::unique_ptr<engage::Store>& store,
                  bool must_exist, engage::Store::Check check = engage::Store::Check::Now,
                  std::vector<std::string>* notices_out = nullptr) {
    if (!read_config(o.config, cfg, who)) return 2;
    if (o.data_dir.empty()) o.data_dir = cfg.data_dir.empty() ? engage::default_data_dir() : cfg.data_dir;
    if (must_exist && !std::filesystem::exists(std::filesystem::path(o.data_dir) / engage::kDatabaseFile)) {
        std::fprintf(stderr, "%s: there is no kiosk database in %s (--data-dir DIR)\n", who, o.data_dir.c_str());
        return 2;
    }
    std::vector<std::string> notices;
    try {
        store = engage::Store::open(o.data_dir, &notices, check);
    } catch (const engage::StoreError& e) {
        std::fprintf(stderr, "%s: %s\n", who, e.what());
        return 1;
    }
    print_notices(who, notices);
    if (notices_out) *notices_out = notices;
    return 0;
}

// The survey a kiosk on this data folder would run (as app/kiosk.cpp picks it: the config's, else the one chosen
// last, else the bundled demo), for the status report; none when it cannot be loaded.
engage::LiveSurvey live_survey_of(const engage::KioskConfig& cfg, engage::Store& store) {
    std::string path = cfg.survey;
    try {
        if (path.empty()) path = store.setting("survey_path").value_or("");
    } catch (const std::exception&) {
    }
    if (path.empty()) path = engage::assets_dir() + "/surveys/demo.json";
    const engage::SurveyLoad l = engage::load_survey_file(path);
    return l.ok() ? engage::LiveSurvey{l.survey->id, l.survey->version} : engage::LiveSurvey{};
}

// The published-surveys steps of the passes of one `sync` run, summed up: the last pass's state, everything changed.
void add_surveys_step(engage::PassOutcome::Surveys& total, const engage::PassOutcome::Surveys& pass) {
    auto append = [](std::vector<std::string>& to, const std::vector<std::string>& from) {
        to.insert(to.end(), from.begin(), from.end());
    };
    append(total.added, pass.added);
    append(total.removed, pass.removed);
    append(total.problems, pass.problems);
    total.fetched = total.fetched || pass.fetched;
    total.unchanged = pass.unchanged && !total.fetched;
    if (!pass.switch_to.empty()) total.switch_to = pass.switch_to;
    total.error = pass.error;
}

// "published surveys: new demo v2 (live from the next welcome screen); removed old v1" on stdout; refusals on stderr.
void print_surveys_step(const char* who, const engage::PassOutcome::Surveys& s) {
    auto join = [](const std::vector<std::string>& v) {
        std::string out;
        for (const auto& x : v) out += (out.empty() ? "" : ", ") + x;
        return out;
    };
    for (const auto& p : s.problems) std::fprintf(stderr, "%s: published survey refused: %s\n", who, p.c_str());
    if (!s.error.empty()) std::fprintf(stderr, "%s: published surveys: %s\n", who, s.error.c_str());
    if (s.fetched && (!s.added.empty() || !s.removed.empty())) {
        std::string line = "published surveys:";
        if (!s.added.empty()) line += " new " + join(s.added);
        if (!s.switch_to.empty()) line += " (live from the next welcome screen)";
        if (!s.removed.empty()) line += std::string(s.added.empty() ? "" : ";") + " removed " + join(s.removed);
        std::printf("%s\n", line.c_str());
    } else if (s.fetched || s.unchanged) {
        std::printf("published surveys: unchanged\n");
    }
}

// surveys: what the kiosk holds (bundled, from the hub, local files) and which is live. 0, or 2 bad usage.
int surveys_command(SyncOptions o, bool as_json) {
    using namespace engage;
    const char* who = "engage-kiosk surveys";
    KioskConfig cfg;
    std::unique_ptr<Store> store;
    if (int rc = open_for_sync(who, o, cfg, store, true)) return rc;
    const auto held = held_surveys(*store, o.data_dir, assets_dir(), cfg.survey);
    if (as_json) {
        nlohmann::json arr = nlohmann::json::array();
        for (const auto& h : held)
            arr.push_back({{"id", h.id.empty() ? nlohmann::json(nullptr) : nlohmann::json(h.id)},
                           {"version", h.version ? nlohmann::json(h.version) : nlohmann::json(nullptr)},
                           {"title", h.title}, {"source", source_name(h.source)}, {"path", h.path},
                           {"live", h.live}, {"next", h.next},
                           {"problem", h.problem.empty() ? nlohmann::json(nullptr) : nlohmann::json(h.problem)}});
        std::printf("%s\n", arr.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
        return 0;
    }
    std::printf("%-28s %-8s %-11s %-6s %s\n", "ID", "VERSION", "FROM", "LIVE", "FILE");
    for (const auto& h : held) {
        const char* live = h.live ? "live" : h.next ? "next" : "";
        std::printf("%-28s %-8s %-11s %-6s %s%s\n", h.id.empty() ? "-" : h.id.c_str(),
                    h.version ? std::to_string(h.version).c_str() : "-", source_name(h.source), live, h.path.c_str(),
                    h.problem.empty() ? "" : ("  (cannot be used: " + h.problem + ")").c_str());
    }
    return 0;
}

// load-pack: a kiosk pack from the hub (engage-hub kiosk pack), as the panel's "Set up from a USB stick" loads it.
// 0 loaded, 1 refused (the reason printed; nothing changed), 2 bad usage.
int load_pack_command(SyncOptions o, const std::string& file) {
    using namespace engage;
    const char* who = "engage-kiosk load-pack";
    KioskConfig cfg;
    std::unique_ptr<Store> store;
    if (int rc = open_for_sync(who, o, cfg, store, false)) return rc;
    log_to_file(o.data_dir + "/engage-kiosk.log");
    if (const std::string err = load_kiosk_pack(*store, file); !err.empty()) {
        std::fprintf(stderr, "%s: %s: %s\n", who, file.c_str(), err.c_str());
        return 1;
    }
    std::printf("loaded %s: the surveys are in %s (engage-kiosk surveys lists them)\n", file.c_str(),
                hub_survey_dir(o.data_dir).c_str());
    return 0;
}

// Store::quick_check of a data folder on a thread of its own, at the lowest priority (the thread's nice 19), for
// `sync` to run beside its pass: the pass keeps both cores busy but for moments, which are enough for the check
// (at normal priority it slowed the first batches). Unlike SCHED_IDLE, nice 19 still gets a share of a machine
// kept busy by others, so the run's end, which waits for the check, does not wait long.
class BackgroundCheck {
public:
    explicit BackgroundCheck(std::string dir) : thread_([this, dir = std::move(dir)] { run(dir); }) {}
    ~BackgroundCheck() { finish(); }
    BackgroundCheck(const BackgroundCheck&) = delete;
    BackgroundCheck& operator=(const BackgroundCheck&) = delete;
    bool found() const { return found_; }  // damage found: from any thread
    // Waits for the check. Then: damage() "" (sound) or what is wrong; error() why it could not run, if so.
    void finish() {
        if (thread_.joinable()) thread_.join();
    }
    const std::string& damage() const { return damage_; }
    const std::string& error() const { return error_; }

private:
    void run(const std::string& dir) {
        setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 19);
        try {
            damage_ = engage::Store::quick_check(dir);
        } catch (const std::exception& e) {
            error_ = e.what();
        }
        found_ = !damage_.empty();
    }
    std::atomic<bool> found_{false};
    std::string damage_, error_;  // written by the thread; read after finish()
    std::thread thread_;          // last: it starts once the members it uses are made
};

// The pass loop of `sync` (sync_command opens the store and handles what goes wrong with it). A StoreError leaves it.
int sync_run(SyncOptions& o, const engage::KioskConfig& cfg, engage::Store& store,
             std::optional<BackgroundCheck>& check, ProgressBar& bar, const std::function<int()>& set_aside) {
    using namespace engage;
    const char* who = "engage-kiosk sync";
    SyncSettings settings = sync_settings_from(cfg, store);
    if (!o.hub.empty()) settings.hub_url = normalise_hub_url(o.hub);
    if (!o.token.empty()) settings.token = o.token;
    if (!o.ca_file.empty()) settings.ca_file = o.ca_file;
    if (o.batch_records) settings.batch_records = o.batch_records;
    if (o.batch_kib) settings.batch_kib = o.batch_kib;
    if (o.in_flight) settings.in_flight = o.in_flight;
    // A size given here is the size wanted: it does not grow unless --batch-grow says so too.
    if (o.batch_records || o.batch_kib) settings.batch_grow = 1;
    if (o.batch_grow) settings.batch_grow = o.batch_grow;
    if (o.stall_seconds) settings.stall_timeout = std::chrono::seconds(o.stall_seconds);
    if (o.retry_base_ms) settings.backoff = BackoffPolicy::with_base(std::chrono::milliseconds(o.retry_base_ms));
    auto usage = [&](const std::string& msg) {
        std::fprintf(stderr, "%s: %s\n", who, msg.c_str());
        return 2;
    };
    if (settings.hub_url.empty() || settings.token.empty())
        return usage("no hub is set up: pair first (engage-kiosk pair --hub URL --code CODE), or give --hub URL and --token T");
    if (const std::string why = check_hub_url(settings.hub_url); !why.empty()) return usage(why);
    if (!settings.ca_file.empty() && !std::filesystem::exists(settings.ca_file))
        return usage("the CA file " + settings.ca_file + " does not exist");

    check.emplace(o.data_dir);
    auto damaged = [&] { return check->found(); };
    if (o.retry_quarantined) {
        check->finish();  // nothing written before the check
        if (damaged()) return set_aside();
        if (const int n = store.release_quarantined())
            std::fprintf(stderr, "%s: %d quarantined response%s will be sent again\n", who, n, n == 1 ? "" : "s");
    }

    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + std::chrono::seconds(o.max_seconds);
    auto out_of_time = [&] { return o.max_seconds > 0 && std::chrono::steady_clock::now() >= deadline; };
    auto stop_pass = [&] { return out_of_time() || damaged(); };
    auto transport = make_curl_transport(settings);
    SyncEngine engine(store, *transport, settings);
    engine.report_status_each_pass(o.data_dir, [live = live_survey_of(cfg, store)] { return live; });
    const Backoff backoff(settings.backoff);
    PassOutcome total;
    std::int64_t before = 0;  // sent in earlier passes of this run
    int failures = 0, extra_passes = 0;
    std::string reason;
    for (;;) {
        const PassOutcome pass = engine.run_pass(stop_pass, [&](const PassProgress& p) {
            if (before + p.total >= 1000) bar.draw(before + p.sent, before + p.total);
        });
        total.stored += pass.stored;
        total.duplicate += pass.duplicate;
        total.conflict += pass.conflict;
        total.quarantined += pass.quarantined;
        before += pass.sent();
        add_surveys_step(total.surveys, pass.surveys);
        if (damaged()) break;  // the pass stopped for it: its outcome is not recorded in the damaged file
        try {
            engine.record_outcome(pass, backoff);
        } catch (const StoreError& e) {
            bar.line_break();
            std::fprintf(stderr, "%s: %s\n", who, e.what());
        }
        using K = PassOutcome::Kind;
        if (pass.kind == K::Done) {
            // Responses saved meanwhile (a kiosk running on the same data) get a few more passes.
            if (store.sync_counts().waiting_sync == 0 || ++extra_passes > 3) break;
            continue;
        }
        if (pass.kind == K::Cancelled) {
            reason = "gave up after " + std::to_string(o.max_seconds) + " s (--max-seconds)";
            break;
        }
        if (pass.kind != K::Retry) {
            reason = pass.error;
            break;
        }
        failures = pass.sent() > 0 ? 1 : failures + 1;
        if (failures > o.retries) {
            reason = pass.error + " (gave up after " + std::to_string(o.retries) + " retries in a row)";
            break;
        }
        auto wait = backoff.delay(failures, pass.retry_after);
        if (o.max_seconds > 0)
            wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()) + std::chrono::milliseconds(1));
        bar.line_break();
        std::fprintf(stderr, "%s: %s; trying again in %.1f s\n", who, pass.error.c_str(), wait.count() / 1000.0);
        const auto until = std::chrono::steady_clock::now() + wait;  // in steps, so damage found ends the wait
        while (!damaged() && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
                until - std::chrono::steady_clock::now(), std::chrono::milliseconds(50)));
        if (damaged()) break;
        if (out_of_time()) {
            reason = pass.error + "; gave up after " + std::to_string(o.max_seconds) + " s (--max-seconds)";
            break;
        }
    }
    bar.line_break();
    auto print_sent = [&](const Counts& c) {
        std::printf("sent %lld (stored %lld, duplicate %lld%s), %lld waiting, %lld quarantined\n",
                    static_cast<long long>(total.sent()), static_cast<long long>(total.stored),
                    static_cast<long long>(total.duplicate),
                    total.conflict ? (", conflict " + std::to_string(total.conflict)).c_str() : "",
                    static_cast<long long>(c.waiting_sync), static_cast<long long>(c.quarantined));
        std::fflush(stdout);
    };
    check->finish();
    if (damaged()) {
        print_sent(Counts{});  // what the hub holds from this run; the damaged file's counts are not read
        return set_aside();
    }
    const Counts c = store.sync_counts();
    print_sent(c);
    if (reason.empty() && !check->error().empty()) reason = "the database could not be checked: " + check->error();
    print_surveys_step(who, total.surveys);
    std::fflush(stdout);
    if (c.quarantined > 0)
        for (const auto& q : store.quarantined(5))
            std::fprintf(stderr, "%s: response %lld (%s) is quarantined: %s\n", who, static_cast<long long>(q.seq),
                         q.uuid.c_str(), q.reason.c_str());
    if (reason.empty() && c.waiting_sync > 0) reason = "responses were saved faster than they could be sent";
    if (!reason.empty()) {
        std::fprintf(stderr, "%s: stopped: %s\n", who, reason.c_str());
        return 1;
    }
    return 0;
}

// sync: one full pass in the foreground. 0: nothing waiting and no error; 1: responses remain, or the database
// was damaged or could not be read (the reason is printed); 2: bad usage. Transient failures are retried with
// backoff (--retries in a row, --max-seconds in all).
int sync_command(SyncOptions o) {
    using namespace engage;
    const char* who = "engage-kiosk sync";
    KioskConfig cfg;
    std::unique_ptr<Store> store;
    // quick_check reads the whole file (0.15 s at 100,000 responses): it runs beside the pass (BackgroundCheck),
    // as the kiosk app's runs after its first frame. Damage found stops the pass before its next batch (a reply
    // already on its way is still acknowledged, as in the app); the file is then closed without a checkpoint and
    // moved aside as Store::open does, and the run fails saying so. A file found damaged at opening (not a
    // database, or damaged where migrating reads) has been moved aside already: the run fails too.
    std::vector<std::string> notices;
    if (int rc = open_for_sync(who, o, cfg, store, true, Store::Check::Later, &notices)) return rc;
    if (!notices.empty()) {
        std::fprintf(stderr, "%s: stopped: the database was damaged; nothing was sent\n", who);
        return 1;
    }
    log_to_file(o.data_dir + "/engage-kiosk.log");
    std::optional<BackgroundCheck> check;
    ProgressBar bar;
    auto set_aside = [&] {
        bar.line_break();
        log_error(check->damage());  // "The database … is damaged (…)"; the log goes to stderr too
        store->no_checkpoint_on_close();
        store.reset();
        std::vector<std::string> moved;
        try {
            store = Store::open(o.data_dir, &moved);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "%s: %s\n", who, e.what());
        }
        print_notices(who, moved);
        std::fprintf(stderr, "%s: stopped: the database was damaged\n", who);
        return 1;
    };
    // A read or write of the file failed: damage (found by the check, run now if it has not started) or not.
    auto store_failed = [&](const StoreError& e) {
        bar.line_break();
        std::fprintf(stderr, "%s: %s\n", who, e.what());
        if (!check) check.emplace(o.data_dir);
        check->finish();
        return check->found() ? set_aside() : 1;
    };
    try {
        return sync_run(o, cfg, *store, check, bar, set_aside);
    } catch (const StoreError& e) {
        return store_failed(e);
    }
}

// pair: trade the organiser's pairing code for this kiosk's token and store hub address + token, and the USB
// bundle key the hub sends with them. --key-file FILE (alone: nothing else) stores a key file's bundle key instead.
int pair_command(SyncOptions o, const std::string& code, const std::string& key_file = "") {
    using namespace engage;
    const char* who = "engage-kiosk pair";
    BundleKey file_key;
    if (std::string why; !key_file.empty() && !read_bundle_key_file(key_file, file_key, why)) {
        std::fprintf(stderr, "%s: %s\n", who, why.c_str());
        return 2;
    }
    auto keep_key = [&](Store& store, const BundleKey& key) {
        save_bundle_key(store, key);
        std::printf("USB bundles from kiosk %s will be sealed for hub kiosk \"%s\" (%s)\n", store.kiosk_id().c_str(),
                    key.name.c_str(), key.hub_kiosk_id.c_str());
        if (!key.hub_public_key.empty())
            std::printf("answers on this kiosk are sealed for the hub: only the hub can read them\n");
    };
    if (!key_file.empty() && o.hub.empty() && code.empty()) {
        KioskConfig cfg;
        std::unique_ptr<Store> store;
        if (int rc = open_for_sync(who, o, cfg, store, false)) return rc;
        try {
            keep_key(*store, file_key);
        } catch (const StoreError& e) {
            std::fprintf(stderr, "%s: %s\n", who, e.what());
            return 1;
        }
        return 0;
    }
    if (o.hub.empty() || code.empty()) {
        std::fprintf(stderr, "%s: --hub URL and --code CODE are required (or --key-file FILE alone)\n", who);
        return 2;
    }
    const std::string url = normalise_hub_url(o.hub);
    if (const std::string why = check_hub_url(url); !why.empty()) {
        std::fprintf(stderr, "%s: %s\n", who, why.c_str());
        return 2;
    }
    if (!o.ca_file.empty() && !std::filesystem::exists(o.ca_file)) {
        std::fprintf(stderr, "%s: the CA file %s does not exist\n", who, o.ca_file.c_str());
        return 2;
    }
    KioskConfig cfg;
    std::unique_ptr<Store> store;
    if (int rc = open_for_sync(who, o, cfg, store, false)) return rc;
    SyncSettings settings;
    settings.ca_file = o.ca_file;
    // The reply also carries the bundle key: keep its body (pair_with_hub returns only the token).
    auto curl = make_curl_transport(settings);
    KeepReply reply(*curl);
    std::string error;
    const std::string token = pair_with_hub(reply, url, code, store->kiosk_id(), error);
    if (token.empty()) {
        std::fprintf(stderr, "%s: %s\n", who, error.c_str());
        return 1;
    }
    const std::optional<BundleKey> key = key_file.empty() ? bundle_key_from_pair_reply(reply.last.body) : file_key;
    try {
        save_pairing(*store, url, token, o.ca_file);
        std::printf("paired kiosk %s with %s; responses will be sent there\n", store->kiosk_id().c_str(), url.c_str());
        if (key) keep_key(*store, *key);
        else if (reply.last.body.find("\"hub_public_key\"") != std::string::npos)
            std::fprintf(stderr, "%s: the hub's reply has a hub_public_key that is not a usable X25519 key: its keys were "
                                 "not stored and answers stay unprotected; ask the organiser\n", who);
        else std::printf("the hub sent no USB bundle key; for USB transfer ask the organiser for a key file\n");
    } catch (const StoreError& e) {
        std::fprintf(stderr, "%s: %s\n", who, e.what());
        return 1;
    }
    return 0;
}

// reset-pin: a forgotten facilitator PIN, cleared on the device's own command line (docs/access.md). With --code,
// only when the one-time code from the organiser's hub (engage-hub kiosk reset-code) is right, as the panel does.
// 0 cleared; 1 a wrong code or the database failed; 2 bad usage or no kiosk database.
int reset_pin_command(SyncOptions o, bool with_code, const std::string& code) {
    using namespace engage;
    const char* who = "engage-kiosk reset-pin";
    KioskConfig cfg;
    std::unique_ptr<Store> store;
    if (int rc = open_for_sync(who, o, cfg, store, true)) return rc;
    log_to_file(o.data_dir + "/engage-kiosk.log");
    try {
        if (!with_code) {
            clear_pin(*store);
            log_info("Facilitator PIN cleared on the kiosk's command line (engage-kiosk reset-pin); "
                     "the next panel open asks for a new PIN");
        } else {
            SteadyTime time;
            PinGuard guard(time);
            switch (use_pin_reset_code(*store, guard, code)) {
                case PinResetResult::Reset: break;
                case PinResetResult::NoKey:
                    std::fprintf(stderr, "%s: this kiosk has no key from the hub, so it cannot check a reset code; "
                                         "run engage-kiosk reset-pin without --code\n", who);
                    return 1;
                case PinResetResult::Wrong:
                case PinResetResult::Locked:
                    std::fprintf(stderr, "%s: that reset code is not right (each code works once); the PIN is "
                                         "unchanged\n", who);
                    return 1;
            }
        }
    } catch (const StoreError& e) {
        std::fprintf(stderr, "%s: %s\n", who, e.what());
        return 1;
    }
    std::printf("The facilitator PIN is cleared. The next time the facilitator panel opens, the kiosk asks for a new PIN.\n");
    if (!cfg.facilitator_pin.empty())
        std::printf("Note: the config file sets facilitator_pin, so the kiosk takes that PIN again when it starts; "
                    "remove it from the config file to choose a new one.\n");
    return 0;
}

// bundle: every response the hub has not acknowledged, sealed into a file for a USB drive (engage-hub import reads
// it). The responses stay waiting: only a network sync acknowledges them. 0 written (or nothing waiting); 1 the
// folder or the database failed; 2 bad usage or no bundle key.
int bundle_command(SyncOptions o, const std::string& to, const std::string& key_file, bool list_drives) {
    using namespace engage;
    const char* who = "engage-kiosk bundle";
    if (list_drives) {
        for (const auto& d : removable_drives())
            std::printf("%s\t%s\t%.1f MB free\t%s\n", d.path.c_str(), d.label.c_str(), d.free_bytes / 1e6,
                        d.writable ? "writable" : "read-only");
        return 0;
    }
    if (to.empty()) {
        std::fprintf(stderr, "%s: --to DIR is required: the drive's folder (--list-drives shows them)\n", who);
        return 2;
    }
    std::optional<BundleKey> key;
    if (!key_file.empty()) {
        std::string why;
        if (!read_bundle_key_file(key_file, key.emplace(), why)) {
            std::fprintf(stderr, "%s: %s\n", who, why.c_str());
            return 2;
        }
    }
    KioskConfig cfg;
    std::unique_ptr<Store> store;
    if (int rc = open_for_sync(who, o, cfg, store, true)) return rc;
    if (!key) key = load_bundle_key(*store);
    if (!key) {
        std::fprintf(stderr, "%s: this kiosk has no bundle key: pair it with the hub (engage-kiosk pair), or load the "
                             "organiser's key file (engage-kiosk pair --key-file FILE)\n", who);
        return 2;
    }
    ProgressBar bar;
    const BundleResult r = write_bundle(*store, to, *key, [&](std::int64_t done, std::int64_t total) {
        if (total >= 1000) bar.draw(done, total);
    });
    bar.line_break();
    if (!r.ok) {
        std::fprintf(stderr, "%s: %s\n", who, r.error.c_str());
        return 1;
    }
    if (r.path.empty()) std::printf("nothing to write: no response is waiting for the hub\n");
    else
        std::printf("wrote %lld response%s to %s (%llu bytes); import it on the hub: engage-hub import FILE\n",
                    static_cast<long long>(r.records), r.records == 1 ? "" : "s", r.path.c_str(),
                    static_cast<unsigned long long>(r.bytes));
    if (r.quarantined)
        std::printf("%lld response%s set aside by the hub earlier %s not in it\n", static_cast<long long>(r.quarantined),
                    r.quarantined == 1 ? "" : "s", r.quarantined == 1 ? "is" : "are");
    if (r.unreadable)
        std::printf("%lld response%s could not be read and %s not in it\n", static_cast<long long>(r.unreadable),
                    r.unreadable == 1 ? "" : "s", r.unreadable == 1 ? "is" : "are");
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
                 "With no command it runs the kiosk (full screen; hold the bottom-left corner for 3 s for the facilitator panel)."};
    app.set_version_flag("--version", "engage-kiosk " ENGAGE_VERSION);
    app.require_subcommand(0, 1);

    engage::RunOptions opts;
    std::string config_file, size;
    int idle = 0, dwell = 0;
    std::string switch_access, speech_wav_dir, language;
    float text_scale = 0;
    app.add_option("--survey", opts.config.survey, "Survey file to run (default: the last one chosen, else the bundled demo)");
    app.add_option("--data-dir", opts.config.data_dir, "Folder for the database and log (default: $XDG_DATA_HOME/engage)");
    app.add_flag("--windowed", opts.config.windowed, "Run in a window with a cursor (development, tests)");
    app.add_option("--size", size, "Window size when windowed, WxH (default 1280x800)");
    app.add_option("--idle-seconds", idle, "Seconds without a touch before \"Are you still there?\" (default 60)")
        ->check(CLI::Range(5, 3600));
    app.add_option("--language", language, "Language each new person starts in, e.g. pl (default: the survey's first)");
    app.add_option("--text-scale", text_scale, "Base text size for everyone, 1.0 to 2.0 (default 1.0)")->check(CLI::Range(1.0, 2.0));
    app.add_option("--switch", switch_access,
                   "Switch access: off (Tab, arrows, Enter, Space), two-keys (Space steps, Enter selects), "
                   "dwell (Space steps, resting selects)")
        ->check(CLI::IsMember({"off", "two-keys", "dwell"}));
    app.add_option("--dwell-ms", dwell, "With --switch dwell: how long to rest on an item to select it (default 2500)")
        ->check(CLI::Range(500, 10000));
    app.add_option("--speech-wav-dir", speech_wav_dir, "Read aloud into WAV files in this folder instead of the speakers");
    app.add_option("--automation", opts.config.automation, "Append a JSON line per screen change with every widget's label and rectangle");
    app.add_option("--config", config_file, "Config file (JSON; default: $XDG_CONFIG_HOME/engage/kiosk.json if it exists)");
    app.add_flag("--always-redraw", opts.always_redraw, "Benchmark: redraw every frame instead of only on change")->group("");
    app.add_flag("--exit-after-first-frame", opts.exit_after_first_frame, "Benchmark: quit after drawing one frame")->group("");

    std::string survey_file;
    CLI::App* check = app.add_subcommand("check-survey", "Check a survey file; print every problem with its location");
    check->set_version_flag("--version", "engage-kiosk " ENGAGE_VERSION);
    check->add_option("FILE", survey_file, "Survey file (JSON)")->required();

    std::string seed_dir, seed_count, seed_survey, seed_text;
    std::uint64_t seed_value = 1;
    CLI::App* seed = app.add_subcommand("seed", "Fill a database with N synthetic responses (demos, benchmarks)");
    seed->set_version_flag("--version", "engage-kiosk " ENGAGE_VERSION);
    seed->add_option("--data-dir", seed_dir, "Folder for the database (required; created if missing)");
    seed->add_option("--count", seed_count, "How many responses, 1 to 10000000 (required)")->type_name("N");
    seed->add_option("--survey", seed_survey, "Survey to answer (default: the bundled demo)");
    seed->add_option("--seed", seed_value, "Random seed: the same seed gives the same answers (default 1)");
    seed->add_option("--text", seed_text, "Put TEXT in every free-text answer (tests and demos of sealed answers)")
        ->type_name("TEXT");

    SyncOptions so;
    CLI::App* sync = app.add_subcommand("sync", "Send every waiting response to the hub now, in the foreground.\n"
                                                "Exit 0: nothing waiting; 1: responses remain (reason printed); 2: bad usage");
    sync->set_version_flag("--version", "engage-kiosk " ENGAGE_VERSION);
    sync->add_option("--data-dir", so.data_dir, "The kiosk's data folder (default: from the config, else $XDG_DATA_HOME/engage)");
    sync->add_option("--config", so.config, "Config file (default: $XDG_CONFIG_HOME/engage/kiosk.json if it exists)");
    sync->add_option("--hub", so.hub, "Hub address, e.g. https://hub.example.org (default: config, else the pairing)");
    sync->add_option("--token", so.token, "The kiosk's token (default: config, else the pairing)");
    sync->add_option("--ca-file", so.ca_file, "PEM file of the private CA that signed the hub's certificate");
    sync->add_option("--batch-records", so.batch_records, "Records per batch (default 1000)")
        ->check(CLI::Range(1, engage::protocol::kMaxBatchRecords));
    sync->add_option("--batch-kib", so.batch_kib, "Compressed KiB per batch (default 256)")->check(CLI::Range(16, 8000));
    sync->add_option("--batch-grow", so.batch_grow,
                     "Batches grow up to N times those sizes while the hub answers within 2 s (default: the config's "
                     "batch_grow, else 4; 1 with --batch-records or --batch-kib)")
        ->check(CLI::Range(1, 8));
    sync->add_option("--in-flight", so.in_flight, "Batches sent before the first reply is awaited (default 3)")
        ->check(CLI::Range(1, 8));
    sync->add_option("--retries", so.retries, "Failures in a row (network, busy hub) to retry with backoff before giving up (default 5)")
        ->check(CLI::Range(0, 1000000));
    sync->add_flag("--retry-quarantined", so.retry_quarantined, "Send the quarantined responses again (after the hub is fixed)");
    sync->add_option("--max-seconds", so.max_seconds, "Give up the pass after N seconds")->check(CLI::Range(1, 86400))->group("");
    sync->add_option("--retry-base-ms", so.retry_base_ms, "First backoff ceiling in ms (default 10000)")->check(CLI::Range(1, 600000))->group("");
    sync->add_option("--stall-seconds", so.stall_seconds, "Abort a transfer slower than 64 B/s for N s (default 30)")->check(CLI::Range(1, 3600))->group("");

    SyncOptions po;
    std::string pair_code;
    CLI::App* pair = app.add_subcommand("pair", "Pair with the organiser's hub: store its address and this kiosk's token");
    pair->set_version_flag("--version", "engage-kiosk " ENGAGE_VERSION);
    pair->add_option("--data-dir", po.data_dir, "The kiosk's data folder (default: from the config, else $XDG_DATA_HOME/engage)");
    pair->add_option("--config", po.config, "Config file (default: $XDG_CONFIG_HOME/engage/kiosk.json if it exists)");
    pair->add_option("--hub", po.hub, "Hub address, e.g. https://hub.example.org (required, unless --key-file alone)");
    pair->add_option("--code", pair_code, "The pairing code from the organiser (required, unless --key-file alone)");
    pair->add_option("--ca-file", po.ca_file, "PEM file of the private CA that signed the hub's certificate (remembered)");
    std::string pair_key_file;
    pair->add_option("--key-file", pair_key_file,
                     "USB bundle key file from the organiser (engage-hub kiosk key ID --out FILE); alone, stores just the key");

    SyncOptions ro;
    std::string reset_code;
    CLI::App* reset_pin = app.add_subcommand("reset-pin", "Clear a forgotten facilitator PIN: the kiosk asks for a new one\n"
                                                          "the next time the facilitator panel opens");
    reset_pin->set_version_flag("--version", "engage-kiosk " ENGAGE_VERSION);
    reset_pin->add_option("--data-dir", ro.data_dir, "The kiosk's data folder (default: from the config, else $XDG_DATA_HOME/engage)");
    reset_pin->add_option("--config", ro.config, "Config file (default: $XDG_CONFIG_HOME/engage/kiosk.json if it exists)");
    CLI::Option* reset_code_opt = reset_pin->add_option("--code", reset_code, "Only with this one-time code from the organiser's hub (engage-hub kiosk reset-code)");

    SyncOptions bo;
    std::string bundle_to, bundle_key_file;
    bool list_drives = false;
    CLI::App* bundle = app.add_subcommand("bundle", "Write every response the hub has not acknowledged to an encrypted bundle\n"
                                                    "file, e.g. on a USB drive, for engage-hub import. They stay waiting for a network sync");
    bundle->set_version_flag("--version", "engage-kiosk " ENGAGE_VERSION);
    bundle->add_option("--data-dir", bo.data_dir, "The kiosk's data folder (default: from the config, else $XDG_DATA_HOME/engage)");
    bundle->add_option("--config", bo.config, "Config file (default: $XDG_CONFIG_HOME/engage/kiosk.json if it exists)");
    bundle->add_option("--to", bundle_to, "Folder to write the bundle to, e.g. a USB drive's /media/USER/LABEL");
    bundle->add_option("--key-file", bundle_key_file, "Seal with this key file instead of the key pairing stored");
    bundle->add_flag("--list-drives", list_drives, "List the mounted removable drives and their free space");

    SyncOptions lo;
    bool surveys_json = false;
    CLI::App* surveys = app.add_subcommand("surveys", "List the surveys this kiosk holds: id, version, where from "
                                                      "(bundled, hub, local file) and which is live");
    surveys->set_version_flag("--version", "engage-kiosk " ENGAGE_VERSION);
    surveys->add_option("--data-dir", lo.data_dir, "The kiosk's data folder (default: from the config, else $XDG_DATA_HOME/engage)");
    surveys->add_option("--config", lo.config, "Config file (default: $XDG_CONFIG_HOME/engage/kiosk.json if it exists)");
    surveys->add_flag("--json", surveys_json, "Print JSON");

    SyncOptions lp;
    std::string pack_file;
    CLI::App* load_pack = app.add_subcommand("load-pack", "Load a kiosk pack from the hub (engage-hub kiosk pack): the "
                                                          "surveys published to this kiosk, for a kiosk that never connects");
    load_pack->set_version_flag("--version", "engage-kiosk " ENGAGE_VERSION);
    load_pack->add_option("FILE", pack_file, "The .pack file, e.g. on a USB stick")->required();
    load_pack->add_option("--data-dir", lp.data_dir, "The kiosk's data folder (default: from the config, else $XDG_DATA_HOME/engage)");
    load_pack->add_option("--config", lp.config, "Config file (default: $XDG_CONFIG_HOME/engage/kiosk.json if it exists)");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;  // --help / --version: 0; bad usage: 2
    }

    if (*check) return check_survey(survey_file);
    if (*seed) return seed_responses(seed_dir, seed_count, seed_survey, seed_value, seed_text);
    if (*sync) return sync_command(so);
    if (*pair) return pair_command(po, pair_code, pair_key_file);
    if (*reset_pin) return reset_pin_command(ro, reset_code_opt->count() > 0, reset_code);
    if (*bundle) return bundle_command(bo, bundle_to, bundle_key_file, list_drives);
    if (*surveys) return surveys_command(lo, surveys_json);
    if (*load_pack) return load_pack_command(lp, pack_file);

    // Config file first, then the command line on top.
    const engage::KioskConfig from_cli = opts.config;
    if (!read_config(config_file, opts.config, "engage-kiosk")) return 2;
    if (!from_cli.survey.empty()) opts.config.survey = from_cli.survey;
    if (!from_cli.data_dir.empty()) opts.config.data_dir = from_cli.data_dir;
    if (!from_cli.automation.empty()) opts.config.automation = from_cli.automation;
    if (from_cli.windowed) opts.config.windowed = true;
    if (idle) opts.config.idle_seconds = idle;
    if (dwell) opts.config.dwell_ms = dwell;
    if (!switch_access.empty()) opts.config.switch_access = switch_access;
    if (!speech_wav_dir.empty()) opts.config.speech_wav_dir = speech_wav_dir;
    if (!language.empty()) opts.config.language = language;
    if (text_scale > 0) opts.config.text_scale = text_scale;
    if (!size.empty() && !parse_size(size, opts.config.width, opts.config.height)) {
        std::fprintf(stderr, "engage-kiosk: --size %s: expected WxH, e.g. 1280x800 (each 320 to 7680)\n", size.c_str());
        return 2;
    }
    return engage::run_kiosk(opts);
}
