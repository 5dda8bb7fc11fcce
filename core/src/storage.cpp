// On-device storage: one SQLite file (WAL, synchronous=FULL) in the data folder.
// See docs/storage.md for the schema, the pragmas and how failures are handled.
#include "engage/storage.h"

#include <nlohmann/json.hpp>

#include "engage/bundle.h"
#include "engage/protocol.h"
#include "engage/json_fast.h"
#include "engage/sealed.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iterator>
#include <span>
#include <fcntl.h>
#include <sodium.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

namespace engage {
namespace {

// ---- schema ---------------------------------------------------------------------------------
// Migration N takes a database from user_version N-1 to N. Append new ones; never edit old ones.
struct Migration {
    int version;
    const char* sql;
};

constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value);
INSERT INTO meta(key, value) VALUES ('next_seq', 1);
CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sessions(
  id          TEXT PRIMARY KEY,
  event       TEXT NOT NULL DEFAULT '',
  venue       TEXT NOT NULL DEFAULT '',
  started_utc TEXT NOT NULL,
  ended_utc   TEXT);
-- At most one open session (ended_utc IS NULL).
CREATE UNIQUE INDEX sessions_one_open ON sessions((ended_utc IS NULL)) WHERE ended_utc IS NULL;
CREATE TABLE responses(
  uuid           TEXT PRIMARY KEY,
  kiosk_id       TEXT NOT NULL,
  seq            INTEGER UNIQUE NOT NULL,
  session_id     TEXT REFERENCES sessions(id),
  survey_id      TEXT NOT NULL,
  survey_version INTEGER NOT NULL,
  language       TEXT NOT NULL,
  answers_json   TEXT NOT NULL,
  created_utc    TEXT NOT NULL,
  sync_state     TEXT NOT NULL DEFAULT 'pending'
                 CHECK(sync_state IN ('pending','acknowledged','quarantined')),
  sync_attempts  INTEGER NOT NULL DEFAULT 0);
CREATE INDEX responses_session ON responses(session_id);
CREATE INDEX responses_sync ON responses(sync_state);
CREATE INDEX responses_created ON responses(created_utc);
)sql"},
    {2, R"sql(
-- Sync bookkeeping: why a response was set aside, and the client's retry state (one row).
ALTER TABLE responses ADD COLUMN quarantine_reason TEXT;
DROP INDEX responses_sync;
CREATE INDEX responses_sync_seq ON responses(sync_state, seq);
CREATE TABLE sync_status(
  id               INTEGER PRIMARY KEY CHECK(id = 1),
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms  INTEGER NOT NULL DEFAULT 0,
  last_success_utc TEXT NOT NULL DEFAULT '',
  last_error       TEXT NOT NULL DEFAULT '',
  paused           INTEGER NOT NULL DEFAULT 0);
INSERT INTO sync_status(id) VALUES (1);
)sql"},
    {3, R"sql(
-- Sealed answers: once the kiosk holds its hub's public key, answers_json is '' and sealed holds them, as a
-- base64 crypto_box_seal only the hub can open. Live results read live_counts, kept in the same transaction as
-- each save: per session and survey, question '' = responses, value '' = answered, else an option id or number.
ALTER TABLE responses ADD COLUMN sealed TEXT;
CREATE TABLE live_counts(
  session_id TEXT NOT NULL,
  survey_id  TEXT NOT NULL,
  question   TEXT NOT NULL,
  value      TEXT NOT NULL,
  n          INTEGER NOT NULL,
  PRIMARY KEY (session_id, survey_id, question, value));
)sql"},
    {4, R"sql(
-- What is still to be sent, and what was set aside, are tables of their own: acknowledging a batch deletes its
-- seqs from outbox instead of rewriting each response (its answers included). A response in neither table has
-- been acknowledged by the hub. Every response inserted goes into outbox by a trigger, whoever inserts it: one
-- missing from it would count as sent.
CREATE TABLE outbox(seq INTEGER PRIMARY KEY REFERENCES responses(seq) ON DELETE CASCADE);
CREATE TABLE quarantine(seq INTEGER PRIMARY KEY REFERENCES responses(seq) ON DELETE CASCADE, reason TEXT NOT NULL);
INSERT INTO outbox(seq) SELECT seq FROM responses WHERE sync_state = 'pending';
INSERT INTO quarantine(seq, reason)
  SELECT seq, COALESCE(quarantine_reason, '') FROM responses WHERE sync_state = 'quarantined';
CREATE TRIGGER responses_outbox AFTER INSERT ON responses BEGIN INSERT INTO outbox(seq) VALUES (NEW.seq); END;
DROP INDEX responses_sync_seq;
ALTER TABLE responses DROP COLUMN sync_state;
ALTER TABLE responses DROP COLUMN quarantine_reason;
)sql"},
};
static_assert(std::size(kMigrations) == kSchemaVersion, "one migration per schema version");

// ---- small RAII helpers over the C API --------------------------------------------------------
struct DbCloser {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbPtr = std::unique_ptr<sqlite3, DbCloser>;

// Errors from SQLite carry the (extended) result code; the public methods reword them.
[[noreturn]] void throw_sqlite(sqlite3* db, int rc) {
    throw StoreError(db ? sqlite3_errmsg(db) : sqlite3_errstr(rc), rc);
}

void exec(sqlite3* db, const char* sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        throw StoreError(msg, sqlite3_extended_errcode(db));
    }
}

class Stmt {
public:
    Stmt(sqlite3* db, const char* sql) : db_(db) {
        int rc = sqlite3_prepare_v2(db, sql, -1, &st_, nullptr);
        if (rc != SQLITE_OK) throw_sqlite(db, rc);
    }
    ~Stmt() { sqlite3_finalize(st_); }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;

    Stmt& bind(int i, const std::string& v) {
        return check(sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    }
    Stmt& bind(int i, std::int64_t v) { return check(sqlite3_bind_int64(st_, i, v)); }

    // true: a row is ready; false: done.
    bool step() {
        int rc = sqlite3_step(st_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        throw_sqlite(db_, rc);
    }
    void run() { while (step()) {} }
    void reset() { sqlite3_reset(st_); }  // ready to run again with new bindings

    std::string text(int col) const {
        auto p = reinterpret_cast<const char*>(sqlite3_column_text(st_, col));
        return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(st_, col))) : std::string();
    }
    std::int64_t int64(int col) const { return sqlite3_column_int64(st_, col); }
    Stmt& bind_null(int i) { return check(sqlite3_bind_null(st_, i)); }

private:
    Stmt& check(int rc) {
        if (rc != SQLITE_OK) throw_sqlite(db_, rc);
        return *this;
    }
    sqlite3* db_;
    sqlite3_stmt* st_ = nullptr;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back on destruction unless committed.
class Txn {
public:
    explicit Txn(sqlite3* db) : db_(db) { exec(db_, "BEGIN IMMEDIATE"); }
    ~Txn() {
        if (!committed_ && !sqlite3_get_autocommit(db_))
            sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    Txn(const Txn&) = delete;
    Txn& operator=(const Txn&) = delete;
    void commit() {
        exec(db_, "COMMIT");  // throws unless COMMIT returned SQLITE_OK
        committed_ = true;
    }

private:
    sqlite3* db_;
    bool committed_ = false;
};

std::string single_text(sqlite3* db, const char* sql) {
    Stmt st(db, sql);
    return st.step() ? st.text(0) : std::string();
}

std::int64_t single_int(sqlite3* db, const char* sql) {
    Stmt st(db, sql);
    return st.step() ? st.int64(0) : 0;
}

// ---- plain-words error reasons --------------------------------------------------------------
std::string reason(const StoreError& e) {
    switch (e.code & 0xff) {
    case SQLITE_FULL: return "the disk is full";
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM: return "the database file is read-only";
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return "the database file is damaged";
    default: return e.what();
    }
}

// Runs f, rewording SQLite errors as "<what>: <reason> (<path>)". Our own messages (code 0) pass.
template <class F>
auto guarded(const std::string& path, const std::string& what, F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const StoreError& e) {
        if (e.code == 0) throw;
        throw StoreError(what + ": " + reason(e) + " (" + path + ")", e.code);
    }
}

bool is_damage(int code) {
    return (code & 0xff) == SQLITE_CORRUPT || (code & 0xff) == SQLITE_NOTADB;
}

// ---- files and folders ----------------------------------------------------------------------
std::string utc_format(const char* fmt) {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, fmt, &tm);
    return buf;
}

[[noreturn]] void folder_error(const std::string& dir, int err) {
    throw StoreError("Cannot use the data folder " + dir + ": " + std::strerror(err));
}

// mkdir -p with mode 0700, then check that we may create files in it.
void make_data_dir(const std::string& dir) {
    if (dir.empty()) folder_error(dir, ENOENT);
    for (std::size_t pos = 1; pos <= dir.size(); ++pos) {
        if (pos != dir.size() && dir[pos] != '/') continue;
        std::string part = dir.substr(0, pos);
        if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) folder_error(dir, errno);
    }
    struct stat st{};
    if (::stat(dir.c_str(), &st) != 0) folder_error(dir, errno);
    if (!S_ISDIR(st.st_mode)) folder_error(dir, ENOTDIR);
    if (::access(dir.c_str(), W_OK | X_OK) != 0) folder_error(dir, errno);
}

// Make renames and newly created files in `dir` survive a power cut.
void sync_dir(const std::string& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

bool exists(const std::string& p) {
    struct stat st{};
    return ::lstat(p.c_str(), &st) == 0;
}

// Renames path (and its -wal/-shm/-journal companions) to path.corrupt-<UTC stamp>[-N], never
// replacing an existing file. Returns the new name of the main file.
std::string move_aside(const std::string& path, const std::string& dir) {
    static const char* const kCompanions[] = {"-wal", "-shm", "-journal"};
    const std::string stem = path + ".corrupt-" + utc_format("%Y%m%dT%H%M%SZ");
    for (int n = 0;; ++n) {
        std::string target = n == 0 ? stem : stem + "-" + std::to_string(n);
        bool taken = exists(target);
        for (const char* c : kCompanions) taken = taken || exists(target + c);
        if (taken) continue;
        // Companions first: a power cut midway must never leave an old -wal or -journal next to
        // the fresh database, where SQLite would replay it. (renameat2(RENAME_NOREPLACE) would
        // close the check-then-rename race, but not every filesystem has it; the kiosk is the
        // only writer in its data folder.)
        for (const char* c : kCompanions) {
            if (exists(path + c) && std::rename((path + c).c_str(), (target + c).c_str()) != 0)
                throw StoreError("The database " + path + " is damaged and " + path + c +
                                 " could not be moved aside: " + std::strerror(errno));
        }
        if (std::rename(path.c_str(), target.c_str()) != 0)
            throw StoreError("The database " + path + " is damaged and could not be moved aside: " +
                             std::strerror(errno));
        sync_dir(dir);
        return target;
    }
}

DbPtr open_db(const std::string& path, const std::string& vfs = "") {
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                             vfs.empty() ? nullptr : vfs.c_str());
    DbPtr db(raw);
    if (rc != SQLITE_OK) {
        StoreError e(raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc), rc);
        throw StoreError("Cannot open the database: " + reason(e) + " (" + path + ")", rc);
    }
    sqlite3_extended_result_codes(db.get(), 1);
    sqlite3_busy_timeout(db.get(), 5000);  // = PRAGMA busy_timeout=5000
    // Until the file has been checked, closing must not write to it (no checkpoint on close).
    sqlite3_db_config(db.get(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, static_cast<int*>(nullptr));
    return db;
}

[[noreturn]] void refuse_newer(const std::string& path, std::int64_t version) {
    throw StoreError("The database " + path + " was written by a newer version of Engage (data format " +
                     std::to_string(version) + "; this version knows up to " +
                     std::to_string(kSchemaVersion) +
                     "). It has not been changed. Please update the kiosk software.");
}

// Read-only checks before anything is written. Returns false when the file is damaged. Without `full`, only
// that it is a database at all (no quick_check).
bool looks_healthy(sqlite3* db, const std::string& path, bool full = true) {
    try {
        std::int64_t version = single_int(db, "PRAGMA user_version");  // first read: NOTADB shows here
        if (version > kSchemaVersion) refuse_newer(path, version);
        return !full || single_text(db, "PRAGMA quick_check") == "ok";
    } catch (const StoreError& e) {
        if (is_damage(e.code)) return false;
        if (e.code == 0) throw;  // our own message (newer version)
        throw StoreError("Cannot open the database: " + reason(e) + " (" + path + ")", e.code);
    }
}

// What can still be read from a damaged file, so the kiosk keeps its identity.
struct Identity {
    std::string kiosk_id;
    std::int64_t next_seq = 0;  // 0: unknown
};

Identity salvage_identity(sqlite3* db) {
    Identity id;
    try {
        Stmt st(db, "SELECT key, value FROM meta WHERE key IN ('kiosk_id', 'next_seq')");
        while (st.step()) {
            if (st.text(0) == "kiosk_id") id.kiosk_id = st.text(1);
            else id.next_seq = st.int64(1);
        }
    } catch (const StoreError&) {
        return {};
    }
    try {  // the responses table may be readable even if meta's counter looks odd
        id.next_seq = std::max(id.next_seq, single_int(db, "SELECT MAX(seq) + 1 FROM responses"));
    } catch (const StoreError&) {
    }
    // Keeping the id is only safe if the sequence can continue where it was.
    if (id.kiosk_id.size() != 36 || id.next_seq < 1) return {};
    return id;
}

void ensure_sodium() {
    static const int rc = sodium_init();
    if (rc < 0) throw StoreError("The random number generator could not be started (libsodium)");
}

}  // namespace

// ---- free functions -------------------------------------------------------------------------
std::string new_uuid() {
    ensure_sodium();
    unsigned char b[16];
    randombytes_buf(b, sizeof b);
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
    static const char hex[] = "0123456789abcdef";
    std::string s;
    s.reserve(36);
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
        s += hex[b[i] >> 4];
        s += hex[b[i] & 0x0f];
    }
    return s;
}

std::string utc_minute_now() { return utc_format("%Y-%m-%dT%H:%MZ"); }
std::string utc_seconds_now() { return utc_format("%Y-%m-%dT%H:%M:%SZ"); }

protocol::RecordFields record_fields(const PendingRecord& r, const std::string& answers_text) {
    protocol::RecordFields f;
    f.uuid = &r.uuid;
    f.seq = r.seq;
    f.survey_id = &r.survey_id;
    f.survey_version = r.survey_version;
    f.created_utc = &r.created_utc;
    f.language = &r.language;
    f.has_session = r.session.has_value();
    if (r.session) {
        f.session_id = &r.session->id;
        f.session_event = &r.session->event;
        f.session_venue = &r.session->venue;
        f.session_started_utc = &r.session->started_utc;
        f.session_ended_utc = r.session->ended_utc.empty() ? nullptr : &r.session->ended_utc;
    }
    f.answers = &answers_text;
    return f;
}

std::string sealed_record_text(const PendingRecord& r) {
    return protocol::sealed_record_text(record_fields(r, r.answers_json), r.sealed);
}

// ---- Store ----------------------------------------------------------------------------------
namespace {

void configure(sqlite3* db, const std::string& path, bool synchronous_full) {
    if (sqlite3_db_readonly(db, "main") == 1) throw StoreError("read-only", SQLITE_READONLY);
    std::string mode = single_text(db, "PRAGMA journal_mode=WAL");
    if (mode != "wal")
        throw StoreError("Cannot use the database " + path +
                         ": SQLite could not switch it to WAL journal mode (it reports \"" + mode + "\")");
    exec(db, synchronous_full ? "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                              : "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
    exec(db, "PRAGMA secure_delete=ON;");  // what a sealed row held is zeroed, not left in a free block
    sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 0, static_cast<int*>(nullptr));
}

// Adds one response to live_counts. Call inside a transaction.
void count_response(sqlite3* db, const std::string& session, const std::string& survey_id,
                    const std::vector<results::CountKey>& keys) {
    Stmt up(db,
            "INSERT INTO live_counts(session_id, survey_id, question, value, n) VALUES (?1, ?2, ?3, ?4, 1)"
            " ON CONFLICT(session_id, survey_id, question, value) DO UPDATE SET n = n + 1");
    auto one = [&](const std::string& q, const std::string& v) {
        up.bind(1, session).bind(2, survey_id).bind(3, q).bind(4, v).run();
        up.reset();
    };
    one("", "");
    for (const auto& k : keys) one(k.question, k.value);
}

// Migration 3: live counts of the responses saved before it, without the survey (string answers left out).
void backfill_live_counts(sqlite3* db) {
    Stmt st(db, "SELECT COALESCE(session_id, ''), survey_id, answers_json FROM responses ORDER BY seq");
    while (st.step()) count_response(db, st.text(0), st.text(1), results::countable(st.text(2), nullptr));
}

// Applies pending migrations and makes sure meta holds kiosk_id and next_seq, in one transaction.
void migrate(sqlite3* db, const std::string& path, const Identity& seed) {
    Txn txn(db);
    std::int64_t version = single_int(db, "PRAGMA user_version");  // re-read under the write lock
    if (version > kSchemaVersion) refuse_newer(path, version);
    for (const Migration& m : kMigrations)
        if (m.version > version) exec(db, m.sql);
    if (version < 3) backfill_live_counts(db);
    if (version != kSchemaVersion)
        exec(db, ("PRAGMA user_version = " + std::to_string(kSchemaVersion)).c_str());
    Stmt(db, "INSERT OR IGNORE INTO meta(key, value) VALUES ('kiosk_id', ?1)")
        .bind(1, seed.kiosk_id.empty() ? new_uuid() : seed.kiosk_id)
        .run();
    if (seed.next_seq > 0)
        Stmt(db, "UPDATE meta SET value = MAX(value, ?1) WHERE key = 'next_seq'").bind(1, seed.next_seq).run();
    txn.commit();
}

// The hub's public key (raw) when one is set.
std::optional<std::string> hub_public_key(sqlite3* db) {
    Stmt st(db, "SELECT value FROM settings WHERE key = ?1");
    st.bind(1, std::string(kSettingHubPublicKey));
    if (!st.step()) return std::nullopt;
    std::string raw, why;
    if (!sealed::public_key_from_base64(st.text(0), raw, why))
        throw StoreError("The hub's key stored on this kiosk is damaged: " + why);
    return raw;
}

std::optional<Session> session_row(sqlite3* db, const std::string& id) {
    Stmt st(db, "SELECT id, event, venue, started_utc FROM sessions WHERE id = ?1");
    st.bind(1, id);
    if (!st.step()) return std::nullopt;
    return Session{st.text(0), st.text(1), st.text(2), st.text(3), ""};
}

// The record's answers and its content hash (over the plain answers: docs/sync-protocol.md "Sealed answers"),
// sealed to the hub's key.
std::string seal_record(const PendingRecord& r, const std::string& key) {
    std::string text;
    if (!json_fast::canonical_or_dump(r.answers_json, text))
        throw StoreError("the answers of response " + std::to_string(r.seq) + " are not JSON");
    return sealed::seal(text, protocol::sha256_hex(protocol::canonical_text(record_fields(r, text))), key);
}

// The id of the open session, opening a "Drop-in" one if none is. Call inside a transaction.
std::string open_session_id(sqlite3* db) {
    {
        Stmt st(db, "SELECT id FROM sessions WHERE ended_utc IS NULL");
        if (st.step()) return st.text(0);
    }
    std::string id = new_uuid();
    Stmt(db, "INSERT INTO sessions(id, event, venue, started_utc) VALUES (?1, 'Drop-in', '', ?2)")
        .bind(1, id)
        .bind(2, utc_seconds_now())
        .run();
    return id;
}

// Inserts `rs` in order into the open session, numbered on from meta.next_seq, each with a new uuid
// and the current minute. Call inside a transaction. Returns the last one inserted.
SavedResponse insert_responses(sqlite3* db, const std::string& kiosk_id, std::span<const NewResponse> rs) {
    const std::string session = open_session_id(db);
    const std::string created = utc_minute_now();
    const std::optional<std::string> key = hub_public_key(db);
    std::optional<Session> sess;
    if (key) sess = session_row(db, session);
    std::int64_t seq = single_int(db, "SELECT value FROM meta WHERE key = 'next_seq'");
    Stmt insert(db,
                "INSERT INTO responses(uuid, kiosk_id, seq, session_id, survey_id, survey_version,"
                " language, answers_json, created_utc, sealed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    SavedResponse saved;
    for (const NewResponse& r : rs) {
        saved = {new_uuid(), seq++};
        std::string sealed_box;
        if (key) {
            PendingRecord rec{saved.uuid, saved.seq, r.survey_id, r.survey_version, r.language, r.answers_json,
                              created, sess, ""};
            sealed_box = seal_record(rec, *key);
        }
        insert.bind(1, saved.uuid)
            .bind(2, kiosk_id)
            .bind(3, saved.seq)
            .bind(4, session)
            .bind(5, r.survey_id)
            .bind(6, std::int64_t{r.survey_version})
            .bind(7, r.language)
            .bind(8, key ? std::string() : r.answers_json)
            .bind(9, created);
        if (key) insert.bind(10, sealed_box);
        else insert.bind_null(10);
        insert.run();
        insert.reset();
        count_response(db, session, r.survey_id, r.counted ? *r.counted : results::countable(r.answers_json, nullptr));
    }
    Stmt(db, "UPDATE meta SET value = ?1 WHERE key = 'next_seq'").bind(1, seq).run();
    return saved;
}

}  // namespace

std::unique_ptr<Store> Store::open(const std::string& data_dir, std::vector<std::string>* notices, Check check,
                                   const StoreOptions& options) {
    ensure_sodium();
    std::string dir = data_dir;
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    make_data_dir(dir);

    std::unique_ptr<Store> s(new Store());
    s->path_ = dir + "/" + kDatabaseFile;
    DbPtr db = open_db(s->path_, options.vfs);

    Identity seed;
    if (!looks_healthy(db.get(), s->path_, check == Check::Now)) {
        seed = salvage_identity(db.get());
        db.reset();
        std::string aside = move_aside(s->path_, dir);
        std::string notice = "The database was damaged and has been moved aside to " + aside +
                             "; a new one was started. Nothing was deleted.";
        if (seed.kiosk_id.empty()) {
            seed.kiosk_id = new_uuid();
            notice += " The kiosk id could not be read from it, so this kiosk now has a new id (" +
                      seed.kiosk_id + ").";
        } else {
            notice += " The kiosk keeps its id (" + seed.kiosk_id + ").";
        }
        if (notices) notices->push_back(notice);
        db = open_db(s->path_, options.vfs);
        if (!looks_healthy(db.get(), s->path_))
            throw StoreError("A new database could not be started at " + s->path_);
    }

    try {
        guarded(s->path_, "Cannot open the database", [&] {
            configure(db.get(), s->path_, options.synchronous_full);
            migrate(db.get(), s->path_, seed);
            s->kiosk_id_ = single_text(db.get(), "SELECT value FROM meta WHERE key = 'kiosk_id'");
        });
    } catch (const StoreError& e) {
        // Not checked yet and found damaged on the way: check it now, which moves it aside.
        if (check == Check::Now || !is_damage(e.code)) throw;
        db.reset();
        return open(data_dir, notices, Check::Now, options);
    }
    s->db_ = db.release();
    sync_dir(dir);  // the new file's directory entry must survive a power cut too
    return s;
}

void Store::no_checkpoint_on_close() {
    int was = 0;
    sqlite3_db_config(db_, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, &was);
}

std::string Store::quick_check(const std::string& data_dir) {
    std::string dir = data_dir;
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    const std::string path = dir + "/" + kDatabaseFile;
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    DbPtr db(raw);
    if (rc != SQLITE_OK) throw StoreError("Cannot check the database (" + path + "): " + sqlite3_errstr(rc), rc);
    sqlite3_extended_result_codes(db.get(), 1);
    sqlite3_busy_timeout(db.get(), 5000);
    try {
        const std::string result = single_text(db.get(), "PRAGMA quick_check");
        return result == "ok" ? "" : "The database " + path + " is damaged (" + result + ")";
    } catch (const StoreError& e) {
        if (!is_damage(e.code)) throw StoreError("Cannot check the database: " + reason(e) + " (" + path + ")", e.code);
        return "The database " + path + " is damaged (" + reason(e) + ")";
    }
}

std::unique_ptr<Store> Store::open_existing(const std::string& data_dir) {
    std::string dir = data_dir;
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    std::unique_ptr<Store> s(new Store());
    s->path_ = dir + "/" + kDatabaseFile;
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(s->path_.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
    DbPtr db(raw);
    if (rc != SQLITE_OK) throw StoreError("Cannot open the database (" + s->path_ + "): " + sqlite3_errstr(rc), rc);
    sqlite3_extended_result_codes(db.get(), 1);
    sqlite3_busy_timeout(db.get(), 5000);
    guarded(s->path_, "Cannot open the database", [&] {
        const std::int64_t version = single_int(db.get(), "PRAGMA user_version");
        if (version != kSchemaVersion)
            throw StoreError("The database " + s->path_ + " is at data format " + std::to_string(version) +
                             ", not " + std::to_string(kSchemaVersion) + "; open it with the kiosk first");
        configure(db.get(), s->path_, true);
        s->kiosk_id_ = single_text(db.get(), "SELECT value FROM meta WHERE key = 'kiosk_id'");
    });
    s->db_ = db.release();
    return s;
}

Store::~Store() { sqlite3_close_v2(db_); }

std::string Store::journal_mode() const {
    return guarded(path_, "Could not read the journal mode", [&] { return single_text(db_, "PRAGMA journal_mode"); });
}

int Store::synchronous() const {
    return guarded(path_, "Could not read the synchronous setting",
                   [&] { return static_cast<int>(single_int(db_, "PRAGMA synchronous")); });
}

void Store::set_cache_kib(int kib) {
    guarded(path_, "Could not set the page cache", [&] {
        exec(db_, ("PRAGMA cache_size = -" + std::to_string(std::clamp(kib, 64, 1 << 20))).c_str());
        return 0;
    });
}

int Store::schema_version() const {
    return guarded(path_, "Could not read the schema version",
                   [&] { return static_cast<int>(single_int(db_, "PRAGMA user_version")); });
}

SavedResponse Store::save_response(const NewResponse& r) {
    return guarded(path_, "Could not save the response", [&] {
        Txn txn(db_);  // rolled back on any error, before the caller sees the exception
        SavedResponse saved = insert_responses(db_, kiosk_id_, {&r, 1});
        txn.commit();
        return saved;
    });
}

void Store::save_batch(const std::vector<NewResponse>& rs) {
    if (rs.empty()) return;
    guarded(path_, "Could not save the responses", [&] {
        Txn txn(db_);  // all or nothing
        insert_responses(db_, kiosk_id_, rs);
        txn.commit();
    });
}

Session Store::start_session(const std::string& event, const std::string& venue) {
    return guarded(path_, "Could not start the session", [&] {
        Session s{new_uuid(), event, venue, utc_seconds_now(), ""};
        Txn txn(db_);
        Stmt(db_, "UPDATE sessions SET ended_utc = ?1 WHERE ended_utc IS NULL").bind(1, s.started_utc).run();
        Stmt(db_, "INSERT INTO sessions(id, event, venue, started_utc) VALUES (?1, ?2, ?3, ?4)")
            .bind(1, s.id)
            .bind(2, event)
            .bind(3, venue)
            .bind(4, s.started_utc)
            .run();
        txn.commit();
        return s;
    });
}

void Store::end_session() {
    guarded(path_, "Could not end the session", [&] {
        Stmt(db_, "UPDATE sessions SET ended_utc = ?1 WHERE ended_utc IS NULL").bind(1, utc_seconds_now()).run();
    });
}

std::optional<Session> Store::current_session() const {
    return guarded(path_, "Could not read the session", [&]() -> std::optional<Session> {
        Stmt st(db_, "SELECT id, event, venue, started_utc FROM sessions WHERE ended_utc IS NULL");
        if (!st.step()) return std::nullopt;
        return Session{st.text(0), st.text(1), st.text(2), st.text(3), ""};
    });
}

std::vector<std::pair<std::string, std::string>> Store::recent_places(int limit) const {
    return guarded(path_, "Could not read the recent places", [&] {
        Stmt st(db_,
                "SELECT event, venue FROM sessions WHERE event <> '' GROUP BY event, venue"
                " ORDER BY MAX(started_utc) DESC, MAX(rowid) DESC LIMIT ?1");
        st.bind(1, std::int64_t{limit});
        std::vector<std::pair<std::string, std::string>> out;
        while (st.step()) out.emplace_back(st.text(0), st.text(1));
        return out;
    });
}

Counts Store::counts() const {
    return guarded(path_, "Could not count the responses", [&] {
        Stmt st(db_,
                "SELECT"
                " (SELECT COUNT(*) FROM responses WHERE session_id ="
                "   (SELECT id FROM sessions WHERE ended_utc IS NULL)),"
                " (SELECT COUNT(*) FROM responses WHERE created_utc GLOB ?1 || 'T*'),"
                " (SELECT COUNT(*) FROM outbox),"
                " (SELECT COUNT(*) FROM responses),"
                " (SELECT COUNT(*) FROM responses"
                "   WHERE seq NOT IN (SELECT seq FROM outbox) AND seq NOT IN (SELECT seq FROM quarantine)),"
                " (SELECT COUNT(*) FROM quarantine)");
        st.bind(1, utc_minute_now().substr(0, 10));
        Counts c;
        if (st.step()) c = Counts{st.int64(0), st.int64(1), st.int64(2), st.int64(3), st.int64(4), st.int64(5)};
        return c;
    });
}

Counts Store::sync_counts() const {
    return guarded(path_, "Could not count the responses", [&] {
        Stmt st(db_,
                "SELECT (SELECT COUNT(*) FROM outbox), (SELECT COUNT(*) FROM quarantine)");  // each its own b-tree
        Counts c;
        if (st.step()) {
            c.waiting_sync = st.int64(0);
            c.quarantined = st.int64(1);
        }
        return c;
    });
}

std::vector<StoredResponse> Store::responses(int limit) const {
    return guarded(path_, "Could not read the responses", [&] {
        Stmt st(db_,
                "SELECT uuid, kiosk_id, seq, session_id, survey_id, survey_version, language,"
                " answers_json, created_utc,"
                " CASE WHEN seq IN (SELECT seq FROM outbox) THEN 'pending'"
                "      WHEN seq IN (SELECT seq FROM quarantine) THEN 'quarantined' ELSE 'acknowledged' END,"
                " COALESCE(sealed, '') FROM responses ORDER BY seq LIMIT ?1");
        st.bind(1, std::int64_t{limit});
        std::vector<StoredResponse> out;
        while (st.step()) {
            out.push_back(StoredResponse{st.text(0), st.text(1), st.int64(2), st.text(3), st.text(4),
                                         static_cast<int>(st.int64(5)), st.text(6), st.text(7),
                                         st.text(8), st.text(9), st.text(10)});
        }
        return out;
    });
}

LiveCounts Store::session_counts(const std::string& session_id, const std::string& survey_id) const {
    return guarded(path_, "Could not read this session's results", [&] {
        Stmt st(db_, "SELECT question, value, n FROM live_counts WHERE session_id = ?1 AND survey_id = ?2");
        st.bind(1, session_id).bind(2, survey_id);
        LiveCounts out;
        while (st.step()) {
            if (st.text(0).empty()) out.responses += st.int64(2);
            else out.rows.push_back({{st.text(0), st.text(1)}, st.int64(2)});
        }
        return out;
    });
}

int Store::set_hub_public_key(const std::string& public_key) {
    if (!sealed::valid_public_key(public_key)) throw std::invalid_argument("the hub's public key is not usable");
    const int n = guarded(path_, "Could not seal the answers held", [&] {
        Txn txn(db_);
        Stmt(db_,
             "INSERT INTO settings(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
            .bind(1, std::string(kSettingHubPublicKey))
            .bind(2, base64_encode(public_key))
            .run();
        // In chunks read before they are written: a scan is never changed under its feet.
        Stmt st(db_,
                "SELECT r.uuid, r.seq, r.survey_id, r.survey_version, r.language, r.answers_json, r.created_utc,"
                " s.id, s.event, s.venue, s.started_utc"
                " FROM responses r LEFT JOIN sessions s ON s.id = r.session_id WHERE r.sealed IS NULL"
                " ORDER BY r.seq LIMIT 500");
        Stmt up(db_, "UPDATE responses SET answers_json = '', sealed = ?2 WHERE uuid = ?1");
        int sealed_n = 0;
        for (;;) {
            std::vector<PendingRecord> chunk;
            while (st.step()) {
                PendingRecord r{st.text(0), st.int64(1), st.text(2), static_cast<int>(st.int64(3)),
                                st.text(4), st.text(5), st.text(6), std::nullopt, ""};
                if (!st.text(7).empty()) r.session = Session{st.text(7), st.text(8), st.text(9), st.text(10), ""};
                chunk.push_back(std::move(r));
            }
            st.reset();
            if (chunk.empty()) break;
            for (const auto& r : chunk) {
                up.bind(1, r.uuid).bind(2, seal_record(r, public_key)).run();
                up.reset();
                ++sealed_n;
            }
        }
        txn.commit();
        return sealed_n;
    });
    // The plain answers are gone from the rows (secure_delete zeroed them) but older copies of those pages may still
    // be in the write-ahead log or, until it is copied in, the file: copy it in and empty it. Readers (the sync
    // thread) hold it back at most busy_timeout; a later checkpoint finishes the job then.
    sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
    return n;
}

bool Store::answers_protected() const {
    return guarded(path_, "Could not read the setting", [&] { return hub_public_key(db_).has_value(); });
}

// ---- sync ----------------------------------------------------------------------------------
std::vector<PendingRecord> Store::pending_batch(int max_records, std::size_t max_bytes, std::int64_t after_seq) const {
    return guarded(path_, "Could not read the responses to send", [&] {
        Stmt st(db_,
                "SELECT r.uuid, r.seq, r.survey_id, r.survey_version, r.language, r.answers_json, r.created_utc,"
                " s.id, s.event, s.venue, s.started_utc, s.ended_utc, COALESCE(r.sealed, '')"
                " FROM outbox o CROSS JOIN responses r ON r.seq = o.seq LEFT JOIN sessions s ON s.id = r.session_id"
                " WHERE o.seq > ?1 ORDER BY o.seq LIMIT ?2");
        st.bind(1, after_seq).bind(2, std::int64_t{std::max(max_records, 1)});
        std::vector<PendingRecord> out;
        out.reserve(static_cast<std::size_t>(std::clamp(max_records, 1, 8192)));
        std::size_t bytes = 0;
        while (st.step()) {
            PendingRecord r{st.text(0), st.int64(1), st.text(2), static_cast<int>(st.int64(3)),
                            st.text(4), st.text(5), st.text(6), std::nullopt, st.text(12)};
            if (!st.text(7).empty()) r.session = Session{st.text(7), st.text(8), st.text(9), st.text(10), st.text(11)};
            // Roughly what the record adds to the JSON body: the answers, the fields and their names.
            const std::size_t size = r.answers_json.size() + r.sealed.size() + r.survey_id.size() + 320 +
                                     (r.session ? r.session->event.size() + r.session->venue.size() : 0);
            if (!out.empty() && bytes + size > max_bytes) break;
            bytes += size;
            out.push_back(std::move(r));
        }
        return out;
    });
}

int Store::mark_acknowledged(const std::vector<std::string>& uuids) { return mark_acknowledged(uuids, {}); }

int Store::mark_acknowledged(const std::vector<std::string>& uuids, const std::vector<std::int64_t>& seqs) {
    if (uuids.empty()) return 0;
    if (!seqs.empty() && seqs.size() != uuids.size())
        throw std::invalid_argument("mark_acknowledged: " + std::to_string(uuids.size()) + " uuids but " +
                                    std::to_string(seqs.size()) + " seqs");
    return guarded(path_, "Could not mark the responses as sent", [&] {
        // Losing an acknowledgement is harmless (the next pass sends those again and the hub answers
        // `duplicate`), so in WAL mode its commit is not fsync'd: synchronous=NORMAL for this transaction only,
        // and the connection's own setting back before anything else (a save) can commit on it.
        // docs/sync-protocol.md, "Acknowledging".
        const std::int64_t was = single_int(db_, "PRAGMA synchronous");
        const bool relax = was > 1 && single_text(db_, "PRAGMA journal_mode") == "wal";
        struct Restore {
            sqlite3* db;
            std::int64_t level;
            ~Restore() {
                if (level >= 0)
                    sqlite3_exec(db, ("PRAGMA synchronous = " + std::to_string(level)).c_str(), nullptr, nullptr, nullptr);
            }
        } restore{db_, relax ? was : -1};
        if (relax) exec(db_, "PRAGMA synchronous = NORMAL");
        Txn txn(db_);  // one transaction: all of them or none
        Stmt st(db_, "DELETE FROM outbox WHERE seq = (SELECT seq FROM responses WHERE uuid = ?1)");
        std::optional<Stmt> range;
        int changed = 0;
        for (std::size_t i = 0; i < uuids.size();) {
            std::size_t end = i + 1;  // [i, end): seqs that follow one another
            while (!seqs.empty() && end < seqs.size() && seqs[end] == seqs[end - 1] + 1) ++end;
            if (end - i >= 2) {
                if (!range)
                    range.emplace(db_, "DELETE FROM outbox WHERE seq BETWEEN ?1 AND ?2");
                range->bind(1, seqs[i]).bind(2, seqs[end - 1]).run();
                changed += sqlite3_changes(db_);
                range->reset();
                i = end;
                continue;
            }
            st.bind(1, uuids[i]).run();
            changed += sqlite3_changes(db_);
            st.reset();
            ++i;
        }
        txn.commit();
        if (relax) {  // checked here; the destructor only covers a throw on the way
            exec(db_, ("PRAGMA synchronous = " + std::to_string(was)).c_str());
            restore.level = -1;
        }
        return changed;
    });
}

bool Store::quarantine(const std::string& uuid, const std::string& reason) {
    return guarded(path_, "Could not set the response aside", [&] {
        Txn txn(db_);
        Stmt(db_,
             "INSERT INTO quarantine(seq, reason)"
             " SELECT o.seq, ?2 FROM responses r JOIN outbox o ON o.seq = r.seq WHERE r.uuid = ?1")
            .bind(1, uuid)
            .bind(2, reason)
            .run();
        if (sqlite3_changes(db_) != 1) return false;  // not waiting to be sent: rolled back, nothing changed
        Stmt(db_, "DELETE FROM outbox WHERE seq = (SELECT seq FROM responses WHERE uuid = ?1)").bind(1, uuid).run();
        txn.commit();
        return true;
    });
}

std::vector<QuarantinedRecord> Store::quarantined(int limit) const {
    return guarded(path_, "Could not read the responses set aside", [&] {
        Stmt st(db_,
                "SELECT r.uuid, q.seq, q.reason FROM quarantine q JOIN responses r ON r.seq = q.seq"
                " ORDER BY q.seq LIMIT ?1");
        st.bind(1, std::int64_t{limit});
        std::vector<QuarantinedRecord> out;
        while (st.step()) out.push_back({st.text(0), st.int64(1), st.text(2)});
        return out;
    });
}

int Store::release_quarantined() {
    return guarded(path_, "Could not release the responses set aside", [&] {
        Txn txn(db_);
        Stmt(db_, "INSERT OR IGNORE INTO outbox(seq) SELECT seq FROM quarantine").run();
        const int n = sqlite3_changes(db_);
        Stmt(db_, "DELETE FROM quarantine").run();
        txn.commit();
        return n;
    });
}

SyncStatus Store::sync_status() const {
    return guarded(path_, "Could not read the sync status", [&] {
        Stmt st(db_, "SELECT attempts, next_attempt_ms, last_success_utc, last_error, paused FROM sync_status");
        SyncStatus s;
        if (st.step()) s = {static_cast<int>(st.int64(0)), st.int64(1), st.text(2), st.text(3), st.int64(4) != 0};
        return s;
    });
}

void Store::set_sync_status(const SyncStatus& s) {
    guarded(path_, "Could not save the sync status", [&] {
        Stmt(db_,
             "UPDATE sync_status SET attempts = ?1, next_attempt_ms = ?2, last_success_utc = ?3, last_error = ?4,"
             " paused = ?5")
            .bind(1, std::int64_t{s.attempts})
            .bind(2, s.next_attempt_ms)
            .bind(3, s.last_success_utc)
            .bind(4, s.last_error)
            .bind(5, std::int64_t{s.paused ? 1 : 0})
            .run();
    });
}

std::optional<std::string> Store::setting(const std::string& key) const {
    return guarded(path_, "Could not read the setting", [&]() -> std::optional<std::string> {
        Stmt st(db_, "SELECT value FROM settings WHERE key = ?1");
        st.bind(1, key);
        if (!st.step()) return std::nullopt;
        return st.text(0);
    });
}

void Store::set_setting(const std::string& key, const std::string& value) {
    guarded(path_, "Could not save the setting", [&] {
        Stmt(db_,
             "INSERT INTO settings(key, value) VALUES (?1, ?2)"
             " ON CONFLICT(key) DO UPDATE SET value = excluded.value")
            .bind(1, key)
            .bind(2, value)
            .run();
    });
}

void Store::clear_setting(const std::string& key) {
    guarded(path_, "Could not clear the setting", [&] { Stmt(db_, "DELETE FROM settings WHERE key = ?1").bind(1, key).run(); });
}

void Store::limit_pages_for_test(int max_pages) {
    guarded(path_, "Could not limit the database size", [&] {
        exec(db_, ("PRAGMA max_page_count = " + std::to_string(max_pages)).c_str());
    });
}

}  // namespace engage
