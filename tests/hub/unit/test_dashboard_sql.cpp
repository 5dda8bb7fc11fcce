// The dashboard's summary tables (hub schema 6) against the reference: results::add over every record, as the
// dashboard computed pages before. A small known SQLite hub: counts, filters, the small-number inputs, texts
// held for review, hostile filter values, and the migration's backfill giving the same summaries.
#include <sqlite3.h>
#include <stdlib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <chrono>
#include <filesystem>
#include <thread>

#include "dashboard_data.h"
#include "dashboard_index.h"
#include "engage/results.h"
#include "engage/survey.h"
#include "store.h"

using namespace engage;
using namespace engage::hub;
using namespace engage::hub::dash;

namespace {

struct Tmp {
    std::filesystem::path path;
    Tmp() {
        const char* base = std::getenv("TMPDIR");
        std::string tmpl = std::string(base && *base ? base : "/tmp") + "/engage-hub-unit-XXXXXX";
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~Tmp() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

Record record(int i, const std::string& venue, const std::string& day, const std::string& answers) {
    Record r;
    r.uuid = "00000000-0000-4000-8000-" + std::string(11 - std::to_string(i).size(), '0') + std::to_string(i) + "a";
    r.seq = i;
    r.survey_id = "demo-community-voice";
    r.survey_version = 1;
    r.created_utc = day + "T10:" + (i < 10 ? "0" : "") + std::to_string(i) + ":00Z";
    r.language = "en";
    r.has_session = !venue.empty();
    r.session_id = "s-" + venue;
    r.session_event = "Park plan";
    r.session_venue = venue;
    r.session_started_utc = day + "T09:30:00Z";
    r.answers_json = answers;
    r.content_hash = "h" + std::to_string(i);
    return r;
}

// 14 records: Leith (9, two days), Tiny (4), no session (1). Every shape the tally knows, and some it must skip.
std::vector<Record> records() {
    std::vector<Record> out;
    const char* listened[] = {"yes", "a_bit", "no"};
    for (int i = 1; i <= 14; ++i) {
        const std::string venue = i <= 9 ? "Leith Library" : i <= 13 ? "Tiny Hall" : "";
        const std::string day = i <= 5 ? "2026-11-22" : "2026-11-23";
        // A choice's Other with its words (allow_other) is {"selected": ["other"], "other": ...}.
        const std::string heard = i == 5 ? R"({"selected":["other"],"other":"Sort of"})"
                                         : std::string("\"") + listened[i % 3] + "\"";
        std::string a = "{\"today\":" + std::to_string(1 + i % 5) + ",\"listened\":" + heard +
                        ",\"matters\":{\"selected\":[\"housing\",\"housing\"" + (i % 2 ? ",\"health\"" : "") +
                        "]},\"next_time\":{\"selected\":[\"bsl\"" + (i % 3 ? ",\"step_free\"" : "") +
                        (i == 2 ? ",\"other\"],\"other\":\"A quiet room\"}" : "]}");
        if (i % 4 == 0) a += ",\"change\":\"More benches " + std::to_string(i) + "\"";
        if (i == 6) a += ",\"change_two\":\"Call John Smith on 07700 900123\"";
        if (i == 7) a += ",\"extra\":42,\"listened_again\":\"later\"";
        if (i == 8) a += ",\"today_hard\":\"x\",\"with_us\":5";  // a string for a text question; a number for agree
        a += "}";
        if (i == 11) a = "[1,2]";  // not an object: counted as a response, never tallied
        out.push_back(record(i, venue, day, a));
    }
    return out;
}

void store_all(HubStore& store, const std::vector<Record>& rs) {
    const Enrolment e = store.add_kiosk("Test kiosk");
    Batch b;
    b.kiosk_id = "device-1";
    b.batch_id = "batch-1";
    for (const auto& r : rs) b.items.push_back({b.items.size(), r.uuid, "", r});
    const BatchOutcome out = store.store_batch(e.kiosk.id, b);
    REQUIRE(out.counts.stored == static_cast<int>(rs.size()));
}

Survey demo() {
    auto l = load_survey_file(std::string(ENGAGE_ASSETS) + "/surveys/demo.json");
    REQUIRE(l.ok());
    return *l.survey;
}

// The SQL tally equals results::add over the same records (texts aside: they are on the Texts page).
void same_tally(const results::Tally& sql, const results::Tally& ref) {
    REQUIRE(sql.questions.size() == ref.questions.size());
    CHECK(sql.bad == ref.bad);
    for (std::size_t i = 0; i < ref.questions.size(); ++i) {
        const auto& a = sql.questions[i];
        const auto& b = ref.questions[i];
        INFO("question " << b.id);
        CHECK(a.id == b.id);
        CHECK(a.type == b.type);
        CHECK(a.answered == b.answered);
        REQUIRE(a.counts.size() == b.counts.size());
        for (std::size_t k = 0; k < b.counts.size(); ++k) {
            CHECK(a.counts[k].id == b.counts[k].id);
            CHECK(a.counts[k].n == b.counts[k].n);
        }
    }
}

results::Tally reference(const std::vector<Record>& rs, const Survey* def, const std::string& venue = "") {
    results::Tally t;
    for (const auto& r : rs)
        if (venue.empty() || r.session_venue == venue) results::add(t, r.answers_json, def);
    return t;
}

results::Tally from_sql(HubStore& store, const Filters& f, const Survey* def) {
    std::int64_t responses = 0, bad = 0;
    for (const auto& s : by_survey(store, f)) {
        responses += s.responses;
        bad += s.bad;
    }
    return tally(tally_rows(store, f, "demo-community-voice"), def, responses, bad);
}

void sqlite_exec(const std::string& db, const std::string& sql) {
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
    sqlite3_busy_timeout(h, 10000);  // serve's indexer thread may be writing
    char* err = nullptr;
    const int rc = sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &err);
    INFO((err ? err : ""));
    sqlite3_free(err);
    sqlite3_close(h);
    REQUIRE(rc == SQLITE_OK);
}

// A fresh SQLite hub holding records().
struct Filled {
    Tmp tmp;
    std::string db = (tmp.path / "hub.sqlite").string();
    std::vector<Record> rs = records();
    Survey s = demo();
    std::unique_ptr<HubStore> store = HubStore::open(db);
    Filled() { store_all(*store, rs); }
};

}  // namespace

TEST_CASE("the summary tables count what results::add counts, with and without filters") {
    Filled h;
    auto& store = h.store;
    const auto& rs = h.rs;
    const Survey& s = h.s;

    same_tally(from_sql(*store, {}, &s), reference(rs, &s));
    same_tally(from_sql(*store, {}, nullptr), reference(rs, nullptr));  // no copy of the survey: types guessed
    Filters leith;
    leith.venue = "Leith Library";
    same_tally(from_sql(*store, leith, &s), reference(rs, &s, "Leith Library"));

    CHECK(total(*store, {}) == 14);
    CHECK(total(*store, leith) == 9);
    const auto venues = count_by(*store, {}, "venue");
    CHECK(venues == std::map<std::string, std::int64_t>{{"", 1}, {"Leith Library", 9}, {"Tiny Hall", 4}});
    Filters day;
    day.from = day.to = "2026-11-22";
    CHECK(total(*store, day) == 5);
    day.to = "2026-11-21";
    CHECK(total(*store, day) == 0);
    Filters session;
    session.session = session_key("Park plan", "Tiny Hall", "2026-11-23T09:30:00Z");
    CHECK(total(*store, session) == 4);
    CHECK(count_by(*store, {}, "survey_id; DROP TABLE records").empty());  // only the three known columns

    // Hostile filter values are parameters: they match nothing and change nothing.
    Filters evil;
    evil.venue = "x' OR '1'='1";
    CHECK(total(*store, evil) == 0);
    evil = {};
    evil.survey = "demo-community-voice' --";
    CHECK(total(*store, evil) == 0);
    CHECK(total(*store, {}) == 14);

    // "(no venue)" is its own value, not "every venue": only the record without a venue.
    Filters none;
    none.venue = kNoVenue;
    CHECK(total(*store, none) == 1);
    CHECK(count_by(*store, none, "venue") == std::map<std::string, std::int64_t>{{"", 1}});
    CHECK(total(*store, Filters{}) == 14);

    const Choices c = choices(*store, SurveySet{});
    CHECK(c.venues == std::vector<std::string>{"", "Leith Library", "Tiny Hall"});
    CHECK(c.sessions.size() == 3);
    CHECK(c.versions == std::vector<int>{1});
}

TEST_CASE("texts: held for review until decided, small venues counted apart, search without case") {
    Filled h;
    auto& store = h.store;

    CHECK(pending_reviews(*store) == 1);  // "Call John Smith on 07700 900123"
    const TextCounts n = text_counts(*store, {}, {"Tiny Hall"}, "");
    CHECK(n.held == 1);
    CHECK(n.small == 1);  // "More benches 12" from Tiny Hall
    CHECK(n.shown == 4);  // More benches 4, 8 (Leith), "A quiet room" and a choice's Other, "Sort of"
    CHECK(text_counts(*store, {}, {"Tiny Hall"}, "BENCHES").shown == 2);
    CHECK(text_counts(*store, {}, {"Tiny Hall"}, "%").shown == 0);  // LIKE's wildcards are escaped
    CHECK(text_counts(*store, {}, {"Tiny Hall"}, "_").shown == 0);
    const auto listed = texts(*store, {}, {"Tiny Hall"}, "", 10);
    REQUIRE(listed.size() == 4);
    CHECK(listed[0].text == "A quiet room");
    CHECK(listed[1].text == "More benches 4");
    CHECK(std::any_of(listed.begin(), listed.end(), [](const auto& t) { return t.text == "Sort of" && t.question == "listened"; }));

    // Grouped by question and paged: the groups add up to what is shown, and the pages to the whole list.
    const auto groups = text_groups(*store, {}, {"Tiny Hall"}, "");
    std::int64_t in_groups = 0;
    for (const auto& g : groups) in_groups += g.n;
    CHECK(in_groups == 4);  // as shown: More benches 4 and 8, "A quiet room", "Sort of"
    REQUIRE(!groups.empty());
    const auto& g = groups.front();
    std::vector<std::string> paged;
    for (std::size_t at = 0; at < static_cast<std::size_t>(g.n); ++at)
        for (const auto& t : texts(*store, {}, {"Tiny Hall"}, "", 1, &g, at)) paged.push_back(t.text);
    CHECK(paged.size() == static_cast<std::size_t>(g.n));
    CHECK(texts(*store, {}, {"Tiny Hall"}, "", 10, &g, static_cast<std::size_t>(g.n)).empty());
    Filters no_venue;
    no_venue.venue = kNoVenue;
    const auto unplaced = texts(*store, no_venue, {}, "", 10);
    CHECK(std::all_of(unplaced.begin(), unplaced.end(), [](const TextRow& t) { return t.venue.empty(); }));

    const auto held = review_items(*store, {}, false, 10);
    REQUIRE(held.size() == 1);
    CHECK(kiosks_with_text(*store, held[0].uuid, held[0].question, "") == std::vector<std::string>{"device-1"});
    CHECK(kiosks_with_text(*store, held[0].uuid, held[0].question, "device-2").empty());
    store->set_text_review({"device-1", held[0].uuid, held[0].question, "approved", "tester", "2026-11-24T10:00:00Z"});
    CHECK(pending_reviews(*store) == 0);
    CHECK(text_counts(*store, {}, {"Tiny Hall"}, "").shown == 5);
    store->set_text_review({"device-1", held[0].uuid, held[0].question, "hidden", "tester", "2026-11-24T10:01:00Z"});
    const TextCounts hidden = text_counts(*store, {}, {"Tiny Hall"}, "");
    CHECK(hidden.shown == 4);
    CHECK(hidden.held == 0);
    CHECK(review_items(*store, {}, true, 10).size() == 1);
}

TEST_CASE("the schema 6 migration fills the summaries from the records already held") {
    Filled h;
    h.store.reset();
    const std::string& db = h.db;
    const auto& rs = h.rs;
    const Survey& s = h.s;
    sqlite_exec(db, "DROP TABLE dash_groups; DROP TABLE dash_sessions; DROP TABLE dash_answers; DROP TABLE dash_texts;"
                    " DROP TABLE surveys; DROP TABLE kiosk_reports; DROP TABLE publications; DROP TABLE dash_queue;"
                    " DROP TABLE hub_keys;"
                    " PRAGMA user_version = 5;");
    auto store = HubStore::open(db);
    CHECK(store->schema_version() == kHubSchemaVersion);
    CHECK(total(*store, {}) == 14);
    same_tally(from_sql(*store, {}, &s), reference(rs, &s));
    CHECK(pending_reviews(*store) == 1);
    // A batch sent again stores nothing and counts nothing twice.
    Batch again;
    again.kiosk_id = "device-1";
    again.batch_id = "batch-2";
    for (const auto& r : rs) again.items.push_back({again.items.size(), r.uuid, "", r});
    const auto kiosks = store->list_kiosks();
    REQUIRE(kiosks.size() == 1);
    CHECK(store->store_batch(kiosks[0].id, again).counts.duplicate == 14);
    CHECK(total(*store, {}) == 14);
}

TEST_CASE("serve's indexer: queued records are folded in once, also after a fold that failed half way") {
    Tmp tmp;
    const std::string db = (tmp.path / "hub.sqlite").string();
    const auto rs = records();
    const Survey s = demo();
    auto store = HubStore::open(db);
    // A fold that fails after its first summaries are written (as if the hub stopped there): the last table it
    // writes refuses the insert, so the whole transaction rolls back.
    sqlite_exec(db, "CREATE TRIGGER fail_fold BEFORE INSERT ON dash_texts BEGIN SELECT RAISE(ABORT, 'stopped'); END;");
    store->defer_dashboard_index();
    store_all(*store, rs);
    CHECK(store->dashboard_pending() == 14);
    CHECK_THROWS(store->index_queued(1000));
    CHECK(store->dashboard_pending() == 14);
    CHECK(total(*store, {}) == 0);  // nothing of the failed folds was kept
    sqlite_exec(db, "DROP TRIGGER fail_fold;");
    // The background thread retries every second; wait for it (10 s at most).
    for (int i = 0; i < 200 && store->dashboard_pending() > 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    REQUIRE(store->dashboard_pending() == 0);
    CHECK(store->index_queued(1000) == 0);
    CHECK(total(*store, {}) == 14);
    same_tally(from_sql(*store, {}, &s), reference(rs, &s));
    CHECK(pending_reviews(*store) == 1);

    // The same batch again stores nothing and queues nothing; reopened, the store finds nothing left to fold.
    Batch again;
    again.kiosk_id = "device-1";
    again.batch_id = "batch-1";
    for (const auto& r : rs) again.items.push_back({again.items.size(), r.uuid, "", r});
    CHECK(store->store_batch(store->list_kiosks()[0].id, again).counts.duplicate == 14);
    CHECK(store->dashboard_pending() == 0);
    store.reset();
    store = HubStore::open(db);
    CHECK(store->dashboard_pending() == 0);
    same_tally(from_sql(*store, {}, &s), reference(rs, &s));
}
