// engage_bench_batch [--records N] [--rounds R] [--sealed]
// CPU time of the hub's batch parse (hub/batch.cpp) on a batch of N records as the kiosk writes them, per record:
// parse_batch_fast (one pass, no JSON tree) beside parse_batch_dom (nlohmann::json), both checking every field and
// the content hash, in the same run, and the ratio. --sealed: the answers sealed to a hub key as a paired kiosk
// sends them (each record opened with crypto_box_seal_open), the same two ways.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "batch.h"
#include "engage/protocol.h"
#include "engage/sealed.h"

namespace {

std::string make_body(int records, const engage::sealed::KeyPair* keys) {
    const std::string kiosk = "0b7e6a7c-2d59-4c43-9a4e-6f3f0f1d2a10";
    std::string body = "{\"batch_id\":\"5a0f3c2e-8d1b-4e6f-9a7c-1b2c3d4e5f60\",\"kiosk_id\":\"" + kiosk +
                       "\",\"protocol\":1,\"records\":[";
    const std::string survey = "community-hall", created = "2026-11-22T10:04Z", lang = "en",
                      sid = "7d2c9f4e-1a3b-4c5d-8e6f-0a1b2c3d4e5f", event = "Drop-in evening",
                      venue = "Leith Community Centre", started = "2026-11-22T09:30:00Z";
    for (int i = 0; i < records; ++i) {
        char uuid[40];
        std::snprintf(uuid, sizeof uuid, "%08x-%04x-4%03x-8%03x-%012x", 0x1000u + static_cast<unsigned>(i), i & 0xffff,
                      i & 0xfff, (i * 7) & 0xfff, i * 13);
        const std::string u = uuid;
        // ~300 bytes, shaped like answers_to_json() output (keys sorted, compact).
        const std::string answers = R"({"heard":{"selected":["poster"]},"ideas":{"text":"More benches along the river )"
                                    R"(path and a covered area by the playground, plus longer library opening hours )"
                                    R"(on Saturdays, when most families can come in. )" + std::to_string(i) +
                                    R"("},"mood":{"number":)" + std::to_string(i % 5 + 1) +
                                    R"(},"needs":{"selected":["childcare","food","transport"]}})";
        engage::protocol::RecordFields f;
        f.uuid = &u;
        f.seq = i + 1;
        f.survey_id = &survey;
        f.survey_version = 2;
        f.created_utc = &created;
        f.language = &lang;
        f.has_session = true;
        f.session_id = &sid;
        f.session_event = &event;
        f.session_venue = &venue;
        f.session_started_utc = &started;
        f.answers = &answers;
        const std::string hash = engage::protocol::sha256_hex(engage::protocol::canonical_text(f));
        if (i) body += ',';
        if (keys) body += engage::protocol::sealed_record_text(f, engage::sealed::seal(answers, hash, keys->public_key));
        else body += engage::protocol::record_text(f, hash);
    }
    return body + "]}";
}

double per_record_us(int records, int rounds, const std::function<void()>& parse) {
    std::vector<double> us;
    for (int r = 0; r < rounds; ++r) {
        const auto a = std::chrono::steady_clock::now();
        parse();
        us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - a).count() / records);
    }
    std::sort(us.begin(), us.end());
    return us[us.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    int records = 500, rounds = 21;
    bool sealed = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if ((a == "--records" || a == "--rounds") && i + 1 < argc) (a == "--records" ? records : rounds) = std::atoi(argv[++i]);
        else if (a == "--sealed") sealed = true;
        else if (a == "--help" || a == "-h") {
            std::printf("engage_bench_batch [--records N] [--rounds R] [--sealed]\n"
                        "  CPU time per record of the hub's batch parse: the one-pass reader beside nlohmann::json.\n");
            return 0;
        } else {
            std::fprintf(stderr, "engage_bench_batch: unknown option %s (try --help)\n", a.c_str());
            return 2;
        }
    }
    records = std::clamp(records, 1, 5000);
    rounds = std::max(rounds, 1);
    const auto keys = engage::sealed::new_key_pair();
    const std::string body = make_body(records, sealed ? &keys : nullptr);
    engage::hub::Limits lim;
    if (!engage::hub::parse_batch_fast(body, lim, &keys)) {
        std::fprintf(stderr, "engage_bench_batch: the one-pass reader gave up on the batch\n");
        return 1;
    }
    const double fast = per_record_us(records, rounds, [&] { (void)engage::hub::parse_batch_fast(body, lim, &keys); });
    const double dom = per_record_us(records, rounds, [&] { (void)engage::hub::parse_batch_dom(body, lim, &keys); });
    std::printf("batch of %d records%s, %zu bytes: one pass %.2f us/record, nlohmann::json %.2f us/record (%.1fx)\n",
                records, sealed ? " (sealed)" : "", body.size(), fast, dom, dom / fast);
    std::printf("summary: hub batch parse, one pass%s\t%.2f us/record\n", sealed ? " (sealed)" : "", fast);
    std::printf("summary: hub batch parse, nlohmann::json%s\t%.2f us/record\n", sealed ? " (sealed)" : "", dom);
    return 0;
}
