// Sync protocol v1 (docs/sync-protocol.md): the record and reply shapes shared by the kiosk's sync client
// and the hub. No UI, no network here.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace engage::protocol {

inline constexpr int kVersion = 1;
inline constexpr const char* kHubName = "engage-hub";

// SHA-256 (hex) of the record's canonical payload: the record without "content_hash" and without
// "session.ended_utc" (it changes when a session ends), dumped compact with sorted keys.
std::string content_hash(const nlohmann::json& record);
// Sets record["content_hash"].
void seal(nlohmann::json& record);

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

}  // namespace engage::protocol
