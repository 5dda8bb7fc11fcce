// The sync engine against an in-process fake hub (no network): batches, acknowledgement only after a valid
// reply, 413 halving, bisecting to quarantine one bad record, 401 pause, Retry-After, captive portals.
// The real hub and real network faults are tested end to end in tests/sync/.
#include <catch2/catch.hpp>

#include "temp_dir.h"

#include <sqlite3.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include "engage/protocol.h"
#include "engage/sync.h"

namespace fs = std::filesystem;
using namespace engage;
using Kind = PassOutcome::Kind;

namespace {

struct EngineTempDir : test::TempDir {
    EngineTempDir() : TempDir("engine") {}
};

std::string gunzip(const std::string& in) {
    z_stream z{};
    REQUIRE(inflateInit2(&z, 15 + 16) == Z_OK);
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
    REQUIRE(rc == Z_STREAM_END);
    return out;
}

// Holds records by uuid like the real hub; answers containing "BAD" are invalid.
struct FakeHub final : Transport {
    enum class Mode { PerRecord, Whole400, Refuse400, Unauthorized, Busy, Portal, Proxy400 };
    Mode mode = Mode::PerRecord;
    std::size_t max_records = 1'000'000;  // more -> 413
    int lose_reply_at = -1;               // this request is stored, but its reply is lost
    std::map<std::string, std::string> held;
    std::vector<std::size_t> accepted_sizes;
    std::vector<nlohmann::json> status_reports;
    int requests = 0;

    HttpResponse post(const std::string& url, const std::string& token, const std::string& body, bool gzipped,
                      const std::function<bool()>&) override {
        if (url == "http://127.0.0.1:1/v1/status") {  // a status report: kept, not counted as a batch request
            REQUIRE_FALSE(gzipped);
            status_reports.push_back(nlohmann::json::parse(body));
            return {200, R"({"protocol":1,"hub":"engage-hub","ok":true})", "", {}, {}};
        }
        ++requests;
        REQUIRE(url == "http://127.0.0.1:1/v1/batches");
        REQUIRE(gzipped);
        if (mode == Mode::Unauthorized || token != "secret") return {401, R"({"error":"unknown token"})", "", {}, {}};
        if (mode == Mode::Busy) return {503, "busy", "", std::chrono::seconds(30), {}};
        if (mode == Mode::Portal) return {200, "<html><body>Log in to Cafe WiFi</body></html>", "", {}, {}};
        if (mode == Mode::Proxy400 && requests <= 12) return {400, "<html><body>400 Bad Request</body></html>", "", {}, {}};
        const auto j = nlohmann::json::parse(gunzip(body));
        REQUIRE(j["protocol"] == 1);
        REQUIRE(j["kiosk_id"].is_string());
        if (mode == Mode::Refuse400) return {400, R"({"error":"records: expected an array"})", "", {}, {}};
        if (j["records"].size() > max_records) return {413, R"({"error":"too large"})", "", {}, {}};
        auto is_bad = [](const nlohmann::json& rec) { return rec["answers"].dump().find("BAD") != std::string::npos; };
        if (mode == Mode::Whole400)  // the whole batch refused, nothing stored
            for (std::size_t i = 0; i < j["records"].size(); ++i)
                if (is_bad(j["records"][i]))
                    return {400, R"({"error":"records[)" + std::to_string(i) + R"(].answers: BAD"})", "", {}, {}};
        nlohmann::json results = nlohmann::json::array();
        for (std::size_t i = 0; i < j["records"].size(); ++i) {
            const auto& rec = j["records"][i];
            REQUIRE(rec["content_hash"] == protocol::content_hash(rec));
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
        if (requests == lose_reply_at) return {0, "", "Can't reach the hub (the connection was cut)", {}, {}};
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
    Rig(int n, int batch, std::set<int> bad = {}) {
        settings.hub_url = "http://127.0.0.1:1";
        settings.token = "secret";
        settings.batch_records = batch;
        std::vector<NewResponse> rs;
        for (int i = 1; i <= n; ++i)
            rs.push_back({"park-plan", 1, "en",
                          bad.count(i) ? R"({"idea":{"text":"BAD"}})" : R"({"idea":{"text":"idea )" + std::to_string(i) + "\"}}"});
        store->save_batch(rs);
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
    Rig rig(300, 500, {1, 150});
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
    Rig rig(700, 500);
    rig.hub.max_records = 60;
    const PassOutcome o = rig.pass();
    CHECK(o.kind == Kind::Done);
    CHECK(o.stored == 700);
    CHECK(rig.store->counts().acknowledged == 700);
    for (std::size_t n : rig.hub.accepted_sizes) CHECK(n <= 60);
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
