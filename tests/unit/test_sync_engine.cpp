// The sync engine against an in-process fake hub (no network): batches, acknowledgement only after a valid
// reply, 413 halving, bisecting to quarantine one bad record, 401 pause, Retry-After, captive portals.
// The real hub and real network faults are tested end to end in tests/sync/.
#include <catch2/catch.hpp>

#include "temp_dir.h"

#include <sqlite3.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <utility>

#include "engage/protocol.h"
#include "engage/sync.h"

namespace fs = std::filesystem;
using namespace engage;
using Kind = PassOutcome::Kind;

namespace {

struct EngineTempDir : test::TempDir {
    EngineTempDir() : TempDir("engine") {}
};

std::string gunzip(const std::string& in) {  // throws: called on the engine's threads
    z_stream z{};
    if (inflateInit2(&z, 15 + 16) != Z_OK) throw std::runtime_error("zlib could not start");
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    std::string out;
    char buf[16384];
    int rc = Z_OK;
    while (rc == Z_OK) {
        z.next_out = reinterpret_cast<Bytef*>(buf);
        z.avail_out = sizeof buf;
        rc = inflate(&z, Z_NO_FLUSH);
        out.append(buf, sizeof buf - z.avail_out);
    }
    inflateEnd(&z);
    if (rc != Z_STREAM_END) throw std::runtime_error("a body that is not gzip");
    return out;
}

// Holds records by uuid like the real hub; answers containing "BAD" are invalid. Thread-safe: the engine posts
// several batches at once. A broken expectation is kept in `problems` (checked by the Rig) and answered as a
// failed request, as Catch's assertions are for the test's own thread.
struct FakeHub final : Transport {
    enum class Mode { PerRecord, Whole400, Refuse400, Unauthorized, Busy, Portal, Proxy400 };
    Mode mode = Mode::PerRecord;
    std::size_t max_records = 1'000'000;  // more -> 413
    int lose_reply_at = -1;               // this request is stored, but its reply is lost
    // The batch whose first record has this seq, once: "503" (nothing stored, Retry-After 30) or "cut" (stored,
    // the reply lost). By record, not by request number: batches in flight together arrive in any order.
    std::map<std::int64_t, std::string> fault_at_seq;
    int gather = 0;                       // the first requests wait (up to 5 s) until this many are in flight
    std::function<void()> on_gathered;    // called once they are
    std::map<std::string, std::string> held;
    std::vector<std::size_t> accepted_sizes;
    std::vector<nlohmann::json> status_reports;
    std::vector<std::string> problems;
    int requests = 0;
    int too_large = 0;                    // 413s answered
    int in_flight = 0, max_in_flight = 0;
    std::mutex mu;
    std::condition_variable cv;
    std::set<std::string> flying;         // uuids in requests not yet answered: none may be in two at once

    HttpResponse post(const std::string& url, const std::string& token, const std::string& body, bool gzipped,
                      const std::function<bool()>& cancelled) override {
        std::unique_lock lock(mu);
        if (url == "http://127.0.0.1:1/v1/status") {  // a status report: kept, not counted as a batch request
            if (gzipped) problems.push_back("a gzip'd status report");
            status_reports.push_back(nlohmann::json::parse(body));
            return {200, R"({"protocol":1,"hub":"engage-hub","ok":true})", "", {}, {}};
        }
        ++requests;
        ++in_flight;
        max_in_flight = std::max(max_in_flight, in_flight);
        cv.notify_all();
        if (gather > 0) {
            cv.wait_for(lock, std::chrono::seconds(5), [&] { return max_in_flight >= gather; });
            if (on_gathered) std::exchange(on_gathered, nullptr)();
        }
        std::vector<std::string> mine;
        HttpResponse r;
        try {
            r = handle(url, token, body, gzipped, cancelled, mine);
        } catch (const std::exception& e) {
            problems.push_back(e.what());
            r = {0, "", std::string("fake hub: ") + e.what(), {}, {}};
        }
        for (const auto& u : mine) flying.erase(u);
        --in_flight;
        return r;
    }

private:
    static void expect(bool ok, const std::string& what) {
        if (!ok) throw std::runtime_error(what);
    }
    HttpResponse handle(const std::string& url, const std::string& token, const std::string& body, bool gzipped,
                        const std::function<bool()>& cancelled, std::vector<std::string>& mine) {
        expect(url == "http://127.0.0.1:1/v1/batches", "posted to " + url);
        expect(gzipped, "a batch not gzip'd");
        if (mode == Mode::Unauthorized || token != "secret") return {401, R"({"error":"unknown token"})", "", {}, {}};
        if (mode == Mode::Busy) return {503, "busy", "", std::chrono::seconds(30), {}};
        if (mode == Mode::Portal) return {200, "<html><body>Log in to Cafe WiFi</body></html>", "", {}, {}};
        if (mode == Mode::Proxy400 && requests <= 12) return {400, "<html><body>400 Bad Request</body></html>", "", {}, {}};
        const auto j = nlohmann::json::parse(gunzip(body));
        expect(j["protocol"] == 1 && j["kiosk_id"].is_string(), "no protocol or kiosk_id");
        for (const auto& rec : j["records"]) {
            expect(flying.insert(rec["uuid"].get<std::string>()).second,
                   "record " + rec["uuid"].get<std::string>() + " is in two requests at once");
            mine.push_back(rec["uuid"]);
        }
        if (cancelled && cancelled()) return {0, "", "Stopped", {}, {}};  // as the transport aborts on a cancel
        std::string fault;
        if (!j["records"].empty()) {
            const auto f = fault_at_seq.find(j["records"][0]["seq"].get<std::int64_t>());
            if (f != fault_at_seq.end()) fault = f->second, fault_at_seq.erase(f);
        }
        if (fault == "503") return {503, "busy", "", std::chrono::seconds(30), {}};
        if (mode == Mode::Refuse400) return {400, R"({"error":"records: expected an array"})", "", {}, {}};
        if (j["records"].size() > max_records) {
            ++too_large;
            return {413, R"({"error":"too large"})", "", {}, {}};
        }
        auto is_bad = [](const nlohmann::json& rec) { return rec["answers"].dump().find("BAD") != std::string::npos; };
        if (mode == Mode::Whole400)  // the whole batch refused, nothing stored
            for (std::size_t i = 0; i < j["records"].size(); ++i)
                if (is_bad(j["records"][i]))
                    return {400, R"({"error":"records[)" + std::to_string(i) + R"(].answers: BAD"})", "", {}, {}};
        nlohmann::json results = nlohmann::json::array();
        for (std::size_t i = 0; i < j["records"].size(); ++i) {
            const auto& rec = j["records"][i];
            expect(rec["content_hash"] == protocol::content_hash(rec), "a wrong content hash");
            const bool bad = is_bad(rec);
            const std::string uuid = rec["uuid"];
            std::string status = "stored";
            if (bad) status = "invalid";
            else if (held.count(uuid)) status = held[uuid] == rec["content_hash"] ? "duplicate" : "conflict";
            else held[uuid] = rec["content_hash"];
            nlohmann::json r = {{"uuid", uuid}, {"status", status}};
            if (bad) r["error"] = "answers: BAD is not allowed";
            results.push_back(r);
        }
        accepted_sizes.push_back(j["records"].size());
        if (requests == lose_reply_at || fault == "cut") return {0, "", "Can't reach the hub (the connection was cut)", {}, {}};
        const nlohmann::json reply = {{"protocol", 1}, {"hub", "engage-hub"}, {"batch_id", j["batch_id"]}, {"results", results}};
        return {200, reply.dump(), "", {}, {}};
    }
};

struct Rig {
    EngineTempDir tmp;
    std::unique_ptr<Store> store = Store::open(tmp.path.string());
    FakeHub hub;
    SyncSettings settings;
    std::int64_t now_ms = 1'000'000;
    Backoff backoff{{}, [] { return std::uint64_t{0}; }, [this] { return now_ms; }};
    // in_flight 1: one batch at a time, for the tests that count requests in order
    Rig(int n, int batch, std::set<int> bad = {}, int in_flight = 1) {
        settings.hub_url = "http://127.0.0.1:1";
        settings.token = "secret";
        settings.batch_records = batch;
        settings.in_flight = in_flight;
        std::vector<NewResponse> rs;
        for (int i = 1; i <= n; ++i)
            rs.push_back({"park-plan", 1, "en",
                          bad.count(i) ? R"({"idea":{"text":"BAD"}})" : R"({"idea":{"text":"idea )" + std::to_string(i) + "\"}}"});
        store->save_batch(rs);
    }
    ~Rig() { CHECK(hub.problems == std::vector<std::string>{}); }
    // What the kiosk holds acknowledged: each must be held by the hub (acknowledged only after its reply).
    std::set<std::string> acknowledged() {
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open((tmp.path / kDatabaseFile).c_str(), &db) == SQLITE_OK);
        sqlite3_stmt* st = nullptr;
        REQUIRE(sqlite3_prepare_v2(db, "SELECT uuid FROM responses WHERE seq NOT IN (SELECT seq FROM outbox)"
                                   " AND seq NOT IN (SELECT seq FROM quarantine)", -1, &st,
                                   nullptr) == SQLITE_OK);
        std::set<std::string> out;
        while (sqlite3_step(st) == SQLITE_ROW) out.insert(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
        sqlite3_finalize(st);
        sqlite3_close(db);
        return out;
    }
    bool hub_holds_every_acknowledged() {
        for (const auto& u : acknowledged())
            if (!hub.held.count(u)) return false;
        return true;
    }
    std::string report_dir;  // set: status reports on, with this data folder
    PassOutcome pass() {
        SyncEngine e(*store, hub, settings);
        if (!report_dir.empty()) e.report_status_each_pass(report_dir, [] { return LiveSurvey{"park-plan", 4}; });
        PassOutcome o = e.run_pass();
        e.record_outcome(o, backoff);
        return o;
    }
};

}  // namespace

TEST_CASE("sync engine: every response arrives once; a lost reply comes back as duplicate", "[sync][engine]") {
    Rig rig(1234, 100);
    rig.hub.lose_reply_at = 3;
    PassOutcome o = rig.pass();
    CHECK(o.kind == Kind::Retry);
    CHECK(o.error == "Can't reach the hub (the connection was cut)");
    CHECK(o.stored == 200);
    CHECK(rig.store->counts().acknowledged == 200);  // the third batch is held by the hub but not acknowledged
    CHECK(rig.hub.held.size() == 300);
    CHECK(rig.store->sync_status().attempts == 1);
    CHECK(rig.store->sync_status().next_attempt_ms == rig.now_ms + 1'000);  // floor with a zero RNG
    CHECK(rig.store->sync_status().last_error == o.error);

    o = rig.pass();
    CHECK(o.kind == Kind::Done);
    CHECK(o.duplicate == 100);
    CHECK(o.stored == 934);
    CHECK(o.error.empty());
    const Counts c = rig.store->counts();
    CHECK(c.acknowledged == 1234);
    CHECK(c.waiting_sync == 0);
    CHECK(rig.hub.held.size() == 1234);
    const SyncStatus st = rig.store->sync_status();
    CHECK(st.attempts == 0);
    CHECK(st.last_error.empty());
    CHECK(st.last_success_utc.size() == 20);
    for (std::size_t n : rig.hub.accepted_sizes) CHECK(n <= 100);

    CHECK(rig.pass().kind == Kind::Done);  // nothing left: no request at all
    CHECK(rig.hub.requests == 14);
}

TEST_CASE("sync engine: the batch built while another is in flight: unreadable records set aside, dropped on a stop",
          "[sync][engine]") {
    Rig rig(400, 100);
    {  // response 150's stored answers are damaged: the kiosk itself cannot send it
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open((rig.tmp.path / kDatabaseFile).c_str(), &db) == SQLITE_OK);
        sqlite3_busy_timeout(db, 5000);
        CHECK(sqlite3_exec(db, "UPDATE responses SET answers_json = '{not json' WHERE seq = 150", nullptr, nullptr,
                           nullptr) == SQLITE_OK);
        CHECK(sqlite3_changes(db) == 1);
        sqlite3_close(db);
    }
    rig.hub.lose_reply_at = 2;  // batch 2 (101-200) is stored by the hub, its reply lost; batch 3 was built meanwhile
    PassOutcome o = rig.pass();
    CHECK(o.kind == Kind::Retry);
    CHECK(o.stored == 100);
    CHECK(o.quarantined == 1);
    CHECK(rig.hub.requests == 2);  // the prepared batch 3 is not sent after the stop
    CHECK(rig.hub.held.size() == 199);
    Counts c = rig.store->counts();
    CHECK(c.acknowledged == 100);
    CHECK(c.quarantined == 1);
    CHECK(c.waiting_sync == 299);  // 101-400 but 150: nothing dropped is lost
    const auto q = rig.store->quarantined();
    REQUIRE(q.size() == 1);
    CHECK(q[0].seq == 150);
    CHECK(q[0].reason.rfind("The kiosk could not read it: ", 0) == 0);

    o = rig.pass();
    CHECK(o.kind == Kind::Done);
    CHECK(o.duplicate == 99);
    CHECK(o.stored == 200);
    c = rig.store->counts();
    CHECK(c.acknowledged == 399);
    CHECK(c.waiting_sync == 0);
    CHECK(rig.hub.held.size() == 399);
    CHECK(rig.hub.requests == 5);
}

TEST_CASE("sync engine: one bad record is quarantined with the hub's reason, the rest go through", "[sync][engine]") {
    const auto mode = GENERATE(FakeHub::Mode::PerRecord, FakeHub::Mode::Whole400);
    Rig rig(300, 100, {1, 150}, GENERATE(1, 3));
    rig.hub.mode = mode;
    const PassOutcome o = rig.pass();
    CHECK(o.kind == Kind::Done);
    CHECK(o.stored == 298);
    CHECK(o.quarantined == 2);
    const Counts c = rig.store->counts();
    CHECK(c.acknowledged == 298);
    CHECK(c.quarantined == 2);
    CHECK(c.waiting_sync == 0);
    CHECK(c.total == 300);
    const auto q = rig.store->quarantined();
    REQUIRE(q.size() == 2);
    CHECK(q[0].seq == 1);
    CHECK(q[1].seq == 150);
    CHECK(q[0].reason.rfind("The hub refused it: ", 0) == 0);
    CHECK(q[0].reason.find("BAD") != std::string::npos);
    CHECK(rig.hub.requests < 40);  // bisecting, not one record at a time
    CHECK(rig.pass().kind == Kind::Done);  // quarantined ones are not sent again
}

TEST_CASE("sync engine: a hub that refuses every batch (400) quarantines nothing", "[sync][engine]") {
    SECTION("a few records: bisected to the end, none blamed") {
        Rig rig(6, 500);
        rig.hub.mode = FakeHub::Mode::Refuse400;
        const PassOutcome o = rig.pass();
        CHECK(o.kind == Kind::Stopped);
        CHECK(o.error == "The hub refused it: records: expected an array");
        CHECK(o.quarantined == 0);
        CHECK(rig.store->counts().waiting_sync == 6);
        CHECK(rig.hub.requests == 11);
        CHECK(rig.store->sync_status().attempts == 1);
    }
    SECTION("many records: bisecting stops after 32 refusals in a row") {
        Rig rig(400, 500);
        rig.hub.mode = FakeHub::Mode::Refuse400;
        const PassOutcome o = rig.pass();
        CHECK(o.kind == Kind::Stopped);
        CHECK(o.error == "Every batch is refused (HTTP 400: records: expected an array)");
        CHECK(rig.store->counts().quarantined == 0);
        CHECK(rig.hub.requests == 33);
    }
    SECTION("after an earlier success the hub is known to take our batches: the lone record is quarantined") {
        Rig rig(1, 500);
        rig.store->set_sync_status({0, 0, "2026-11-22T10:04:31Z", "", false});
        rig.hub.mode = FakeHub::Mode::Refuse400;
        CHECK(rig.pass().kind == Kind::Done);
        CHECK(rig.store->counts().quarantined == 1);
    }
}

TEST_CASE("sync engine: a 400 page from a proxy (not the hub's JSON) quarantines nothing", "[sync][engine]") {
    Rig rig(300, 100);
    rig.store->set_sync_status({0, 0, "2026-11-22T10:04:31Z", "", false});  // the hub took batches before
    rig.hub.mode = FakeHub::Mode::Proxy400;
    PassOutcome o = rig.pass();
    CHECK(o.kind == Kind::Retry);
    CHECK(o.error.find("not the hub") != std::string::npos);
    CHECK(o.quarantined == 0);
    CHECK(rig.store->counts().quarantined == 0);
    CHECK(rig.store->counts().waiting_sync > 0);
    o = rig.pass();
    CHECK(o.kind == Kind::Done);
    CHECK(rig.store->counts().acknowledged == 300);
    CHECK(rig.hub.held.size() == 300);
}

TEST_CASE("sync engine: 413 halves the batch", "[sync][engine]") {
    Rig rig(700, 500, {}, GENERATE(1, 3));
    rig.hub.max_records = 60;
    const PassOutcome o = rig.pass();
    CHECK(o.kind == Kind::Done);
    CHECK(o.stored == 700);
    CHECK(rig.store->counts().acknowledged == 700);
    for (std::size_t n : rig.hub.accepted_sizes) CHECK(n <= 60);
}

TEST_CASE("sync engine: batches are read to fit the body budget as gzip finds them, sealed ones too",
          "[sync][engine]") {
    // Answers that do not compress (like sealed ones: random bytes in base64): a batch read for the 8x that clear
    // answers get is far too big and has to be split, gzip'd again and sent with nothing in flight. After the
    // first batch the engine reads for what gzip really did, so splitting stays the exception.
    Rig rig(0, 1000, {}, 3);
    rig.settings.batch_kib = 16;
    std::mt19937 rng(7);
    const char* b64 = "abcdefghijklmnopqrstuvwxyz0123456789";  // no capitals: the fake hub refuses "BAD"
    std::vector<NewResponse> rs;
    for (int i = 0; i < 400; ++i) {
        std::string noise;
        for (int c = 0; c < 900; ++c) noise += b64[rng() % 36];
        rs.push_back({"park-plan", 1, "en", R"({"idea":{"text":")" + noise + "\"}}"});
    }
    rig.store->save_batch(rs);
    const PassOutcome o = rig.pass();
    CHECK(o.kind == Kind::Done);
    CHECK(o.stored == 400);
    CHECK(rig.store->counts().acknowledged == 400);
    CHECK(o.split <= 1);  // the first batch, read before any was gzip'd
    CHECK(rig.hub.requests <= 40);  // ~22 records in 16 KiB: batches near the budget, not scraps
}

TEST_CASE("sync engine: clear answers fill a batch without a split", "[sync][engine]") {
    Rig rig(3000, 1000, {}, 3);
    rig.settings.batch_kib = 16;  // bytes, not the record count, limit each batch
    const PassOutcome o = rig.pass();
    CHECK(o.kind == Kind::Done);
    CHECK(o.stored == 3000);
    CHECK(o.split == 0);
}

TEST_CASE("sync engine: batches grow while the hub answers quickly, up to batch_grow times", "[sync][engine]") {
    Rig rig(3000, 100, {}, 1);
    rig.settings.batch_grow = 4;
    const auto& sizes = rig.hub.accepted_sizes;
    SECTION("a quick hub: 100, then 200, then 400 a batch") {
        const PassOutcome o = rig.pass();
        CHECK(o.kind == Kind::Done);
        CHECK(o.stored == 3000);
        CHECK(rig.store->counts().acknowledged == 3000);
        REQUIRE(sizes.size() >= 4);
        CHECK(sizes.front() == 100);
        CHECK(*std::max_element(sizes.begin(), sizes.end()) == 400);
        CHECK(std::is_sorted(sizes.begin(), sizes.end() - 1));  // growing, the last one what was left
        CHECK(rig.hub.requests <= 11);  // 30 at 100 a batch
    }
    SECTION("a slow hub: never past the size asked for") {
        rig.settings.grow_within = std::chrono::milliseconds(0);
        CHECK(rig.pass().stored == 3000);
        CHECK(*std::max_element(sizes.begin(), sizes.end()) == 100);
        CHECK(rig.hub.requests == 30);
    }
    SECTION("a hub that answers 413: no growing past half what it refused") {
        rig.hub.max_records = 250;
        const PassOutcome o = rig.pass();
        CHECK(o.kind == Kind::Done);
        CHECK(o.stored == 3000);
        CHECK(rig.store->counts().acknowledged == 3000);
        CHECK(*std::max_element(sizes.begin(), sizes.end()) <= 250);
        CHECK(rig.hub.too_large >= 1);
        CHECK(rig.hub.too_large <= 2);  // the batch refused, and the one read while it was out; then no growing
    }
    SECTION("a refused batch puts the size back; the batch read meanwhile is sent as read, not split") {
        Rig bad(3000, 1000, {1200}, 1);
        bad.settings.batch_grow = 4;
        bad.settings.batch_kib = 16;  // bytes limit each batch: ~250 records, then 500, then ~1,000
        bad.hub.mode = FakeHub::Mode::Whole400;
        const PassOutcome o = bad.pass();
        CHECK(o.kind == Kind::Done);
        CHECK(o.stored == 2999);
        CHECK(o.quarantined == 1);
        CHECK(o.split == 0);  // judged by the 64 KiB it was read for, not the 16 KiB after the refusal
        CHECK(*std::max_element(bad.hub.accepted_sizes.begin(), bad.hub.accepted_sizes.end()) > 500);
    }
}

TEST_CASE("sync engine: batch_grow 1 keeps every batch at batch_records", "[sync][engine]") {
    Rig rig(1000, 100, {}, 3);
    CHECK(rig.settings.batch_grow == 1);  // the library's default; the kiosk's config says 4
    CHECK(rig.pass().stored == 1000);
    CHECK(rig.hub.requests == 10);
}

TEST_CASE("sync engine: a refused token pauses sync and acknowledges nothing", "[sync][engine]") {
    Rig rig(10, 500);
    rig.settings.token = "stale";
    const PassOutcome o = rig.pass();
    CHECK(o.kind == Kind::Paused);
    CHECK(o.error == "The hub refused this kiosk's token — ask the organiser for a new pairing code");
    CHECK(rig.store->counts().waiting_sync == 10);
    const SyncStatus st = rig.store->sync_status();
    CHECK(st.paused);
    CHECK(st.last_error == o.error);
    save_pairing(*rig.store, "http://127.0.0.1:1", "secret", "");  // a new pairing clears the pause
    CHECK_FALSE(rig.store->sync_status().paused);
    CHECK(rig.store->setting(kSettingHubToken) == std::optional<std::string>("secret"));
}

TEST_CASE("sync engine: a busy hub's Retry-After is honoured", "[sync][engine]") {
    Rig rig(10, 500);
    rig.hub.mode = FakeHub::Mode::Busy;
    const PassOutcome o = rig.pass();
    CHECK(o.kind == Kind::Retry);
    REQUIRE(o.retry_after);
    CHECK(*o.retry_after == std::chrono::milliseconds(30'000));
    CHECK(rig.store->sync_status().next_attempt_ms == rig.now_ms + 30'000);
    CHECK(rig.store->counts().waiting_sync == 10);
}

TEST_CASE("sync engine: a status report after each pass that ended well, none after a failure", "[sync][engine]") {
    Rig rig(10, 4, {3});
    CHECK(rig.pass().kind == Kind::Done);
    CHECK(rig.hub.status_reports.empty());  // off unless asked for
    rig.report_dir = rig.tmp.path.string();
    rig.store->save_batch({{"park-plan", 1, "en", R"({"idea":{"text":"later"}})"}});
    rig.hub.mode = FakeHub::Mode::Busy;  // 503 with Retry-After: no report either
    CHECK(rig.pass().kind == Kind::Retry);
    CHECK(rig.hub.status_reports.empty());
    rig.hub.mode = FakeHub::Mode::PerRecord;
    CHECK(rig.pass().kind == Kind::Done);
    CHECK(rig.pass().kind == Kind::Done);  // nothing waiting: still a report
    REQUIRE(rig.hub.status_reports.size() == 2);
    const auto& r = rig.hub.status_reports.back();
    CHECK(r["protocol"] == 1);
    CHECK(r["kiosk_id"] == rig.store->kiosk_id());
    CHECK(r["app_version"] == ENGAGE_VERSION);
    CHECK(r["survey_id"] == "park-plan");
    CHECK(r["survey_version"] == 4);
    CHECK(r["waiting"] == 0);
    CHECK(r["quarantined"] == 1);
    CHECK(r["disk_free_bytes"].get<std::int64_t>() > 0);
    CHECK(r["clock_utc"].get<std::string>().size() == 20);
    CHECK(status_report_body("k", {}, {}, -1, "t").find(R"("survey_id":null)") != std::string::npos);
}

TEST_CASE("sync engine: a captive portal's 200 page acknowledges nothing", "[sync][engine]") {
    Rig rig(10, 500);
    rig.hub.mode = FakeHub::Mode::Portal;
    const PassOutcome o = rig.pass();
    CHECK(o.kind == Kind::Retry);
    CHECK(o.error.find("captive portal") != std::string::npos);
    CHECK(rig.store->counts().waiting_sync == 10);
    CHECK(rig.store->counts().acknowledged == 0);
}

TEST_CASE("sync engine: cancelling stops before sending", "[sync][engine]") {
    Rig rig(10, 500);
    SyncEngine e(*rig.store, rig.hub, rig.settings);
    const PassOutcome o = e.run_pass([] { return true; });
    CHECK(o.kind == Kind::Cancelled);
    CHECK(rig.hub.requests == 0);
}

TEST_CASE("sync engine: up to in_flight batches at once, each acknowledged after its own reply", "[sync][engine]") {
    const int depth = GENERATE(1, 3);
    Rig rig(2000, 100, {}, depth);
    rig.hub.gather = depth;  // the first batches wait for each other: all `depth` are in flight together
    const PassOutcome o = rig.pass();
    CHECK(o.kind == Kind::Done);
    CHECK(o.stored == 2000);
    CHECK(rig.hub.max_in_flight == depth);
    CHECK(rig.hub.requests == 20);
    CHECK(rig.store->counts().acknowledged == 2000);
    CHECK(rig.hub.held.size() == 2000);
    CHECK(rig.store->synchronous() == 2);  // acknowledging left the connection at FULL
}

TEST_CASE("sync engine: a failure in the 2nd of 3 batches in flight: nothing lost, nothing acknowledged unanswered",
          "[sync][engine]") {
    const std::string fault = GENERATE(std::string("503"), std::string("cut"), std::string("invalid"));
    INFO(fault);
    Rig rig(900, 100, fault == "invalid" ? std::set<int>{150} : std::set<int>{}, 3);
    rig.hub.gather = 3;  // batches 1-3 (seq 1-300) in flight together
    if (fault != "invalid") rig.hub.fault_at_seq[101] = fault;
    PassOutcome o = rig.pass();
    CHECK(rig.hub.max_in_flight == 3);
    CHECK(rig.hub_holds_every_acknowledged());
    const std::set<std::string> acked = rig.acknowledged();
    if (fault == "invalid") {  // the rest of the 2nd batch acknowledged, 150 set aside; the pass carries on
        CHECK(o.kind == Kind::Done);
        CHECK(o.quarantined == 1);
        CHECK(acked.size() == 899);
        CHECK(rig.hub.held.size() == 899);
        CHECK(rig.store->counts().waiting_sync == 0);
        REQUIRE(rig.store->quarantined().size() == 1);
        CHECK(rig.store->quarantined()[0].seq == 150);
        return;
    }
    CHECK(o.kind == Kind::Retry);
    if (fault == "503") {
        REQUIRE(o.retry_after);
        CHECK(*o.retry_after == std::chrono::milliseconds(30'000));
    }
    // Batch 1's clean reply sent batch 4; then batch 2 failed: 3 and 4 were waited for, and their clean replies
    // acknowledged; batch 2 not. Nothing more was sent.
    CHECK(acked.size() == 300);
    CHECK(rig.hub.held.size() == (fault == "cut" ? 400 : 300));
    CHECK(rig.store->counts().waiting_sync == 600);
    CHECK(rig.hub.requests == 4);
    const auto left = rig.store->pending_batch(100, std::size_t(1) << 30);  // batch 2 is still waiting, whole
    REQUIRE(left.size() == 100);
    CHECK(left.front().seq == 101);
    CHECK(left.back().seq == 200);
    o = rig.pass();
    CHECK(o.kind == Kind::Done);
    CHECK(o.duplicate == (fault == "cut" ? 100 : 0));
    CHECK(rig.store->counts().acknowledged == 900);
    CHECK(rig.hub.held.size() == 900);
    CHECK(rig.hub_holds_every_acknowledged());
}

TEST_CASE("sync engine: cancelling while 3 batches are in flight acknowledges nothing, sends nothing more",
          "[sync][engine]") {
    Rig rig(1000, 100, {}, 3);
    std::atomic<bool> stop{false};
    rig.hub.gather = 3;
    rig.hub.on_gathered = [&] { stop = true; };  // the transport aborts the three requests
    SyncEngine e(*rig.store, rig.hub, rig.settings);
    const PassOutcome o = e.run_pass([&] { return stop.load(); });
    CHECK(o.kind == Kind::Cancelled);
    CHECK(rig.hub.requests == 3);
    CHECK(rig.hub.max_in_flight == 3);
    CHECK(rig.store->counts().acknowledged == 0);
    CHECK(rig.store->counts().waiting_sync == 1000);
    CHECK(rig.hub.held.empty());
    CHECK(rig.hub.status_reports.empty());
}

TEST_CASE("sync engine: records have the protocol's shape and a valid content hash", "[sync][engine]") {
    PendingRecord r{"9a4d0000-0000-4000-8000-000000000000", 17, "demo", 1, "en", R"({"today":4,"listened":"yes"})",
                    "2026-11-22T10:04Z", Session{"s1", "Park plan", "Leith Library", "2026-11-22T09:30:00Z", ""}};
    const nlohmann::json rec = make_record(r);
    CHECK(rec["uuid"] == r.uuid);
    CHECK(rec["seq"] == 17);
    CHECK(rec["survey_id"] == "demo");
    CHECK(rec["survey_version"] == 1);
    CHECK(rec["created_utc"] == "2026-11-22T10:04Z");
    CHECK(rec["language"] == "en");
    CHECK(rec["session"]["event"] == "Park plan");
    CHECK(rec["session"]["ended_utc"].is_null());
    CHECK(rec["answers"]["today"] == 4);
    CHECK(rec["content_hash"] == protocol::content_hash(rec));
    CHECK(rec.size() == 9);
    r.answers_json = "{not json";
    CHECK_THROWS(make_record(r));
    CHECK_THROWS(record_text(r));
}

TEST_CASE("sync engine: a batch's record text is make_record's dump, byte for byte, whatever the row holds",
          "[sync][engine]") {
    const std::string bad_utf8 = "caf\xc3 \xff\xfe";  // replaced, as dump(replace) does
    const std::string odd = "tab\there \"quoted\" back\\slash \x01\x1f\x7f \xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80";
    std::vector<PendingRecord> rows = {
        {"9a4d0000-0000-4000-8000-000000000000", 17, "demo", 1, "en", R"({"today":4,"listened":"yes"})",
         "2026-11-22T10:04Z", Session{"s1", "Park plan", "Leith Library", "2026-11-22T09:30:00Z", ""}},
        {"u2", 1, "demo", 2, "cy", R"( { "z":1, "a" : {"selected":["x","y"],"other":"\u00e9\n"}, "m":null } )",
         "2026-11-22T10:04Z", std::nullopt},
        {"u3", 9007199254740993, odd, 2147483647, bad_utf8, R"([1, 2.5, -0.0, 1e300, "\ud83d\ude00"])", odd,
         Session{odd, bad_utf8, odd, bad_utf8, "2026-11-22T18:00:00Z"}},
        {bad_utf8, 3, "", 0, "", "{}", "", Session{"", "", "", "", odd}},
        {"u5", 4, "demo", 1, "en", R"("just a string")", "2026-11-22T10:04Z", std::nullopt},
    };
    for (const auto& r : rows) {
        const nlohmann::json rec = make_record(r);
        INFO(rec.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        CHECK(record_text(r) == rec.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
}

TEST_CASE("sync: hub addresses", "[sync]") {
    CHECK(normalise_hub_url(" HTTPS://Hub.Example.org/Engage/ ") == "https://hub.example.org/Engage");
    CHECK(normalise_hub_url("hub.example.org") == "https://hub.example.org");
    CHECK(check_hub_url("https://hub.example.org").empty());
    CHECK(check_hub_url("http://127.0.0.1:8080").empty());
    CHECK(check_hub_url("http://localhost:8080").empty());
    CHECK_FALSE(check_hub_url("http://hub.example.org").empty());  // plain http only on this machine
    CHECK_FALSE(check_hub_url("ftp://hub.example.org").empty());
    CHECK_FALSE(check_hub_url("").empty());
    CHECK_FALSE(check_hub_url("https://").empty());
}
