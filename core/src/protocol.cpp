#include "engage/protocol.h"

#include <nettle/sha2.h>
#include <nettle/version.h>

#include "engage/json_fast.h"

#include <map>

namespace engage::protocol {

namespace {

constexpr auto kReplace = nlohmann::json::error_handler_t::replace;

// Appends obj's compact dump (keys sorted, as nlohmann::json keeps them) without the member `skip`: the text
// dump() gives for a copy with that member erased, without copying the record.
void dump_without(const nlohmann::json& obj, const char* skip, const char* skip_in_session, std::string& out) {
    out += '{';
    bool first = true;
    for (const auto& [key, value] : obj.items()) {
        if (key == skip) continue;
        if (!first) out += ',';
        first = false;
        out += nlohmann::json(key).dump(-1, ' ', false, kReplace);
        out += ':';
        if (skip_in_session && key == "session" && value.is_object()) dump_without(value, skip_in_session, nullptr, out);
        else out += value.dump(-1, ' ', false, kReplace);
    }
    out += '}';
}

// A JSON string as nlohmann::json's dump() writes it (ensure_ascii off, invalid UTF-8 replaced).
void append_string(std::string& out, const std::string& s) {
    bool plain = true;
    for (unsigned char c : s) plain = plain && c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
    if (plain) {
        out += '"';
        out += s;
        out += '"';
    } else {
        out += nlohmann::json(s).dump(-1, ' ', false, kReplace);
    }
}

// Keys sorted as nlohmann::json keeps them; with_hash adds content_hash and session.ended_utc. With `sealed` (and
// no answers): "sealed" in place of answers and content_hash, and session.ended_utc.
std::string write_record(const RecordFields& f, const std::string* hash, const std::string* sealed = nullptr) {
    std::string out;
    out.reserve((f.answers ? f.answers->size() : sealed->size()) + 400);
    out += '{';
    if (f.answers) {
        out += "\"answers\":";
        out += *f.answers;
        if (hash) {
            out += ",\"content_hash\":";
            append_string(out, *hash);
        }
        out += ',';
    }
    out += "\"created_utc\":";
    append_string(out, *f.created_utc);
    out += ",\"language\":";
    append_string(out, *f.language);
    if (sealed) {
        out += ",\"sealed\":";
        append_string(out, *sealed);
    }
    out += ",\"seq\":";
    out += std::to_string(f.seq);
    out += ",\"session\":";
    if (!f.has_session) {
        out += "null";
    } else {
        out += '{';
        if (hash || sealed) {
            out += "\"ended_utc\":";
            if (f.session_ended_utc) append_string(out, *f.session_ended_utc);
            else out += "null";
            out += ',';
        }
        out += "\"event\":";
        append_string(out, *f.session_event);
        out += ",\"id\":";
        append_string(out, *f.session_id);
        out += ",\"started_utc\":";
        append_string(out, *f.session_started_utc);
        out += ",\"venue\":";
        append_string(out, *f.session_venue);
        out += '}';
    }
    out += ",\"survey_id\":";
    append_string(out, *f.survey_id);
    out += ",\"survey_version\":";
    out += std::to_string(f.survey_version);
    out += ",\"uuid\":";
    append_string(out, *f.uuid);
    out += '}';
    return out;
}

}  // namespace

// Nettle's SHA-256, not libsodium's: Nettle uses the CPU's SHA instructions where it has them (0.44 against 2.3 us
// for a 600-byte record on x86-64 with SHA-NI; a hash for every record sent, and the hub checks each).
std::string sha256_hex(const std::string& text) {
    std::uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_ctx ctx;
    sha256_init(&ctx);
    sha256_update(&ctx, text.size(), reinterpret_cast<const std::uint8_t*>(text.data()));
#if NETTLE_VERSION_MAJOR >= 4
    sha256_digest(&ctx, digest);
#else
    sha256_digest(&ctx, sizeof digest, digest);
#endif
    static const char* hex = "0123456789abcdef";
    std::string out(64, '0');
    for (std::size_t i = 0; i < sizeof digest; ++i) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15];
    }
    return out;
}

std::string canonical_text(const RecordFields& f) { return write_record(f, nullptr); }

std::string record_text(const RecordFields& f, const std::string& content_hash) {
    return write_record(f, &content_hash);
}

std::string sealed_record_text(const RecordFields& f, const std::string& sealed) {
    RecordFields without = f;
    without.answers = nullptr;
    return write_record(without, nullptr, &sealed);
}

std::string content_hash(const nlohmann::json& record) {
    // The canonical payload: the record without content_hash and without session.ended_utc (when the session
    // ended is not part of what the person said: a record re-sent after its session was ended is the same
    // record, not a conflict).
    std::string text;
    if (record.is_object()) dump_without(record, "content_hash", "ended_utc", text);
    else text = record.dump(-1, ' ', false, kReplace);
    return sha256_hex(text);
}

void seal(nlohmann::json& record) { record["content_hash"] = content_hash(record); }

const char* to_string(Status s) {
    switch (s) {
        case Status::Stored: return "stored";
        case Status::Duplicate: return "duplicate";
        case Status::Conflict: return "conflict";
        case Status::Invalid: return "invalid";
    }
    return "invalid";
}

bool status_from_string(const std::string& s, Status& out) {
    for (Status st : {Status::Stored, Status::Duplicate, Status::Conflict, Status::Invalid})
        if (s == to_string(st)) {
            out = st;
            return true;
        }
    return false;
}

bool parse_reply_in_order(const std::string& body, const std::string& batch_id, const std::vector<std::string>& sent,
                          std::vector<Result>& results) {
    json_fast::Reader in(body, 8);
    std::string key, s, skipped;
    bool first = true, hub = false, protocol = false, batch = false, answered = false;
    const auto skip = [&] {
        skipped.clear();
        return in.canonical(skipped);
    };
    if (!in.begin_object()) return false;
    while (in.next_key(first, key)) {
        if (key == "hub") {
            if (hub || !in.string(s) || s != kHubName) return false;
            hub = true;
        } else if (key == "protocol") {
            std::int64_t v = 0;
            if (protocol || !in.integer(v) || v != kVersion) return false;
            protocol = true;
        } else if (key == "batch_id") {
            if (batch || !in.string(s) || s != batch_id) return false;
            batch = true;
        } else if (key == "results") {
            if (answered || !in.begin_array()) return false;
            bool next = true;
            while (in.next_element(next)) {
                if (results.size() >= sent.size() || !in.begin_object()) return false;
                Result r;
                bool member = true, uuid = false, status = false;
                while (in.next_key(member, key)) {
                    if (key == "uuid") {
                        if (uuid || !in.string(r.uuid)) return false;
                        uuid = true;
                    } else if (key == "status") {
                        if (status || !in.string(s) || !status_from_string(s, r.status)) return false;
                        status = true;
                    } else if (key == "error") {
                        if (!in.string(r.error)) return false;
                    } else if (!skip()) {
                        return false;
                    }
                }
                if (in.failed() || !uuid || !status || r.uuid != sent[results.size()]) return false;
                results.push_back(std::move(r));
            }
            if (in.failed() || results.size() != sent.size()) return false;
            answered = true;
        } else if (!skip()) {
            return false;
        }
    }
    return !in.failed() && in.at_end() && hub && protocol && batch && answered;
}

bool parse_reply(const std::string& body, const std::string& batch_id, const std::vector<std::string>& sent_uuids,
                 std::vector<Result>& results, std::string& why) {
    results.clear();
    if (parse_reply_in_order(body, batch_id, sent_uuids, results)) return true;
    results.clear();
    const auto j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        why = "the reply is not JSON (a captive portal or a proxy may be in the way)";
        return false;
    }
    if (!j.contains("hub") || j["hub"] != kHubName) {
        why = "the reply does not come from an Engage hub";
        return false;
    }
    if (!j.contains("protocol") || j["protocol"] != kVersion) {
        why = "the hub speaks another protocol version";
        return false;
    }
    if (!j.contains("batch_id") || j["batch_id"] != batch_id) {
        why = "the reply is for another batch";
        return false;
    }
    if (!j.contains("results") || !j["results"].is_array()) {
        why = "the reply has no results";
        return false;
    }
    std::map<std::string, Result> by_uuid;
    for (const auto& r : j["results"]) {
        if (!r.is_object() || !r.contains("uuid") || !r["uuid"].is_string() || !r.contains("status") ||
            !r["status"].is_string()) {
            why = "a result in the reply is malformed";
            return false;
        }
        Result res;
        res.uuid = r["uuid"].get<std::string>();
        if (!status_from_string(r["status"].get<std::string>(), res.status)) {
            why = "unknown status '" + r["status"].get<std::string>() + "' in the reply";
            return false;
        }
        if (r.contains("error") && r["error"].is_string()) res.error = r["error"].get<std::string>();
        if (!by_uuid.emplace(res.uuid, res).second) {
            why = "the reply names a record twice";
            return false;
        }
    }
    if (by_uuid.size() != sent_uuids.size()) {
        why = "the reply does not answer for every record sent";
        return false;
    }
    for (const auto& u : sent_uuids) {
        auto it = by_uuid.find(u);
        if (it == by_uuid.end()) {
            why = "the reply does not answer for every record sent";
            results.clear();
            return false;
        }
        results.push_back(it->second);
    }
    return true;
}

}  // namespace engage::protocol
