// Parsing and validating a POST /v1/batches body (docs/sync-protocol.md), and building the reply.
// Pure functions: no database, no network.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engage/protocol.h"
#include "engage/sealed.h"

namespace engage::hub {

struct Limits {
    std::size_t max_records = protocol::kMaxBatchRecords;  // more: 413 (the kiosk halves the batch)
    std::size_t max_answers_bytes = 64 * 1024;
    std::size_t max_text_bytes = 4096;       // session event / venue
    std::size_t max_id_bytes = 256;          // survey_id, session.id
    std::size_t max_language_bytes = 35;
    std::size_t max_batch_id_bytes = 128;
    int max_depth = 64;                      // JSON nesting
};

// A record that passed every check; the fields as stored.
struct Record {
    std::string uuid;
    std::int64_t seq = 0;
    std::string survey_id;
    std::int64_t survey_version = 0;
    std::string created_utc;
    std::string language;
    bool has_session = false;  // "session": null is allowed (a response saved outside any session)
    std::string session_id, session_event, session_venue, session_started_utc;
    std::optional<std::string> session_ended_utc;
    std::string answers_json;   // compact dump of "answers"
    std::string content_hash;
};

// One entry of records[]: valid (error empty) or invalid with the reason ("records[3].seq: ...").
struct Item {
    std::size_t index = 0;  // in records[]
    std::string uuid;
    std::string error;
    Record record;
    bool valid() const { return error.empty(); }
};

struct Batch {
    std::string kiosk_id;
    std::string batch_id;
    std::vector<Item> items;
    std::shared_ptr<const nlohmann::json> records;  // records[] as received (parse_batch_dom; null from the fast path)
    // records[index], compact: what a conflict keeps aside (made only then: most batches have none).
    std::string record_json(std::size_t index) const;
};

// The whole body refused: 400 (malformed) or 413 (too many records).
struct BatchError {
    int status = 400;
    std::string message;
};

struct Counts {
    int records = 0, stored = 0, duplicate = 0, conflict = 0, invalid = 0;
};

// A record with "sealed" in place of "answers" and "content_hash" (docs/sync-protocol.md "Sealed answers") is opened
// with `keys` first and then checked as if sent in the clear; one that does not open is invalid, with why
// ("records[3].sealed: does not open with this hub's key (cut, altered, or sealed to another hub's key)").
//
// Two readers, one result: parse_batch_fast reads, in one pass and without a JSON tree, a batch whose records are all
// valid and which nlohmann would read the same way (integers, no repeated keys); for anything else it gives up
// (nullopt) and parse_batch_dom reads the batch with nlohmann::json and says what is wrong with each record.
// parse_batch tries the first, then the second. tests/fuzz/fuzz_batch.cpp checks that they agree.
std::variant<Batch, BatchError> parse_batch(const std::string& body, const Limits& limits = {},
                                            const sealed::KeyPair* keys = nullptr);
std::optional<Batch> parse_batch_fast(const std::string& body, const Limits& limits = {},
                                      const sealed::KeyPair* keys = nullptr);
std::variant<Batch, BatchError> parse_batch_dom(const std::string& body, const Limits& limits = {},
                                                const sealed::KeyPair* keys = nullptr);

// {"protocol":1,"hub":"engage-hub","batch_id":...,"results":[...]}
std::string make_reply(const std::string& batch_id, const std::vector<protocol::Result>& results);

// 8-4-4-4-12 hex digits.
bool is_uuid(const std::string& s);
// Deepest nesting of arrays/objects in JSON text (strings are skipped); stops counting past `limit`.
int json_depth(const std::string& text, int limit);

}  // namespace engage::hub
