// On-device storage: one SQLite file in the data folder. No UI includes.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

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
    std::string answers_json;
    std::string created_utc;   // rounded down to the minute: "YYYY-MM-DDTHH:MMZ"
    std::string sync_state;    // "pending" until the hub acknowledges it
};

struct Counts {
    std::int64_t this_session = 0;
    std::int64_t today = 0;          // responses created today (UTC date)
    std::int64_t waiting_sync = 0;   // not yet acknowledged by the hub
    std::int64_t total = 0;
};

inline constexpr int kSchemaVersion = 1;
inline constexpr const char* kDatabaseFile = "engage.sqlite";

class Store {
public:
    // Opens (creating if needed) DATA_DIR/engage.sqlite: WAL, synchronous=FULL, foreign keys,
    // migrations, quick_check. A database that fails quick_check or is not a database is moved
    // aside (renamed, never overwritten or deleted) and a fresh one is made; each such event is
    // appended to `notices` in plain words. Throws StoreError when the folder cannot be used.
    static std::unique_ptr<Store> open(const std::string& data_dir,
                                       std::vector<std::string>* notices = nullptr);
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    const std::string& path() const { return path_; }
    const std::string& kiosk_id() const { return kiosk_id_; }
    std::string journal_mode() const;    // as SQLite reports it ("wal")
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
    std::vector<StoredResponse> responses(int limit = -1) const;  // in sequence order

    std::optional<std::string> setting(const std::string& key) const;
    void set_setting(const std::string& key, const std::string& value);

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
