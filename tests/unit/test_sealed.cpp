// Sealed answers (issue 14 item 4; docs/storage.md "Sealed answers"): the box itself, a kiosk store that seals every
// response at save and those it held when the key came, live counts in place of answers, and migration 2 -> 3.
#include <catch2/catch.hpp>

#include "temp_dir.h"

#include <sqlite3.h>

#include <fstream>
#include <algorithm>
#include <iterator>
#include <set>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engage/bundle.h"
#include "engage/kiosk_pack.h"
#include "engage/protocol.h"
#include "engage/sealed.h"
#include "engage/seed.h"
#include "engage/storage.h"
#include "engage/survey.h"
#include "engage/sync.h"

namespace fs = std::filesystem;
using namespace engage;
using nlohmann::json;

namespace {

constexpr const char* kSecret = "SECRET-WORDS";

std::string file_bytes(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// The database and its write-ahead log, as a thief would read them off the card.
bool on_disk(const test::TempDir& t, const std::string& needle) {
    return file_bytes(t.db()).find(needle) != std::string::npos ||
           file_bytes(t.db() + "-wal").find(needle) != std::string::npos;
}

NewResponse response(int i) {
    return {"park-plan", 2, "en",
            R"({"mood":4,"where":"park","why":")" + std::string(kSecret) + " " + std::to_string(i) + R"("})",
            std::nullopt};
}

void raw_exec(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    INFO(sql << ": " << (err ? err : ""));
    sqlite3_free(err);
    sqlite3_close(db);
    REQUIRE(rc == SQLITE_OK);
}

}  // namespace

TEST_CASE("sealed: a box opens with the hub's keys only; cut, flipped or foreign boxes are refused", "[sealed]") {
    const sealed::KeyPair hub = sealed::new_key_pair(), other = sealed::new_key_pair();
    // What this kiosk writes ("v2:", a key shared per epoch) and what older kiosks sent (crypto_box_seal): both open.
    const std::string v2 = sealed::seal(R"({"b":"x","a":1})", "abc", hub.public_key);
    const std::string v1 = sealed::seal_v1(R"({"answers":{"b":"x","a":1},"content_hash":"abc"})", hub.public_key);
    REQUIRE(v2.rfind(sealed::kV2Prefix, 0) == 0);
    for (int form = 0; form < 2; ++form) {
        const std::string& box = form == 0 ? v2 : v1;
        const std::string prefix = form == 0 ? sealed::kV2Prefix : "";
        INFO(box);
        std::string answers, hash, why;
        REQUIRE(sealed::open(box, hub, answers, hash, why));
        CHECK(answers == R"({"a":1,"b":"x"})");
        CHECK(hash == "abc");
        CHECK(box.find("abc") == std::string::npos);

        CHECK_FALSE(sealed::open(box, other, answers, hash, why));
        CHECK(why.find("another hub's key") != std::string::npos);
        std::string raw;
        REQUIRE(base64_decode(box.substr(prefix.size()), raw));
        for (std::size_t at : {std::size_t{0}, std::size_t{31}, std::size_t{40}, std::size_t{60}, raw.size() - 1}) {
            std::string flipped = raw;
            flipped[at] = static_cast<char>(flipped[at] ^ 0x01);
            CHECK_FALSE(sealed::open(prefix + base64_encode(flipped), hub, answers, hash, why));
        }
        CHECK_FALSE(sealed::open(prefix + base64_encode(raw.substr(0, raw.size() - 1)), hub, answers, hash, why));
        CHECK_FALSE(sealed::open(prefix + base64_encode(raw.substr(0, 20)), hub, answers, hash, why));
        CHECK(why.find("cut") != std::string::npos);
        CHECK_FALSE(sealed::open(prefix + "not base64!", hub, answers, hash, why));
        CHECK_FALSE(sealed::open(prefix, hub, answers, hash, why));
    }
    std::string answers, hash, why;
    CHECK_FALSE(sealed::open("", hub, answers, hash, why));
    // The v2 form with a v1 box behind the prefix (and the reverse) does not open.
    CHECK_FALSE(sealed::open(sealed::kV2Prefix + v1, hub, answers, hash, why));
    CHECK_FALSE(sealed::open(v2.substr(std::string(sealed::kV2Prefix).size()), hub, answers, hash, why));
    std::string raw;

    // Keys: 32 usable bytes only.
    CHECK(sealed::valid_public_key(hub.public_key));
    CHECK_FALSE(sealed::valid_public_key(std::string(32, '\0')));
    CHECK_FALSE(sealed::valid_public_key(hub.public_key.substr(1)));
    CHECK_FALSE(sealed::public_key_from_base64("AAAA", raw, why));
    CHECK_FALSE(sealed::public_key_from_base64(base64_encode(std::string(32, '\0')), raw, why));
    CHECK_FALSE(sealed::public_key_from_base64("%%%", raw, why));
    CHECK(sealed::public_key_from_base64(base64_encode(hub.public_key), raw, why));
    CHECK_THROWS(sealed::seal("{}", "h", std::string(32, '\0')));
}

TEST_CASE("sealed: one ephemeral key seals at most kEpochRecords responses, then a new one", "[sealed]") {
    const sealed::KeyPair hub = sealed::new_key_pair(), hub2 = sealed::new_key_pair();
    auto ephemeral = [](const std::string& box) {
        std::string raw;
        REQUIRE(base64_decode(box.substr(std::string(sealed::kV2Prefix).size()), raw));
        return raw.substr(0, sealed::kPublicKeyBytes);
    };
    std::vector<std::string> keys;
    std::string answers, hash, why;
    for (int i = 0; i < 3 * sealed::kEpochRecords; ++i) {
        const std::string box = sealed::seal(R"({"n":)" + std::to_string(i) + "}", "h" + std::to_string(i), hub.public_key);
        REQUIRE(sealed::open(box, hub, answers, hash, why));
        CHECK(answers == R"({"n":)" + std::to_string(i) + "}");
        keys.push_back(ephemeral(box));
    }
    std::set<std::string> distinct(keys.begin(), keys.end());
    CHECK(distinct.size() == 3);  // a key no epoch has sealed to yet: a new one at the first seal
    for (const auto& k : distinct) CHECK(std::count(keys.begin(), keys.end(), k) <= sealed::kEpochRecords);
    // Another hub's key: a new epoch at once, and the first hub cannot open it.
    const std::string box = sealed::seal("{}", "h", hub2.public_key);
    CHECK(distinct.count(ephemeral(box)) == 0);
    CHECK_FALSE(sealed::open(box, hub, answers, hash, why));
    CHECK(sealed::open(box, hub2, answers, hash, why));
}

TEST_CASE("sealed: a kiosk store seals what it held when the key came and every save after; the text is not on disk",
          "[sealed][storage]") {
    test::TempDir tmp("sealed");
    const sealed::KeyPair hub = sealed::new_key_pair();
    auto s = Store::open(tmp.path.string());
    s->start_session("Park plan", "Leith Library");
    for (int i = 0; i < 3; ++i) s->save_response(response(i));
    CHECK_FALSE(s->answers_protected());
    // Before the key: what the sync client would send in the clear (its content hash).
    std::vector<json> plain;
    for (const auto& r : s->pending_batch(10, 1 << 20)) plain.push_back(make_record(r));
    s->quarantine(plain[2]["uuid"].get<std::string>(), "test");  // set aside ones are sealed too
    CHECK(on_disk(tmp, kSecret));

    CHECK(s->set_hub_public_key(hub.public_key) == 3);
    CHECK(s->answers_protected());
    CHECK_FALSE(on_disk(tmp, kSecret));
    s->save_response(response(3));
    CHECK_FALSE(on_disk(tmp, kSecret));
    for (const auto& r : s->responses()) {
        CHECK(r.answers_json.empty());
        CHECK_FALSE(r.sealed.empty());
    }
    CHECK(s->set_hub_public_key(hub.public_key) == 0);  // again: nothing left to seal

    // What is sent: the fields, "sealed", no answers, no hash; inside, the same hash as the plain record had.
    s->release_quarantined();
    const auto pending = s->pending_batch(10, 1 << 20);
    REQUIRE(pending.size() == 4);
    for (std::size_t i = 0; i < pending.size(); ++i) {
        const PendingRecord& p = pending[i];
        const json rec = make_record(p);
        REQUIRE(p.session);
        const json want = {{"uuid", p.uuid},           {"seq", p.seq},
                           {"survey_id", p.survey_id}, {"survey_version", p.survey_version},
                           {"created_utc", p.created_utc}, {"language", p.language},
                           {"session", {{"id", p.session->id}, {"event", "Park plan"}, {"venue", "Leith Library"},
                                        {"started_utc", p.session->started_utc}, {"ended_utc", nullptr}}},
                           {"sealed", p.sealed}};
        CHECK(record_text(p) == want.dump());
        CHECK(rec == want);
        CHECK_FALSE(rec.contains("answers"));
        CHECK_FALSE(rec.contains("content_hash"));
        std::string answers, hash, why;
        REQUIRE(sealed::open(rec["sealed"].get<std::string>(), hub, answers, hash, why));
        CHECK(answers.find(kSecret) != std::string::npos);
        json opened = rec;
        opened.erase("sealed");
        opened["answers"] = json::parse(answers);
        CHECK(protocol::content_hash(opened) == hash);
        if (i < plain.size()) CHECK(hash == plain[i]["content_hash"]);
    }
    // Live counts: numbers and survey-less strings left out, never the text.
    const auto c = s->session_counts(s->current_session()->id, "park-plan");
    CHECK(c.responses == 4);
    for (const auto& r : c.rows) CHECK(r.key.value.find(kSecret) == std::string::npos);
    // Reopened (the sync thread's connection too): still sealed, still no text.
    s.reset();
    auto again = Store::open_existing(tmp.path.string());
    CHECK(again->answers_protected());
    CHECK_FALSE(on_disk(tmp, kSecret));
}

TEST_CASE("sealed: the key arrives with the bundle key (pairing reply, key file) and a bad one is refused",
          "[sealed][storage]") {
    test::TempDir tmp("sealed-key");
    const sealed::KeyPair hub = sealed::new_key_pair();
    BundleKey key{"e933be56-1111-4222-8333-444455556666", std::string(32, 'k'), "Hall", hub.public_key};
    BundleKey back;
    std::string why;
    REQUIRE(parse_bundle_key_file(bundle_key_file_text(key), back, why));
    CHECK(back.hub_public_key == hub.public_key);
    json file = json::parse(bundle_key_file_text(key));
    for (const json& bad : {json("AAAA"), json(base64_encode(std::string(32, '\0'))), json(7), json("!!")}) {
        file["hub_public_key"] = bad;
        CHECK_FALSE(parse_bundle_key_file(file.dump(), back, why));
        CHECK(why.find("hub_public_key") != std::string::npos);
    }
    json reply = {{"hub_kiosk_id", key.hub_kiosk_id}, {"bundle_key", base64_encode(key.bytes)}, {"name", "Hall"},
                  {"hub_public_key", base64_encode(hub.public_key)}};
    REQUIRE(bundle_key_from_pair_reply(reply.dump()));
    CHECK(bundle_key_from_pair_reply(reply.dump())->hub_public_key == hub.public_key);
    reply["hub_public_key"] = base64_encode(std::string(31, 'x'));
    CHECK_FALSE(bundle_key_from_pair_reply(reply.dump()));

    auto s = Store::open(tmp.path.string());
    s->save_response(response(1));
    save_bundle_key(*s, key);  // pairing: the key and the sealing of what is held
    CHECK(s->answers_protected());
    CHECK_FALSE(on_disk(tmp, kSecret));

    // A pack with a bad hub key is refused, and changes nothing.
    const std::string list = R"({"protocol":1,"hub":"engage-hub","surveys":[]})";
    BundleKey bad = key;
    bad.hub_public_key.clear();
    json inner = {{"engage_kiosk_pack", 1}, {"hub_kiosk_id", key.hub_kiosk_id}, {"name", "Hall"}, {"hub_url", ""},
                  {"created_utc", "2026-12-06T00:00:00Z"}, {"list", json::parse(list)},
                  {"hub_public_key", base64_encode(std::string(32, '\0'))}};
    PackContents pc;
    CHECK_FALSE(open_pack(seal_bundle(key, inner.dump()), key, pc, why));
    CHECK(why.find("key") != std::string::npos);
    inner["hub_public_key"] = base64_encode(hub.public_key);
    REQUIRE(open_pack(seal_bundle(key, inner.dump()), key, pc, why));
    CHECK(pc.hub_public_key == hub.public_key);
    CHECK(open_pack(seal_pack(key, "", list), key, pc, why));
    CHECK(pc.hub_public_key == hub.public_key);
}

TEST_CASE("sealed: live counts give the results add() gives, without the text", "[sealed][results]") {
    test::TempDir tmp("sealed-live");
    const SurveyLoad demo = load_survey_file(std::string(ENGAGE_SOURCE_ASSETS) + "/surveys/demo.json");
    REQUIRE(demo.ok());
    const Survey& survey = *demo.survey;
    auto rs = synthetic_responses(survey, 60, 7, kSecret);
    auto s = Store::open(tmp.path.string());
    s->set_hub_public_key(sealed::new_key_pair().public_key);
    s->save_batch(rs);
    results::Tally direct;
    for (const auto& r : rs) results::add(direct, r.answers_json, &survey);
    const auto c = s->session_counts(s->current_session()->id, survey.id);
    const results::Tally live = results::tally_from_counts(c.responses, c.rows, &survey);
    CHECK(live.responses == 60);
    REQUIRE(live.questions.size() == direct.questions.size());
    bool texts = false;
    for (std::size_t i = 0; i < live.questions.size(); ++i) {
        const auto &a = live.questions[i], &b = direct.questions[i];
        CHECK(a.id == b.id);
        CHECK(a.type == b.type);
        CHECK(a.answered == b.answered);
        REQUIRE(a.counts.size() == b.counts.size());
        for (std::size_t k = 0; k < a.counts.size(); ++k) {
            CHECK(a.counts[k].id == b.counts[k].id);
            CHECK(a.counts[k].n == b.counts[k].n);
        }
        CHECK(a.texts.empty());
        for (const auto& t : b.texts) texts = texts || t == kSecret;
    }
    CHECK(texts);  // --text reached the free-text answers
    CHECK_FALSE(on_disk(tmp, kSecret));
}

TEST_CASE("sealed: migration 3 keeps every response and counts those held for live results", "[sealed][storage]") {
    test::TempDir tmp("sealed-mig");
    {
        auto s = Store::open(tmp.path.string());
        for (int i = 0; i < 3; ++i) s->save_response(response(i));
    }
    raw_exec(tmp.db(), test::kBackToSchema3 +
                           " DROP TABLE live_counts; ALTER TABLE responses DROP COLUMN sealed; PRAGMA user_version = 2;");
    auto s = Store::open(tmp.path.string());
    CHECK(s->schema_version() == kSchemaVersion);
    CHECK(s->counts().total == 3);
    CHECK_FALSE(s->answers_protected());
    const auto c = s->session_counts(s->current_session()->id, "park-plan");
    CHECK(c.responses == 3);
    std::int64_t mood = 0;
    for (const auto& r : c.rows) {
        CHECK(r.key.value.find(kSecret) == std::string::npos);
        CHECK(r.key.value != "park");  // a string answer without its survey: option id or words, never counted
        if (r.key.question == "mood" && r.key.value == "4") mood = r.n;
    }
    CHECK(mood == 3);
    CHECK(s->set_hub_public_key(sealed::new_key_pair().public_key) == 3);
    CHECK_FALSE(on_disk(tmp, kSecret));
}
