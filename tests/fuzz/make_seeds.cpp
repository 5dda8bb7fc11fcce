// Writes the generated part of the seed corpora: make_seeds DIR (tests/fuzz/corpus). Run by hand when a
// format changes; the files it wrote are committed. Bundles are sealed with fuzz_key.h's fixed key.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "engage/bundle.h"
#include "engage/kiosk_pack.h"
#include "engage/protocol.h"
#include "fuzz_key.h"

namespace fs = std::filesystem;
using nlohmann::json;

static void put(const fs::path& dir, const std::string& name, const std::string& bytes) {
    fs::create_directories(dir);
    std::ofstream(dir / name, std::ios::binary) << bytes;
}

static json record(int seq, const char* uuid) {
    json r = {{"uuid", uuid}, {"seq", seq}, {"survey_id", "demo-community-voice"}, {"survey_version", 1},
              {"created_utc", "2026-11-22T10:04Z"}, {"language", "en"},
              {"session", {{"id", "6c1f0000-0000-4000-8000-000000000001"}, {"event", "Park plan"},
                           {"venue", "Leith Library"}, {"started_utc", "2026-11-22T09:30:00Z"}, {"ended_utc", nullptr}}},
              {"answers", {{"today", 4}, {"listened", "yes"}, {"comment", "more benches, \u00e9t\u00e9"}}}};
    engage::protocol::seal(r);
    return r;
}

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: make_seeds CORPUS_DIR\n");
        return 2;
    }
    const fs::path root = argv[1];
    const char* u1 = "11111111-1111-4111-8111-111111111111";
    const char* u2 = "22222222-2222-4222-8222-222222222222";

    // batch: a valid batch, one with a null session, one with a bad hash.
    json b = {{"protocol", 1}, {"kiosk_id", "6c1f0000-0000-4000-8000-0000000000aa"}, {"batch_id", "batch-1"},
              {"records", {record(1, u1), record(2, u2)}}};
    put(root / "batch", "valid.json", b.dump());
    json nulls = b;
    nulls["records"][0]["session"] = nullptr;
    engage::protocol::seal(nulls["records"][0]);
    put(root / "batch", "null-session.json", nulls.dump());
    json bad = b;
    bad["records"][1]["content_hash"] = std::string(64, '0');
    bad["records"][0]["seq"] = -3;
    put(root / "batch", "bad-records.json", bad.dump());

    // reply: accepted, one invalid result, a wrong batch id.
    json rep = {{"protocol", 1}, {"hub", "engage-hub"}, {"batch_id", "batch-1"},
                {"results", {{{"uuid", u1}, {"status", "stored"}}, {{"uuid", u2}, {"status", "duplicate"}}}}};
    put(root / "reply", "ok.json", rep.dump());
    json inv = rep;
    inv["results"][1] = {{"uuid", u2}, {"status", "invalid"}, {"error", "records[1].seq: must be positive"}};
    put(root / "reply", "invalid.json", inv.dump());
    json other = rep;
    other["batch_id"] = "batch-2";
    other["results"][0]["status"] = "conflict";
    put(root / "reply", "other-batch.json", other.dump());

    // bundle: two real bundles, a key file and a pair reply.
    const auto key = engage_fuzz::key();
    const std::string sealed = engage::seal_bundle(key, b.dump());  // a bundle holds a batch
    std::string plain, why;
    if (!engage::open_bundle(sealed, key.bytes, plain, why) || plain != b.dump()) {
        std::fprintf(stderr, "make_seeds: the sealed seed does not open: %s\n", why.c_str());
        return 1;
    }
    put(root / "bundle", "two-records.bundle", sealed);
    put(root / "bundle", "empty.bundle", engage::seal_bundle(key, ""));
    put(root / "bundle", "key-file.json", engage::bundle_key_file_text(key));
    put(root / "bundle", "pair-reply.json",
        json{{"hub_kiosk_id", key.hub_kiosk_id}, {"bundle_key", engage::base64_encode(key.bytes)}, {"name", "Hall"}}.dump());

    // pack: a kiosk pack with one survey, one with none, and a bundle (refused as a pack).
    const json survey = {{"format", 1}, {"id", "drop-in"}, {"version", 2}, {"title", "Drop-in"}, {"languages", {"en"}},
                         {"questions", {{{"id", "today"}, {"type", "smiley"}, {"prompt", "How was today?"}}}}};
    const json list = {{"protocol", 1}, {"hub", "engage-hub"},
                       {"surveys", {{{"id", "drop-in"}, {"version", 2}, {"content_hash", "x"}, {"survey", survey}}}}};
    put(root / "pack", "one-survey.pack", engage::seal_pack(key, "https://hub.example.org", list.dump()));
    put(root / "pack", "no-surveys.pack",
        engage::seal_pack(key, "", json{{"protocol", 1}, {"hub", "engage-hub"}, {"surveys", json::array()}}.dump()));
    put(root / "pack", "a-bundle.pack", sealed);
    return 0;
}
