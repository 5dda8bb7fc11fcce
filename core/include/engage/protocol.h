// Sync protocol v1 (docs/sync-protocol.md): the record and reply shapes shared by the kiosk's sync client
// and the hub. No UI, no network here.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace engage::protocol {

inline constexpr int kVersion = 1;
inline constexpr const char* kHubName = "engage-hub";
// The most records one batch may hold: engage-hub answers more with 413; kiosks never send more.
inline constexpr int kMaxBatchRecords = 5000;

// SHA-256 (hex) of the record's canonical payload: the record without "content_hash" and without
// "session.ended_utc" (it changes when a session ends), dumped compact with sorted keys.
std::string content_hash(const nlohmann::json& record);
// Sets record["content_hash"].
void seal(nlohmann::json& record);

// A record's fields, to write its JSON text without building a json object (the kiosk's batches, the hub's
// content hash check): the same bytes as dump() of the record made from them, for a fraction of the work.
struct RecordFields {
    const std::string* uuid = nullptr;
    std::int64_t seq = 0;
    const std::string* survey_id = nullptr;
    std::int64_t survey_version = 0;
    const std::string* created_utc = nullptr;
    const std::string* language = nullptr;
    bool has_session = false;  // false: "session": null
    const std::string* session_id = nullptr;
    const std::string* session_event = nullptr;
    const std::string* session_venue = nullptr;
    const std::string* session_started_utc = nullptr;
    const std::string* session_ended_utc = nullptr;  // nullptr: null
    const std::string* answers = nullptr;            // the answers object, already dumped compact
};
// The canonical payload content_hash() hashes, for a record with exactly these fields.
std::string canonical_text(const RecordFields& f);
// The whole record as sent, with its content_hash and session.ended_utc (keys sorted, compact).
std::string record_text(const RecordFields& f, const std::string& content_hash);
// A sealed record as sent (docs/sync-protocol.md "Sealed answers"): the fields with "sealed" in place of "answers"
// and "content_hash" (f.answers is not used), session.ended_utc included. Keys sorted, compact.
std::string sealed_record_text(const RecordFields& f, const std::string& sealed);
// SHA-256 of text, 64 lowercase hex digits.
std::string sha256_hex(const std::string& text);

enum class Status { Stored, Duplicate, Conflict, Invalid };
const char* to_string(Status s);
bool status_from_string(const std::string& s, Status& out);

struct Result {
    std::string uuid;
    Status status = Status::Invalid;
    std::string error;
};

// Checks a hub reply against what was sent: JSON, hub == "engage-hub", the same protocol and batch_id, and
// exactly one result per sent uuid. On success fills `results` (in the order sent) and returns true; otherwise
// `why` says what was wrong and nothing counts as acknowledged.
bool parse_reply(const std::string& body, const std::string& batch_id, const std::vector<std::string>& sent_uuids,
                 std::vector<Result>& results, std::string& why);
// What parse_reply tries first: the reply read in one pass, when it answers every record in the order sent (as
// engage-hub does). False for anything else (another order, a repeated key, a malformed reply); parse_reply then
// reads it as a tree and says what is wrong. `results` is filled as it reads (cleared by parse_reply).
bool parse_reply_in_order(const std::string& body, const std::string& batch_id, const std::vector<std::string>& sent,
                          std::vector<Result>& results);

}  // namespace engage::protocol
