// On-device storage: one SQLite file in the data folder. No UI includes.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "engage/protocol.h"
#include "engage/results.h"

struct sqlite3;

namespace engage {

// A storage failure, with a message a facilitator can read (what and where).
class StoreError : public std::runtime_error {
public:
    explicit StoreError(const std::string& msg, int sqlite_code = 0)
        : std::runtime_error(msg), code(sqlite_code) {}
    int code;
};

struct Session {
    std::string id;            // UUID
    std::string event;
    std::string venue;
    std::string started_utc;   // "YYYY-MM-DDTHH:MM:SSZ"
    std::string ended_utc;     // "" while open
};

struct NewResponse {
    std::string survey_id;
    int survey_version = 1;
    std::string language;
    std::string answers_json;  // from answers_to_json()
    // What live results count of it (results::countable with the survey); nullopt: counted without the survey,
    // which leaves string answers out.
    std::optional<std::vector<results::CountKey>> counted = std::nullopt;
};

struct SavedResponse {
    std::string uuid;
    std::int64_t seq = 0;
};

struct StoredResponse {
    std::string uuid;
    std::string kiosk_id;
    std::int64_t seq = 0;
    std::string session_id;
    std::string survey_id;
    int survey_version = 0;
    std::string language;
    std::string answers_json;  // "" once sealed
    std::string created_utc;   // rounded down to the minute: "YYYY-MM-DDTHH:MMZ"
    std::string sync_state;    // "pending" (in outbox) until the hub acknowledges it, then "acknowledged";
                               // "quarantined" when set aside
    std::string sealed = {};   // base64 sealed box (engage/sealed.h) once the kiosk holds the hub's key; else ""
};

struct Counts {
    std::int64_t this_session = 0;
    std::int64_t today = 0;          // responses created today (UTC date)
    std::int64_t waiting_sync = 0;   // pending: not yet acknowledged by the hub (quarantined ones excluded)
    std::int64_t total = 0;
    std::int64_t acknowledged = 0;   // the hub has them
    std::int64_t quarantined = 0;    // refused by the hub; kept on the kiosk, not retried until released
};

// A pending response with its session, ready to become a sync record (docs/sync-protocol.md).
struct PendingRecord {
    std::string uuid;
    std::int64_t seq = 0;
    std::string survey_id;
    int survey_version = 0;
    std::string language;
    std::string answers_json;        // "" when sealed
    std::string created_utc;
    std::optional<Session> session;  // empty only if the row names no session
    std::string sealed = {};         // base64 sealed box: sent as "sealed" instead of "answers" + "content_hash"
};

// The protocol's fields of a record (engage/protocol.h), pointing into r and answers_text (the answers, dumped
// compact): for its content hash and its JSON text. Both must outlive the result.
protocol::RecordFields record_fields(const PendingRecord& r, const std::string& answers_text);

// The sync record of a sealed row, as sent (docs/sync-protocol.md "Sealed answers"): the record's fields with
// "sealed" in place of "answers" and "content_hash" (both are inside the box). Compact, keys sorted.
std::string sealed_record_text(const PendingRecord& r);

// Live results of one session and survey (docs/storage.md "Live counts"): never the answers themselves.
struct LiveCounts {
    std::int64_t responses = 0;
    std::vector<results::CountRow> rows;
};

struct QuarantinedRecord {
    std::string uuid;
    std::int64_t seq = 0;
    std::string reason;              // why the hub (or the kiosk) refused it, in plain words
};

// Sync bookkeeping, one row, kept across restarts so a restart keeps the backoff.
struct SyncStatus {
    int attempts = 0;                    // failed passes in a row (0 after a success)
    std::int64_t next_attempt_ms = 0;    // Unix ms; 0 = no wait
    std::string last_success_utc;        // "YYYY-MM-DDTHH:MM:SSZ" or ""
    std::string last_error;              // plain words, "" when the last pass went through
    bool paused = false;                 // the hub refused the token: wait for a new pairing or "Sync now"
};

// How Store::open talks to SQLite. Only tests change these (tests/powerloss: a simulated disk).
struct StoreOptions {
    std::string vfs;                // SQLite VFS name; "" = the default one
    bool synchronous_full = true;   // false: synchronous=NORMAL, which loses acknowledged saves on a power
                                    // cut in WAL mode (the power-loss test's negative control)
};

inline constexpr int kSchemaVersion = 4;
// The settings row holding the hub's X25519 public key (base64): once set, answers are saved sealed.
inline constexpr const char* kSettingHubPublicKey = "hub_public_key";
inline constexpr const char* kDatabaseFile = "engage.sqlite";

class Store {
public:
    // Opens (creating if needed) DATA_DIR/engage.sqlite: WAL, synchronous=FULL, foreign keys,
    // migrations, quick_check. A database that fails quick_check or is not a database is moved
    // aside (renamed, never overwritten or deleted) and a fresh one is made; each such event is
    // appended to `notices` in plain words. Throws StoreError when the folder cannot be used.
    //
    // Check::Later skips quick_check (it reads the whole file: seconds on a full kiosk), so the kiosk reaches its
    // first frame at once; a file that is not a database at all, or that migrating finds damaged, is still moved
    // aside here. The caller then runs Store::quick_check(data_dir) on a thread of its own, and if that reports
    // damage, closes its Stores and calls Store::open(data_dir, &notices) (Check::Now), which moves the file aside
    // and tells the facilitator through `notices`.
    enum class Check { Now, Later };
    static std::unique_ptr<Store> open(const std::string& data_dir, std::vector<std::string>* notices = nullptr,
                                       Check check = Check::Now, const StoreOptions& options = {});
    // PRAGMA quick_check of DATA_DIR/engage.sqlite on a read-only connection of its own (safe beside open Stores
    // and their writes). "" when the database is sound, else what is wrong in plain words. Throws StoreError
    // when the file cannot be opened.
    static std::string quick_check(const std::string& data_dir);
    // Closing this Store will not copy the write-ahead log into the database file (SQLite does so when the last
    // connection closes): for a file found damaged after opening, so that it is moved aside as it was found, its
    // -wal beside it.
    void no_checkpoint_on_close();
    // Another connection to DATA_DIR/engage.sqlite, which a Store::open (in this process or another) has
    // already checked and migrated: no quick_check, no moving aside, no migrations, so it is quick and never
    // races the first open. For the sync thread. Throws StoreError if it is missing or at another version.
    static std::unique_ptr<Store> open_existing(const std::string& data_dir);
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    const std::string& path() const { return path_; }
    const std::string& kiosk_id() const { return kiosk_id_; }
    std::string journal_mode() const;    // as SQLite reports it ("wal")
    int synchronous() const;             // this connection's PRAGMA synchronous (2 = FULL, 1 = NORMAL)
    // This connection's page cache, at most `kib` (SQLite's default 2 MiB; pages are allocated as used).
    void set_cache_kib(int kib);
    int schema_version() const;

    // One transaction per response; returns only after COMMIT succeeded. Throws StoreError.
    // The response belongs to the open session (one is opened, "Drop-in", if none is).
    SavedResponse save_response(const NewResponse& r);
    // Many responses in one transaction (seeding, imports), numbered and stamped as save_response
    // does, in order. All or nothing; an empty vector is a no-op. Throws StoreError.
    void save_batch(const std::vector<NewResponse>& rs);

    Session start_session(const std::string& event, const std::string& venue);
    void end_session();                  // no-op when none is open
    std::optional<Session> current_session() const;
    // Distinct (event, venue) pairs used before, most recent first.
    std::vector<std::pair<std::string, std::string>> recent_places(int limit = 8) const;

    Counts counts() const;
    // Only waiting_sync and quarantined (the rest 0), counted in outbox and quarantine: what sync needs,
    // without counts()'s scans of the whole table for today's and the session's figures.
    Counts sync_counts() const;
    std::vector<StoredResponse> responses(int limit = -1) const;  // in sequence order
    // One session's counts for one survey (live results): kept as each response is saved, never its answers.
    LiveCounts session_counts(const std::string& session_id, const std::string& survey_id) const;

    // --- sealed answers (engage/sealed.h, docs/storage.md "Sealed answers").
    // Stores the hub's X25519 public key (32 raw bytes) and, in the same transaction, seals every response not
    // sealed yet (pending, acknowledged and set aside alike); then copies the write-ahead log into the file and
    // empties it, so no plain answer is left in either (secure_delete zeroes what the rows held). From then on
    // every save is sealed in its own transaction. Returns how many were sealed. Throws StoreError (nothing
    // changed) or std::invalid_argument for a key that is not usable.
    int set_hub_public_key(const std::string& public_key);
    bool answers_protected() const;      // a hub key is set: new answers are sealed

    // --- sync (docs/storage.md, "Sync bookkeeping"). Nothing here deletes a response: a response waiting to be
    // sent has its seq in the outbox table, one set aside in quarantine, one acknowledged in neither.
    // Pending responses with seq > after_seq, oldest first: at most max_records, and no more than max_bytes
    // of approximate JSON (answers + fields), but always at least one when any is pending. Quarantined ones
    // are never returned.
    std::vector<PendingRecord> pending_batch(int max_records, std::size_t max_bytes, std::int64_t after_seq = 0) const;
    // Marks these pending responses acknowledged, all in ONE transaction (all or nothing). Returns how many
    // changed (uuids not pending are skipped).
    int mark_acknowledged(const std::vector<std::string>& uuids);
    // The same, given each one's seq too (seqs[i] is uuids[i]'s, as read by pending_batch): a run of
    // consecutive seqs is taken out of outbox by one range DELETE (seq is unique, so the seqs between its ends
    // are exactly these), saving a uuid lookup per row; the rest one by one.
    int mark_acknowledged(const std::vector<std::string>& uuids, const std::vector<std::int64_t>& seqs);
    // Sets a pending response aside with the reason; it is kept and no longer sent. false if not pending.
    bool quarantine(const std::string& uuid, const std::string& reason);
    std::vector<QuarantinedRecord> quarantined(int limit = 20) const;  // in sequence order
    int release_quarantined();           // all quarantined back to pending (after the hub is fixed)
    SyncStatus sync_status() const;
    void set_sync_status(const SyncStatus& s);

    std::optional<std::string> setting(const std::string& key) const;
    void set_setting(const std::string& key, const std::string& value);
    void clear_setting(const std::string& key);  // no row afterwards; none before is fine

    // Test hook: cap the database size so the next writes fail as on a full disk.
    void limit_pages_for_test(int max_pages);

private:
    Store() = default;
    sqlite3* db_ = nullptr;
    std::string path_;
    std::string kiosk_id_;
};

// A random RFC 4122 version-4 UUID from the OS CSPRNG.
std::string new_uuid();
// Current UTC time as "YYYY-MM-DDTHH:MMZ" (rounded down to the minute).
std::string utc_minute_now();
std::string utc_seconds_now();

}  // namespace engage
