// engage_crash_test [--rounds N] [--max-ms N] [--seed N] [--keep]
// Starts engage_crash_writer, SIGKILLs it a random 5 to N (default 60) ms after it starts (one round in four)
// or after its store is open (the rest), and checks with the plain
// sqlite3 API that every save it acknowledged (printed) is in the database, that the database
// passes integrity_check and that sequence numbers are unique. The same data folder is used for
// every round, so earlier saves must also survive later crashes.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "../common/check_db.h"

extern char** environ;
namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

namespace {

struct Options {
    int rounds = 200;
    int max_ms = 60;
    unsigned long long seed = 0;
    bool seed_given = false;
    bool keep = false;
};

bool parse(int argc, char** argv, Options& o) {
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--keep") o.keep = true;
        else if (a == "--rounds" && i + 1 < argc) o.rounds = std::atoi(argv[++i]);
        else if (a == "--max-ms" && i + 1 < argc) o.max_ms = std::atoi(argv[++i]);
        else if (a == "--seed" && i + 1 < argc) o.seed = std::strtoull(argv[++i], nullptr, 10), o.seed_given = true;
        else return false;
    }
    return o.rounds > 0 && o.max_ms >= 5 && o.max_ms <= 60000;
}

// Runs the writer and SIGKILLs it `ms` milliseconds after it starts (`from_start`: the kill can land while the
// store is being created or migrated) or after it reports "ready" (the store is open: the kill lands among
// saves, however slowly a loaded machine started the process). Returns the uuids it printed. Sets `ok` to false
// if the writer died by anything other than our SIGKILL.
std::vector<std::string> run_writer(const std::string& data_dir, int ms, bool from_start, bool& ok) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) { std::perror("pipe2"); std::exit(2); }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
    std::string writer = ENGAGE_CRASH_WRITER;
    char* args[] = {writer.data(), const_cast<char*>(data_dir.c_str()), nullptr};
    pid_t pid = 0;
    int rc = posix_spawn(&pid, writer.c_str(), &fa, nullptr, args, environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(fds[1]);
    if (rc != 0) { std::fprintf(stderr, "cannot start %s: %s\n", writer.c_str(), std::strerror(rc)); std::exit(2); }

    std::string out;
    char buf[4096];
    // Waiting for "ready": a writer that never opens its store is killed after 60 s and the round fails below.
    auto deadline = SteadyClock::now() + std::chrono::milliseconds(from_start ? ms : 60000);
    bool killed = false, ready = false;
    for (;;) {
        if (!killed) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now()).count();
            if (left <= 0) {
                ::kill(pid, SIGKILL);
                killed = true;
            } else {
                pollfd p{fds[0], POLLIN, 0};
                if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
            }
        }
        ssize_t n = ::read(fds[0], buf, sizeof buf);  // after the kill: drain until EOF
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (!killed) { ::kill(pid, SIGKILL); killed = true; }
            break;
        }
        out.append(buf, static_cast<std::size_t>(n));
        if (!ready && out.rfind("ready\n", 0) == 0) {
            ready = true;
            if (!from_start && !killed) deadline = SteadyClock::now() + std::chrono::milliseconds(ms);
        }
    }
    ::close(fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    ok = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && (from_start || ready);
    if (!ok) std::fprintf(stderr, "writer ended on its own or never became ready (status %d)\n", status);

    std::vector<std::string> uuids;
    std::size_t start = ready ? 6 : 0;
    for (std::size_t nl; (nl = out.find('\n', start)) != std::string::npos; start = nl + 1)
        uuids.push_back(out.substr(start, nl - start));
    return uuids;  // a trailing partial line (none expected: writes < PIPE_BUF are atomic) is ignored
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    if (!parse(argc, argv, o)) {
        std::fprintf(stderr, "usage: %s [--rounds N] [--max-ms N (5 to 60000)] [--seed N] [--keep]\n", argv[0]);
        return 2;
    }
    if (!o.seed_given) o.seed = (static_cast<unsigned long long>(std::random_device{}()) << 32) ^ std::random_device{}();
    std::printf("crash test: seed %llu (rerun with --seed %llu)\n", o.seed, o.seed);
    std::fflush(stdout);

    const char* tmp = std::getenv("TMPDIR");
    std::string root = std::string(tmp && *tmp ? tmp : "/tmp") + "/engage-crash-XXXXXX";
    if (!::mkdtemp(root.data())) { std::perror("mkdtemp"); return 2; }
    const std::string data_dir = root + "/data";
    const std::string db_path = data_dir + "/engage.sqlite";

    std::mt19937_64 rng(o.seed);
    std::uniform_int_distribution<int> delay(5, o.max_ms);
    std::unordered_set<std::string> acknowledged;
    long lost = 0, failures = 0, idle_rounds = 0, twice = 0;

    int rounds_run = 0;
    for (int round = 1; round <= o.rounds && failures == 0 && lost == 0; ++round) {
        ++rounds_run;
        int ms = delay(rng);
        bool from_start = round % 4 == 1;  // one round in four may die while the store is created or migrated
        bool killed_ok = false;
        auto printed = run_writer(data_dir, ms, from_start, killed_ok);
        if (!killed_ok) ++failures;
        if (printed.empty()) ++idle_rounds;
        for (auto& u : printed) {
            if (u.size() != 36) { std::fprintf(stderr, "round %d: bad line '%s'\n", round, u.c_str()); ++failures; }
            acknowledged.insert(u);
        }
        if (!fs::exists(db_path)) {
            if (!acknowledged.empty()) { std::fprintf(stderr, "round %d: database missing\n", round); ++failures; }
            continue;
        }
        // The next "boot": a plain sqlite3 connection recovers the WAL and checks everything.
        engage_test::Db d;
        if (sqlite3_open_v2(db_path.c_str(), &d.db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
            std::fprintf(stderr, "round %d: cannot open: %s\n", round, sqlite3_errmsg(d.db));
            ++failures;
            continue;
        }
        sqlite3_busy_timeout(d.db, 5000);
        std::string integrity = d.text("PRAGMA integrity_check");
        if (integrity != "ok") { std::fprintf(stderr, "round %d: integrity_check: %s\n", round, integrity.c_str()); ++failures; }
        if (d.text("SELECT COUNT(*) FROM sqlite_schema WHERE name = 'responses'") != "1") {
            if (!acknowledged.empty()) { std::fprintf(stderr, "round %d: responses table missing\n", round); ++failures; }
            continue;  // killed before the first open finished: nothing was acknowledged yet
        }
        std::string dup = d.text("SELECT COUNT(*) - COUNT(DISTINCT seq) FROM responses");
        if (dup != "0") { std::fprintf(stderr, "round %d: duplicate seq check: %s\n", round, dup.c_str()); ++failures; }
        // Nothing is sent here, so every response must be waiting in outbox: one missing would count as sent.
        std::string unsent = d.text("SELECT COUNT(*) FROM responses WHERE seq NOT IN (SELECT seq FROM outbox)");
        if (unsent != "0") { std::fprintf(stderr, "round %d: %s responses not in outbox\n", round, unsent.c_str()); ++failures; }
        // Stored twice: one save in two rows (the same answers under two uuids or seqs). Each save's answers are
        // unique (they carry the writer's counter), so any repeat is a double store.
        std::string same = d.text("SELECT COUNT(*) - COUNT(DISTINCT answers_json) FROM responses");
        if (same != "0") {
            std::fprintf(stderr, "round %d: %s responses stored twice\n", round, same.c_str());
            twice = std::max(twice, std::atol(same.c_str()));
        }
        std::unordered_set<std::string> present;
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(d.db, "SELECT uuid FROM responses", -1, &st, nullptr) == SQLITE_OK) {
            while (sqlite3_step(st) == SQLITE_ROW) present.insert(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
        }
        sqlite3_finalize(st);
        long missing = 0;
        for (auto& u : acknowledged) missing += present.count(u) ? 0 : 1;
        if (missing) {
            std::fprintf(stderr, "round %d (%d ms): %ld acknowledged saves missing\n", round, ms, missing);
            lost = std::max(lost, missing);
        }
        for (const auto& aside : engage_test::moved_aside(data_dir)) {
            std::fprintf(stderr, "round %d: database was moved aside as damaged: %s\n", round, aside.c_str());
            ++failures;
        }
    }

    std::printf("crash test: %d rounds, %zu acknowledged saves, %ld lost, %ld stored twice (%ld rounds killed before "
                "the first save)\n",
                rounds_run, acknowledged.size(), lost, twice, idle_rounds);
    bool pass = failures == 0 && lost == 0 && twice == 0 && !acknowledged.empty();
    if (!pass) std::printf("crash test: FAILED (%ld other problems)\n", failures);
    if (pass && !o.keep) fs::remove_all(root);
    else std::printf("crash test: data kept in %s\n", root.c_str());
    return pass ? 0 : 1;
}
