// HubStore: everything engage-hub keeps, behind one interface with identical semantics on SQLite (one file,
// WAL, synchronous=FULL) and PostgreSQL (libpq; several hub processes may share one database).
// See docs/hub.md for the schema.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "batch.h"
#include "engage/protocol.h"
#include "engage/sealed.h"
#include "sql.h"

namespace engage::hub {

// A database failure. `transient` means "try again later" (busy, lock timeout, connection lost, deadlock):
// the server answers 503 with Retry-After; anything else is 500.
class DbError : public std::runtime_error {
public:
    DbError(const std::string& msg, bool transient_) : std::runtime_error(msg), transient(transient_) {}
    bool transient;
};

inline constexpr int kHubSchemaVersion = 11;

struct KioskInfo {
    std::string id;              // hub-side kiosk id (UUID), printed by `kiosk add`
    std::string name;
    std::string created_utc;
    std::string device_id;       // the kiosk's own id (protocol kiosk_id), pinned at first use; "" until then
    std::string last_seen_utc;   // "" if never heard from
    std::string revoked_utc;     // "" unless revoked
    bool revoked() const { return !revoked_utc.empty(); }
};

struct Enrolment {
    KioskInfo kiosk;
    std::string token;             // shown once; only its SHA-256 is stored
    std::string pairing_code;      // "ABCD-EFGH"; only its SHA-256 is stored
    std::string code_expires_utc;
};

enum class AuthStatus { Ok, UnknownToken, Revoked };
struct Auth {
    AuthStatus status = AuthStatus::UnknownToken;
    KioskInfo kiosk;
};

// DeviceTaken: the device id is already held by another enrolment (not revoked).
enum class PairStatus { Ok, BadCode, Revoked, DeviceMismatch, DeviceTaken };
struct PairResult {
    PairStatus status = PairStatus::BadCode;
    KioskInfo kiosk;
    std::string token;   // when Ok
    std::string bundle_key;  // when Ok: the enrolment's USB bundle key, 32 raw bytes (made now if it had none)
};

enum class BatchStatus { Ok, Revoked, DeviceMismatch, UnknownKiosk, DeviceTaken };
struct BatchOutcome {
    BatchStatus status = BatchStatus::Ok;
    KioskInfo kiosk;                       // as it is after the batch (device pinned)
    std::vector<protocol::Result> results; // one per record, in the order sent
    Counts counts;
    std::string reply;                     // the reply body, stored in the same transaction
};

// What a kiosk says about itself once per sync pass (POST /v1/status, docs/sync-protocol.md; schema version 8).
// The hub keeps the latest per enrolment.
struct KioskReport {
    std::string kiosk_id;            // the kiosk's own id
    std::string app_version;
    std::string survey_id;           // the live survey; "" when none
    std::int64_t survey_version = 0;
    std::int64_t waiting = 0;        // responses not yet acknowledged by the hub
    std::int64_t quarantined = 0;
    std::int64_t disk_free_bytes = 0;  // in the kiosk's data folder
    std::string clock_utc;           // the kiosk's clock when it sent the report
    std::string received_utc;        // the hub's clock when the report came
    std::int64_t clock_skew_s = 0;   // kiosk clock - hub clock, seconds
};

struct KioskStatus {
    KioskInfo kiosk;
    std::string venue;                     // the venue of its latest record with one; "" when none
    std::optional<KioskReport> report;     // its latest status report; none before the first
    std::int64_t records = 0;
    std::int64_t max_seq = 0;
    std::int64_t contiguous = 0;           // highest n with 1..n all held
    std::vector<std::pair<std::int64_t, std::int64_t>> gaps;  // missing ranges below max_seq (first kMaxGaps)
    bool gaps_truncated = false;
    std::int64_t missing = 0;              // how many sequence numbers below max_seq are missing in all
    std::int64_t conflicts = 0;
};
inline constexpr std::size_t kMaxGaps = 200;

// Records for exports and the dashboard (HubStore::query_records). Unset = not filtered. Times compare as text
// with created_utc ("YYYY-MM-DDTHH:MM[:SS]Z"), so a date "YYYY-MM-DD" works as a bound too.
struct RecordFilter {
    std::optional<std::string> venue;            // session_venue, exact
    std::optional<std::string> since;            // created_utc >= since (inclusive)
    std::optional<std::string> until;            // created_utc < until (exclusive: give the day after)
    std::optional<std::string> survey_id;
    std::optional<std::int64_t> survey_version;
    std::optional<std::string> session;          // session_event, exact
};
struct RecordRow {
    std::string kiosk_name;      // the enrolment's name
    std::string hub_kiosk;       // hub kiosk id (the enrolment)
    std::string kiosk_id;        // the kiosk's own id
    std::string uuid;
    std::int64_t seq = 0;
    std::string survey_id;
    std::int64_t survey_version = 0;
    std::string created_utc;
    std::string language;
    bool has_session = false;    // false: "session": null (the session fields are "")
    std::string session_id, session_event, session_venue, session_started_utc, session_ended_utc;
    std::string answers;         // compact JSON object text, as stored
    std::string received_utc;
};

// Dashboard users, web sessions and text reviews (hub/dashboard.cpp).
struct UserInfo {
    std::string name;
    std::string created_utc;
};
struct WebSession {
    std::string user;
    std::string csrf;          // the per-session token every POST form carries
    std::string created_utc;
    std::string expires_utc;
};
struct TextReview {
    std::string kiosk_id;      // the kiosk's own id (records are unique per kiosk_id and uuid)
    std::string record_uuid;
    std::string question;
    std::string decision;      // "approved" or "hidden"
    std::string reviewer;
    std::string decided_utc;
};

// One version of a survey in the hub's library (`engage-hub survey`, schema version 7).
struct LibrarySurvey {
    std::string id;
    std::int64_t version = 0;
    std::string title;           // in the survey's default language
    std::string definition;      // the survey as Engage JSON (what `survey show` prints)
    std::string content_hash;    // SHA-256 hex of the definition's canonical form (keys sorted, no spaces)
    std::string source;          // the file name it was added from
    std::string added_utc;
    std::string retired_utc;     // "" unless the survey id was retired
    bool retired() const { return !retired_utc.empty(); }
};
// Added: stored. Unchanged: that version is held with the same content (nothing stored). Changed: that version
// is held with other content (refused). NotRaised: a higher version is held (refused). `latest`: the highest
// version held before.
enum class AddSurveyStatus { Added, Unchanged, Changed, NotRaised };
struct AddSurveyResult {
    AddSurveyStatus status = AddSurveyStatus::Added;
    std::int64_t latest = 0;
};

// A survey version published to kiosks (schema version 9). target "all" (value ""), "kiosk" (value: the hub
// kiosk id) or "venue" (value: the venue as the kiosk's sessions name it).
struct Publication {
    std::string survey_id;
    std::int64_t version = 0;
    std::string target;
    std::string value;
    std::string published_utc;
};

// SHA-256 hex of a string (tokens, pairing codes): the one the sync protocol's content hashes use.
using protocol::sha256_hex;
// 32 random bytes as URL-safe base64 without padding (kiosk tokens, web session tokens).
std::string random_token();
// UTC now + `seconds`, as "YYYY-MM-DDTHH:MM:SSZ" (expiry times).
std::string utc_after(long seconds);
// Uppercase, without spaces and dashes: "abcd-efgh" -> "ABCDEFGH".
std::string normalise_pairing_code(const std::string& code);
// "postgresql://user:secret@host/db" -> "postgresql://user:***@host/db" (for logs and messages).
std::string redact_db(const std::string& spec);
bool is_postgres_url(const std::string& spec);

class HubStore {
public:
    // `spec` is a SQLite file path or a postgresql:// (postgres://) URL. Runs the migrations.
    // create=false refuses a SQLite file that does not exist yet. Throws DbError.
    static std::unique_ptr<HubStore> open(const std::string& spec, bool create = true);
    virtual ~HubStore() = default;

    virtual std::string backend() const = 0;   // "sqlite" or "postgresql"
    virtual int schema_version() = 0;

    // Enrolment.
    virtual Enrolment add_kiosk(const std::string& name) = 0;
    virtual std::vector<KioskInfo> list_kiosks() = 0;
    // Full id or a unique prefix of at least 6 characters. Returns the kiosk, or nullopt with `why`.
    virtual std::optional<KioskInfo> find_kiosk(const std::string& id_or_prefix, std::string& why) = 0;
    // Marks the kiosk revoked (its tokens stop working, its unused pairing codes too). False if already revoked.
    virtual bool revoke_kiosk(const std::string& id) = 0;
    // A fresh pairing code for an existing kiosk (valid 24 h, usable once).
    virtual std::pair<std::string, std::string> new_pairing_code(const std::string& kiosk_id) = 0;
    // The kiosk's USB bundle key (32 raw bytes; docs/sync-protocol.md "USB bundles"). `create` makes one for a kiosk
    // enrolled before keys existed. nullopt: no such kiosk, or (create=false) it has none yet. Never log it.
    virtual std::optional<std::string> bundle_key(const std::string& kiosk_id, bool create) = 0;
    // The hub's X25519 key pair that kiosks seal answers to (schema 11, table hub_keys; engage/sealed.h): made at
    // first need, the same for every hub process sharing the database. Never log the secret key.
    virtual sealed::KeyPair seal_keys() = 0;
    // The counter for the kiosk's next PIN reset code (engage/pin_reset.h), moved on by one in the same
    // transaction, so no two codes share a counter. nullopt: no such kiosk.
    virtual std::optional<std::uint64_t> take_pin_reset_counter(const std::string& kiosk_id) = 0;

    // Requests.
    virtual Auth authenticate(const std::string& token) = 0;
    virtual PairResult pair(const std::string& code, const std::string& device_id) = 0;
    virtual BatchOutcome store_batch(const std::string& hub_kiosk_id, const Batch& batch) = 0;

    virtual std::vector<KioskStatus> status() = 0;
    // Keeps `r` as the enrolment's latest status report and marks it heard from. Refuses (nothing stored) a
    // revoked or unknown enrolment and a kiosk id other than the one pinned (DeviceMismatch).
    virtual BatchStatus save_kiosk_report(const std::string& hub_kiosk_id, const KioskReport& r) = 0;
    // Records held, oldest first (created_utc, then kiosk and seq). Read-only.
    virtual std::vector<RecordRow> query_records(const RecordFilter& filter) = 0;

    // ---- the dashboard (hub/dashboard.cpp; schema version 3) ----
    // Organisers who may log in. The password hash is libsodium's crypto_pwhash_str (Argon2id) string.
    // set_user adds or replaces (and ends the user's web sessions on replace); remove_user ends them too.
    virtual void set_user(const std::string& name, const std::string& password_hash) = 0;
    virtual std::vector<UserInfo> list_users() = 0;
    virtual bool remove_user(const std::string& name) = 0;
    virtual std::optional<std::string> user_password_hash(const std::string& name) = 0;
    // Web sessions, keyed by the SHA-256 hex of the cookie's token (the token itself is never stored).
    virtual void add_web_session(const std::string& token_hash, const WebSession& s) = 0;
    // The session if it exists and has not expired (expired ones are deleted on the way).
    virtual std::optional<WebSession> find_web_session(const std::string& token_hash) = 0;
    virtual void end_web_session(const std::string& token_hash) = 0;
    // An organiser's decision on one free-text answer: "approved" or "hidden" (the last one counts).
    virtual void set_text_review(const TextReview& r) = 0;
    virtual std::vector<TextReview> text_reviews() = 0;

    // ---- the dashboard's pages (hub/dashboard_data.cpp; schema version 6) ----
    // One read-only statement over the summary tables (hub/dashboard_index.h), the same on both back ends.
    virtual std::vector<sql::Row> dashboard_rows(const std::string& sql, const std::vector<sql::Param>& params) = 0;

    // ---- the summaries out of the ingest transaction (schema version 10; `engage-hub serve`) ----
    // From now on store_batch queues each record it stores (dash_queue, in the same transaction) instead of
    // writing its summaries, and a thread of this store folds the queue into them, woken after each commit (and
    // at once, for what an earlier run left queued). Until called, store_batch writes the summaries itself.
    virtual void defer_dashboard_index() = 0;
    // Folds up to `limit` queued records into the summaries and takes them off the queue, in one transaction
    // (a record is counted exactly once, whatever stops the hub when). Returns how many were folded.
    virtual std::int64_t index_queued(std::size_t limit) = 0;
    // Records stored but not yet in the summaries ("still being added to the charts").
    virtual std::int64_t dashboard_pending() = 0;

    // ---- the survey library (`engage-hub survey`; schema version 7) ----
    // Checks and stores in one transaction: a new version must be higher than every version held.
    virtual AddSurveyResult add_survey(const LibrarySurvey& s) = 0;
    // Every version held, by id then version; `definitions` false leaves definition "".
    virtual std::vector<LibrarySurvey> list_surveys(bool definitions) = 0;
    // That version, or (no version) the highest held. nullopt: not held.
    virtual std::optional<LibrarySurvey> get_survey(const std::string& id, std::optional<std::int64_t> version) = 0;
    // Marks every version of `id` retired. False when the id is not held or already retired.
    virtual bool retire_survey(const std::string& id) = 0;
    // Changes whenever a survey version is added (the dashboard re-reads the library then).
    virtual std::string library_stamp() = 0;

    // ---- publishing surveys to kiosks (`engage-hub survey publish|unpublish`, GET /v1/surveys; schema 9) ----
    // One row per value (for target "all" give {""}), replacing the version published to that target before.
    virtual void publish_survey(const std::string& id, std::int64_t version, const std::string& target,
                                const std::vector<std::string>& values) = 0;
    // Removes and returns the publications of `id` (of that version only, when given): for target "all" every
    // one of them, to any target; else those to exactly these targets.
    virtual std::vector<Publication> unpublish_survey(const std::string& id, std::optional<std::int64_t> version,
                                                      const std::string& target,
                                                      const std::vector<std::string>& values) = 0;
    virtual std::vector<Publication> list_publications() = 0;
    // What GET /v1/surveys serves the kiosk: per survey id published to all kiosks, to this kiosk, or to the
    // venue of its newest response held, the highest version published; retired surveys left out. By id.
    virtual std::vector<LibrarySurvey> surveys_for_kiosk(const KioskInfo& k, bool definitions) = 0;
};

}  // namespace engage::hub
