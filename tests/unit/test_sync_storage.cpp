// Storage's sync bookkeeping (migrations 2 and 4): batch selection, acknowledgement in one transaction, quarantine,
// status that survives a restart, and no response ever deleted.
#include <catch2/catch.hpp>

#include "temp_dir.h"

#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "engage/storage.h"

namespace fs = std::filesystem;
using namespace engage;

namespace {

struct SyncTempDir : test::TempDir {
    SyncTempDir() : TempDir("sync") {}
};

// Runs SQL on a plain connection; returns the first column of the first row ("" if none).
std::string raw_sql(const std::string& db_path, const std::string& sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(db_path.c_str(), &db) == SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    std::string out;
    char* err = nullptr;
    const int rc = sqlite3_exec(
        db, sql.c_str(),
        [](void* o, int, char** v, char**) {
            auto* s = static_cast<std::string*>(o);
            if (s->empty() && v[0]) *s = v[0];
            return 0;
        },
        &out, &err);
    INFO(sql << ": " << (err ? err : ""));
    sqlite3_free(err);
    sqlite3_close(db);
    REQUIRE(rc == SQLITE_OK);
    return out;
}

NewResponse response(int i, std::size_t text = 20) {
    return {"park-plan", 2, "en", R"({"idea":{"text":")" + std::string(text, 'a') + std::to_string(i) + R"("}})"};
}

std::vector<std::int64_t> seqs(const std::vector<PendingRecord>& rs) {
    std::vector<std::int64_t> out;
    for (const auto& r : rs) out.push_back(r.seq);
    return out;
}

}  // namespace

TEST_CASE("sync storage: pending batches are oldest first, within the record and byte limits", "[sync][storage]") {
    SyncTempDir tmp;
    auto s = Store::open(tmp.path.string());
    s->start_session("Park plan", "Leith Library");
    for (int i = 0; i < 10; ++i) s->save_response(response(i));

    auto all = s->pending_batch(100, 1 << 20);
    REQUIRE(all.size() == 10);
    CHECK(seqs(all) == std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
    CHECK(seqs(s->pending_batch(3, 1 << 20)) == std::vector<std::int64_t>{1, 2, 3});
    CHECK(seqs(s->pending_batch(3, 1 << 20, 8)) == std::vector<std::int64_t>{9, 10});
    CHECK(s->pending_batch(3, 1 << 20, 10).empty());

    // The session is joined in; an open session has no end.
    const PendingRecord& r = all.front();
    REQUIRE(r.session);
    CHECK(r.session->event == "Park plan");
    CHECK(r.session->venue == "Leith Library");
    CHECK(r.session->ended_utc.empty());
    CHECK(r.survey_id == "park-plan");
    CHECK(r.survey_version == 2);
    CHECK(r.language == "en");
    CHECK(r.answers_json == response(0).answers_json);
    CHECK(r.created_utc.size() == 17);
    s->end_session();
    REQUIRE(s->pending_batch(1, 1 << 20).front().session);
    CHECK_FALSE(s->pending_batch(1, 1 << 20).front().session->ended_utc.empty());

    // Byte budget: each record is ~20 + 320 bytes; at least one comes even when the budget is tiny.
    CHECK(s->pending_batch(100, 1).size() == 1);
    const auto some = s->pending_batch(100, 1000);
    CHECK(some.size() >= 2);
    CHECK(some.size() < 10);
}

TEST_CASE("sync storage: acknowledging is one transaction, all or nothing", "[sync][storage]") {
    SyncTempDir tmp;
    auto s = Store::open(tmp.path.string());
    for (int i = 0; i < 5; ++i) s->save_response(response(i));
    auto rows = s->pending_batch(10, 1 << 20);
    std::vector<std::string> uuids;
    for (const auto& r : rows) uuids.push_back(r.uuid);

    // A trigger fails the update of the third row: the first two must not stay acknowledged.
    raw_sql(tmp.db(), "CREATE TRIGGER no_ack BEFORE DELETE ON outbox WHEN OLD.seq = 3"
                      " BEGIN SELECT RAISE(ABORT, 'refused'); END");
    CHECK(s->synchronous() == 2);  // FULL: a save is fsync'd
    CHECK_THROWS_AS(s->mark_acknowledged({uuids[0], uuids[1], uuids[2]}), StoreError);
    CHECK(s->synchronous() == 2);  // the acknowledgement's NORMAL did not outlive it, not even on a failure
    CHECK(s->counts().waiting_sync == 5);
    CHECK(s->counts().acknowledged == 0);
    raw_sql(tmp.db(), "DROP TRIGGER no_ack");

    CHECK(s->mark_acknowledged({uuids[0], uuids[1], uuids[2]}) == 3);
    CHECK(s->synchronous() == 2);
    s->save_response(response(9));  // and the next save on this connection commits at FULL
    CHECK(s->synchronous() == 2);
    CHECK(s->mark_acknowledged({s->pending_batch(10, 1 << 20).back().uuid}) == 1);
    CHECK(s->mark_acknowledged({uuids[0], "not-a-uuid"}) == 0);  // already acknowledged / unknown: skipped
    CHECK(s->mark_acknowledged({}) == 0);
    const Counts c = s->counts();
    CHECK(c.waiting_sync == 2);
    CHECK(c.acknowledged == 4);
    CHECK(c.total == 6);
    CHECK(seqs(s->pending_batch(10, 1 << 20)) == std::vector<std::int64_t>{4, 5});
}

TEST_CASE("sync storage: acknowledging by seq marks runs by range, and exactly the rows named", "[sync][storage]") {
    SyncTempDir tmp;
    auto s = Store::open(tmp.path.string());
    for (int i = 0; i < 12; ++i) s->save_response(response(i));
    auto rows = s->pending_batch(20, 1 << 20);
    REQUIRE(rows.size() == 12);
    CHECK(s->quarantine(rows[3].uuid, "set aside"));  // seq 4
    // A batch of seqs 1-3, 4 (quarantined since), 5, 6 and 8 (7 was not in it), then 11 alone; 9, 10, 12 stay.
    std::vector<std::string> uuids;
    std::vector<std::int64_t> sq;
    for (int i : {0, 1, 2, 3, 4, 5, 7, 10}) {
        uuids.push_back(rows[static_cast<std::size_t>(i)].uuid);
        sq.push_back(rows[static_cast<std::size_t>(i)].seq);
    }
    CHECK(s->mark_acknowledged(uuids, sq) == 7);  // all but the quarantined one
    CHECK(seqs(s->pending_batch(20, 1 << 20)) == std::vector<std::int64_t>{7, 9, 10, 12});
    CHECK(s->quarantined().size() == 1);
    CHECK(s->counts().acknowledged == 7);
    CHECK(s->mark_acknowledged(uuids, sq) == 0);  // again: nothing is pending any more
    // A run whose rows are acknowledged already, next to pending ones: only the pending change.
    CHECK(s->mark_acknowledged({rows[5].uuid, rows[6].uuid}, {rows[5].seq, rows[6].seq}) == 1);
    CHECK_THROWS_AS(s->mark_acknowledged({rows[8].uuid, rows[9].uuid}, {rows[8].seq}), std::invalid_argument);
    CHECK(seqs(s->pending_batch(20, 1 << 20)) == std::vector<std::int64_t>{9, 10, 12});
}

TEST_CASE("sync storage: quarantined records are kept, never selected, and can be released", "[sync][storage]") {
    SyncTempDir tmp;
    auto s = Store::open(tmp.path.string());
    for (int i = 0; i < 4; ++i) s->save_response(response(i));
    auto rows = s->pending_batch(10, 1 << 20);
    CHECK(s->quarantine(rows[1].uuid, "The hub refused it: answers.idea: too long"));
    CHECK_FALSE(s->quarantine(rows[1].uuid, "again"));  // only pending ones
    CHECK(s->mark_acknowledged({rows[0].uuid}) == 1);
    CHECK_FALSE(s->quarantine(rows[0].uuid, "acknowledged ones stay acknowledged"));
    CHECK(s->mark_acknowledged({rows[1].uuid}) == 0);  // a quarantined one is not acknowledged by accident

    CHECK(seqs(s->pending_batch(10, 1 << 20)) == std::vector<std::int64_t>{3, 4});
    Counts c = s->counts();
    CHECK(c.waiting_sync == 2);
    CHECK(c.quarantined == 1);
    CHECK(c.acknowledged == 1);
    const Counts sc = s->sync_counts();  // the count of outbox and quarantine that sync uses says the same
    CHECK(sc.waiting_sync == 2);
    CHECK(sc.quarantined == 1);
    CHECK(sc.total == 0);
    auto q = s->quarantined();
    REQUIRE(q.size() == 1);
    CHECK(q[0].seq == 2);
    CHECK(q[0].uuid == rows[1].uuid);
    CHECK(q[0].reason == "The hub refused it: answers.idea: too long");

    CHECK(s->release_quarantined() == 1);
    CHECK(seqs(s->pending_batch(10, 1 << 20)) == std::vector<std::int64_t>{2, 3, 4});
    CHECK(s->sync_counts().waiting_sync == 3);
    CHECK(s->sync_counts().quarantined == 0);
    // Nothing was ever deleted.
    CHECK(s->counts().total == 4);
    CHECK(raw_sql(tmp.db(), "SELECT COUNT(*) FROM responses") == "4");
}

TEST_CASE("sync storage: the sync status survives a restart", "[sync][storage]") {
    SyncTempDir tmp;
    {
        auto s = Store::open(tmp.path.string());
        const SyncStatus fresh = s->sync_status();
        CHECK(fresh.attempts == 0);
        CHECK(fresh.next_attempt_ms == 0);
        CHECK(fresh.last_success_utc.empty());
        CHECK(fresh.last_error.empty());
        CHECK_FALSE(fresh.paused);
        s->set_sync_status({7, 1'800'000'000'123, "2026-11-22T10:04:31Z", "Can't reach the hub", true});
    }
    auto s = Store::open(tmp.path.string());
    const SyncStatus st = s->sync_status();
    CHECK(st.attempts == 7);
    CHECK(st.next_attempt_ms == 1'800'000'000'123);
    CHECK(st.last_success_utc == "2026-11-22T10:04:31Z");
    CHECK(st.last_error == "Can't reach the hub");
    CHECK(st.paused);
    CHECK(raw_sql(tmp.db(), "SELECT COUNT(*) FROM sync_status") == "1");
}

TEST_CASE("sync storage: a second connection for the sync thread sees the same data", "[sync][storage]") {
    SyncTempDir tmp;
    CHECK_THROWS_AS(Store::open_existing(tmp.path.string()), StoreError);  // no database yet: not created
    CHECK_FALSE(fs::exists(tmp.db()));
    auto ui = Store::open(tmp.path.string());
    auto sync = Store::open_existing(tmp.path.string());
    CHECK(sync->kiosk_id() == ui->kiosk_id());
    CHECK(sync->journal_mode() == "wal");
    ui->save_response(response(1));
    auto rows = sync->pending_batch(10, 1 << 20);
    REQUIRE(rows.size() == 1);
    CHECK(sync->mark_acknowledged({rows[0].uuid}) == 1);
    CHECK(sync->synchronous() == 2);  // the sync thread's connection is back at FULL, the UI's never left it
    CHECK(ui->synchronous() == 2);
    CHECK(ui->counts().acknowledged == 1);
    StoreOptions normal;  // a connection opened at NORMAL is left at NORMAL (not raised to FULL by an ack)
    normal.synchronous_full = false;
    auto relaxed = Store::open(tmp.path.string(), nullptr, Store::Check::Now, normal);
    CHECK(relaxed->synchronous() == 1);
    ui->save_response(response(3));
    CHECK(relaxed->mark_acknowledged({relaxed->pending_batch(10, 1 << 20).back().uuid}) == 1);
    CHECK(relaxed->synchronous() == 1);
    relaxed.reset();
    ui->save_response(response(2));  // the UI still writes while the other connection is open
    CHECK(sync->counts().waiting_sync == 1);
}

TEST_CASE("sync storage: migrations 2 to 4 upgrade a version 1 database and keep every response", "[sync][storage]") {
    SyncTempDir tmp;
    std::string kiosk;
    {
        auto s = Store::open(tmp.path.string());
        kiosk = s->kiosk_id();
        for (int i = 0; i < 3; ++i) s->save_response(response(i));
    }
    // Take it back to the version 1 schema (its columns in another order).
    raw_sql(tmp.db(), test::kBackToSchema3 +
            " DROP TABLE live_counts; ALTER TABLE responses DROP COLUMN sealed;"
            " DROP TABLE sync_status; DROP INDEX responses_sync_seq; ALTER TABLE responses DROP COLUMN quarantine_reason;"
            " CREATE INDEX responses_sync ON responses(sync_state); UPDATE responses SET sync_state='acknowledged' WHERE seq=1;"
            " PRAGMA user_version = 1;");
    auto s = Store::open(tmp.path.string());
    CHECK(s->schema_version() == kSchemaVersion);
    CHECK(s->kiosk_id() == kiosk);
    const Counts c = s->counts();
    CHECK(c.total == 3);
    CHECK(c.acknowledged == 1);
    CHECK(c.waiting_sync == 2);
    CHECK(seqs(s->pending_batch(10, 1 << 20)) == std::vector<std::int64_t>{2, 3});
    CHECK(s->sync_status().attempts == 0);
    CHECK(raw_sql(tmp.db(), "PRAGMA integrity_check") == "ok");
}

TEST_CASE("sync storage: migration 4 moves each response's sync state into outbox and quarantine", "[sync][storage]") {
    SyncTempDir tmp;
    std::string kiosk;
    {
        auto s = Store::open(tmp.path.string());
        kiosk = s->kiosk_id();
        for (int i = 0; i < 6; ++i) s->save_response(response(i));
    }
    // Schema 3 as a kiosk left it: 1 and 4 acknowledged, 3 set aside with its reason, 2, 5 and 6 waiting.
    raw_sql(tmp.db(), test::kBackToSchema3 +
            " UPDATE responses SET sync_state = 'acknowledged' WHERE seq IN (1, 4);"
            " UPDATE responses SET sync_state = 'quarantined', quarantine_reason = 'The hub refused it' WHERE seq = 3;");
    REQUIRE(raw_sql(tmp.db(), "SELECT group_concat(sync_state, ',') FROM (SELECT sync_state FROM responses ORDER BY seq)") ==
            "acknowledged,pending,quarantined,acknowledged,pending,pending");
    auto s = Store::open(tmp.path.string());
    CHECK(s->schema_version() == 4);
    CHECK(s->kiosk_id() == kiosk);
    const Counts c = s->counts();
    CHECK(c.total == 6);
    CHECK(c.acknowledged == 2);
    CHECK(c.waiting_sync == 3);
    CHECK(c.quarantined == 1);
    CHECK(seqs(s->pending_batch(10, 1 << 20)) == std::vector<std::int64_t>{2, 5, 6});
    const auto q = s->quarantined();
    REQUIRE(q.size() == 1);
    CHECK(q[0].seq == 3);
    CHECK(q[0].reason == "The hub refused it");
    std::vector<std::string> states;
    for (const auto& r : s->responses()) states.push_back(r.sync_state);
    CHECK(states == std::vector<std::string>{"acknowledged", "pending", "quarantined", "acknowledged", "pending",
                                             "pending"});
    // The columns are gone with their index; the file is sound and the kiosk carries on.
    CHECK(raw_sql(tmp.db(), "SELECT COUNT(*) FROM pragma_table_info('responses')"
                            " WHERE name IN ('sync_state', 'quarantine_reason')") == "0");
    CHECK(raw_sql(tmp.db(), "SELECT COUNT(*) FROM sqlite_master WHERE name = 'responses_sync_seq'") == "0");
    CHECK(raw_sql(tmp.db(), "PRAGMA integrity_check") == "ok");
    CHECK(raw_sql(tmp.db(), "PRAGMA foreign_key_check") == "");
    s->save_response(response(7));
    const auto rows = s->pending_batch(10, 1 << 20);
    CHECK(seqs(rows) == std::vector<std::int64_t>{2, 5, 6, 7});
    std::vector<std::string> uuids;
    std::vector<std::int64_t> sq;
    for (const auto& r : rows) uuids.push_back(r.uuid), sq.push_back(r.seq);
    CHECK(s->mark_acknowledged(uuids, sq) == 4);
    CHECK(s->release_quarantined() == 1);
    CHECK(seqs(s->pending_batch(10, 1 << 20)) == std::vector<std::int64_t>{3});
    CHECK(s->counts().acknowledged == 6);
    // A response inserted by other code (an older kiosk still running, a hand) waits to be sent all the same.
    raw_sql(tmp.db(), "INSERT INTO responses(uuid, kiosk_id, seq, survey_id, survey_version, language, answers_json,"
                      " created_utc) VALUES ('d3b07384-d9a7-4e4b-9a1c-6f3e2a1b0c9d', '" + kiosk + "', 20, 'park-plan',"
                      " 2, 'en', '{}', '2026-12-06T10:00Z')");
    CHECK(seqs(s->pending_batch(10, 1 << 20)) == std::vector<std::int64_t>{3, 20});
    // And a response deleted by hand (foreign keys on) leaves no seq behind to count as waiting.
    raw_sql(tmp.db(), "PRAGMA foreign_keys = ON; DELETE FROM responses WHERE seq = 20");
    const Counts end = s->counts();
    CHECK(end.waiting_sync == 1);
    CHECK(end.total == 7);
    CHECK(end.acknowledged == 6);
}
