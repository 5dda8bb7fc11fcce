// HubStore over sql::Conn: the same statements on SQLite and PostgreSQL, so both keep the same rules.
// Exactly once: UNIQUE (kiosk_id, uuid) on records + INSERT ... ON CONFLICT DO NOTHING, then a re-read of the
// held copy's hash to tell a duplicate from a conflict, all in one transaction per batch.
#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <exception>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "dashboard_index.h"
#include "engage/bundle.h"
#include "engage/storage.h"
#include "sql.h"
#include "store.h"

namespace engage::hub {
namespace {

using sql::Conn;
using sql::Dialect;
using sql::Param;
using sql::Row;

// Schema 7 (the survey library) is the same SQL on both back ends.
constexpr const char* kSurveyLibrarySql = R"sql(
CREATE TABLE surveys(
  survey_id    TEXT NOT NULL,
  version      BIGINT NOT NULL,
  title        TEXT NOT NULL,
  definition   TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  source       TEXT NOT NULL,
  added_utc    TEXT NOT NULL,
  retired_utc  TEXT,
  PRIMARY KEY (survey_id, version));
)sql";

// Schema 8 (each kiosk's latest status report, POST /v1/status) is the same SQL on both back ends.
constexpr const char* kKioskReportSql = R"sql(
CREATE TABLE kiosk_reports(
  hub_kiosk       TEXT PRIMARY KEY REFERENCES kiosks(id),
  kiosk_id        TEXT NOT NULL,
  app_version     TEXT NOT NULL,
  survey_id       TEXT,
  survey_version  BIGINT,
  waiting         BIGINT NOT NULL,
  quarantined     BIGINT NOT NULL,
  disk_free_bytes BIGINT NOT NULL,
  clock_utc       TEXT NOT NULL,
  received_utc    TEXT NOT NULL,
  clock_skew_s    BIGINT NOT NULL);
)sql";

// Schema 9 (publishing surveys to kiosks) is the same SQL on both back ends. One row per survey id and target:
// target 'all' (value ''), 'kiosk' (value: the hub kiosk id) or 'venue' (value: the venue's name, as the kiosk's
// sessions name it). Publishing the same id to the same target again replaces its version.
constexpr const char* kPublicationsSql = R"sql(
CREATE TABLE publications(
  survey_id     TEXT NOT NULL,
  version       BIGINT NOT NULL,
  target        TEXT NOT NULL,
  value         TEXT NOT NULL,
  published_utc TEXT NOT NULL,
  PRIMARY KEY (survey_id, target, value));
CREATE INDEX publications_target ON publications(target, value);
)sql";

// ---- schema -----------------------------------------------------------------------------------
constexpr const char* kHubKeysSql = R"sql(
CREATE TABLE hub_keys(
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  public_key  TEXT NOT NULL,
  secret_key  TEXT NOT NULL,
  created_utc TEXT NOT NULL);
)sql";

// Migration N takes the database from version N-1 to N. Append; never edit a released one.
// Times are text "YYYY-MM-DDTHH:MM:SSZ" on both back ends, so they compare as strings.
struct Migration {
    int version;
    const char* sqlite;
    const char* postgres;
    void (*then)(Conn&) = nullptr;  // C++ work after the script, in the same transaction (a backfill)
};

// Schema 3 (the dashboard) is the same SQL on both back ends.
constexpr const char* kDashboardSql = R"sql(
CREATE TABLE users(
  name          TEXT PRIMARY KEY,
  password_hash TEXT NOT NULL,
  created_utc   TEXT NOT NULL);
CREATE TABLE web_sessions(
  token_hash  TEXT PRIMARY KEY,
  user_name   TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
  csrf        TEXT NOT NULL,
  created_utc TEXT NOT NULL,
  expires_utc TEXT NOT NULL);
CREATE INDEX web_sessions_user ON web_sessions(user_name);
CREATE TABLE text_reviews(
  record_uuid TEXT NOT NULL,
  question    TEXT NOT NULL,
  decision    TEXT NOT NULL CHECK (decision IN ('approved', 'hidden')),
  reviewer    TEXT NOT NULL,
  decided_utc TEXT NOT NULL,
  PRIMARY KEY (record_uuid, question));
)sql";

constexpr const char* kReviewsByKioskSql = R"sql(
CREATE TABLE text_reviews_4(
  kiosk_id    TEXT NOT NULL,
  record_uuid TEXT NOT NULL,
  question    TEXT NOT NULL,
  decision    TEXT NOT NULL CHECK (decision IN ('approved', 'hidden')),
  reviewer    TEXT NOT NULL,
  decided_utc TEXT NOT NULL,
  PRIMARY KEY (kiosk_id, record_uuid, question));
INSERT INTO text_reviews_4(kiosk_id, record_uuid, question, decision, reviewer, decided_utc)
  SELECT r.kiosk_id, t.record_uuid, t.question, t.decision, t.reviewer, t.decided_utc
  FROM text_reviews t JOIN records r ON r.uuid = t.record_uuid
  WHERE (SELECT COUNT(*) FROM records r2 WHERE r2.uuid = t.record_uuid) = 1;
DROP TABLE text_reviews;
ALTER TABLE text_reviews_4 RENAME TO text_reviews;
)sql";

// Schema 10: records stored but not yet in the dashboard's summaries (folded in and deleted in one transaction).
constexpr const char* kDashQueueSql = R"sql(
CREATE TABLE IF NOT EXISTS dash_queue(record_id BIGINT PRIMARY KEY);
DELETE FROM dash_queue;
)sql";

// Schema 6: the dashboard's summary tables (hub/dashboard_index.h), the same SQL on both back ends; the
// migration then fills them from the records already held (dash::backfill).
constexpr const char* kDashSummariesSql = R"sql(
CREATE TABLE dash_groups(
  survey_id      TEXT NOT NULL,
  survey_version BIGINT NOT NULL,
  day            TEXT NOT NULL,
  venue          TEXT NOT NULL,
  session_key    TEXT NOT NULL,
  responses      BIGINT NOT NULL,
  bad            BIGINT NOT NULL,
  PRIMARY KEY (survey_id, survey_version, day, venue, session_key));
CREATE TABLE dash_sessions(
  session_key TEXT PRIMARY KEY,
  event       TEXT NOT NULL,
  venue       TEXT NOT NULL,
  started_utc TEXT NOT NULL);
CREATE TABLE dash_answers(
  survey_id      TEXT NOT NULL,
  survey_version BIGINT NOT NULL,
  day            TEXT NOT NULL,
  venue          TEXT NOT NULL,
  session_key    TEXT NOT NULL,
  question       TEXT NOT NULL,
  kind           TEXT NOT NULL,
  value          TEXT NOT NULL,
  n              BIGINT NOT NULL,
  first_seen     TEXT NOT NULL,
  PRIMARY KEY (survey_id, survey_version, day, venue, session_key, question, kind, value));
CREATE INDEX dash_answers_question ON dash_answers(survey_id, question, kind);
CREATE TABLE dash_texts(
  kiosk_id       TEXT NOT NULL,
  uuid           TEXT NOT NULL,
  seq            BIGINT NOT NULL,
  survey_id      TEXT NOT NULL,
  survey_version BIGINT NOT NULL,
  day            TEXT NOT NULL,
  venue          TEXT NOT NULL,
  session_key    TEXT NOT NULL,
  created_utc    TEXT NOT NULL,
  question       TEXT NOT NULL,
  pos            BIGINT NOT NULL,
  kind           TEXT NOT NULL,
  text           TEXT NOT NULL,
  flagged        INTEGER NOT NULL);
CREATE INDEX dash_texts_record ON dash_texts(uuid, question);
CREATE INDEX dash_texts_flagged ON dash_texts(kiosk_id, uuid, question) WHERE flagged = 1;
)sql";

constexpr Migration kMigrations[] = {
    {1,
     R"sql(
CREATE TABLE kiosks(
  id            TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  created_utc   TEXT NOT NULL,
  device_id     TEXT,
  last_seen_utc TEXT,
  revoked_utc   TEXT);
CREATE TABLE tokens(
  token_hash  TEXT PRIMARY KEY,
  kiosk       TEXT NOT NULL REFERENCES kiosks(id),
  created_utc TEXT NOT NULL,
  via         TEXT NOT NULL);
CREATE INDEX tokens_kiosk ON tokens(kiosk);
CREATE TABLE pairing_codes(
  code_hash   TEXT PRIMARY KEY,
  kiosk       TEXT NOT NULL REFERENCES kiosks(id),
  created_utc TEXT NOT NULL,
  expires_utc TEXT NOT NULL,
  used_utc    TEXT);
CREATE TABLE records(
  id                  INTEGER PRIMARY KEY AUTOINCREMENT,
  kiosk_id            TEXT NOT NULL,
  uuid                TEXT NOT NULL,
  seq                 INTEGER NOT NULL,
  survey_id           TEXT NOT NULL,
  survey_version      INTEGER NOT NULL,
  created_utc         TEXT NOT NULL,
  language            TEXT NOT NULL,
  session_id          TEXT,
  session_event       TEXT,
  session_venue       TEXT,
  session_started_utc TEXT,
  session_ended_utc   TEXT,
  answers             TEXT NOT NULL,
  content_hash        TEXT NOT NULL,
  received_utc        TEXT NOT NULL,
  hub_kiosk           TEXT NOT NULL REFERENCES kiosks(id),
  batch_id            TEXT NOT NULL,
  UNIQUE (kiosk_id, uuid));
CREATE INDEX records_seq ON records(kiosk_id, seq);
CREATE TABLE conflicts(
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  kiosk_id     TEXT NOT NULL,
  uuid         TEXT NOT NULL,
  seq          INTEGER NOT NULL,
  content_hash TEXT NOT NULL,
  record       TEXT NOT NULL,
  received_utc TEXT NOT NULL,
  hub_kiosk    TEXT NOT NULL REFERENCES kiosks(id),
  batch_id     TEXT NOT NULL,
  UNIQUE (kiosk_id, uuid, content_hash));
CREATE TABLE batches(
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  batch_id     TEXT NOT NULL,
  hub_kiosk    TEXT NOT NULL REFERENCES kiosks(id),
  kiosk_id     TEXT NOT NULL,
  received_utc TEXT NOT NULL,
  records      INTEGER NOT NULL,
  stored       INTEGER NOT NULL,
  duplicate    INTEGER NOT NULL,
  conflict     INTEGER NOT NULL,
  invalid      INTEGER NOT NULL,
  reply        TEXT NOT NULL);
)sql",
     R"sql(
CREATE TABLE kiosks(
  id            TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  created_utc   TEXT NOT NULL,
  device_id     TEXT,
  last_seen_utc TEXT,
  revoked_utc   TEXT);
CREATE TABLE tokens(
  token_hash  TEXT PRIMARY KEY,
  kiosk       TEXT NOT NULL REFERENCES kiosks(id),
  created_utc TEXT NOT NULL,
  via         TEXT NOT NULL);
CREATE INDEX tokens_kiosk ON tokens(kiosk);
CREATE TABLE pairing_codes(
  code_hash   TEXT PRIMARY KEY,
  kiosk       TEXT NOT NULL REFERENCES kiosks(id),
  created_utc TEXT NOT NULL,
  expires_utc TEXT NOT NULL,
  used_utc    TEXT);
CREATE TABLE records(
  id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kiosk_id            TEXT NOT NULL,
  uuid                TEXT NOT NULL,
  seq                 BIGINT NOT NULL,
  survey_id           TEXT NOT NULL,
  survey_version      BIGINT NOT NULL,
  created_utc         TEXT NOT NULL,
  language            TEXT NOT NULL,
  session_id          TEXT,
  session_event       TEXT,
  session_venue       TEXT,
  session_started_utc TEXT,
  session_ended_utc   TEXT,
  answers             TEXT NOT NULL,
  content_hash        TEXT NOT NULL,
  received_utc        TEXT NOT NULL,
  hub_kiosk           TEXT NOT NULL REFERENCES kiosks(id),
  batch_id            TEXT NOT NULL,
  UNIQUE (kiosk_id, uuid));
CREATE INDEX records_seq ON records(kiosk_id, seq);
CREATE TABLE conflicts(
  id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kiosk_id     TEXT NOT NULL,
  uuid         TEXT NOT NULL,
  seq          BIGINT NOT NULL,
  content_hash TEXT NOT NULL,
  record       TEXT NOT NULL,
  received_utc TEXT NOT NULL,
  hub_kiosk    TEXT NOT NULL REFERENCES kiosks(id),
  batch_id     TEXT NOT NULL,
  UNIQUE (kiosk_id, uuid, content_hash));
CREATE TABLE batches(
  id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  batch_id     TEXT NOT NULL,
  hub_kiosk    TEXT NOT NULL REFERENCES kiosks(id),
  kiosk_id     TEXT NOT NULL,
  received_utc TEXT NOT NULL,
  records      BIGINT NOT NULL,
  stored       BIGINT NOT NULL,
  duplicate    BIGINT NOT NULL,
  conflict     BIGINT NOT NULL,
  invalid      BIGINT NOT NULL,
  reply        TEXT NOT NULL);
)sql"},
    // 2: USB bundles. Each enrolment's bundle key: base64 of 32 random bytes from libsodium (it must be readable:
    // the hub decrypts with it). NULL until made: `kiosk add` makes it; kiosks enrolled before version 2 get theirs
    // at their next pairing or `engage-hub kiosk key` (SQL has no CSPRNG both back ends share).
    {2,
     R"sql(
ALTER TABLE kiosks ADD COLUMN bundle_key TEXT;
)sql",
     R"sql(
ALTER TABLE kiosks ADD COLUMN bundle_key TEXT;
)sql"},
    // 3: the dashboard. Organisers (password_hash: libsodium crypto_pwhash_str, Argon2id); their web sessions
    // (token_hash: SHA-256 hex of the cookie's 32 random bytes; the token itself is never stored); and the
    // decisions on free text held back for review (the same SQL on both back ends).
    {3, kDashboardSql, kDashboardSql},
    // 4: PIN reset codes (`engage-hub kiosk reset-code`): each kiosk's HOTP counter, the next one to hand out.
    {4, "ALTER TABLE kiosks ADD COLUMN pin_reset_counter BIGINT NOT NULL DEFAULT 0;",
     "ALTER TABLE kiosks ADD COLUMN pin_reset_counter BIGINT NOT NULL DEFAULT 0;"},
    // 5: review decisions per (kiosk, record uuid, question): a uuid is unique only within one kiosk, so another
    // kiosk reusing an approved uuid must not inherit the approval. A decision moves over only where exactly one
    // record has its uuid; the others go back to the review queue.
    {5, kReviewsByKioskSql, kReviewsByKioskSql},
    // 6: the dashboard's summary tables, kept in the same transaction as each record insert, then backfilled.
    {6, kDashSummariesSql, kDashSummariesSql, dash::backfill},
    // 7: the survey library (`engage-hub survey add|list|show|retire`): every version of every survey added, as
    // Engage JSON. retired_utc is set on all versions of an id by `survey retire`; a higher version added later
    // clears it.
    {7, kSurveyLibrarySql, kSurveyLibrarySql},
    // 8: the fleet. Each enrolment's latest status report from its kiosk (app version, live survey, waiting,
    // quarantined, free disk, the kiosk's clock and the hub's when it came).
    {8, kKioskReportSql, kKioskReportSql},
    // 9: publishing surveys to kiosks (`engage-hub survey publish|unpublish`, GET /v1/surveys).
    {9, kPublicationsSql, kPublicationsSql},
    // 10: the summaries out of the ingest transaction (`serve`): each stored record's id is queued in the same
    // transaction and a background thread folds the queue into the summaries (dash::fold_queued). Every record
    // held now is already summarised, so the queue starts empty.
    {10, kDashQueueSql, kDashQueueSql},
    // 11: sealed answers. The hub's X25519 key pair (base64), one row, made at first need (seal_keys): kiosks get
    // the public key at pairing, in key files and in packs, and seal each response's answers to it.
    {11, kHubKeysSql, kHubKeysSql},
};
static_assert(std::size(kMigrations) == kHubSchemaVersion, "one migration per schema version");

constexpr long kPairingCodeSeconds = 24 * 3600;
constexpr const char kCodeAlphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";  // no 0/O, 1/I/L

// A new bundle key: 32 random bytes, as base64 (how the kiosks table keeps it).
std::string random_bundle_key() {
    unsigned char b[32];
    randombytes_buf(b, sizeof b);
    char out[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(out, sizeof out, b, sizeof b, sodium_base64_VARIANT_ORIGINAL);
    sodium_memzero(b, sizeof b);
    return out;
}

std::optional<std::string> bundle_key_bytes(const std::optional<std::string>& b64) {
    if (!b64) return std::nullopt;
    unsigned char b[32];
    std::size_t len = 0;
    if (sodium_base642bin(b, sizeof b, b64->data(), b64->size(), nullptr, &len, nullptr,
                          sodium_base64_VARIANT_ORIGINAL) != 0 || len != sizeof b)
        throw DbError("the bundle key stored for a kiosk is damaged (not 32 bytes of base64)", false);
    std::string out(reinterpret_cast<const char*>(b), sizeof b);
    sodium_memzero(b, sizeof b);
    return out;
}

std::string random_code() {
    std::string c;
    for (int i = 0; i < 8; ++i) {
        if (i == 4) c += '-';
        c += kCodeAlphabet[randombytes_uniform(sizeof kCodeAlphabet - 1)];
    }
    return c;
}

std::string str(const std::optional<std::string>& v) { return v.value_or(""); }
std::int64_t num(const std::optional<std::string>& v) { return v ? std::stoll(*v) : 0; }

// SELECT list for KioskInfo, in this order.
constexpr const char* kKioskCols = "id, name, created_utc, device_id, last_seen_utc, revoked_utc";
KioskInfo kiosk_from(const Row& r, std::size_t at = 0) {
    KioskInfo k;
    k.id = str(r[at]);
    k.name = str(r[at + 1]);
    k.created_utc = str(r[at + 2]);
    k.device_id = str(r[at + 3]);
    k.last_seen_utc = str(r[at + 4]);
    k.revoked_utc = str(r[at + 5]);
    return k;
}

// ---- connection pool: at most one connection per thread in use; idle ones are kept for reuse -------
class Pool {
public:
    explicit Pool(std::function<std::unique_ptr<Conn>()> factory) : factory_(std::move(factory)) {}

    class Lease {
    public:
        Lease(Pool& p, std::unique_ptr<Conn> c) : pool_(p), conn_(std::move(c)) {}
        ~Lease() {
            conn_->rollback();
            if (conn_->usable()) pool_.give_back(std::move(conn_));
        }
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        Conn& operator*() { return *conn_; }
        Conn* operator->() { return conn_.get(); }

    private:
        Pool& pool_;
        std::unique_ptr<Conn> conn_;
    };

    Lease acquire() {
        {
            std::lock_guard lock(mutex_);
            if (!idle_.empty()) {
                auto c = std::move(idle_.back());
                idle_.pop_back();
                return Lease(*this, std::move(c));
            }
        }
        return Lease(*this, factory_());
    }
    std::unique_ptr<Conn> open() { return factory_(); }  // a connection of its own, outside the pool

private:
    void give_back(std::unique_ptr<Conn> c) {
        std::lock_guard lock(mutex_);
        if (idle_.size() < 32) idle_.push_back(std::move(c));
    }

    std::function<std::unique_ptr<Conn>()> factory_;
    std::mutex mutex_;
    std::vector<std::unique_ptr<Conn>> idle_;
};

class SqlHubStore final : public HubStore {
public:
    SqlHubStore(std::function<std::unique_ptr<Conn>()> factory, Dialect d) : pool_(std::move(factory)), dialect_(d) {
        auto c = pool_.acquire();
        migrate(*c);
    }

    std::string backend() const override { return dialect_ == Dialect::Sqlite ? "sqlite" : "postgresql"; }

    int schema_version() override {
        auto c = pool_.acquire();
        return read_version(*c);
    }

    Enrolment add_kiosk(const std::string& name) override {
        return transaction([&](Conn& c) {
            Enrolment e;
            e.kiosk.id = new_uuid();
            e.kiosk.name = name;
            e.kiosk.created_utc = utc_seconds_now();
            c.run("INSERT INTO kiosks(id, name, created_utc, bundle_key) VALUES ($1, $2, $3, $4)",
                  {e.kiosk.id, name, e.kiosk.created_utc, random_bundle_key()});
            e.token = random_token();
            c.run("INSERT INTO tokens(token_hash, kiosk, created_utc, via) VALUES ($1, $2, $3, 'enrolment')",
                  {sha256_hex(e.token), e.kiosk.id, e.kiosk.created_utc});
            std::tie(e.pairing_code, e.code_expires_utc) = insert_code(c, e.kiosk.id);
            return e;
        });
    }

    std::vector<KioskInfo> list_kiosks() override {
        auto c = pool_.acquire();
        std::vector<KioskInfo> out;
        for (const auto& r : c->run(std::string("SELECT ") + kKioskCols + " FROM kiosks ORDER BY created_utc, name").rows)
            out.push_back(kiosk_from(r));
        return out;
    }

    std::optional<KioskInfo> find_kiosk(const std::string& given, std::string& why) override {
        std::string id;
        for (char ch : given) id += static_cast<char>(ch >= 'A' && ch <= 'F' ? ch - 'A' + 'a' : ch);
        bool ok = !id.empty();
        for (char ch : id) ok = ok && ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || ch == '-');
        if (!ok) {
            why = "'" + given + "' is not a kiosk id (see engage-hub kiosk list)";
            return std::nullopt;
        }
        if (id.size() < 6) {
            why = "give at least 6 characters of the kiosk id";
            return std::nullopt;
        }
        auto c = pool_.acquire();
        auto rows = c->run(std::string("SELECT ") + kKioskCols + " FROM kiosks WHERE id = $1 OR id LIKE $2 ORDER BY id",
                           {id, id + "%"}).rows;
        if (rows.empty()) {
            why = "no kiosk with id " + given + " (see engage-hub kiosk list)";
            return std::nullopt;
        }
        for (const auto& r : rows)
            if (str(r[0]) == id) return kiosk_from(r);
        if (rows.size() > 1) {
            why = given + " matches " + std::to_string(rows.size()) + " kiosks; give more of the id";
            return std::nullopt;
        }
        return kiosk_from(rows[0]);
    }

    bool revoke_kiosk(const std::string& id) override {
        return transaction([&](Conn& c) {
            return c.run("UPDATE kiosks SET revoked_utc = $2 WHERE id = $1 AND revoked_utc IS NULL",
                         {id, utc_seconds_now()})
                       .affected == 1;
        });
    }

    std::pair<std::string, std::string> new_pairing_code(const std::string& kiosk_id) override {
        return transaction([&](Conn& c) { return insert_code(c, kiosk_id); });
    }

    std::optional<std::string> bundle_key(const std::string& kiosk_id, bool create) override {
        if (!create)
            return reading([&](Conn& c) -> std::optional<std::string> {
                auto rows = c.run("SELECT bundle_key FROM kiosks WHERE id = $1", {kiosk_id}).rows;
                return rows.empty() ? std::nullopt : bundle_key_bytes(rows[0][0]);
            });
        return transaction([&](Conn& c) { return ensure_bundle_key(c, kiosk_id); });
    }

    sealed::KeyPair seal_keys() override {
        {
            std::lock_guard lock(keys_mutex_);
            if (!keys_.public_key.empty()) return keys_;
        }
        auto read = [&](Conn& c) -> std::optional<sealed::KeyPair> {
            auto rows = c.run("SELECT public_key, secret_key FROM hub_keys WHERE id = 1").rows;
            if (rows.empty()) return std::nullopt;
            sealed::KeyPair k;
            if (!base64_decode(str(rows[0][0]), k.public_key) || !base64_decode(str(rows[0][1]), k.secret_key) ||
                k.public_key.size() != sealed::kPublicKeyBytes || k.secret_key.size() != sealed::kSecretKeyBytes)
                throw DbError("the hub's sealing key (table hub_keys) is damaged", false);
            return k;
        };
        auto k = reading(read);
        if (!k) {
            k = transaction([&](Conn& c) {
                const sealed::KeyPair fresh = sealed::new_key_pair();
                // Another hub process sharing the database may have made one first: keep that one.
                c.run("INSERT INTO hub_keys(id, public_key, secret_key, created_utc) VALUES (1, $1, $2, $3)"
                      " ON CONFLICT (id) DO NOTHING",
                      {base64_encode(fresh.public_key), base64_encode(fresh.secret_key), utc_seconds_now()});
                return read(c);
            });
        }
        if (!k) throw DbError("the hub's sealing key could not be made", false);
        std::lock_guard lock(keys_mutex_);
        keys_ = *k;
        return keys_;
    }

    std::optional<std::uint64_t> take_pin_reset_counter(const std::string& kiosk_id) override {
        return transaction([&](Conn& c) -> std::optional<std::uint64_t> {
            if (c.run("UPDATE kiosks SET pin_reset_counter = pin_reset_counter + 1 WHERE id = $1", {kiosk_id})
                    .affected != 1)
                return std::nullopt;
            auto rows = c.run("SELECT pin_reset_counter FROM kiosks WHERE id = $1", {kiosk_id}).rows;
            if (rows.empty()) return std::nullopt;
            return static_cast<std::uint64_t>(num(rows[0][0]) - 1);
        });
    }

    Auth authenticate(const std::string& token) override {
        return reading([&](Conn& c) { return authenticate(c, token); });
    }

    Auth authenticate(Conn& c, const std::string& token) {
        Auth a;
        const std::string h = sha256_hex(token);
        auto rows = c.run(std::string("SELECT t.token_hash, ") + prefixed("k.") +
                               " FROM tokens t JOIN kiosks k ON k.id = t.kiosk WHERE t.token_hash = $1",
                           {h}).rows;
        // The index finds the row; the final comparison is constant-time anyway.
        if (rows.empty() || str(rows[0][0]).size() != h.size() ||
            sodium_memcmp(str(rows[0][0]).data(), h.data(), h.size()) != 0)
            return a;
        a.kiosk = kiosk_from(rows[0], 1);
        a.status = a.kiosk.revoked() ? AuthStatus::Revoked : AuthStatus::Ok;
        return a;
    }

    // A device id pinned to another enrolment that is not revoked (a revoked kiosk may be enrolled again).
    static bool device_held_elsewhere(Conn& c, const std::string& device_id, const std::string& kiosk_id) {
        return !c.run("SELECT id FROM kiosks WHERE device_id = $1 AND id <> $2 AND revoked_utc IS NULL",
                      {device_id, kiosk_id})
                    .rows.empty();
    }

    PairResult pair(const std::string& code, const std::string& device_id) override {
        const std::string h = sha256_hex(normalise_pairing_code(code));
        return transaction([&](Conn& c) {
            PairResult out;
            const std::string now = utc_seconds_now();
            auto codes = c.run("SELECT kiosk, expires_utc, used_utc FROM pairing_codes WHERE code_hash = $1" +
                                   for_update(),
                               {h}).rows;
            if (codes.empty() || codes[0][2] || str(codes[0][1]) <= now) return out;  // BadCode
            const std::string kiosk_id = str(codes[0][0]);
            auto k = c.run(std::string("SELECT ") + kKioskCols + " FROM kiosks WHERE id = $1" + for_update(),
                           {kiosk_id}).rows;
            if (k.empty()) return out;
            out.kiosk = kiosk_from(k[0]);
            if (out.kiosk.revoked()) {
                out.status = PairStatus::Revoked;
                return out;
            }
            if (!out.kiosk.device_id.empty() && out.kiosk.device_id != device_id) {
                out.status = PairStatus::DeviceMismatch;
                return out;
            }
            if (out.kiosk.device_id.empty() && device_held_elsewhere(c, device_id, kiosk_id)) {
                out.status = PairStatus::DeviceTaken;
                return out;
            }
            if (c.run("UPDATE pairing_codes SET used_utc = $2 WHERE code_hash = $1 AND used_utc IS NULL", {h, now})
                    .affected != 1)
                return out;
            c.run("UPDATE kiosks SET device_id = $2 WHERE id = $1 AND device_id IS NULL", {kiosk_id, device_id});
            c.run("UPDATE kiosks SET last_seen_utc = $2 WHERE id = $1", {kiosk_id, now});
            out.token = random_token();
            c.run("INSERT INTO tokens(token_hash, kiosk, created_utc, via) VALUES ($1, $2, $3, 'pairing')",
                  {sha256_hex(out.token), kiosk_id, now});
            out.bundle_key = ensure_bundle_key(c, kiosk_id).value_or("");
            out.kiosk.device_id = device_id;
            out.kiosk.last_seen_utc = now;
            out.status = PairStatus::Ok;
            c.commit();
            return out;
        }, /*commit=*/false);
    }

    // The batch's valid records in multi-row INSERTs of up to kInsertRows rows (one round trip each, where one
    // statement per record took one each); ON CONFLICT DO NOTHING RETURNING names the rows stored just now.
    static constexpr std::size_t kInsertRows = 64;  // 17 parameters a row: well under SQLite's 32766
    struct Inserted {
        std::set<std::string> uuids;
        std::vector<std::int64_t> ids;
    };
    Inserted insert_records(Conn& c, const Batch& batch, const std::string& hub_kiosk_id, const std::string& now) {
        Inserted inserted;
        std::vector<const Record*> valid;
        for (const Item& it : batch.items)
            if (it.valid()) valid.push_back(&it.record);
        for (std::size_t at = 0; at < valid.size(); at += kInsertRows) {
            const std::size_t n = std::min(kInsertRows, valid.size() - at);
            std::string sql =
                "INSERT INTO records(kiosk_id, uuid, seq, survey_id, survey_version, created_utc, language,"
                " session_id, session_event, session_venue, session_started_utc, session_ended_utc, answers,"
                " content_hash, received_utc, hub_kiosk, batch_id) VALUES ";
            std::vector<Param> params;
            params.reserve(n * 17);
            const auto ref = [](const std::string& v) { return Param(sql::TextRef{v}); };
            for (std::size_t i = 0; i < n; ++i) {
                const Record& r = *valid[at + i];
                auto sess = [&](const std::string& v) { return r.has_session ? ref(v) : Param(nullptr); };
                sql += i ? ", (" : "(";
                for (int k = 1; k <= 17; ++k)
                    sql += (k > 1 ? ", $" : "$") + std::to_string(i * 17 + static_cast<std::size_t>(k));
                sql += ")";
                for (Param p : {ref(batch.kiosk_id), ref(r.uuid), Param(r.seq), ref(r.survey_id),
                                Param(r.survey_version), ref(r.created_utc), ref(r.language), sess(r.session_id),
                                sess(r.session_event), sess(r.session_venue), sess(r.session_started_utc),
                                r.session_ended_utc ? ref(*r.session_ended_utc) : Param(nullptr),
                                ref(r.answers_json), ref(r.content_hash), ref(now), ref(hub_kiosk_id),
                                ref(batch.batch_id)})
                    params.push_back(p);
            }
            sql += " ON CONFLICT (kiosk_id, uuid) DO NOTHING RETURNING uuid, id";
            for (const auto& row : c.run(sql, params).rows) {
                inserted.uuids.insert(str(row[0]));
                inserted.ids.push_back(num(row[1]));
            }
        }
        return inserted;
    }

    // The dashboard's summaries of the records stored just now (hub/dashboard_index.h): written in the same
    // transaction, or (serve, defer_dashboard_index) their ids queued, in the same transaction, for the indexer.
    void index_for_dashboard(Conn& c, const Batch& batch, const Inserted& ins) {
        if (defer_index_) {
            constexpr std::size_t kPer = 100;
            for (std::size_t at = 0; at < ins.ids.size(); at += kPer) {
                const std::size_t n = std::min(kPer, ins.ids.size() - at);
                std::string sql = "INSERT INTO dash_queue(record_id) VALUES ";
                std::vector<Param> p;
                for (std::size_t i = 0; i < n; ++i) {
                    sql += (i ? ", ($" : "($") + std::to_string(i + 1) + ")";
                    p.emplace_back(ins.ids[at + i]);
                }
                c.run(sql, p);
            }
            return;
        }
        const std::set<std::string>& inserted = ins.uuids;
        dash::Summaries s;
        for (const Item& it : batch.items) {
            if (!it.valid() || !inserted.count(it.record.uuid)) continue;
            if (batch.records) s.add(batch.kiosk_id, it.record, (*batch.records)[it.index].at("answers"));
            else s.add(batch.kiosk_id, it.record);  // a batch made in code (tests): parse the answers' text
        }
        if (!s.empty()) s.write(c);
    }

    BatchOutcome store_batch(const std::string& hub_kiosk_id, const Batch& batch) override {
        const std::function<BatchOutcome(Conn&)> write = [&](Conn& c) {
            BatchOutcome out;
            const std::string now = utc_seconds_now();
            auto k = c.run(std::string("SELECT ") + kKioskCols + " FROM kiosks WHERE id = $1" + for_update(),
                           {hub_kiosk_id}).rows;
            if (k.empty()) {
                out.status = BatchStatus::UnknownKiosk;
                return out;
            }
            out.kiosk = kiosk_from(k[0]);
            if (out.kiosk.revoked()) {
                out.status = BatchStatus::Revoked;
                return out;
            }
            if (!out.kiosk.device_id.empty() && out.kiosk.device_id != batch.kiosk_id) {
                out.status = BatchStatus::DeviceMismatch;
                return out;
            }
            if (out.kiosk.device_id.empty()) {
                if (device_held_elsewhere(c, batch.kiosk_id, hub_kiosk_id)) {
                    out.status = BatchStatus::DeviceTaken;
                    return out;
                }
                c.run("UPDATE kiosks SET device_id = $2 WHERE id = $1 AND device_id IS NULL",
                      {hub_kiosk_id, batch.kiosk_id});
            }
            c.run("UPDATE kiosks SET last_seen_utc = $2 WHERE id = $1", {hub_kiosk_id, now});
            out.kiosk.device_id = batch.kiosk_id;
            out.kiosk.last_seen_utc = now;

            out.counts.records = static_cast<int>(batch.items.size());
            out.results.reserve(batch.items.size());
            const Inserted ins = insert_records(c, batch, hub_kiosk_id, now);
            const std::set<std::string>& inserted = ins.uuids;
            index_for_dashboard(c, batch, ins);
            for (const Item& it : batch.items) {
                protocol::Result res;
                res.uuid = it.uuid;
                if (!it.valid()) {
                    res.status = protocol::Status::Invalid;
                    res.error = it.error;
                    ++out.counts.invalid;
                    out.results.push_back(std::move(res));
                    continue;
                }
                const Record& r = it.record;
                if (inserted.count(r.uuid)) {
                    res.status = protocol::Status::Stored;
                    ++out.counts.stored;
                } else {
                    auto held = c.run("SELECT content_hash FROM records WHERE kiosk_id = $1 AND uuid = $2",
                                      {batch.kiosk_id, r.uuid}).rows;
                    if (held.empty())
                        throw DbError("the record " + r.uuid + " was neither inserted nor found (try again)", true);
                    if (str(held[0][0]) == r.content_hash) {
                        res.status = protocol::Status::Duplicate;
                        ++out.counts.duplicate;
                    } else {
                        c.run("INSERT INTO conflicts(kiosk_id, uuid, seq, content_hash, record, received_utc,"
                              " hub_kiosk, batch_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                              " ON CONFLICT (kiosk_id, uuid, content_hash) DO NOTHING",
                              {batch.kiosk_id, r.uuid, r.seq, r.content_hash, batch.record_json(it.index), now,
                               hub_kiosk_id, batch.batch_id});
                        res.status = protocol::Status::Conflict;
                        ++out.counts.conflict;
                    }
                }
                out.results.push_back(std::move(res));
            }
            out.reply = make_reply(batch.batch_id, out.results);
            const auto& n = out.counts;
            if (n.stored + n.duplicate + n.conflict > 0)
                c.run("INSERT INTO batches(batch_id, hub_kiosk, kiosk_id, received_utc, records, stored, duplicate,"
                      " conflict, invalid, reply) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                      {batch.batch_id, hub_kiosk_id, batch.kiosk_id, now, std::int64_t{n.records},
                       std::int64_t{n.stored}, std::int64_t{n.duplicate}, std::int64_t{n.conflict},
                       std::int64_t{n.invalid}, out.reply});
            return out;
        };
        // The reply goes out only after the commit (on SQLite, one shared with the batches of other requests).
        BatchOutcome out = dialect_ == Dialect::Sqlite ? group_commit(write) : transaction(write);
        if (defer_index_ && out.counts.stored > 0) wake_indexer();
        return out;
    }

    // ---- the background indexer (schema 10) ----
    static constexpr std::size_t kIndexChunk = 1000;  // records per fold: a short write transaction (SQLite: one writer)

    void defer_dashboard_index() override {
        std::lock_guard lock(index_mutex_);
        if (indexer_.joinable()) return;
        defer_index_ = true;
        indexer_ = std::thread([this] { index_loop(); });
    }

    std::int64_t index_queued(std::size_t limit) override {
        return transaction([&](Conn& c) { return dash::fold_queued(c, limit); });
    }

    std::int64_t dashboard_pending() override {
        return reading([](Conn& c) { return num(c.run("SELECT COUNT(*) FROM dash_queue").rows[0][0]); });
    }

    ~SqlHubStore() override {
        {
            std::lock_guard lock(index_mutex_);
            index_stop_ = true;
        }
        index_cv_.notify_all();
        if (indexer_.joinable()) indexer_.join();
    }

    void wake_indexer() {
        {
            std::lock_guard lock(index_mutex_);
            index_wake_ = true;
            last_store_ = std::chrono::steady_clock::now();
            if (!behind_since_) behind_since_ = last_store_;
        }
        index_cv_.notify_all();
    }

    // The indexer gives way to ingest (both write to one database, on the same few cores): it folds once no batch
    // has been stored for kIndexQuiet, or when the queue has waited kIndexMaxLag — then until it is empty, so a
    // steady stream of batches keeps its charts at most that far behind. Otherwise it folds until the queue is
    // empty, then sleeps until woken (or a second passes: another hub process on the same PostgreSQL database may
    // queue records this one is not told about). A failure is retried a second later.
    static constexpr auto kIndexQuiet = std::chrono::milliseconds(250);
    static constexpr auto kIndexMaxLag = std::chrono::seconds(10);
    void index_loop() {
        std::unique_lock lock(index_mutex_);
        while (!index_stop_) {
            index_wake_ = false;
            const auto now = std::chrono::steady_clock::now();
            const bool late = behind_since_ && now - *behind_since_ >= kIndexMaxLag;
            if (!late && now - last_store_ < kIndexQuiet) {
                index_cv_.wait_for(lock, kIndexQuiet - (now - last_store_), [&] { return index_stop_; });
                continue;
            }
            lock.unlock();
            std::int64_t folded = 0;
            try {
                folded = index_queued(kIndexChunk);
            } catch (const std::exception& e) {
                std::fprintf(stderr, "engage-hub: adding responses to the dashboard's charts failed (tried again in"
                                     " a second): %s\n", e.what());
            }
            lock.lock();
            if (folded == 0) {
                behind_since_.reset();
                index_cv_.wait_for(lock, std::chrono::seconds(1), [&] { return index_stop_ || index_wake_; });
            }
        }
    }

    std::vector<KioskStatus> status() override {
        auto c = pool_.acquire();
        std::vector<KioskStatus> out;
        for (const auto& r : c->run(std::string("SELECT ") + kKioskCols + " FROM kiosks ORDER BY created_utc, name").rows) {
            KioskStatus s;
            s.kiosk = kiosk_from(r);
            if (!s.kiosk.device_id.empty()) {
                const std::string& dev = s.kiosk.device_id;
                auto n = c->run("SELECT COUNT(*), COALESCE(MAX(seq), 0), COUNT(DISTINCT seq) FROM records"
                                " WHERE kiosk_id = $1",
                                {dev}).rows;
                s.records = num(n[0][0]);
                s.max_seq = num(n[0][1]);
                s.missing = s.max_seq - num(n[0][2]);
                auto gaps = c->run("SELECT prev + 1, seq - 1 FROM (SELECT seq, LAG(seq, 1, CAST(0 AS BIGINT))"
                                   " OVER (ORDER BY seq) AS prev FROM records WHERE kiosk_id = $1) g"
                                   " WHERE seq > prev + 1 ORDER BY seq LIMIT " + std::to_string(kMaxGaps + 1),
                                   {dev}).rows;
                for (const auto& g : gaps) s.gaps.emplace_back(num(g[0]), num(g[1]));
                if (s.gaps.size() > kMaxGaps) {
                    s.gaps.resize(kMaxGaps);
                    s.gaps_truncated = true;
                }
                s.contiguous = s.gaps.empty() ? s.max_seq : s.gaps.front().first - 1;
                s.conflicts = num(c->run("SELECT COUNT(*) FROM conflicts WHERE kiosk_id = $1", {dev}).rows[0][0]);
                auto venue = c->run("SELECT session_venue FROM records WHERE kiosk_id = $1 AND session_venue IS NOT"
                                    " NULL AND session_venue <> '' ORDER BY seq DESC LIMIT 1", {dev}).rows;
                if (!venue.empty()) s.venue = str(venue[0][0]);
            }
            auto rep = c->run("SELECT kiosk_id, app_version, survey_id, survey_version, waiting, quarantined,"
                              " disk_free_bytes, clock_utc, received_utc, clock_skew_s FROM kiosk_reports"
                              " WHERE hub_kiosk = $1", {s.kiosk.id}).rows;
            if (!rep.empty()) {
                const Row& r = rep[0];
                s.report = KioskReport{str(r[0]), str(r[1]), str(r[2]), num(r[3]), num(r[4]),
                                       num(r[5]), num(r[6]), str(r[7]), str(r[8]), num(r[9])};
            }
            out.push_back(std::move(s));
        }
        return out;
    }

    BatchStatus save_kiosk_report(const std::string& hub_kiosk_id, const KioskReport& r) override {
        return transaction([&](Conn& c) {
            auto rows = c.run(std::string("SELECT ") + kKioskCols + " FROM kiosks WHERE id = $1" + for_update(),
                              {hub_kiosk_id}).rows;
            if (rows.empty()) return BatchStatus::UnknownKiosk;
            const KioskInfo k = kiosk_from(rows[0]);
            if (k.revoked()) return BatchStatus::Revoked;
            if (!k.device_id.empty() && k.device_id != r.kiosk_id) return BatchStatus::DeviceMismatch;
            c.run("INSERT INTO kiosk_reports(hub_kiosk, kiosk_id, app_version, survey_id, survey_version, waiting,"
                  " quarantined, disk_free_bytes, clock_utc, received_utc, clock_skew_s)"
                  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (hub_kiosk) DO UPDATE SET"
                  " kiosk_id = excluded.kiosk_id, app_version = excluded.app_version, survey_id = excluded.survey_id,"
                  " survey_version = excluded.survey_version, waiting = excluded.waiting,"
                  " quarantined = excluded.quarantined, disk_free_bytes = excluded.disk_free_bytes,"
                  " clock_utc = excluded.clock_utc, received_utc = excluded.received_utc,"
                  " clock_skew_s = excluded.clock_skew_s",
                  {hub_kiosk_id, r.kiosk_id, r.app_version, r.survey_id.empty() ? Param(nullptr) : Param(r.survey_id),
                   r.survey_id.empty() ? Param(nullptr) : Param(r.survey_version), r.waiting, r.quarantined,
                   r.disk_free_bytes, r.clock_utc, r.received_utc, r.clock_skew_s});
            c.run("UPDATE kiosks SET last_seen_utc = $2 WHERE id = $1", {hub_kiosk_id, r.received_utc});
            return BatchStatus::Ok;
        });
    }

    // ---- exports and the dashboard: records, read-only ----
    std::vector<RecordRow> query_records(const RecordFilter& f) override {
        std::string where;
        std::vector<Param> params;
        auto cond = [&](const char* col_op, Param p) {
            params.push_back(std::move(p));
            where += (where.empty() ? " WHERE " : " AND ") + std::string(col_op) + " $" + std::to_string(params.size());
        };
        if (f.venue) cond("r.session_venue =", *f.venue);
        if (f.since) cond("r.created_utc >=", *f.since);
        if (f.until) cond("r.created_utc <", *f.until);
        if (f.survey_id) cond("r.survey_id =", *f.survey_id);
        if (f.survey_version) cond("r.survey_version =", *f.survey_version);
        if (f.session) cond("r.session_event =", *f.session);
        return reading([&](Conn& c) {
            auto rows = c.run("SELECT k.name, r.hub_kiosk, r.kiosk_id, r.uuid, r.seq, r.survey_id, r.survey_version,"
                              " r.created_utc, r.language, r.session_id, r.session_event, r.session_venue,"
                              " r.session_started_utc, r.session_ended_utc, r.answers, r.received_utc"
                              " FROM records r LEFT JOIN kiosks k ON k.id = r.hub_kiosk" + where +
                                  " ORDER BY r.created_utc, r.kiosk_id, r.seq",
                              params).rows;
            std::vector<RecordRow> out;
            out.reserve(rows.size());
            for (auto& r : rows) {
                RecordRow x;
                x.kiosk_name = str(r[0]);
                x.hub_kiosk = str(r[1]);
                x.kiosk_id = str(r[2]);
                x.uuid = str(r[3]);
                x.seq = num(r[4]);
                x.survey_id = str(r[5]);
                x.survey_version = num(r[6]);
                x.created_utc = str(r[7]);
                x.language = str(r[8]);
                x.has_session = r[9].has_value();
                x.session_id = str(r[9]);
                x.session_event = str(r[10]);
                x.session_venue = str(r[11]);
                x.session_started_utc = str(r[12]);
                x.session_ended_utc = str(r[13]);
                x.answers = std::move(r[14]).value_or("{}");
                x.received_utc = str(r[15]);
                out.push_back(std::move(x));
            }
            return out;
        });
    }

    // ---- the survey library (schema version 7) ----
    AddSurveyResult add_survey(const LibrarySurvey& s) override {
        return transaction([&](Conn& c) {
            AddSurveyResult r;
            auto top = c.run("SELECT MAX(version) FROM surveys WHERE survey_id = $1", {s.id}).rows;
            r.latest = top.empty() ? 0 : num(top[0][0]);
            auto same = c.run("SELECT content_hash FROM surveys WHERE survey_id = $1 AND version = $2",
                              {s.id, s.version}).rows;
            if (!same.empty()) {
                r.status = str(same[0][0]) == s.content_hash ? AddSurveyStatus::Unchanged : AddSurveyStatus::Changed;
                return r;
            }
            if (s.version <= r.latest) {
                r.status = AddSurveyStatus::NotRaised;
                return r;
            }
            c.run("UPDATE surveys SET retired_utc = NULL WHERE survey_id = $1", {s.id});
            c.run("INSERT INTO surveys(survey_id, version, title, definition, content_hash, source, added_utc)"
                  " VALUES ($1, $2, $3, $4, $5, $6, $7)",
                  {s.id, s.version, s.title, s.definition, s.content_hash, s.source, utc_seconds_now()});
            r.status = AddSurveyStatus::Added;
            return r;
        });
    }

    static LibrarySurvey library_from(const Row& r) {
        LibrarySurvey s;
        s.id = str(r[0]);
        s.version = num(r[1]);
        s.title = str(r[2]);
        s.content_hash = str(r[3]);
        s.source = str(r[4]);
        s.added_utc = str(r[5]);
        s.retired_utc = str(r[6]);
        s.definition = str(r[7]);
        return s;
    }

    std::vector<LibrarySurvey> list_surveys(bool definitions) override {
        return reading([&](Conn& c) {
            std::vector<LibrarySurvey> out;
            const std::string def = definitions ? "definition" : "''";
            for (const auto& r : c.run("SELECT survey_id, version, title, content_hash, source, added_utc, retired_utc, " +
                                       def + " FROM surveys ORDER BY survey_id, version").rows)
                out.push_back(library_from(r));
            return out;
        });
    }

    std::optional<LibrarySurvey> get_survey(const std::string& id, std::optional<std::int64_t> version) override {
        return reading([&](Conn& c) -> std::optional<LibrarySurvey> {
            const std::string cols =
                "SELECT survey_id, version, title, content_hash, source, added_utc, retired_utc, definition FROM surveys";
            auto rows = version ? c.run(cols + " WHERE survey_id = $1 AND version = $2", {id, *version}).rows
                                : c.run(cols + " WHERE survey_id = $1 ORDER BY version DESC LIMIT 1", {id}).rows;
            if (rows.empty()) return std::nullopt;
            return library_from(rows[0]);
        });
    }

    std::string library_stamp() override {
        return reading([&](Conn& c) {
            const Row r = c.run("SELECT COUNT(*), COALESCE(MAX(added_utc), '') FROM surveys").rows.at(0);
            return str(r[0]) + " " + str(r[1]);
        });
    }

    bool retire_survey(const std::string& id) override {
        return transaction([&](Conn& c) {
            return c.run("UPDATE surveys SET retired_utc = $2 WHERE survey_id = $1 AND retired_utc IS NULL",
                         {id, utc_seconds_now()}).affected > 0;
        });
    }

    // ---- publishing surveys to kiosks (schema version 9) ----
    void publish_survey(const std::string& id, std::int64_t version, const std::string& target,
                        const std::vector<std::string>& values) override {
        transaction([&](Conn& c) {
            const std::string now = utc_seconds_now();
            for (const auto& v : values) {
                c.run("DELETE FROM publications WHERE survey_id = $1 AND target = $2 AND value = $3", {id, target, v});
                c.run("INSERT INTO publications(survey_id, version, target, value, published_utc)"
                      " VALUES ($1, $2, $3, $4, $5)",
                      {id, version, target, v, now});
            }
            return 0;
        });
    }

    std::vector<Publication> unpublish_survey(const std::string& id, std::optional<std::int64_t> version,
                                              const std::string& target,
                                              const std::vector<std::string>& values) override {
        return transaction([&](Conn& c) {
            std::vector<Publication> gone;
            std::string where = "survey_id = $1";
            std::vector<Param> params{id};
            if (version) {
                params.emplace_back(*version);
                where += " AND version = $" + std::to_string(params.size());
            }
            auto take = [&](const std::string& w, std::vector<Param> p) {
                for (const auto& r : c.run("SELECT survey_id, version, target, value, published_utc FROM publications"
                                           " WHERE " + w + " ORDER BY target, value", p).rows)
                    gone.push_back(publication_from(r));
                c.run("DELETE FROM publications WHERE " + w, p);
            };
            if (target == "all") {
                take(where, params);  // every publication of the id, to every target
            } else {
                for (const auto& v : values) {
                    auto p = params;
                    p.emplace_back(target);
                    p.emplace_back(v);
                    take(where + " AND target = $" + std::to_string(p.size() - 1) + " AND value = $" +
                             std::to_string(p.size()),
                         p);
                }
            }
            return gone;
        });
    }

    static Publication publication_from(const Row& r) {
        Publication p;
        p.survey_id = str(r[0]);
        p.version = num(r[1]);
        p.target = str(r[2]);
        p.value = str(r[3]);
        p.published_utc = str(r[4]);
        return p;
    }

    std::vector<Publication> list_publications() override {
        return reading([&](Conn& c) {
            std::vector<Publication> out;
            for (const auto& r : c.run("SELECT survey_id, version, target, value, published_utc FROM publications"
                                       " ORDER BY survey_id, target, value").rows)
                out.push_back(publication_from(r));
            return out;
        });
    }

    std::vector<LibrarySurvey> surveys_for_kiosk(const KioskInfo& k, bool definitions) override {
        return reading([&](Conn& c) {
            // The kiosk's venue: that of its newest response the hub holds (none before its first).
            const std::string def = definitions ? "s.definition" : "''";
            std::vector<LibrarySurvey> out;
            for (const auto& r : c.run(
                     "SELECT s.survey_id, s.version, s.title, s.content_hash, s.source, s.added_utc, s.retired_utc, " +
                         def +
                         " FROM surveys s JOIN (SELECT survey_id, MAX(version) AS v FROM publications"
                         "   WHERE target = 'all' OR (target = 'kiosk' AND value = $1)"
                         "      OR (target = 'venue' AND value = (SELECT r.session_venue FROM records r"
                         "                                       WHERE r.kiosk_id = $2 ORDER BY r.seq DESC LIMIT 1))"
                         "   GROUP BY survey_id) p ON s.survey_id = p.survey_id AND s.version = p.v"
                         " WHERE s.retired_utc IS NULL ORDER BY s.survey_id",
                     {k.id, k.device_id}).rows)
                out.push_back(library_from(r));
            return out;
        });
    }

    // ---- the dashboard: users, web sessions, text reviews (schema version 3) ----
    void set_user(const std::string& name, const std::string& password_hash) override {
        transaction([&](Conn& c) {
            const std::string now = utc_seconds_now();
            if (c.run("UPDATE users SET password_hash = $2 WHERE name = $1", {name, password_hash}).affected == 1)
                c.run("DELETE FROM web_sessions WHERE user_name = $1", {name});
            else
                c.run("INSERT INTO users(name, password_hash, created_utc) VALUES ($1, $2, $3)",
                      {name, password_hash, now});
            return 0;
        });
    }

    std::vector<UserInfo> list_users() override {
        return reading([&](Conn& c) {
            std::vector<UserInfo> out;
            for (const auto& r : c.run("SELECT name, created_utc FROM users ORDER BY name").rows)
                out.push_back({str(r[0]), str(r[1])});
            return out;
        });
    }

    bool remove_user(const std::string& name) override {
        return transaction([&](Conn& c) {
            c.run("DELETE FROM web_sessions WHERE user_name = $1", {name});
            return c.run("DELETE FROM users WHERE name = $1", {name}).affected == 1;
        });
    }

    std::optional<std::string> user_password_hash(const std::string& name) override {
        return reading([&](Conn& c) -> std::optional<std::string> {
            auto rows = c.run("SELECT password_hash FROM users WHERE name = $1", {name}).rows;
            if (rows.empty()) return std::nullopt;
            return str(rows[0][0]);
        });
    }

    void add_web_session(const std::string& token_hash, const WebSession& s) override {
        transaction([&](Conn& c) {
            c.run("DELETE FROM web_sessions WHERE expires_utc <= $1", {utc_seconds_now()});
            c.run("INSERT INTO web_sessions(token_hash, user_name, csrf, created_utc, expires_utc)"
                  " VALUES ($1, $2, $3, $4, $5)",
                  {token_hash, s.user, s.csrf, s.created_utc, s.expires_utc});
            return 0;
        });
    }

    std::optional<WebSession> find_web_session(const std::string& token_hash) override {
        return reading([&](Conn& c) -> std::optional<WebSession> {
            auto rows = c.run("SELECT s.token_hash, s.user_name, s.csrf, s.created_utc, s.expires_utc FROM web_sessions s"
                              " JOIN users u ON u.name = s.user_name WHERE s.token_hash = $1",
                              {token_hash}).rows;
            if (rows.empty() || str(rows[0][0]).size() != token_hash.size() ||
                sodium_memcmp(str(rows[0][0]).data(), token_hash.data(), token_hash.size()) != 0)
                return std::nullopt;
            if (str(rows[0][4]) <= utc_seconds_now()) return std::nullopt;
            return WebSession{str(rows[0][1]), str(rows[0][2]), str(rows[0][3]), str(rows[0][4])};
        });
    }

    void end_web_session(const std::string& token_hash) override {
        transaction([&](Conn& c) { return c.run("DELETE FROM web_sessions WHERE token_hash = $1", {token_hash}).affected; });
    }

    void set_text_review(const TextReview& r) override {
        transaction([&](Conn& c) {
            return c.run("INSERT INTO text_reviews(kiosk_id, record_uuid, question, decision, reviewer, decided_utc)"
                         " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (kiosk_id, record_uuid, question) DO UPDATE SET"
                         " decision = excluded.decision, reviewer = excluded.reviewer, decided_utc = excluded.decided_utc",
                         {r.kiosk_id, r.record_uuid, r.question, r.decision, r.reviewer, r.decided_utc}).affected;
        });
    }

    std::vector<TextReview> text_reviews() override {
        return reading([&](Conn& c) {
            std::vector<TextReview> out;
            for (const auto& r : c.run("SELECT kiosk_id, record_uuid, question, decision, reviewer, decided_utc"
                                       " FROM text_reviews ORDER BY decided_utc").rows)
                out.push_back({str(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), str(r[5])});
            return out;
        });
    }

    std::vector<Row> dashboard_rows(const std::string& sql, const std::vector<Param>& params) override {
        return reading([&](Conn& c) { return c.run(sql, params).rows; });
    }

private:
    std::string for_update() const { return dialect_ == Dialect::Postgres ? " FOR UPDATE" : ""; }

    static std::string prefixed(const std::string& p) {
        std::string out, cols = kKioskCols;
        std::size_t start = 0;
        while (start < cols.size()) {
            std::size_t end = cols.find(',', start);
            if (end == std::string::npos) end = cols.size();
            std::string col = cols.substr(start, end - start);
            while (!col.empty() && col[0] == ' ') col.erase(0, 1);
            out += (out.empty() ? "" : ", ") + p + col;
            start = end + 1;
        }
        return out;
    }

    // The kiosk's bundle key, made now if it has none (in the caller's transaction). nullopt: no such kiosk.
    std::optional<std::string> ensure_bundle_key(Conn& c, const std::string& kiosk_id) {
        c.run("UPDATE kiosks SET bundle_key = $2 WHERE id = $1 AND bundle_key IS NULL", {kiosk_id, random_bundle_key()});
        auto rows = c.run("SELECT bundle_key FROM kiosks WHERE id = $1", {kiosk_id}).rows;
        return rows.empty() ? std::nullopt : bundle_key_bytes(rows[0][0]);
    }

    std::pair<std::string, std::string> insert_code(Conn& c, const std::string& kiosk_id) {
        const std::string code = random_code(), expires = utc_after(kPairingCodeSeconds);
        c.run("INSERT INTO pairing_codes(code_hash, kiosk, created_utc, expires_utc) VALUES ($1, $2, $3, $4)",
              {sha256_hex(normalise_pairing_code(code)), kiosk_id, utc_seconds_now(), expires});
        return {code, expires};
    }

    // Runs f outside a transaction; a PostgreSQL connection lost since its last use is replaced once.
    template <class F>
    auto reading(F f) -> decltype(f(std::declval<Conn&>())) {
        for (int attempt = 0;; ++attempt) {
            auto c = pool_.acquire();
            try {
                return f(*c);
            } catch (const DbError& e) {
                if (!e.transient || dialect_ != Dialect::Postgres || attempt >= 1 || c->usable()) throw;
            }
        }
    }

    // Runs f in a write transaction (committing after it unless f commits itself). A PostgreSQL deadlock,
    // serialization failure or lost connection is retried twice on a fresh transaction; SQLite has
    // already waited its busy timeout.
    // SQLite has one writer at a time: this process's writers queue on a mutex, in turn, rather than on
    // SQLite's busy handler, which polls with sleeps of up to 100 ms and lets a newcomer overtake a writer that
    // has waited for seconds. Other processes (engage-hub kiosk add, backup) still meet the busy timeout.
    template <class F>
    auto transaction(F f, bool commit = true) -> decltype(f(std::declval<Conn&>())) {
        if (dialect_ == Dialect::Sqlite) {
            std::lock_guard<std::mutex> one_writer(sqlite_writer_);
            if (!writer_ || !writer_->usable()) {
                auto w = pool_.open();
                // The writer's page cache (pages are allocated as used): the uuid index's pages that every batch
                // changes stay in memory from one batch to the next, and a large batch's changed pages are not
                // spilled into the WAL before its commit (with SQLite's 2 MiB default both happened each batch).
                w->script("PRAGMA cache_size=-" + std::to_string(kWriterCacheKib));
                writer_ = std::move(w);
            }
            try {
                writer_->begin();
                auto r = f(*writer_);
                if (commit) writer_->commit();
                writer_->rollback();  // whatever f left open (a refusal) is rolled back, as a lease does
                return r;
            } catch (...) {
                // Rolled back by closing it: a connection whose rollback failed would refuse every later BEGIN.
                writer_.reset();
                throw;
            }
        }
        for (int attempt = 0;; ++attempt) {
            auto c = pool_.acquire();
            try {
                c->begin();
                auto r = f(*c);
                if (commit) c->commit();
                return r;  // the lease rolls back whatever f left open (a refusal)
            } catch (const DbError& e) {
                c->rollback();
                if (!e.transient || dialect_ != Dialect::Postgres || attempt >= 2) throw;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20 << attempt));
        }
    }

    // SQLite group commit. Writers queue; the first finds no leader and leads: it runs every batch queued by then
    // in one transaction, commits once (one fsync for them all), then wakes their requests. Batches that arrive
    // meanwhile queue for the next leader. Nothing is answered before the commit that holds it. When one batch of
    // a group fails, the whole transaction is rolled back and each batch runs again in a transaction of its own,
    // so only the failing one's request hears the error (a savepoint per batch did the same, but copied every page
    // a batch changed into its statement journal: 4 % of the hub's CPU in a drain, for a case that is rare). When
    // BEGIN or COMMIT fails, every batch of the group hears it (nothing is tried again: the kiosks resend).
    struct GroupJob {
        const std::function<BatchOutcome(Conn&)>* write;
        BatchOutcome out;
        std::exception_ptr error;
        bool done = false;  // under group_mutex_
    };
    BatchOutcome group_commit(const std::function<BatchOutcome(Conn&)>& write) {
        GroupJob job{&write, {}, nullptr};
        std::unique_lock lock(group_mutex_);
        group_queue_.push_back(&job);
        group_cv_.wait(lock, [&] { return job.done || !group_leader_; });
        if (!job.done) {
            group_leader_ = true;
            std::vector<GroupJob*> jobs;
            jobs.swap(group_queue_);
            lock.unlock();
            run_group(jobs);
            lock.lock();
            for (GroupJob* j : jobs) j->done = true;
            group_leader_ = false;
            group_cv_.notify_all();
        }
        if (job.error) std::rethrow_exception(job.error);
        return std::move(job.out);
    }
    void run_group(const std::vector<GroupJob*>& jobs) {
        if (jobs.size() == 1) {  // alone: its own transaction, once
            try {
                jobs[0]->out = transaction(*jobs[0]->write);
            } catch (...) {  // the transaction rolled back: nothing of it is stored
                jobs[0]->error = std::current_exception();
            }
            return;
        }
        bool a_batch_failed = false;
        try {
            transaction([&](Conn& c) {
                for (GroupJob* j : jobs) {
                    try {
                        j->out = (*j->write)(c);
                    } catch (...) {
                        a_batch_failed = true;
                        throw;
                    }
                }
                return 0;
            });
            return;
        } catch (...) {  // nothing of this group is stored
            if (!a_batch_failed) {  // BEGIN or COMMIT: every batch hears it, none is tried again now
                for (GroupJob* j : jobs) j->error = std::current_exception();
                return;
            }
        }
        for (GroupJob* j : jobs) {  // a batch failed: each again on its own, so only that one hears why
            try {
                j->out = transaction(*j->write);
            } catch (...) {
                j->error = std::current_exception();
            }
        }
    }

    int read_version(Conn& c) {
        if (dialect_ == Dialect::Sqlite) return static_cast<int>(num(c.run("PRAGMA user_version").rows[0][0]));
        auto rows = c.run("SELECT to_regclass('schema_version') IS NOT NULL").rows;
        if (str(rows[0][0]) != "t") return 0;
        return static_cast<int>(num(c.run("SELECT COALESCE(MAX(version), 0) FROM schema_version").rows[0][0]));
    }

    void migrate(Conn& c) {
        c.begin();
        try {
            // Several hub processes may start at once on one PostgreSQL database: one migrates, the rest wait.
            if (dialect_ == Dialect::Postgres) c.run("SELECT pg_advisory_xact_lock(7263540021)");
            int v = read_version(c);
            if (v > kHubSchemaVersion)
                throw DbError("the hub database has schema version " + std::to_string(v) +
                                  ", newer than this engage-hub understands (" + std::to_string(kHubSchemaVersion) +
                                  "); use a newer engage-hub",
                              false);
            if (dialect_ == Dialect::Postgres && v == 0)
                c.script("CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)");
            for (const auto& m : kMigrations) {
                if (m.version <= v) continue;
                c.script(dialect_ == Dialect::Sqlite ? m.sqlite : m.postgres);
                if (m.then) m.then(c);
                if (dialect_ == Dialect::Sqlite) c.script("PRAGMA user_version = " + std::to_string(m.version));
                else c.run("INSERT INTO schema_version(version) VALUES ($1)", {std::int64_t{m.version}});
                v = m.version;
            }
            c.commit();
        } catch (...) {
            c.rollback();
            throw;
        }
    }

    Pool pool_;
    Dialect dialect_;
    std::mutex keys_mutex_;
    sealed::KeyPair keys_;  // seal_keys(), once read
    std::mutex sqlite_writer_;  // see transaction()
    std::unique_ptr<Conn> writer_;  // SQLite: the one connection that writes, under sqlite_writer_
    static constexpr int kWriterCacheKib = 32768;
    std::mutex group_mutex_;    // see group_commit()
    std::condition_variable group_cv_;
    std::vector<GroupJob*> group_queue_;
    bool group_leader_ = false;
    std::atomic<bool> defer_index_{false};  // see defer_dashboard_index()
    std::mutex index_mutex_;
    std::condition_variable index_cv_;
    bool index_wake_ = false, index_stop_ = false;  // under index_mutex_
    std::chrono::steady_clock::time_point last_store_{};                 // under index_mutex_
    std::optional<std::chrono::steady_clock::time_point> behind_since_;  // under index_mutex_: queued, not folded
    std::thread indexer_;
};

}  // namespace

std::string utc_after(long seconds) {
    const std::time_t t = std::time(nullptr) + seconds;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string random_token() {
    unsigned char b[32];
    randombytes_buf(b, sizeof b);
    char out[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    sodium_bin2base64(out, sizeof out, b, sizeof b, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}

std::string normalise_pairing_code(const std::string& code) {
    std::string out;
    for (char ch : code) {
        if (ch == '-' || ch == ' ') continue;
        out += (ch >= 'a' && ch <= 'z') ? static_cast<char>(ch - 'a' + 'A') : ch;
    }
    return out;
}

bool is_postgres_url(const std::string& spec) {
    return spec.rfind("postgresql://", 0) == 0 || spec.rfind("postgres://", 0) == 0;
}

std::string redact_db(const std::string& spec) {
    if (!is_postgres_url(spec)) return spec;
    const auto scheme = spec.find("://") + 3;
    const auto at = spec.find('@', scheme);
    if (at == std::string::npos) return spec;
    const auto colon = spec.find(':', scheme);
    if (colon == std::string::npos || colon > at) return spec;
    return spec.substr(0, colon + 1) + "***" + spec.substr(at);
}

std::unique_ptr<HubStore> HubStore::open(const std::string& spec, bool create) {
    if (sodium_init() < 0) throw DbError("libsodium cannot start", false);
    if (is_postgres_url(spec))
        return std::make_unique<SqlHubStore>([spec] { return sql::open_postgres(spec); }, Dialect::Postgres);
    if (spec.empty()) throw DbError("--db is required: a SQLite file or a postgresql:// URL", false);
    if (spec.find("dbname=") != std::string::npos || spec.rfind("host=", 0) == 0)
        throw DbError("--db " + spec + ": write PostgreSQL connections as a URL, postgresql://user@host:5432/dbname",
                      false);
    // Open once here so a missing file is refused before the pool opens more connections.
    sql::open_sqlite(spec, create);
    return std::make_unique<SqlHubStore>([spec] { return sql::open_sqlite(spec, true); }, Dialect::Sqlite);
}

}  // namespace engage::hub
