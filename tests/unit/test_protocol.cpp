#include <catch2/catch.hpp>

#include <sodium.h>

#include "engage/protocol.h"

using namespace engage::protocol;
using nlohmann::json;

TEST_CASE("protocol: the content hash ignores key order and the hash field, and sees every change") {
    json a = {{"uuid", "u1"}, {"seq", 1}, {"answers", {{"q", 4}}}};
    json b = json::parse(R"({"answers": {"q": 4}, "seq": 1, "uuid": "u1"})");
    CHECK(content_hash(a) == content_hash(b));
    CHECK(content_hash(a).size() == 64);
    seal(a);
    CHECK(a["content_hash"] == content_hash(b));
    CHECK(content_hash(a) == content_hash(b));  // the hash field itself is not hashed
    b["answers"]["q"] = 5;
    CHECK(content_hash(b) != a["content_hash"]);
    json c = {{"uuid", "u1"}, {"session", {{"id", "s"}, {"ended_utc", nullptr}}}};
    const std::string open_hash = content_hash(c);
    c["session"]["ended_utc"] = "2026-11-22T18:00:00Z";  // the session ended before a re-send
    CHECK(content_hash(c) == open_hash);
    c["session"]["id"] = "t";
    CHECK(content_hash(c) != open_hash);
}

// The canonical payload as the protocol defines it: a copy without content_hash and session.ended_utc, dumped.
static std::string reference_payload(json payload) {
    if (payload.is_object()) {
        payload.erase("content_hash");
        if (payload.contains("session") && payload["session"].is_object()) payload["session"].erase("ended_utc");
    }
    return payload.dump(-1, ' ', false, json::error_handler_t::replace);
}

TEST_CASE("protocol: the content hash is the SHA-256 of the canonical payload, whatever the record holds") {
    const std::string bad_utf8 = "caf\xc3 \xff\xfe";  // invalid UTF-8: replaced, as dump(replace) does
    const std::vector<json> records = {
        json::object(),
        json::array({1, 2}),
        json("just a string"),
        json::parse(R"({"content_hash": "x"})"),
        json::parse(R"({"session": null, "uuid": "u"})"),
        json::parse(R"({"session": "not an object", "ended_utc": "kept at the top level"})"),
        json::parse(R"({"session": {"ended_utc": "2026-01-01T00:00:00Z"}, "z": [{"ended_utc": 1}]})"),
        json::parse(R"({"session": {"id": "s", "content_hash": "kept in the session"}, "content_hash": "h"})"),
        json::parse(R"({"k\"ey\u0001\n": "\u00e9\u4e2d\ud83d\ude00", "a": {"session": {"ended_utc": 1}}})"),
        json{{bad_utf8, bad_utf8}, {"session", {{bad_utf8, 1.5}, {"ended_utc", bad_utf8}}}, {"n", -0.0}},
    };
    for (const auto& r : records) {
        INFO(r.dump(-1, ' ', false, json::error_handler_t::replace));
        json copy = r;
        const std::string text = reference_payload(copy);
        unsigned char d[32];
        crypto_hash_sha256(d, reinterpret_cast<const unsigned char*>(text.data()), text.size());
        char hex[65];
        sodium_bin2hex(hex, sizeof hex, d, sizeof d);
        CHECK(content_hash(r) == hex);
    }
}

TEST_CASE("protocol: canonical_text and record_text write what content_hash hashes and dump() gives") {
    const std::string odd = "tab\there \"q\" back\\ \x01\x1f\x7f \xc3\xa9\xf0\x9f\x98\x80 bad \xc3 \xff";
    const std::string uuid = "9a4d0000-0000-4000-8000-000000000000", survey = "demo", when = "2026-11-22T10:04Z";
    // The answers as RecordFields takes them: already dumped (the escape comes out as the character).
    const std::string lang = "en", answers = json::parse(R"({"z":1,"a":{"selected":["x"]},"q":"\u00e9\n"})").dump(),
                      ended = odd;
    for (int variant = 0; variant < 4; ++variant) {
        RecordFields f;
        f.uuid = variant == 3 ? &odd : &uuid;
        f.seq = variant == 2 ? 9223372036854775807 : 17;
        f.survey_id = variant == 1 ? &odd : &survey;
        f.survey_version = 3;
        f.created_utc = &when;
        f.language = variant == 2 ? &odd : &lang;
        f.has_session = variant != 0;
        f.session_id = &survey;
        f.session_event = &odd;
        f.session_venue = variant == 3 ? &odd : &lang;
        f.session_started_utc = &when;
        f.session_ended_utc = variant == 2 ? &ended : nullptr;
        f.answers = &answers;
        json rec = {{"uuid", *f.uuid}, {"seq", f.seq}, {"survey_id", *f.survey_id}, {"survey_version", 3},
                    {"created_utc", when}, {"language", *f.language}, {"answers", json::parse(answers)},
                    {"session", nullptr}};
        if (f.has_session)
            rec["session"] = {{"id", survey}, {"event", odd}, {"venue", *f.session_venue}, {"started_utc", when},
                              {"ended_utc", f.session_ended_utc ? json(ended) : json(nullptr)}};
        INFO(variant);
        CHECK(canonical_text(f) == reference_payload(rec));
        CHECK(sha256_hex(canonical_text(f)) == content_hash(rec));
        seal(rec);
        CHECK(record_text(f, rec["content_hash"].get<std::string>()) ==
              rec.dump(-1, ' ', false, json::error_handler_t::replace));
    }
}

TEST_CASE("protocol: only a well-formed hub reply for this batch acknowledges anything") {
    const std::vector<std::string> sent = {"u1", "u2"};
    std::vector<Result> r;
    std::string why;
    const std::string good = R"({"protocol":1,"hub":"engage-hub","batch_id":"b1","results":[
        {"uuid":"u2","status":"duplicate"},{"uuid":"u1","status":"stored"}]})";
    REQUIRE(parse_reply(good, "b1", sent, r, why));
    REQUIRE(r.size() == 2);
    CHECK(r[0].uuid == "u1");
    CHECK(r[0].status == Status::Stored);
    CHECK(r[1].status == Status::Duplicate);

    CHECK_FALSE(parse_reply("<html><body>Welcome to Cafe WiFi, please log in</body></html>", "b1", sent, r, why));
    CHECK(why.find("not JSON") != std::string::npos);
    CHECK(r.empty());
    CHECK_FALSE(parse_reply(R"({"ok":true})", "b1", sent, r, why));
    CHECK_FALSE(parse_reply(good, "b2", sent, r, why));                                   // other batch
    CHECK_FALSE(parse_reply(good.substr(0, good.size() / 2), "b1", sent, r, why));         // cut midway
    CHECK_FALSE(parse_reply(R"({"protocol":1,"hub":"engage-hub","batch_id":"b1","results":[
        {"uuid":"u1","status":"stored"}]})", "b1", sent, r, why));                         // one missing
    CHECK_FALSE(parse_reply(R"({"protocol":1,"hub":"engage-hub","batch_id":"b1","results":[
        {"uuid":"u1","status":"stored"},{"uuid":"u3","status":"stored"}]})", "b1", sent, r, why));
    CHECK_FALSE(parse_reply(R"({"protocol":1,"hub":"engage-hub","batch_id":"b1","results":[
        {"uuid":"u1","status":"kept"},{"uuid":"u2","status":"stored"}]})", "b1", sent, r, why));
    CHECK_FALSE(parse_reply(R"({"protocol":2,"hub":"engage-hub","batch_id":"b1","results":[]})", "b1", sent, r, why));
}

TEST_CASE("protocol: a reply in the order sent reads in one pass, with the same results as any other order") {
    const std::vector<std::string> sent = {"u1", "u2", "u3"};
    std::vector<Result> r, tree;
    std::string why;
    // As engage-hub writes it (in the order sent), with members it may add later: read in one pass.
    const std::string in_order = R"({"batch_id":"b1","hub":"engage-hub","later":{"a":[1,2]},"protocol":1,"results":[
        {"status":"stored","uuid":"u1"},{"error":"answers: too long","status":"invalid","uuid":"u2"},
        {"note":"x","status":"conflict","uuid":"u3"}]})";
    REQUIRE(parse_reply(in_order, "b1", sent, r, why));
    std::vector<Result> one_pass;
    CHECK(parse_reply_in_order(in_order, "b1", sent, one_pass));  // read in one pass, not as a tree
    CHECK(one_pass.size() == 3);
    // The same results in another order, read as a tree: the same answer, in the order sent.
    const std::string shuffled = R"({"protocol":1,"hub":"engage-hub","batch_id":"b1","results":[
        {"uuid":"u3","status":"conflict"},{"uuid":"u1","status":"stored"},
        {"uuid":"u2","status":"invalid","error":"answers: too long"}]})";
    REQUIRE(parse_reply(shuffled, "b1", sent, tree, why));
    one_pass.clear();
    CHECK_FALSE(parse_reply_in_order(shuffled, "b1", sent, one_pass));  // another order: the tree reads it
    REQUIRE(r.size() == 3);
    REQUIRE(tree.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
        CHECK(r[i].uuid == sent[i]);
        CHECK(r[i].uuid == tree[i].uuid);
        CHECK(r[i].status == tree[i].status);
        CHECK(r[i].error == tree[i].error);
    }
    CHECK(r[1].error == "answers: too long");
    // Hostile or odd replies in the order sent: refused (or read as the tree reads them), never half-read.
    const std::string twice = R"({"protocol":1,"hub":"engage-hub","batch_id":"b1","results":[
        {"uuid":"u1","status":"stored"},{"uuid":"u1","status":"stored"},{"uuid":"u2","status":"stored"}]})";
    CHECK_FALSE(parse_reply(twice, "b1", sent, r, why));
    CHECK(r.empty());
    const std::string four = R"({"protocol":1,"hub":"engage-hub","batch_id":"b1","results":[
        {"uuid":"u1","status":"stored"},{"uuid":"u2","status":"stored"},{"uuid":"u3","status":"stored"},
        {"uuid":"u4","status":"stored"}]})";
    CHECK_FALSE(parse_reply(four, "b1", sent, r, why));
    const std::string trailing = R"({"protocol":1,"hub":"engage-hub","batch_id":"b1","results":[
        {"uuid":"u1","status":"stored"},{"uuid":"u2","status":"stored"},{"uuid":"u3","status":"stored"}]} x)";
    CHECK_FALSE(parse_reply(trailing, "b1", sent, r, why));
    const std::string other_hub = R"({"protocol":1,"hub":"engage-hub","hub":"not-a-hub","batch_id":"b1",
        "results":[{"uuid":"u1","status":"stored"},{"uuid":"u2","status":"stored"},{"uuid":"u3","status":"stored"}]})";
    CHECK_FALSE(parse_reply(other_hub, "b1", sent, r, why));  // a repeated key: the tree keeps the last
    const std::string deep = R"({"protocol":1,"hub":"engage-hub","batch_id":"b1","x":[[[[[[[[[[1]]]]]]]]]],
        "results":[{"uuid":"u1","status":"stored"},{"uuid":"u2","status":"stored"},{"uuid":"u3","status":"stored"}]})";
    CHECK(parse_reply(deep, "b1", sent, r, why));  // too deep for one pass: read as a tree
    one_pass.clear();
    CHECK_FALSE(parse_reply_in_order(deep, "b1", sent, one_pass));
    CHECK(r.size() == 3);
}

TEST_CASE("protocol: sha256_hex gives SHA-256's known answers") {
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(sha256_hex(std::string(1000000, 'a')) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
