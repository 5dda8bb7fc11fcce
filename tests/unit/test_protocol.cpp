#include <catch2/catch.hpp>

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
