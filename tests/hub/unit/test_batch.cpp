// The batch parser's content hash check and the reply, written as text (hub/batch.cpp) against nlohmann::json's
// dump() of the same values: byte for byte, with hostile strings.
#include <sqlite3.h>
#include <zlib.h>
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "batch.h"
#include "http.h"
#include "engage/bundle.h"
#include "engage/protocol.h"
#include "engage/sealed.h"
#include "store.h"

using namespace engage;
using namespace engage::hub;
using nlohmann::json;

namespace {

json record(int i, const std::string& text) {
    json r = {{"uuid", "9a4d0000-0000-4000-8000-00000000000" + std::to_string(i)},
              {"seq", i + 1},
              {"survey_id", "demo"},
              {"survey_version", 2},
              {"created_utc", "2026-11-22T10:04Z"},
              {"language", "en"},
              {"session", {{"id", "s1"}, {"event", text}, {"venue", text}, {"started_utc", "2026-11-22T09:30:00Z"},
                           {"ended_utc", i % 2 ? json(nullptr) : json("2026-11-22T18:00:00Z")}}},
              {"answers", {{"zz", 1}, {"a", {{"selected", {"x", "y"}}, {"other", text}}}, {"t", text}}}};
    if (i == 3) r["session"] = nullptr;
    protocol::seal(r);
    return r;
}

std::string dump_tables(const std::string& db) {
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
    std::string out;
    const auto row = [](void* to, int n, char** v, char**) {
        auto& s = *static_cast<std::string*>(to);
        for (int i = 0; i < n; ++i) s += std::string(v[i] ? v[i] : "NULL") + "|";
        s += "\n";
        return 0;
    };
    for (const char* sql : {"SELECT * FROM dash_groups ORDER BY 1, 2, 3, 4, 5",
                            "SELECT * FROM dash_sessions ORDER BY 1",
                            "SELECT * FROM dash_answers ORDER BY 1, 2, 3, 4, 5, 6, 7, 8",
                            "SELECT * FROM dash_texts ORDER BY 1, 2, 10, 11, 12"}) {
        char* err = nullptr;
        CHECK(sqlite3_exec(h, sql, row, &out, &err) == SQLITE_OK);
        sqlite3_free(err);
        out += "--\n";
    }
    sqlite3_close(h);
    return out;
}

}  // namespace

TEST_CASE("the dashboard's summaries of a batch from its parsed answers equal those from the stored text") {
    // Keys out of order, non-ASCII and control characters, ids, texts, "other", repeats, numbers of every kind.
    const char* answers[] = {
        R"({"z":{"selected":["b","a","b"],"other":"Tea \u00e9\t"},"today":3,"\u00e9t\u00e9":"x y","A":"id_1"})",
        R"({"today":-4,"big":18446744073709551615,"f":1.5,"n":null,"t":true,"list":[1,2],"s":"Call 07700 900123"})",
        R"({"m":{"selected":[]},"q":"","\u0001":"ctl","b":{"other":""},"c":{"selected":[1,"x",null]}})",
        R"({})"};
    json records = json::array();
    for (int i = 0; i < 8; ++i) {
        json r = record(i, i % 2 ? "Leith" : "Hall \u00e9");
        r["answers"] = json::parse(answers[i % 4]);
        r.erase("content_hash");
        protocol::seal(r);
        records.push_back(r);
    }
    const json body = {{"protocol", 1}, {"kiosk_id", "9a4d0000-0000-4000-8000-0000000000aa"}, {"batch_id", "b1"},
                       {"records", records}};
    // Sent with the answers' keys in another order than sorted: the hub's dump sorts them either way.
    std::string text = body.dump();
    const auto parsed = parse_batch(text);
    REQUIRE(std::holds_alternative<Batch>(parsed));
    const Batch& b = std::get<Batch>(parsed);
    for (const auto& it : b.items) {
        INFO(it.error);
        REQUIRE(it.valid());
    }

    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/engage-hub-batch-XXXXXX";
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    const std::string db = tmpl + "/hub.sqlite";
    {
        auto store = HubStore::open(db);
        const Enrolment e = store->add_kiosk("k");
        REQUIRE(store->store_batch(e.kiosk.id, b).counts.stored == 8);
    }
    const std::string from_batch = dump_tables(db);
    CHECK(from_batch.find("Call 07700") != std::string::npos);
    // The migration's backfill reads the stored text of the same records.
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
    REQUIRE(sqlite3_exec(h, "DROP TABLE dash_groups; DROP TABLE dash_sessions; DROP TABLE dash_answers;"
                            " DROP TABLE dash_texts; DROP TABLE surveys; DROP TABLE kiosk_reports; DROP TABLE publications;"
                            " DROP TABLE dash_queue; DROP TABLE hub_keys; PRAGMA user_version = 5;",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(h);
    HubStore::open(db).reset();
    CHECK(dump_tables(db) == from_batch);
    std::error_code ec;
    std::filesystem::remove_all(tmpl, ec);
}

TEST_CASE("parse_batch: the content hash written from the checked fields is the protocol's, for any text") {
    const std::string texts[] = {"plain", "tab\there \"q\" back\\ \x01\x1f\x7f", "\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80",
                                 ""};
    json records = json::array();
    for (int i = 0; i < 8; ++i) records.push_back(record(i, texts[i % 4]));
    records[5]["content_hash"] = protocol::content_hash(record(6, "other"));  // well-formed but not this record's
    const json body = {{"protocol", 1}, {"kiosk_id", "9a4d0000-0000-4000-8000-0000000000aa"}, {"batch_id", "b1"},
                       {"records", records}};
    const auto parsed = parse_batch(body.dump());
    REQUIRE(std::holds_alternative<Batch>(parsed));
    const Batch& b = std::get<Batch>(parsed);
    REQUIRE(b.items.size() == 8);
    for (std::size_t i = 0; i < 8; ++i) {
        INFO(i << ": " << b.items[i].error);
        CHECK(b.items[i].valid() == (i != 5));
    }
    CHECK(b.items[5].error.find("content_hash: does not match") != std::string::npos);
}

namespace {

// Field for field, the two readers' batches.
void same_batch(const Batch& a, const Batch& b) {
    REQUIRE(a.kiosk_id == b.kiosk_id);
    REQUIRE(a.batch_id == b.batch_id);
    REQUIRE(a.items.size() == b.items.size());
    for (std::size_t i = 0; i < a.items.size(); ++i) {
        INFO("records[" << i << "]");
        const Record& x = a.items[i].record;
        const Record& y = b.items[i].record;
        CHECK(a.items[i].error == b.items[i].error);
        CHECK(a.items[i].uuid == b.items[i].uuid);
        CHECK(x.uuid == y.uuid);
        CHECK(x.seq == y.seq);
        CHECK(x.survey_id == y.survey_id);
        CHECK(x.survey_version == y.survey_version);
        CHECK(x.created_utc == y.created_utc);
        CHECK(x.language == y.language);
        CHECK(x.has_session == y.has_session);
        CHECK(x.session_id == y.session_id);
        CHECK(x.session_event == y.session_event);
        CHECK(x.session_venue == y.session_venue);
        CHECK(x.session_started_utc == y.session_started_utc);
        CHECK(x.session_ended_utc == y.session_ended_utc);
        CHECK(x.answers_json == y.answers_json);
        CHECK(x.content_hash == y.content_hash);
        CHECK(a.record_json(i) == b.record_json(i));
    }
}

}  // namespace

TEST_CASE("parse_batch: the one-pass reader and nlohmann's read the same batch, or the one-pass reader gives up",
          "[batch]") {
    const std::string texts[] = {"plain", "tab\there \"q\" back\\ \x01\x1f\x7f", "\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80",
                                 ""};
    json records = json::array();
    for (int i = 0; i < 8; ++i) records.push_back(record(i, texts[i % 4]));
    json body = {{"protocol", 1}, {"kiosk_id", "9a4d0000-0000-4000-8000-0000000000aa"}, {"batch_id", "b1"},
                 {"records", records}};
    const auto keys = sealed::new_key_pair();
    auto both = [&](const std::string& text) {
        INFO(text.substr(0, 300));
        auto fast = parse_batch_fast(text, Limits{}, &keys);
        const auto dom = parse_batch_dom(text, Limits{}, &keys);
        REQUIRE(fast);
        REQUIRE(std::holds_alternative<Batch>(dom));
        same_batch(*fast, std::get<Batch>(dom));
        for (const Item& it : fast->items) CHECK(it.valid());
    };
    SECTION("as the kiosk sends it, and indented, unsorted, \\u-escaped") {
        both(body.dump());
        both(body.dump(2));
        both(body.dump(-1, ' ', true));
        nlohmann::ordered_json unsorted = {{"records", records}, {"protocol", 1}, {"batch_id", "b1"},
                                           {"kiosk_id", "9a4d0000-0000-4000-8000-0000000000aa"}};
        unsorted["records"][0]["answers"] = nlohmann::ordered_json::parse(R"({"zz":1,"a":{"selected":["x"]},"m":[]})");
        unsorted["records"][0]["content_hash"] = protocol::content_hash(json::parse(unsorted["records"][0].dump()));
        both(unsorted.dump(1));
    }
    SECTION("sealed records, beside plain ones") {
        json mixed = body;
        for (int i : {1, 2, 6}) {
            json& r = mixed["records"][i];
            const std::string sealed = sealed::seal(r["answers"].dump(), r["content_hash"], keys.public_key);
            r.erase("answers");
            r.erase("content_hash");
            r["sealed"] = sealed;
        }
        both(mixed.dump());
        // Without the hub's keys, sealed records are invalid: the one-pass reader leaves saying so to the other.
        CHECK_FALSE(parse_batch_fast(mixed.dump()));
        const auto dom = parse_batch(mixed.dump());
        REQUIRE(std::holds_alternative<Batch>(dom));
        CHECK_FALSE(std::get<Batch>(dom).items[1].valid());
    }
    SECTION("the fuzzer's seed of a valid batch takes the one-pass way (so fuzz_batch compares the two readers)") {
        std::ifstream f(std::string(ENGAGE_ASSETS) + "/../tests/fuzz/corpus/batch/valid-fast.json", std::ios::binary);
        const std::string seed((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        REQUIRE(!seed.empty());
        both(seed);
    }
    SECTION("anything else goes to nlohmann's reader, and parse_batch answers as it does") {
        auto gives_up = [&](const std::string& text) {
            INFO(text.substr(0, 300));
            CHECK_FALSE(parse_batch_fast(text, Limits{}, &keys));
            const auto via = parse_batch(text, Limits{}, &keys);
            const auto dom = parse_batch_dom(text, Limits{}, &keys);
            REQUIRE(via.index() == dom.index());
            if (const auto* e = std::get_if<BatchError>(&dom)) {
                CHECK(std::get<BatchError>(via).message == e->message);
                CHECK(std::get<BatchError>(via).status == e->status);
            } else {
                same_batch(std::get<Batch>(via), std::get<Batch>(dom));
            }
        };
        json j = body;
        j["records"][2]["content_hash"] = std::string(64, 'a');  // a record that does not match its hash
        gives_up(j.dump());
        j = body;
        j["records"][3]["answers"]["score"] = 2.5;  // nlohmann reads a decimal as a double: its dump, not ours
        j["records"][3]["content_hash"] = protocol::content_hash([&] { json r = j["records"][3]; r.erase("content_hash"); return r; }());
        gives_up(j.dump());
        j = body;
        j["records"][4]["uuid"] = j["records"][0]["uuid"];  // the same uuid twice: the whole batch refused
        gives_up(j.dump());
        j = body;
        j["records"][1]["extra"] = 1;  // an unknown field
        gives_up(j.dump());
        j = body;
        j["protocol"] = 2;
        gives_up(j.dump());
        std::string text = body.dump();
        gives_up(text.substr(0, text.size() / 2));  // cut
        gives_up(R"({"protocol":1,"protocol":1,"kiosk_id":"9a4d0000-0000-4000-8000-0000000000aa","batch_id":"b","records":[]})");
        Limits few;
        few.max_records = 3;
        CHECK_FALSE(parse_batch_fast(body.dump(), few));
        CHECK(std::get<BatchError>(parse_batch(body.dump(), few)).status == 413);
    }
}

TEST_CASE("make_reply writes what dump() of the reply object gives") {
    const std::vector<protocol::Result> results = {
        {"9a4d0000-0000-4000-8000-000000000001", protocol::Status::Stored, ""},
        {"u\"2\\\n\xc3", protocol::Status::Invalid, "records[1].seq: must be \"a\" positive integer\x01 \xff"},
        {"", protocol::Status::Duplicate, ""},
        {"u4", protocol::Status::Conflict, ""}};
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{4}}) {
        const std::vector<protocol::Result> some(results.begin(), results.begin() + static_cast<std::ptrdiff_t>(n));
        json reply = {{"protocol", protocol::kVersion}, {"hub", protocol::kHubName}, {"batch_id", "b\"1\xff"}};
        json arr = json::array();
        for (const auto& r : some) {
            json o = {{"uuid", r.uuid}, {"status", protocol::to_string(r.status)}};
            if (!r.error.empty()) o["error"] = r.error;
            arr.push_back(std::move(o));
        }
        reply["results"] = std::move(arr);
        CHECK(make_reply("b\"1\xff", some) == reply.dump(-1, ' ', false, json::error_handler_t::replace));
    }
}

TEST_CASE("batch: sealed answers are opened with the hub's keys; a cut, flipped or foreign box is invalid", "[batch][sealed]") {
    const sealed::KeyPair hub = sealed::new_key_pair(), other = sealed::new_key_pair();
    // As the kiosk makes them: the content hash of the plain record, inside the box with the answers.
    auto sealed_record = [&](int i, const sealed::KeyPair& to) {
        json r = record(i, "SECRET-WORDS");
        json s = r;
        s.erase("answers");
        s.erase("content_hash");
        s["sealed"] = sealed::seal(r["answers"].dump(), r["content_hash"].get<std::string>(), to.public_key);
        return std::pair{r, s};
    };
    json plain = json::array(), body = {{"protocol", 1}, {"kiosk_id", "6c1f0000-0000-4000-8000-000000000000"},
                                        {"batch_id", "b1"}, {"records", json::array()}};
    for (int i = 0; i < 7; ++i) {
        auto [p, s] = sealed_record(i, i == 4 ? other : hub);
        plain.push_back(p);
        body["records"].push_back(s);
    }
    std::string raw;
    const std::string v2 = sealed::kV2Prefix;
    REQUIRE(body["records"][1]["sealed"].get<std::string>().rfind(v2, 0) == 0);
    REQUIRE(base64_decode(body["records"][1]["sealed"].get<std::string>().substr(v2.size()), raw));
    body["records"][1]["sealed"] = v2 + base64_encode(raw.substr(0, raw.size() - 5));  // cut
    raw[raw.size() / 2] = static_cast<char>(raw[raw.size() / 2] ^ 0x20);
    body["records"][2]["sealed"] = v2 + base64_encode(raw);                             // flipped
    body["records"][5]["answers"] = plain[5]["answers"];                           // answers beside the box
    body["records"][6]["sealed"] = 42;                                             // not a string

    auto parsed = parse_batch(body.dump(), Limits{}, &hub);
    REQUIRE(std::holds_alternative<Batch>(parsed));
    const Batch& b = std::get<Batch>(parsed);
    REQUIRE(b.items.size() == 7);
    for (int i : {0, 3}) {
        INFO(i);
        REQUIRE(b.items[i].valid());
        CHECK(b.items[i].record.content_hash == plain[i]["content_hash"]);  // the hash of the plain record
        CHECK(b.items[i].record.answers_json == plain[i]["answers"].dump());
        CHECK(b.record_json(i).find("SECRET-WORDS") != std::string::npos);  // a conflict keeps the opened record
    }
    for (int i : {1, 2, 4}) {
        INFO(i);
        CHECK(b.items[i].error == "records[" + std::to_string(i) +
                                      "].sealed: does not open with this hub's key (cut, altered, or sealed to another "
                                      "hub's key)");
        CHECK(b.items[i].uuid == plain[i]["uuid"]);
    }
    CHECK(b.items[5].error.find("records[5].sealed: a sealed record carries no answers") == 0);
    CHECK(b.items[6].error.find("records[6].sealed: must be a string") == 0);
    // A hub without keys opens nothing.
    auto none = parse_batch(body.dump());
    CHECK(std::get<Batch>(none).items[0].error == "records[0].sealed: this hub cannot open sealed answers");
}

namespace {
std::string gzipped(const std::string& text) {
    z_stream z{};
    REQUIRE(deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    std::string out(deflateBound(&z, static_cast<uLong>(text.size())) + 32, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    z.avail_in = static_cast<uInt>(text.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}
}  // namespace

TEST_CASE("a body's size hint: the gzip trailer's size, never more than 32 times what came plus 64 KiB") {
    http::Request req;
    const std::string text(200000, 'a');
    req.headers = {{"Content-Encoding", "gzip"}};
    req.body = gzipped(text);
    CHECK(http::ContentReader(req).size_hint() == std::min(text.size(), req.body.size() * 32 + 65536));
    const std::string json = R"({"records":[)" + std::string(5000, ' ') + "]}";
    req.body = gzipped(json);
    CHECK(http::ContentReader(req).size_hint() == json.size());
    // A forged trailer claiming 4 GiB: capped by what came.
    req.body[req.body.size() - 4] = req.body[req.body.size() - 3] = '\xff';
    req.body[req.body.size() - 2] = req.body[req.body.size() - 1] = '\xff';
    CHECK(http::ContentReader(req).size_hint() == req.body.size() * 32 + 65536);
    req.body = "short";  // too short to have a trailer
    CHECK(http::ContentReader(req).size_hint() == 0);
    req.headers = {};
    req.body = "plain";
    CHECK(http::ContentReader(req).size_hint() == 5);
    req.headers = {{"Content-Encoding", "br"}};
    CHECK(http::ContentReader(req).size_hint() == 0);
}
