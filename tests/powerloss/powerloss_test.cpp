// engage_powerloss_test [--cycles N] [--seed N] [--synchronous FULL|NORMAL] [--expect-loss] [--keep]
//
// Power cuts on a simulated disk (powerloss_vfs.h). Each cycle forks a child that opens the kiosk's real Store
// on the simulated disk, saves responses with save_response and reports each one that returned (uuid and seq)
// through a pipe; the power is cut at a random write, sync or truncate (or after its last save). The parent
// then opens what the disk kept with plain SQLite, like the next boot, and checks: integrity_check is ok,
// every acknowledged save is there with its seq, no seq was ever given to two responses, and nothing was
// moved aside as damaged. The same data folder goes through every cycle.
//
// --synchronous NORMAL --expect-loss is the negative control: in WAL mode NORMAL does not sync a commit, so
// acknowledged saves must be lost; the run fails if none is (then the test could not see a loss at all).
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "engage/storage.h"
#include "../common/check_db.h"
#include "powerloss_vfs.h"

namespace fs = std::filesystem;

namespace {

struct Options {
    int cycles = 100;
    unsigned long long seed = 0;
    bool seed_given = false;
    bool full = true;
    bool expect_loss = false;
    bool keep = false;
};

void usage(FILE* to) {
    std::fprintf(to,
                 "usage: engage_powerloss_test [--cycles N] [--seed N] [--synchronous FULL|NORMAL] [--expect-loss] "
                 "[--keep]\n"
                 "Cuts the power N times (default 100) on a simulated disk while the kiosk's Store saves responses;\n"
                 "checks that every save that returned survived. --expect-loss: the run must lose saves (use with\n"
                 "--synchronous NORMAL, the negative control). --keep: keep the data folder.\n");
}

bool parse(int argc, char** argv, Options& o) {
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const bool has_value = i + 1 < argc;
        if (a == "--help" || a == "-h") {
            usage(stdout);
            std::exit(0);
        } else if (a == "--keep") o.keep = true;
        else if (a == "--expect-loss") o.expect_loss = true;
        else if (a == "--cycles" && has_value) {
            char* end = nullptr;
            const long n = std::strtol(argv[++i], &end, 10);
            if (*end || n < 1 || n > 1000000) {
                std::fprintf(stderr, "--cycles: a whole number from 1 to 1000000, not '%s'\n", argv[i]);
                return false;
            }
            o.cycles = static_cast<int>(n);
        } else if (a == "--seed" && has_value) {
            char* end = nullptr;
            o.seed = std::strtoull(argv[++i], &end, 10);
            if (*end || !*argv[i]) {
                std::fprintf(stderr, "--seed: a whole number, not '%s'\n", argv[i]);
                return false;
            }
            o.seed_given = true;
        } else if (a == "--synchronous" && has_value) {
            const std::string v = argv[++i];
            if (v != "FULL" && v != "NORMAL") {
                std::fprintf(stderr, "--synchronous: FULL or NORMAL, not '%s'\n", v.c_str());
                return false;
            }
            o.full = v == "FULL";
        } else {
            std::fprintf(stderr, "unknown or incomplete option '%s'\n", a.c_str());
            return false;
        }
    }
    return true;
}

void write_line(int fd, const std::string& line) {
    std::string s = line + "\n";
    for (std::size_t done = 0; done < s.size();) {
        const ssize_t n = ::write(fd, s.data() + done, s.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) ::_exit(4);
        done += static_cast<std::size_t>(n);
    }
}

// The child: save until the power goes. Lines: "ack UUID SEQ", "notice TEXT", "error TEXT".
[[noreturn]] void child(int fd, const std::string& data_dir, bool full, std::uint64_t seed, std::uint64_t cut_at,
                        int saves) {
    powerloss::arm(seed, cut_at);
    try {
        std::vector<std::string> notices;
        engage::StoreOptions opt;
        opt.vfs = powerloss::kVfsName;
        opt.synchronous_full = full;
        auto store = engage::Store::open(data_dir, &notices, engage::Store::Check::Now, opt);
        for (const auto& n : notices) write_line(fd, "notice " + n);
        for (int i = 0; i < saves; ++i) {
            engage::NewResponse r;
            r.survey_id = "powerloss";
            r.language = "en";
            r.answers_json = R"({"q1":)" + std::to_string(i) + R"(,"text":")" + std::string(64 + i * 37 % 900, 'x') + "\"}";
            const auto saved = store->save_response(r);
            write_line(fd, "ack " + saved.uuid + " " + std::to_string(saved.seq));
        }
    } catch (const std::exception& e) {
        write_line(fd, std::string("error ") + e.what());
        ::_exit(3);
    }
    powerloss::power_loss();
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    if (!parse(argc, argv, o)) {
        usage(stderr);
        return 2;
    }
    if (!o.seed_given) o.seed = (static_cast<unsigned long long>(std::random_device{}()) << 32) ^ std::random_device{}();
    const char* mode = o.full ? "FULL" : "NORMAL";
    std::printf("powerloss (synchronous=%s): seed %llu (rerun with --seed %llu)\n", mode, o.seed, o.seed);
    std::fflush(stdout);

    const char* tmp = std::getenv("TMPDIR");
    std::string root = std::string(tmp && *tmp ? tmp : "/tmp") + "/engage-powerloss-XXXXXX";
    if (!::mkdtemp(root.data())) {
        std::perror("mkdtemp");
        return 2;
    }
    const std::string data_dir = root + "/data";
    const std::string db_path = data_dir + "/" + engage::kDatabaseFile;
    powerloss::register_vfs();
    if (!o.full) {
        // The control starts from a database made and closed normally (synced), so what it loses is the saves
        // NORMAL did not sync, not the schema that no sync ever wrote.
        try {
            engage::Store::open(data_dir);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "cannot make the database: %s\n", e.what());
            return 2;
        }
    }

    std::mt19937_64 rng(o.seed);
    std::map<std::string, std::int64_t> acknowledged;  // uuid -> seq, every save that returned and is not yet lost
    std::map<std::int64_t, std::string> seq_owner;     // every seq ever acknowledged -> its uuid
    long acks = 0, lost = 0, seq_repeats = 0, problems = 0;
    int cycles_run = 0;

    for (int cycle = 1; cycle <= o.cycles && problems == 0 && (!o.full || lost == 0); ++cycle) {
        ++cycles_run;
        const int saves = std::uniform_int_distribution<int>(1, 12)(rng);
        // A save is about 15 writes and syncs (WAL frames, then the commit's sync): cut anywhere among them,
        // or (past the last) after the last save returned.
        const std::uint64_t cut_at =
            std::uniform_int_distribution<std::uint64_t>(1, 16 * static_cast<std::uint64_t>(saves) + 8)(rng);
        const std::uint64_t disk_seed = rng();
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) {
            std::perror("pipe2");
            return 2;
        }
        std::fflush(nullptr);
        const pid_t pid = ::fork();
        if (pid < 0) {
            std::perror("fork");
            return 2;
        }
        if (pid == 0) {
            ::close(fds[0]);
            child(fds[1], data_dir, o.full, disk_seed, cut_at, saves);
        }
        ::close(fds[1]);
        std::string out;
        char buf[4096];
        for (;;) {
            const ssize_t n = ::read(fds[0], buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            out.append(buf, static_cast<std::size_t>(n));
        }
        ::close(fds[0]);
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        if (!WIFEXITED(status) || WEXITSTATUS(status) != powerloss::kPowerLossExit) {
            std::fprintf(stderr, "cycle %d: the saving process ended without a power cut (status %d): %s\n", cycle,
                         status, out.c_str());
            ++problems;
        }
        std::vector<std::pair<std::string, std::int64_t>> new_acks;
        std::size_t start = 0;
        for (std::size_t nl; (nl = out.find('\n', start)) != std::string::npos; start = nl + 1) {
            const std::string line = out.substr(start, nl - start);
            if (line.rfind("ack ", 0) == 0) {
                const auto sp = line.find(' ', 4);
                new_acks.emplace_back(line.substr(4, sp - 4), std::stoll(line.substr(sp + 1)));
            } else {
                std::fprintf(stderr, "cycle %d: %s\n", cycle, line.c_str());
                ++problems;  // a notice means the database was found damaged and moved aside; an error, a failed save
            }
        }
        for (const auto& [uuid, seq] : new_acks) {
            ++acks;
            acknowledged[uuid] = seq;
            const auto [it, inserted] = seq_owner.emplace(seq, uuid);
            if (!inserted && it->second != uuid) {
                ++seq_repeats;  // a lost save's number given again
                it->second = uuid;
            }
        }

        // The next boot: SQLite's default VFS recovers from the WAL what the disk kept.
        engage_test::Db d;
        if (sqlite3_open_v2(db_path.c_str(), &d.db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
            if (acknowledged.empty()) continue;  // cut before the database file was first synced
            std::fprintf(stderr, "cycle %d: cannot open %s: %s\n", cycle, db_path.c_str(), sqlite3_errmsg(d.db));
            ++problems;
            continue;
        }
        sqlite3_db_config(d.db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, static_cast<int*>(nullptr));  // keep the WAL
        const std::string integrity = d.text("PRAGMA integrity_check");
        if (integrity != "ok") {
            std::fprintf(stderr, "cycle %d: integrity_check: %s\n", cycle, integrity.c_str());
            ++problems;
        }
        if (d.text("SELECT COUNT(*) FROM sqlite_schema WHERE name = 'responses'") != "1") {
            if (!acknowledged.empty()) {
                std::fprintf(stderr, "cycle %d: the responses table is gone\n", cycle);
                lost += static_cast<long>(acknowledged.size());
                acknowledged.clear();
            }
            continue;
        }
        if (const std::string dup = d.text("SELECT COUNT(*) - COUNT(DISTINCT seq) FROM responses"); dup != "0") {
            std::fprintf(stderr, "cycle %d: seq repeated in the table: %s\n", cycle, dup.c_str());
            ++problems;
        }
        // Nothing is sent here, so every response must be waiting in outbox: one missing would count as sent.
        if (const std::string n = d.text("SELECT COUNT(*) FROM responses WHERE seq NOT IN (SELECT seq FROM outbox)");
            n != "0") {
            std::fprintf(stderr, "cycle %d: %s responses not in outbox\n", cycle, n.c_str());
            ++problems;
        }
        std::map<std::string, std::int64_t> present;
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(d.db, "SELECT uuid, seq FROM responses", -1, &st, nullptr) == SQLITE_OK)
            while (sqlite3_step(st) == SQLITE_ROW)
                present[reinterpret_cast<const char*>(sqlite3_column_text(st, 0))] = sqlite3_column_int64(st, 1);
        sqlite3_finalize(st);
        long missing = 0;
        for (auto it = acknowledged.begin(); it != acknowledged.end();) {
            const auto p = present.find(it->first);
            if (p == present.end()) {
                ++missing;
                it = acknowledged.erase(it);  // counted once
                continue;
            }
            if (p->second != it->second) {
                std::fprintf(stderr, "cycle %d: %s has seq %lld, acknowledged as %lld\n", cycle, it->first.c_str(),
                             static_cast<long long>(p->second), static_cast<long long>(it->second));
                ++problems;
            }
            ++it;
        }
        if (missing && o.full)
            std::fprintf(stderr, "cycle %d (cut at operation %llu): %ld acknowledged saves lost\n", cycle,
                         static_cast<unsigned long long>(cut_at), missing);
        lost += missing;
        for (const auto& aside : engage_test::moved_aside(data_dir)) {
            std::fprintf(stderr, "cycle %d: the database was moved aside as damaged: %s\n", cycle, aside.c_str());
            ++problems;
        }
    }

    std::printf("powerloss (synchronous=%s): %d power cuts, %ld acknowledged saves, %ld lost, %ld seq given twice, "
                "%ld other problems\n",
                mode, cycles_run, acks, lost, seq_repeats, problems);
    bool pass = problems == 0 && acks > 0;
    if (o.expect_loss) {
        pass = pass && lost > 0;
        if (lost == 0)
            std::printf("powerloss: FAILED: the negative control lost nothing, so this test cannot see a loss\n");
    } else {
        pass = pass && lost == 0 && seq_repeats == 0;
    }
    if (!pass) std::printf("powerloss: FAILED (data kept in %s)\n", root.c_str());
    else if (!o.keep) fs::remove_all(root);
    else std::printf("powerloss: data kept in %s\n", root.c_str());
    return pass ? 0 : 1;
}
