// Storage tests: real SQLite files in temporary folders.
#include <catch2/catch.hpp>

#include "temp_dir.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "engage/storage.h"

namespace fs = std::filesystem;
using namespace engage;

namespace {

using test::TempDir;

std::string read_bytes(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const fs::path& p, const std::string& bytes, std::streamoff offset = -1) {
    if (offset < 0) {
        std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
        return;
    }
    std::fstream f(p, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(offset);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string garbage(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(rng() & 0xff);
    return s;
}

// A plain sqlite3 connection, independent of Store.
struct RawDb {
    sqlite3* db = nullptr;
    explicit RawDb(const std::string& path) {
        REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) ==
                SQLITE_OK);
    }
    ~RawDb() { sqlite3_close(db); }
    void exec(const std::string& sql) {
        char* err = nullptr;
        int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
        std::string msg = err ? err : "";
        sqlite3_free(err);
        INFO(sql << ": " << msg);
        REQUIRE(rc == SQLITE_OK);
    }
    // First column of the first row, as text ("" when no row; "error: ..." on failure).
    std::string text(const std::string& sql) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
            return std::string("error: ") + sqlite3_errmsg(db);
        std::string out;
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
            out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
        else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            out = std::string("error: ") + sqlite3_errmsg(db);
        sqlite3_finalize(st);
        return out;
    }
};

// Files moved aside; with main_only, without their -wal/-shm/-journal companions.
std::vector<fs::path> corrupt_files(const fs::path& dir, bool main_only = false) {
    std::vector<fs::path> out;
    for (auto& e : fs::directory_iterator(dir)) {
        std::string name = e.path().filename().string();
        if (name.rfind("engage.sqlite.corrupt-", 0) != 0) continue;
        bool companion = name.size() > 4 && (name.substr(name.size() - 4) == "-wal" ||
                                             name.substr(name.size() - 4) == "-shm" ||
                                             name.find("-journal") != std::string::npos);
        if (!main_only || !companion) out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

NewResponse sample(int i = 0) {
    NewResponse r;
    r.survey_id = "community-hall";
    r.survey_version = 3;
    r.language = i % 2 ? "cy" : "en";
    r.answers_json = R"({"mood":{"number":4},"ideas":{"text":"More benches near the bus stop )" +
                     std::to_string(i) + R"( and longer library hours"},"needs":{"selected":["transport","childcare"]}})";
    return r;
}

// Does s have this shape? '#' = decimal digit, '*' = lowercase hex digit, '~' = one of 89ab
// (the RFC 4122 variant); anything else must match literally.
bool shaped(const std::string& s, const std::string& pattern) {
    if (s.size() != pattern.size()) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i], p = pattern[i];
        bool ok = p == '#'   ? (c >= '0' && c <= '9')
                  : p == '*' ? ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))
                  : p == '~' ? std::string("89ab").find(c) != std::string::npos
                             : c == p;
        if (!ok) return false;
    }
    return true;
}
const std::string kUuid = "********-****-4***-~***-************";
const std::string kMinute = "####-##-##T##:##Z";
const std::string kSecond = "####-##-##T##:##:##Z";

}  // namespace

TEST_CASE("uuid and time formats", "[storage]") {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        std::string u = new_uuid();
        REQUIRE(shaped(u, kUuid));
        seen.insert(u);
    }
    CHECK(seen.size() == 1000);
    CHECK(shaped(utc_minute_now(), kMinute));
    CHECK(shaped(utc_seconds_now(), kSecond));
    // Rounded down: the minute string is a prefix of the seconds string (barring a minute boundary).
    std::string m = utc_minute_now(), s = utc_seconds_now();
    if (s.substr(0, 16) == m.substr(0, 16)) CHECK(s.rfind(m.substr(0, 16), 0) == 0);
}

TEST_CASE("fresh open creates the folder, WAL database and a stable kiosk id", "[storage]") {
    TempDir tmp;
    fs::path dir = tmp.path / "a" / "b" / "data";
    std::string kiosk;
    {
        std::vector<std::string> notices;
        auto s = Store::open(dir.string(), &notices);
        CHECK(notices.empty());
        CHECK(s->path() == (dir / kDatabaseFile).string());
        CHECK(s->journal_mode() == "wal");
        CHECK(s->schema_version() == kSchemaVersion);
        CHECK(s->schema_version() == kSchemaVersion);
        kiosk = s->kiosk_id();
        CHECK(shaped(kiosk, kUuid));
    }
    struct stat st{};
    REQUIRE(::stat(dir.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    auto s = Store::open(dir.string() + "/");
    CHECK(s->kiosk_id() == kiosk);
    CHECK(s->journal_mode() == "wal");

    RawDb raw(s->path());
    CHECK(raw.text("PRAGMA user_version") == std::to_string(kSchemaVersion));
    CHECK(raw.text("SELECT value FROM meta WHERE key='next_seq'") == "1");
}

TEST_CASE("a VFS that SQLite does not know is refused with its name, and nothing is made", "[storage]") {
    TempDir tmp;
    const fs::path dir = tmp.path / "data";
    StoreOptions opt;
    opt.vfs = "no-such-disk";
    try {
        Store::open(dir.string(), nullptr, Store::Check::Now, opt);
        FAIL("opened with an unknown VFS");
    } catch (const StoreError& e) {
        CHECK(std::string(e.what()).find("no-such-disk") != std::string::npos);
        CHECK(std::string(e.what()).find((dir / kDatabaseFile).string()) != std::string::npos);
    }
    CHECK_FALSE(fs::exists(dir / kDatabaseFile));
}

TEST_CASE("saved responses are all there after reopening", "[storage]") {
    TempDir tmp;
    std::vector<SavedResponse> saved;
    std::string kiosk, session;
    {
        auto s = Store::open(tmp.path.string());
        for (int i = 0; i < 3; ++i) saved.push_back(s->save_response(sample(i)));
        kiosk = s->kiosk_id();
        REQUIRE(s->current_session());
        session = s->current_session()->id;
    }
    auto s = Store::open(tmp.path.string());
    auto rows = s->responses();
    REQUIRE(rows.size() == 3);
    for (int i = 0; i < 3; ++i) {
        const StoredResponse& r = rows[static_cast<std::size_t>(i)];
        CHECK(r.uuid == saved[static_cast<std::size_t>(i)].uuid);
        CHECK(shaped(r.uuid, kUuid));
        CHECK(r.seq == i + 1);
        CHECK(saved[static_cast<std::size_t>(i)].seq == i + 1);
        CHECK(r.kiosk_id == kiosk);
        CHECK(r.session_id == session);
        CHECK(r.survey_id == "community-hall");
        CHECK(r.survey_version == 3);
        CHECK(r.language == sample(i).language);
        CHECK(r.answers_json == sample(i).answers_json);
        CHECK(shaped(r.created_utc, kMinute));
        CHECK(r.sync_state == "pending");
    }
    CHECK(s->responses(2).size() == 2);
}

TEST_CASE("a sequence number is never reused, even after rows are removed", "[storage]") {
    TempDir tmp;
    {
        auto s = Store::open(tmp.path.string());
        for (int i = 0; i < 3; ++i) s->save_response(sample(i));
    }
    {
        RawDb raw(tmp.db());
        raw.exec("DELETE FROM outbox WHERE seq >= 2; DELETE FROM responses WHERE seq >= 2");
    }
    auto s = Store::open(tmp.path.string());
    CHECK(s->save_response(sample()).seq == 4);
    auto rows = s->responses();
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].seq == 1);
    CHECK(rows[1].seq == 4);
}

TEST_CASE("a database from a newer version is refused and left unchanged", "[storage]") {
    TempDir tmp;
    const bool wal = GENERATE(false, true);
    {
        RawDb raw(tmp.db());
        if (wal) raw.exec("PRAGMA journal_mode=WAL");
        raw.exec("CREATE TABLE future(x); INSERT INTO future VALUES ('from the future'); PRAGMA user_version=99;");
    }
    const std::string before = read_bytes(tmp.db());
    REQUIRE(before.size() > 0);
    try {
        Store::open(tmp.path.string());
        FAIL("opened a database with user_version 99");
    } catch (const StoreError& e) {
        std::string msg = e.what();
        CHECK_THAT(msg, Catch::Contains("newer version"));
        CHECK_THAT(msg, Catch::Contains(tmp.db()));
        CHECK_THAT(msg, Catch::Contains("not been changed"));
    }
    CHECK(read_bytes(tmp.db()) == before);
    CHECK(corrupt_files(tmp.path).empty());
    RawDb raw(tmp.db());
    CHECK(raw.text("PRAGMA user_version") == "99");
    CHECK(raw.text("SELECT x FROM future") == "from the future");
}

TEST_CASE("a file that is not a database is moved aside and a fresh one started", "[storage]") {
    TempDir tmp;
    const std::string junk = garbage(20000, 7);
    write_bytes(tmp.db(), junk);
    write_bytes(tmp.db() + "-wal", "wal junk");

    std::vector<std::string> notices;
    auto s = Store::open(tmp.path.string(), &notices);
    auto moved = corrupt_files(tmp.path, true);
    REQUIRE(moved.size() == 1);
    CHECK(read_bytes(moved[0]) == junk);
    CHECK(read_bytes(moved[0].string() + "-wal") == "wal junk");  // companions move with it
    CHECK(read_bytes(tmp.db() + "-wal") != "wal junk");
    CHECK(shaped(moved[0].filename().string(), "engage.sqlite.corrupt-########T######Z"));

    REQUIRE(notices.size() == 1);
    CHECK_THAT(notices[0], Catch::Contains("moved aside to " + moved[0].string()));
    CHECK_THAT(notices[0], Catch::Contains("Nothing was deleted"));
    CHECK_THAT(notices[0], Catch::Contains("new id (" + s->kiosk_id() + ")"));

    CHECK(s->journal_mode() == "wal");
    CHECK(s->save_response(sample()).seq == 1);
    CHECK(s->counts().total == 1);
}

TEST_CASE("moving aside never overwrites an earlier damaged file", "[storage]") {
    TempDir tmp;
    std::time_t now = std::time(nullptr);
    std::vector<fs::path> placeholders;
    for (std::time_t t = now - 1; t <= now + 5; ++t) {
        std::tm tm{};
        gmtime_r(&t, &tm);
        char stamp[32];
        std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
        placeholders.push_back(tmp.path / (std::string("engage.sqlite.corrupt-") + stamp));
        write_bytes(placeholders.back(), "earlier damaged file");
    }
    const std::string junk = garbage(5000, 8);
    write_bytes(tmp.db(), junk);

    std::vector<std::string> notices;
    auto s = Store::open(tmp.path.string(), &notices);
    for (auto& p : placeholders) CHECK(read_bytes(p) == "earlier damaged file");
    auto moved = corrupt_files(tmp.path, true);
    REQUIRE(moved.size() == placeholders.size() + 1);
    int found = 0;
    for (auto& p : moved) {
        if (read_bytes(p) != junk) continue;
        ++found;
        CHECK(p.string().size() > 2);
        CHECK(p.string().substr(p.string().size() - 2) == "-1");
    }
    CHECK(found == 1);
    REQUIRE(notices.size() == 1);
}

TEST_CASE("a database with a damaged page is moved aside and the kiosk keeps its id", "[storage]") {
    TempDir tmp;
    std::string kiosk;
    {
        auto s = Store::open(tmp.path.string());
        kiosk = s->kiosk_id();
        for (int i = 0; i < 300; ++i) s->save_response(sample(i));
    }
    REQUIRE_FALSE(fs::exists(tmp.db() + "-wal"));  // checkpointed on close: all data is in the file
    int page_size = 0, pages = 0;
    {
        RawDb raw(tmp.db());
        page_size = std::stoi(raw.text("PRAGMA page_size"));
        pages = std::stoi(raw.text("PRAGMA page_count"));
    }
    REQUIRE(pages > 20);
    // Garbage across the middle of a page in the middle of the file.
    const std::streamoff page = pages / 2;
    write_bytes(tmp.db(), garbage(static_cast<std::size_t>(page_size / 2), 9), page * page_size + page_size / 4);
    const std::string damaged = read_bytes(tmp.db());
    {
        RawDb raw(tmp.db());
        REQUIRE(raw.text("PRAGMA quick_check") != "ok");  // the damage is real
    }

    std::vector<std::string> notices;
    auto s = Store::open(tmp.path.string(), &notices);
    REQUIRE(notices.size() == 1);
    CHECK_THAT(notices[0], Catch::Contains("damaged") && Catch::Contains("Nothing was deleted"));
    CHECK_THAT(notices[0], Catch::Contains("keeps its id"));
    CHECK(s->kiosk_id() == kiosk);
    auto moved = corrupt_files(tmp.path, true);
    REQUIRE(moved.size() == 1);
    CHECK(read_bytes(moved[0]) == damaged);
    CHECK(s->counts().total == 0);
    CHECK(s->save_response(sample()).seq == 301);  // numbering continues: no seq is reused
}

TEST_CASE("a full disk fails the save plainly and harms nothing already saved", "[storage]") {
    TempDir tmp;
    std::vector<std::string> saved;
    {
        auto s = Store::open(tmp.path.string());
        for (int i = 0; i < 5; ++i) saved.push_back(s->save_response(sample(i)).uuid);
        s->limit_pages_for_test(1);  // clamps to the current size: the next new page fails
        bool failed = false;
        for (int i = 0; i < 10000 && !failed; ++i) {
            try {
                saved.push_back(s->save_response(sample(i)).uuid);
            } catch (const StoreError& e) {
                failed = true;
                CHECK((e.code & 0xff) == SQLITE_FULL);
                CHECK_THAT(e.what(), Catch::StartsWith("Could not save the response: the disk is full"));
                CHECK_THAT(e.what(), Catch::Contains(tmp.db()));
            }
        }
        REQUIRE(failed);
        REQUIRE(saved.size() > 5);
        CHECK(s->responses().size() == saved.size());  // the failed save left no trace
        CHECK_THROWS_AS(s->save_response(sample()), StoreError);
    }
    auto s = Store::open(tmp.path.string());
    auto rows = s->responses();
    REQUIRE(rows.size() == saved.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        CHECK(rows[i].uuid == saved[i]);
        CHECK(rows[i].seq == static_cast<std::int64_t>(i + 1));
    }
    RawDb raw(tmp.db());
    CHECK(raw.text("PRAGMA integrity_check") == "ok");
    CHECK(raw.text("SELECT value FROM meta WHERE key='next_seq'") == std::to_string(saved.size() + 1));
    CHECK(s->save_response(sample()).seq == static_cast<std::int64_t>(saved.size() + 1));
}

TEST_CASE("sessions and counts", "[storage]") {
    TempDir tmp;
    auto s = Store::open(tmp.path.string());
    CHECK_FALSE(s->current_session());
    Counts c = s->counts();
    CHECK(c.this_session + c.today + c.waiting_sync + c.total == 0);

    s->save_response(sample());  // opens a drop-in session
    auto drop_in = s->current_session();
    REQUIRE(drop_in);
    CHECK(drop_in->event == "Drop-in");
    CHECK(drop_in->venue.empty());
    CHECK(shaped(drop_in->started_utc, kSecond));
    CHECK(drop_in->ended_utc.empty());
    c = s->counts();
    CHECK(c.this_session == 1);
    CHECK(c.today == 1);
    CHECK(c.waiting_sync == 1);
    CHECK(c.total == 1);

    Session hall = s->start_session("Budget workshop", "Town Hall");
    CHECK(shaped(hall.id, kUuid));
    REQUIRE(s->current_session());
    CHECK(s->current_session()->id == hall.id);
    CHECK(s->current_session()->event == "Budget workshop");
    CHECK(s->current_session()->venue == "Town Hall");
    CHECK(s->counts().this_session == 0);
    s->save_response(sample(1));
    s->save_response(sample(2));
    c = s->counts();
    CHECK(c.this_session == 2);
    CHECK(c.total == 3);
    {
        RawDb raw(tmp.db());
        CHECK(raw.text("SELECT COUNT(*) FROM sessions WHERE ended_utc IS NULL") == "1");
        CHECK(raw.text("SELECT ended_utc IS NOT NULL FROM sessions WHERE id='" + drop_in->id + "'") == "1");
        raw.exec("DELETE FROM outbox WHERE seq=1");  // acknowledged
        raw.exec("UPDATE responses SET created_utc='2001-02-03T04:05Z' WHERE seq=2");
    }
    c = s->counts();
    CHECK(c.this_session == 2);
    CHECK(c.today == 2);
    CHECK(c.waiting_sync == 2);
    CHECK(c.total == 3);

    s->end_session();
    CHECK_FALSE(s->current_session());
    CHECK(s->counts().this_session == 0);
    s->end_session();  // no-op
    s->save_response(sample());
    REQUIRE(s->current_session());
    CHECK(s->current_session()->event == "Drop-in");
    CHECK(s->current_session()->id != drop_in->id);
    CHECK(s->counts().this_session == 1);

    s->start_session("A", "B");
    s->start_session("C", "D");
    RawDb raw(tmp.db());
    CHECK(raw.text("SELECT COUNT(*) FROM sessions WHERE ended_utc IS NULL") == "1");
    CHECK(raw.text("SELECT COUNT(*) FROM sessions") == "5");
}

TEST_CASE("recent places: distinct, most recent first, named events only", "[storage]") {
    TempDir tmp;
    auto s = Store::open(tmp.path.string());
    CHECK(s->recent_places().empty());
    s->start_session("Budget workshop", "Town Hall");
    s->start_session("Youth forum", "Library");
    s->start_session("Budget workshop", "Town Hall");
    s->start_session("Budget workshop", "Community Centre");
    s->start_session("", "Somewhere");
    using P = std::pair<std::string, std::string>;
    std::vector<P> want{{"Budget workshop", "Community Centre"},
                        {"Budget workshop", "Town Hall"},
                        {"Youth forum", "Library"}};
    CHECK(s->recent_places() == want);
    CHECK(s->recent_places(2) == std::vector<P>(want.begin(), want.begin() + 2));
    s.reset();
    CHECK(Store::open(tmp.path.string())->recent_places() == want);
}

TEST_CASE("settings are stored and kept", "[storage]") {
    TempDir tmp;
    {
        auto s = Store::open(tmp.path.string());
        CHECK_FALSE(s->setting("language"));
        s->set_setting("language", "en");
        s->set_setting("language", "cy");
        s->set_setting("pin_hash", "");
        CHECK(s->setting("language") == std::optional<std::string>("cy"));
    }
    auto s = Store::open(tmp.path.string());
    CHECK(s->setting("language") == std::optional<std::string>("cy"));
    CHECK(s->setting("pin_hash") == std::optional<std::string>(""));
}

TEST_CASE("an unusable data folder is reported plainly", "[storage]") {
    TempDir tmp;
    write_bytes(tmp.path / "blocker", "a file, not a folder");
    std::string dir = (tmp.path / "blocker" / "data").string();
    try {
        Store::open(dir);
        FAIL("opened a store under a regular file");
    } catch (const StoreError& e) {
        CHECK_THAT(e.what(), Catch::StartsWith("Cannot use the data folder " + dir + ": Not a directory"));
    }
}

// ---- quick_check after the first frame (Store::Check::Later, Store::quick_check) ----------------------------
namespace {
// A kiosk database of `n` responses with garbage across the middle of a page in the middle; its kiosk id.
std::string damaged_store(const TempDir& tmp, int n) {
    std::string kiosk;
    {
        auto s = Store::open(tmp.path.string());
        kiosk = s->kiosk_id();
        std::vector<NewResponse> rs;
        for (int i = 0; i < n; ++i) rs.push_back(sample(i));
        s->save_batch(rs);
    }
    RawDb raw(tmp.db());
    const int page_size = std::stoi(raw.text("PRAGMA page_size")), pages = std::stoi(raw.text("PRAGMA page_count"));
    REQUIRE(pages > 20);
    write_bytes(tmp.db(), garbage(static_cast<std::size_t>(page_size / 2), 11),
                std::streamoff(pages / 2) * page_size + page_size / 4);
    return kiosk;
}
}  // namespace

TEST_CASE("open without quick_check, then check on a connection of its own", "[storage]") {
    TempDir tmp;
    {
        std::vector<std::string> notices;
        auto s = Store::open(tmp.path.string(), &notices, Store::Check::Later);
        CHECK(notices.empty());
        for (int i = 0; i < 50; ++i) s->save_response(sample(i));
        CHECK(Store::quick_check(tmp.path.string()).empty());  // beside the open store
        CHECK(s->save_response(sample()).seq == 51);
    }
    CHECK(Store::quick_check(tmp.path.string()).empty());
    CHECK_THROWS_AS(Store::quick_check((tmp.path / "nowhere").string()), StoreError);
}

TEST_CASE("a damaged page found after the first frame: reopening moves the file aside, nothing deleted",
          "[storage]") {
    TempDir tmp;
    const std::string kiosk = damaged_store(tmp, 400);
    const std::string damaged = read_bytes(tmp.db());

    std::vector<std::string> notices;
    auto s = Store::open(tmp.path.string(), &notices, Store::Check::Later);  // quick: the damage is not seen yet
    CHECK(notices.empty());
    CHECK(corrupt_files(tmp.path, true).empty());
    const std::string problem = Store::quick_check(tmp.path.string());
    CHECK_THAT(problem, Catch::Contains("is damaged"));

    // What the app does then: close, open again with the check, tell the facilitator.
    s.reset();
    s = Store::open(tmp.path.string(), &notices);
    REQUIRE(notices.size() == 1);
    CHECK_THAT(notices[0], Catch::Contains("damaged") && Catch::Contains("Nothing was deleted"));
    CHECK(s->kiosk_id() == kiosk);
    auto moved = corrupt_files(tmp.path, true);
    REQUIRE(moved.size() == 1);
    CHECK(read_bytes(moved[0]) == damaged);
    CHECK(s->save_response(sample()).seq == 401);
    CHECK(Store::quick_check(tmp.path.string()).empty());
}

TEST_CASE("Check::Later still moves aside a file that is not a database", "[storage]") {
    TempDir tmp;
    fs::create_directories(tmp.path);
    write_bytes(tmp.db(), garbage(8192, 5));
    std::vector<std::string> notices;
    auto s = Store::open(tmp.path.string(), &notices, Store::Check::Later);
    REQUIRE(notices.size() == 1);
    CHECK(corrupt_files(tmp.path, true).size() == 1);
    CHECK(Store::quick_check(tmp.path.string()).empty());
}
