#include "batch.h"

#include "engage/json_depth.h"
#include "engage/json_fast.h"

#include <cstdio>
#include <limits>
#include <map>
#include <set>
#include <string_view>
#include <nlohmann/json.hpp>

namespace engage::hub {
namespace {

using nlohmann::json;

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// "YYYY-MM-DDTHH:MMZ" (created_utc, minute precision) or "YYYY-MM-DDTHH:MM:SSZ".
bool is_utc_timestamp(const std::string& s) {
    if (s.size() != 17 && s.size() != 20) return false;
    const char* p = s.c_str();
    auto num = [&](int at, int len, int lo, int hi) {
        int v = 0;
        for (int i = 0; i < len; ++i) {
            if (!is_digit(p[at + i])) return false;
            v = v * 10 + (p[at + i] - '0');
        }
        return v >= lo && v <= hi;
    };
    if (!num(0, 4, 1970, 9999) || p[4] != '-' || !num(5, 2, 1, 12) || p[7] != '-' || !num(8, 2, 1, 31) ||
        p[10] != 'T' || !num(11, 2, 0, 23) || p[13] != ':' || !num(14, 2, 0, 59))
        return false;
    if (s.size() == 17) return p[16] == 'Z';
    return p[16] == ':' && num(17, 2, 0, 60) && p[19] == 'Z';
}

bool has_control(const std::string& s) {
    for (unsigned char c : s)
        if (c < 0x20 || c == 0x7f) return true;
    return false;
}

bool has_nul(const std::string& s) { return s.find('\0') != std::string::npos; }

// Field names from the sender are echoed in messages: keep them short and printable.
std::string shown_key(const std::string& k) {
    std::string out;
    for (unsigned char c : k) {
        if (out.size() >= 64) {
            out += "...";
            break;
        }
        out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
    }
    return out;
}

const char* type_name(const json& v) {
    switch (v.type()) {
        case json::value_t::null: return "null";
        case json::value_t::boolean: return "a boolean";
        case json::value_t::string: return "a string";
        case json::value_t::array: return "an array";
        case json::value_t::object: return "an object";
        case json::value_t::number_float: return "a decimal number";
        default: return "a number";
    }
}

protocol::RecordFields fields(const Record& r) {
    protocol::RecordFields f;
    f.uuid = &r.uuid;
    f.seq = r.seq;
    f.survey_id = &r.survey_id;
    f.survey_version = r.survey_version;
    f.created_utc = &r.created_utc;
    f.language = &r.language;
    f.has_session = r.has_session;
    f.session_id = &r.session_id;
    f.session_event = &r.session_event;
    f.session_venue = &r.session_venue;
    f.session_started_utc = &r.session_started_utc;
    f.session_ended_utc = r.session_ended_utc ? &*r.session_ended_utc : nullptr;
    f.answers = &r.answers_json;
    return f;
}

// Collects the problems of one record, each "records[i].field: what".
class RecordCheck {
public:
    RecordCheck(const json& rec, std::size_t index, const Limits& lim) : rec_(rec), lim_(lim) {
        prefix_ = "records[" + std::to_string(index) + "]";
    }

    void fail(const std::string& field, const std::string& what) {
        if (errors_.size() < 5) errors_.push_back(prefix_ + "." + field + ": " + what);
        else if (errors_.size() == 5) errors_.push_back("...");
    }

    const json* get(const json& obj, const char* key, const std::string& path) {
        auto it = obj.find(key);
        if (it == obj.end()) {
            fail(path, "missing");
            return nullptr;
        }
        return &*it;
    }

    // A string of 1..max bytes without control characters (or any length, if max is 0).
    bool text(const json& obj, const char* key, const std::string& path, std::size_t max, bool allow_empty,
              std::string& out) {
        const json* v = get(obj, key, path);
        if (!v) return false;
        if (!v->is_string()) {
            fail(path, std::string("must be a string, not ") + type_name(*v));
            return false;
        }
        const auto& s = v->get_ref<const std::string&>();
        if (s.empty() && !allow_empty) {
            fail(path, "must not be empty");
            return false;
        }
        if (s.size() > max) {
            fail(path, "too long (" + std::to_string(s.size()) + " bytes; at most " + std::to_string(max) + ")");
            return false;
        }
        if (has_nul(s) || (key != std::string("event") && key != std::string("venue") && has_control(s))) {
            fail(path, "contains control characters");
            return false;
        }
        out = s;
        return true;
    }

    bool integer(const json& obj, const char* key, const std::string& path, std::int64_t max, std::int64_t& out) {
        const json* v = get(obj, key, path);
        if (!v) return false;
        bool ok = false;
        if (v->is_number_unsigned()) {
            const auto u = v->get<std::uint64_t>();
            ok = u >= 1 && u <= static_cast<std::uint64_t>(max);
        } else if (v->is_number_integer()) {
            const auto i = v->get<std::int64_t>();
            ok = i >= 1 && i <= max;
        }
        if (!ok) {
            fail(path, "must be a positive integer" +
                           (max < std::numeric_limits<std::int64_t>::max() ? " (at most " + std::to_string(max) + ")"
                                                                           : std::string()));
            return false;
        }
        out = v->get<std::int64_t>();
        return true;
    }

    bool timestamp(const json& obj, const char* key, const std::string& path, std::string& out) {
        if (!text(obj, key, path, 20, false, out)) return false;
        if (!is_utc_timestamp(out)) {
            fail(path, "must be a UTC time like 2026-11-22T10:04Z or 2026-11-22T10:04:31Z");
            return false;
        }
        return true;
    }

    Item run() {
        Item item;
        item.uuid = rec_["uuid"].get<std::string>();  // checked by the caller: present and a string
        Record& r = item.record;
        static const char* const known[] = {"uuid",     "seq",     "survey_id", "survey_version", "created_utc",
                                            "language", "session", "answers",   "content_hash"};
        for (auto it = rec_.begin(); it != rec_.end(); ++it) {
            bool ok = false;
            for (const char* k : known) ok = ok || it.key() == k;
            if (!ok) fail(shown_key(it.key()), "unknown field");
        }
        if (!is_uuid(item.uuid)) fail("uuid", "must be a UUID (8-4-4-4-12 hex digits)");
        r.uuid = item.uuid;
        integer(rec_, "seq", "seq", std::numeric_limits<std::int64_t>::max(), r.seq);
        text(rec_, "survey_id", "survey_id", lim_.max_id_bytes, false, r.survey_id);
        integer(rec_, "survey_version", "survey_version", std::numeric_limits<std::int32_t>::max(), r.survey_version);
        timestamp(rec_, "created_utc", "created_utc", r.created_utc);
        text(rec_, "language", "language", lim_.max_language_bytes, false, r.language);

        if (const json* s = get(rec_, "session", "session")) {
            if (s->is_null()) {
                r.has_session = false;
            } else if (!s->is_object()) {
                fail("session", std::string("must be an object or null, not ") + type_name(*s));
            } else {
                r.has_session = true;
                static const char* const skeys[] = {"id", "event", "venue", "started_utc", "ended_utc"};
                for (auto it = s->begin(); it != s->end(); ++it) {
                    bool ok = false;
                    for (const char* k : skeys) ok = ok || it.key() == k;
                    if (!ok) fail("session." + shown_key(it.key()), "unknown field");
                }
                text(*s, "id", "session.id", lim_.max_id_bytes, false, r.session_id);
                text(*s, "event", "session.event", lim_.max_text_bytes, true, r.session_event);
                text(*s, "venue", "session.venue", lim_.max_text_bytes, true, r.session_venue);
                timestamp(*s, "started_utc", "session.started_utc", r.session_started_utc);
                if (const json* e = get(*s, "ended_utc", "session.ended_utc")) {
                    if (!e->is_null() && !e->is_string()) {
                        fail("session.ended_utc", std::string("must be a UTC time or null, not ") + type_name(*e));
                    } else if (e->is_string()) {
                        std::string ended;
                        if (timestamp(*s, "ended_utc", "session.ended_utc", ended)) r.session_ended_utc = ended;
                    }
                }
            }
        }

        if (const json* a = get(rec_, "answers", "answers")) {
            if (!a->is_object()) {
                fail("answers", std::string("must be an object, not ") + type_name(*a));
            } else {
                r.answers_json = a->dump();
                if (r.answers_json.size() > lim_.max_answers_bytes)
                    fail("answers", "too long (" + std::to_string(r.answers_json.size()) + " bytes as JSON; at most " +
                                        std::to_string(lim_.max_answers_bytes) + ")");
            }
        }

        std::string hash;
        if (text(rec_, "content_hash", "content_hash", 64, false, hash)) {
            bool hex = hash.size() == 64;
            for (char c : hash) hex = hex && is_hex(c) && !(c >= 'A' && c <= 'F');
            if (!hex) {
                fail("content_hash", "must be 64 lowercase hex digits (SHA-256)");
            } else if (errors_.empty()) {
                // Every field is known and checked by now: the canonical payload is written from them and the
                // answers' dump above (the same bytes as protocol::content_hash(rec_), without a second dump).
                const std::string expected = protocol::sha256_hex(protocol::canonical_text(fields(r)));
                if (expected != hash)
                    fail("content_hash", "does not match the record (the hub computed " + expected +
                                             " from the canonical payload)");
            }
            r.content_hash = hash;
        }

        if (!errors_.empty()) {
            for (std::size_t i = 0; i < errors_.size(); ++i) item.error += (i ? "; " : "") + errors_[i];
            item.record = Record{};
        }
        return item;
    }

private:
    const json& rec_;
    const Limits& lim_;
    std::string prefix_;
    std::vector<std::string> errors_;
};

}  // namespace

std::string Batch::record_json(std::size_t index) const {
    if (records) return index < records->size() ? (*records)[index].dump(-1, ' ', false, json::error_handler_t::replace)
                                                : "null";
    // Read by parse_batch_fast: every record valid, and its text as sent is the one written from its fields.
    if (index < items.size() && items[index].index == index && items[index].valid())
        return protocol::record_text(fields(items[index].record), items[index].record.content_hash);
    return "null";
}

bool is_uuid(const std::string& s) {
    if (s.size() != 36) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') return false;
        } else if (!is_hex(s[i])) {
            return false;
        }
    }
    return true;
}

int json_depth(const std::string& text, int limit) { return engage::json_depth(text, limit); }

std::variant<Batch, BatchError> parse_batch_dom(const std::string& body, const Limits& lim,
                                                const sealed::KeyPair* keys) {
    auto bad = [](const std::string& m) { return BatchError{400, m}; };
    if (body.empty()) return bad("the body is empty (expected a gzip-compressed JSON batch)");
    if (json_depth(body, lim.max_depth) > lim.max_depth)
        return bad("the JSON is nested too deeply (more than " + std::to_string(lim.max_depth) + " levels)");
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded()) {
        // Say where: parse again with exceptions for the byte offset.
        std::string where;
        try {
            const json again = json::parse(body);
            (void)again;
        } catch (const json::parse_error& e) {
            where = " (at byte " + std::to_string(e.byte) + ")";
        } catch (...) {
        }
        return bad("the body is not valid JSON" + where);
    }
    if (!j.is_object()) return bad(std::string("the body must be a JSON object, not ") + type_name(j));

    auto p = j.find("protocol");
    if (p == j.end()) return bad("protocol: missing");
    if (!p->is_number_integer()) return bad(std::string("protocol: must be an integer, not ") + type_name(*p));
    if (*p != protocol::kVersion) return bad("unsupported protocol " + p->dump());

    Batch batch;
    auto k = j.find("kiosk_id");
    if (k == j.end()) return bad("kiosk_id: missing");
    if (!k->is_string()) return bad(std::string("kiosk_id: must be a string, not ") + type_name(*k));
    batch.kiosk_id = k->get<std::string>();
    if (!is_uuid(batch.kiosk_id)) return bad("kiosk_id: must be a UUID (8-4-4-4-12 hex digits)");

    auto b = j.find("batch_id");
    if (b == j.end()) return bad("batch_id: missing");
    if (!b->is_string()) return bad(std::string("batch_id: must be a string, not ") + type_name(*b));
    batch.batch_id = b->get<std::string>();
    if (batch.batch_id.empty() || batch.batch_id.size() > lim.max_batch_id_bytes || has_control(batch.batch_id))
        return bad("batch_id: must be 1 to " + std::to_string(lim.max_batch_id_bytes) +
                   " printable characters (a UUID)");

    auto r = j.find("records");
    if (r == j.end()) return bad("records: missing");
    if (!r->is_array()) return bad(std::string("records: must be an array, not ") + type_name(*r));
    if (r->size() > lim.max_records)
        return BatchError{413, "too many records in one batch (" + std::to_string(r->size()) + "; at most " +
                                   std::to_string(lim.max_records) + ")"};

    // Every record must at least say which uuid it is, once: otherwise no per-record reply can name it.
    std::map<std::string, std::size_t> seen;
    for (std::size_t i = 0; i < r->size(); ++i) {
        const json& rec = (*r)[i];
        const std::string at = "records[" + std::to_string(i) + "]";
        if (!rec.is_object()) return bad(at + ": must be an object, not " + type_name(rec));
        auto u = rec.find("uuid");
        if (u == rec.end()) return bad(at + ".uuid: missing");
        if (!u->is_string()) return bad(at + ".uuid: must be a string, not " + type_name(*u));
        auto [it, fresh] = seen.emplace(u->get<std::string>(), i);
        if (!fresh) return bad(at + ".uuid: the same uuid as records[" + std::to_string(it->second) + "]");
    }
    // Sealed answers are opened here, and the record checked as the kiosk made it before sealing: the same content
    // hash as sent in the clear (so a duplicate is a duplicate), and a conflict keeps the opened record aside.
    std::map<std::size_t, std::string> unopened;
    for (std::size_t i = 0; i < r->size(); ++i) {
        json& rec = (*r)[i];
        auto s = rec.find("sealed");
        if (s == rec.end()) continue;
        const std::string at = "records[" + std::to_string(i) + "].";
        std::string answers, hash, why;
        if (rec.contains("answers") || rec.contains("content_hash"))
            unopened[i] = at + "sealed: a sealed record carries no answers or content_hash beside it";
        else if (!s->is_string())
            unopened[i] = at + "sealed: must be a string, not " + type_name(*s);
        else if (s->get_ref<const std::string&>().size() > lim.max_answers_bytes * 2)
            unopened[i] = at + "sealed: too long";
        else if (!keys || !sealed::open(s->get<std::string>(), *keys, answers, hash, why))
            unopened[i] = at + "sealed: " + (keys ? why : std::string("this hub cannot open sealed answers"));
        else {
            rec.erase("sealed");
            rec["answers"] = json::parse(answers);
            rec["content_hash"] = hash;
        }
    }
    const auto records = std::make_shared<const json>(std::move(*r));
    batch.items.reserve(records->size());
    for (std::size_t i = 0; i < records->size(); ++i) {
        if (auto u = unopened.find(i); u != unopened.end()) {
            Item item;
            item.uuid = (*records)[i]["uuid"].get<std::string>();
            item.error = u->second;
            batch.items.push_back(std::move(item));
        } else {
            batch.items.push_back(RecordCheck((*records)[i], i, lim).run());
        }
        batch.items.back().index = i;
    }
    batch.records = records;
    return batch;
}

namespace {

bool text_ok(const std::string& s, std::size_t max, bool allow_empty, bool controls_allowed) {
    return (allow_empty || !s.empty()) && s.size() <= max && !has_nul(s) && (controls_allowed || !has_control(s));
}

// Which fields of an object were read: each may come once (nlohmann would keep only the last of a repeated key).
struct Seen {
    unsigned bits = 0;
    bool once(unsigned bit) {
        if (bits & bit) return false;
        bits |= bit;
        return true;
    }
};

bool hash_ok(const std::string& h) {
    if (h.size() != 64) return false;
    for (char c : h)
        if (!is_hex(c) || (c >= 'A' && c <= 'F')) return false;
    return true;
}

// One record of a batch the fast way; false: anything parse_batch_dom would see otherwise (an invalid record, a
// shape it reads differently), so the whole batch goes that way instead.
bool fast_record(json_fast::Reader& in, const Limits& lim, const sealed::KeyPair* keys, Record& r) {
    enum : unsigned {
        kUuid = 1, kSeq = 2, kSurvey = 4, kVersion = 8, kCreated = 16, kLanguage = 32, kSession = 64,
        kAnswers = 128, kHash = 256, kSealed = 512
    };
    Seen seen;
    std::string key, sealed_text;
    if (!in.begin_object()) return false;
    bool first = true;
    while (in.next_key(first, key)) {
        bool ok = false;
        if (key == "uuid") ok = seen.once(kUuid) && in.string(r.uuid);
        else if (key == "seq") ok = seen.once(kSeq) && in.integer(r.seq);
        else if (key == "survey_id") ok = seen.once(kSurvey) && in.string(r.survey_id);
        else if (key == "survey_version") ok = seen.once(kVersion) && in.integer(r.survey_version);
        else if (key == "created_utc") ok = seen.once(kCreated) && in.string(r.created_utc);
        else if (key == "language") ok = seen.once(kLanguage) && in.string(r.language);
        else if (key == "content_hash") ok = seen.once(kHash) && in.string(r.content_hash);
        else if (key == "sealed") ok = seen.once(kSealed) && in.string(sealed_text);
        else if (key == "answers") {
            r.answers_json.clear();
            ok = seen.once(kAnswers) && in.canonical(r.answers_json) && r.answers_json[0] == '{';
        } else if (key == "session") {
            ok = seen.once(kSession);
            if (ok && in.peek_null()) {
                ok = in.null();
                r.has_session = false;
            } else if (ok) {
                r.has_session = true;
                Seen sseen;
                ok = in.begin_object();
                bool sfirst = true;
                std::string skey;
                while (ok && in.next_key(sfirst, skey)) {
                    if (skey == "id") ok = sseen.once(1) && in.string(r.session_id);
                    else if (skey == "event") ok = sseen.once(2) && in.string(r.session_event);
                    else if (skey == "venue") ok = sseen.once(4) && in.string(r.session_venue);
                    else if (skey == "started_utc") ok = sseen.once(8) && in.string(r.session_started_utc);
                    else if (skey == "ended_utc") {
                        ok = sseen.once(16);
                        if (ok && in.peek_null()) {
                            ok = in.null();
                        } else if (ok) {
                            std::string ended;
                            ok = in.string(ended) && is_utc_timestamp(ended);
                            r.session_ended_utc = std::move(ended);
                        }
                    } else ok = false;
                }
                ok = ok && !in.failed() && sseen.bits == 31 &&
                     text_ok(r.session_id, lim.max_id_bytes, false, false) &&
                     text_ok(r.session_event, lim.max_text_bytes, true, true) &&
                     text_ok(r.session_venue, lim.max_text_bytes, true, true) &&
                     is_utc_timestamp(r.session_started_utc);
            }
        }
        if (!ok) return false;
    }
    if (in.failed()) return false;
    constexpr unsigned kFields = kUuid | kSeq | kSurvey | kVersion | kCreated | kLanguage | kSession;
    if (seen.bits == (kFields | kSealed)) {
        // Sealed: opened here, then checked as if sent in the clear (see parse_batch_dom).
        // open() gives the answers' canonical text, an object: only the nesting bound is left to check.
        std::string why;
        if (sealed_text.size() > lim.max_answers_bytes * 2 || !keys ||
            !sealed::open(sealed_text, *keys, r.answers_json, r.content_hash, why) ||
            json_depth(r.answers_json, lim.max_depth - 3) > lim.max_depth - 3)
            return false;
    } else if (seen.bits != (kFields | kAnswers | kHash)) {
        return false;
    }
    const auto max_i32 = std::numeric_limits<std::int32_t>::max();
    if (!is_uuid(r.uuid) || r.seq < 1 || r.survey_version < 1 || r.survey_version > max_i32 ||
        !text_ok(r.survey_id, lim.max_id_bytes, false, false) || !is_utc_timestamp(r.created_utc) ||
        !text_ok(r.language, lim.max_language_bytes, false, false) ||
        r.answers_json.size() > lim.max_answers_bytes || !hash_ok(r.content_hash))
        return false;
    return protocol::sha256_hex(protocol::canonical_text(fields(r))) == r.content_hash;
}

}  // namespace

std::optional<Batch> parse_batch_fast(const std::string& body, const Limits& lim, const sealed::KeyPair* keys) {
    json_fast::Reader in(body, lim.max_depth);
    Batch batch;
    std::int64_t protocol_version = 0;
    Seen seen;
    std::string key;
    if (!in.begin_object()) return std::nullopt;
    bool first = true;
    std::set<std::string_view> uuids;
    while (in.next_key(first, key)) {
        bool ok = false;
        if (key == "protocol")
            ok = seen.once(1) && in.integer(protocol_version) && protocol_version == protocol::kVersion;
        else if (key == "kiosk_id") ok = seen.once(2) && in.string(batch.kiosk_id) && is_uuid(batch.kiosk_id);
        else if (key == "batch_id")
            ok = seen.once(4) && in.string(batch.batch_id) && !batch.batch_id.empty() &&
                 batch.batch_id.size() <= lim.max_batch_id_bytes && !has_control(batch.batch_id);
        else if (key == "records" && seen.once(8) && in.begin_array()) {
            ok = true;
            bool efirst = true;
            // A record takes at least ~220 bytes (its keys, uuid and hash): room for all at once, not a move of
            // every record at each doubling.
            batch.items.reserve(std::min<std::size_t>({lim.max_records, body.size() / 220 + 1, 65536}));
            while (ok && in.next_element(efirst)) {
                if (batch.items.size() >= lim.max_records) return std::nullopt;
                Item item;
                item.index = batch.items.size();
                ok = fast_record(in, lim, keys, item.record);
                if (ok) {
                    item.uuid = item.record.uuid;
                    batch.items.push_back(std::move(item));
                }
            }
            ok = ok && !in.failed();
        }
        if (!ok) return std::nullopt;
    }
    if (in.failed() || seen.bits != 15 || !in.at_end()) return std::nullopt;
    for (const Item& it : batch.items)
        if (!uuids.insert(it.uuid).second) return std::nullopt;  // the same uuid twice: a 400, said by the DOM path
    return batch;
}

std::variant<Batch, BatchError> parse_batch(const std::string& body, const Limits& lim, const sealed::KeyPair* keys) {
    if (auto fast = parse_batch_fast(body, lim, keys)) return std::move(*fast);
    return parse_batch_dom(body, lim, keys);
}

// Written as text, keys sorted: the bytes dump() of the same json object gives, without building one.
std::string make_reply(const std::string& batch_id, const std::vector<protocol::Result>& results) {
    const auto str = [](const std::string& s) { return json(s).dump(-1, ' ', false, json::error_handler_t::replace); };
    std::string out = "{\"batch_id\":" + str(batch_id) + ",\"hub\":" + str(protocol::kHubName) +
                      ",\"protocol\":" + std::to_string(protocol::kVersion) + ",\"results\":[";
    out.reserve(out.size() + results.size() * 70);
    for (std::size_t i = 0; i < results.size(); ++i) {
        const auto& r = results[i];
        out += i ? ",{" : "{";
        if (!r.error.empty()) out += "\"error\":" + str(r.error) + ",";
        out += "\"status\":\"";
        out += protocol::to_string(r.status);
        out += "\",\"uuid\":" + str(r.uuid) + "}";
    }
    out += "]}";
    return out;
}

}  // namespace engage::hub
