// engage_sync: sends saved responses to the organiser's hub (docs/sync-protocol.md), exactly once.
// SyncEngine runs one pass in the caller's thread (the `engage-kiosk sync` command); SyncClient runs passes on
// one background thread with its own database connection, so the UI never waits on the network.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engage/backoff.h"
#include "engage/config.h"
#include "engage/protocol.h"
#include "engage/storage.h"

namespace engage {

struct SyncSettings {
    std::string hub_url;                       // "https://hub.example.org" (no trailing /v1/...)
    std::string token;
    std::string ca_file;                       // private CA (PEM); "" = the system's CAs
    int batch_records = 1000;                  // ~110 KiB gzip'd for typical responses (bench/README.md)
    int batch_kib = 256;                       // compressed body budget per batch
    int in_flight = 3;                         // batches posted and not yet answered, at most (1 to 8)
    // Up to this many times batch_records and batch_kib while the hub answers quickly (never past the hub's
    // 5,000 records a batch): a clean reply within grow_within, with more to send, doubles the size of the
    // batches read after it; a slower one halves it, any other reply (an error) puts it back to 1, and a 413
    // stops the growing for the rest of the pass. 1: every batch at the sizes above (the kiosk's config: 4).
    int batch_grow = 1;
    std::chrono::milliseconds grow_within{2000};
    std::chrono::seconds connect_timeout{10};
    std::chrono::seconds stall_timeout{30};    // abort when under 64 bytes/s for this long
    BackoffPolicy backoff;
};

// Where the hub settings live in the database (settings table), written by pairing.
inline constexpr const char* kSettingHubUrl = "hub_url";
inline constexpr const char* kSettingHubToken = "hub_token";
inline constexpr const char* kSettingCaFile = "hub_ca_file";

// The config file's hub_url / hub_token / ca_file win; else what pairing stored. Batch sizes from the config.
SyncSettings sync_settings_from(const KioskConfig& cfg, const Store& store);
// Stores a pairing (hub address, token, CA file) and clears a pause or backoff left by an old token.
void save_pairing(Store& store, const std::string& hub_url, const std::string& token, const std::string& ca_file);

// "" when the address can be used, else why not (plain words). http:// only for this machine.
std::string check_hub_url(const std::string& url);
// Trims, adds https:// when no scheme is given, lower-cases scheme and host, drops a trailing '/'.
std::string normalise_hub_url(const std::string& url);

// ---- HTTP ---------------------------------------------------------------------------------------
struct HttpResponse {
    long status = 0;                           // 0: no HTTP reply (see error)
    std::string body;
    std::string error;                         // transport failure in plain words, "" when a reply came
    std::optional<std::chrono::seconds> retry_after;
    std::string etag;                          // the ETag header of a GET reply ("" none)
};

class Transport {
public:
    virtual ~Transport() = default;
    // POSTs a JSON body (already gzip-compressed when `gzipped`: sent with Content-Encoding: gzip) with
    // "Authorization: Bearer <token>" unless token is "". `cancelled` is polled during the transfer; true aborts.
    virtual HttpResponse post(const std::string& url, const std::string& token, const std::string& body,
                              bool gzipped, const std::function<bool()>& cancelled) = 0;
    // GETs with the bearer token and, unless "", If-None-Match: etag. The default: no such request (status 0).
    virtual HttpResponse get(const std::string& url, const std::string& token, const std::string& etag,
                             const std::function<bool()>& cancelled);
};

// libcurl easy handles kept between requests (a small pool, one per request in flight, each with its own
// keep-alive connection; post and get may be called from several threads at once): TLS verification always on,
// the CA file if given, the system proxy variables honoured, connect timeout and stall abort from the settings.
std::unique_ptr<Transport> make_curl_transport(const SyncSettings& s);
std::string gzip(const std::string& data);

// Pairing: POST <hub>/v1/pair {"code","kiosk_id"} -> {"token"}. Returns the token, or "" with `error` set.
std::string pair_with_hub(Transport& t, const std::string& hub_url, const std::string& code,
                          const std::string& kiosk_id, std::string& error);

// ---- one pass -----------------------------------------------------------------------------------
// The sync record for a pending response, sealed (content_hash set). Throws std::runtime_error if the stored
// answers are not JSON.
nlohmann::json make_record(const PendingRecord& r);
// The same record as JSON text, byte for byte make_record(r).dump(), built without a json object (batches).
std::string record_text(const PendingRecord& r);

// The survey the kiosk is running, for the status report; id "" when none is live.
struct LiveSurvey {
    std::string id;
    int version = 0;
};

// The body of POST /v1/status (docs/sync-protocol.md): app version, live survey, waiting and quarantined
// responses, free disk in the data folder, the kiosk's clock (UTC).
std::string status_report_body(const std::string& kiosk_id, const LiveSurvey& live, const Counts& counts,
                               std::int64_t disk_free_bytes, const std::string& clock_utc);
// Free bytes for an unprivileged writer in the file system holding `dir` (statvfs); -1 when unknown.
std::int64_t disk_free_bytes(const std::string& dir);

struct PassProgress {
    std::int64_t sent = 0;                     // acknowledged in this pass
    std::int64_t total = 0;                    // sent + still pending (grows if responses are saved meanwhile)
};

struct PassOutcome {
    enum class Kind {
        Done,        // nothing left to send (quarantined ones aside)
        Retry,       // network, 5xx, 429/503, a reply that is not the hub's: back off and try again
        Paused,      // 401/403: the token was refused; wait for a new pairing or "Sync now"
        Stopped,     // the hub refuses our data as a whole (e.g. protocol version): back off, tell the facilitator
        Cancelled,   // asked to stop (exit, --max-seconds)
    };
    Kind kind = Kind::Done;
    std::string error;                         // plain words, "" when Done
    std::optional<std::chrono::milliseconds> retry_after;
    std::int64_t stored = 0, duplicate = 0, conflict = 0, quarantined = 0;
    std::int64_t sent() const { return stored + duplicate + conflict; }
    bool talked_to_hub = false;                // at least one valid reply
    int split = 0;                             // batches built too big for one request, sent in halves
    // The published-surveys step (GET /v1/surveys), after the batches: what it changed, or why it could not.
    struct Surveys {
        bool fetched = false;                  // a 200 reply was applied
        bool unchanged = false;                // 304: the list is as it was
        std::vector<std::string> added, removed, problems;
        std::string switch_to;                 // goes live on the next welcome screen
        std::string error;                     // the step failed (the batches' outcome is not changed by it)
    } surveys;
};

class SyncEngine {
public:
    SyncEngine(Store& store, Transport& transport, SyncSettings settings);
    // Sends every pending response, oldest first, in batches; acknowledges each batch only after a valid
    // reply, in one transaction. 413 halves the batch; 400 / "invalid" bisect down to the one bad record,
    // which is quarantined with the hub's reason while the rest go through.
    PassOutcome run_pass(const std::function<bool()>& cancelled = {},
                         const std::function<void(const PassProgress&)>& progress = {});
    // Saves the outcome in the sync_status row (attempts, next attempt, last success, error, paused) and
    // returns it. A pass that had nothing to send leaves last_success_utc alone.
    SyncStatus record_outcome(const PassOutcome& o, const Backoff& backoff);
    // Turns on the status report: after each pass that ended Done (everything sent, or nothing to send), one
    // POST /v1/status with the kiosk's state; `data_dir` for the free disk, `live` asked for the live survey
    // each time (from another thread's setter: it must be safe to call from the pass's thread).
    void report_status_each_pass(std::string data_dir, std::function<LiveSurvey()> live);

private:
    PassOutcome send_batches(const std::function<bool()>& cancelled);
    void report_status(const PassOutcome& out, const std::function<bool()>& cancelled);
    enum class Sent { Ok, Stop };
    struct Prepared {
        std::vector<PendingRecord> rows;       // in the body, in order
        std::vector<std::pair<PendingRecord, std::string>> unreadable;  // answers not JSON: to set aside
        std::string batch_id;
        std::string gz;                        // the gzip'd body
        std::size_t raw = 0;                   // the body's size before gzip
        int grow = 1;                          // grow_ when its rows were read: its budget is batch_kib x this
    };
    static Prepared prepare(std::vector<PendingRecord> rows, const std::string& kiosk_id);
    Sent send(std::vector<PendingRecord> rows, PassOutcome& out, const std::function<bool()>& cancelled);
    Sent deliver(Prepared batch, PassOutcome& out, const std::function<bool()>& cancelled);
    bool ready_to_post(Prepared& batch, PassOutcome& out);
    static bool clean_reply(const Prepared& batch, const HttpResponse& r, std::vector<protocol::Result>& results);
    Sent answer(Prepared& batch, const HttpResponse& r, std::vector<protocol::Result>* parsed, PassOutcome& out,
                const std::function<bool()>& cancelled);
    Sent send_halves(std::vector<PendingRecord>& rows, PassOutcome& out, const std::function<bool()>& cancelled);
    void set_aside(const PendingRecord& r, const std::string& reason, PassOutcome& out);
    void fetch_published_surveys(PassOutcome& out, const std::function<bool()>& cancelled);

    Store& store_;
    Transport& transport_;
    SyncSettings settings_;
    int batch_records_ = 1000;                 // halved on 413 for the rest of the pass
    int grow_ = 1;                             // batch size this pass, times the settings' (1 to max_grow_)
    int max_grow_ = 1;                         // settings_.batch_grow; 1 after a 413
    int rejects_in_a_row_ = 0;                 // 400s with no accepted batch in between
    bool accepted_before_ = false;             // an earlier pass went through: the hub takes our format
    std::vector<std::pair<PendingRecord, std::string>> suspects_;  // lone 400s before the hub accepted anything
    int held_back_ = 0;                        // lone records refused by something that is not the hub
    std::string held_reason_;
    PassProgress progress_;
    std::function<void(const PassProgress&)> on_progress_;
    std::string report_dir_;                   // "" = no status report
    std::function<LiveSurvey()> live_survey_;
    bool report_refused_logged_ = false;
};

// ---- the background client ----------------------------------------------------------------------
enum class SyncPhase { Starting, Idle, Sending, Waiting, Paused, Broken };

struct SyncSnapshot {
    SyncPhase phase = SyncPhase::Starting;
    std::string hub_url;
    PassProgress pass;                         // while Sending
    std::string last_success_utc;
    std::string last_error;                    // plain words, "" when fine
    std::int64_t next_attempt_ms = 0;          // Unix ms, while Waiting
    std::uint64_t version = 0;                 // bumped on every change
    std::uint64_t surveys_changed = 0;         // bumped when a pass stored or removed a published survey
};

class SyncClient {
public:
    // Starts the thread, which opens its own connection (Store::open_existing) to DATA_DIR's database.
    // `on_change` is called (from the sync thread) whenever the snapshot changes, e.g. to wake the UI loop.
    SyncClient(std::string data_dir, SyncSettings settings, std::function<void()> on_change = {});
    ~SyncClient();  // stops the thread, aborting a transfer in flight
    SyncClient(const SyncClient&) = delete;
    SyncClient& operator=(const SyncClient&) = delete;

    void sync_now();   // run a pass now, even while backing off or paused
    void nudge();      // a response was saved: sync soon, unless backing off or paused
    SyncSnapshot snapshot() const;
    // The survey the kiosk runs now, for the next status report (any thread).
    void set_live_survey(LiveSurvey live);

private:
    void run();
    void publish(const std::function<void(SyncSnapshot&)>& change);

    std::string data_dir_;
    SyncSettings settings_;
    std::function<void()> on_change_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    SyncSnapshot snap_;
    LiveSurvey live_;
    bool stop_ = false, now_ = false;
    std::optional<std::chrono::steady_clock::time_point> nudge_at_;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

}  // namespace engage
