// Backoff maths with a fixed clock and fixed random numbers; sync settings from the config file.
#include <algorithm>
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "engage/backoff.h"
#include "engage/config.h"
#include "engage/storage.h"
#include "engage/sync.h"

using namespace engage;
using std::chrono::milliseconds;

TEST_CASE("backoff: the ceiling doubles from 10 s up to 15 min and stays there", "[sync][backoff]") {
    const Backoff b;
    CHECK(b.ceiling(1) == milliseconds(10'000));
    CHECK(b.ceiling(2) == milliseconds(20'000));
    CHECK(b.ceiling(3) == milliseconds(40'000));
    CHECK(b.ceiling(7) == milliseconds(640'000));
    CHECK(b.ceiling(8) == milliseconds(900'000));  // 1280 s capped at 15 min
    CHECK(b.ceiling(1'000'000) == milliseconds(900'000));  // no attempt limit, no overflow
}

TEST_CASE("backoff: full jitter between the floor and the ceiling", "[sync][backoff]") {
    std::uint64_t next = 0;
    const Backoff b({}, [&] { return next; }, [] { return std::int64_t{1'000'000}; });
    next = 0;
    CHECK(b.delay(1) == milliseconds(1'000));  // floor: base / 10, so a retry never spins
    CHECK(b.delay(5) == milliseconds(1'000));
    next = 9'000;  // span 1000..10000 has 9001 values: 9000 is the top
    CHECK(b.delay(1) == milliseconds(10'000));
    next = 9'001;
    CHECK(b.delay(1) == milliseconds(1'000));  // wraps
    next = 4'000;
    CHECK(b.delay(1) == milliseconds(5'000));
    next = 899'000;
    CHECK(b.delay(50) == milliseconds(900'000));
    next = ~std::uint64_t{0};
    for (int a = 1; a < 40; ++a) {
        CHECK(b.delay(a) >= milliseconds(1'000));
        CHECK(b.delay(a) <= b.ceiling(a));
    }
    CHECK(b.delay(0) <= milliseconds(10'000));  // 0 attempts is treated as 1
}

TEST_CASE("backoff: the real random source spreads retries out", "[sync][backoff]") {
    const Backoff b;
    std::set<long long> seen;
    for (int i = 0; i < 50; ++i) {
        const auto d = b.delay(3);
        CHECK(d >= milliseconds(1'000));
        CHECK(d <= milliseconds(40'000));
        seen.insert(d.count());
    }
    CHECK(seen.size() > 40);
}

TEST_CASE("backoff: Retry-After wins on 429/503, up to an hour", "[sync][backoff]") {
    const Backoff b({}, [] { return std::uint64_t{123}; }, [] { return std::int64_t{5'000}; });
    CHECK(b.delay(1, milliseconds(120'000)) == milliseconds(120'000));
    CHECK(b.delay(9, milliseconds(0)) == milliseconds(0));
    CHECK(b.delay(1, milliseconds(2 * 3'600'000)) == milliseconds(3'600'000));
    CHECK(b.next_attempt_ms(1, milliseconds(30'000)) == 35'000);
    CHECK(b.next_attempt_ms(1) == 5'000 + 1'000 + 123);
}

TEST_CASE("backoff: the wait left is clamped against clock jumps", "[sync][backoff]") {
    std::int64_t now = 1'000'000;
    const Backoff b({}, [] { return std::uint64_t{0}; }, [&] { return now; });
    CHECK(b.wait_left(now + 30'000) == milliseconds(30'000));
    CHECK(b.wait_left(now - 5) == milliseconds(0));  // already due
    CHECK(b.wait_left(0) == milliseconds(0));
    CHECK(b.wait_left(now + 100LL * 24 * 3'600'000) == milliseconds(3'600'000));  // clock set back: at most an hour
    now += 10'000;
    CHECK(b.wait_left(1'030'000) == milliseconds(20'000));
}

TEST_CASE("backoff: a smaller base for tests scales the ceiling and cap", "[sync][backoff]") {
    const auto p = BackoffPolicy::with_base(milliseconds(50));
    CHECK(p.base == milliseconds(50));
    CHECK(p.cap == milliseconds(4'500));
    CHECK(p.retry_after_cap == milliseconds(3'600'000));  // the hub's Retry-After is not scaled
    const Backoff b(p, [] { return ~std::uint64_t{0}; });
    CHECK(b.ceiling(2) == milliseconds(100));
    CHECK(b.delay(1) >= milliseconds(5));
    CHECK(b.delay(1) <= milliseconds(50));
}

TEST_CASE("config: hub settings and batch sizes", "[sync][config]") {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/engage-sync-config-XXXXXX";
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    const std::string file = tmpl + "/kiosk.json";
    std::ofstream(file) << R"({"hub_url": "https://hub.example.org", "hub_token": "t0k", "ca_file": "/etc/engage/ca.pem",
                               "batch_records": 200, "batch_kib": 64, "in_flight": 5, "batch_grow": 2})";
    KioskConfig cfg;
    std::vector<std::string> problems;
    CHECK(load_config_file(file, cfg, problems));
    CHECK(problems.empty());
    CHECK(cfg.hub_url == "https://hub.example.org");
    CHECK(cfg.hub_token == "t0k");
    CHECK(cfg.ca_file == "/etc/engage/ca.pem");
    CHECK(cfg.batch_records == 200);
    CHECK(cfg.batch_kib == 64);
    CHECK(cfg.in_flight == 5);
    CHECK(cfg.batch_grow == 2);
    CHECK(sync_settings_from(cfg, *Store::open(tmpl)).batch_grow == 2);

    // Found by fuzz_config: a number too large for a double threw out of the loader (out_of_range).
    for (const char* hostile : {"7e7777", R"({"idle_seconds": 1e999})"}) {
        std::ofstream(file, std::ios::trunc) << hostile;
        KioskConfig huge;
        problems.clear();
        CHECK_FALSE(load_config_file(file, huge, problems));
        CHECK(problems.size() == 1);
    }

    std::ofstream(file) << R"({"batch_records": 0, "batch_kib": 9000, "hub_url": 5, "in_flight": 0})";
    KioskConfig bad;
    problems.clear();
    CHECK_FALSE(load_config_file(file, bad, problems));
    CHECK(problems.size() == 4);
    CHECK(bad.batch_records == 1000);
    CHECK(bad.batch_kib == 256);
    CHECK(bad.in_flight == 3);
    CHECK(std::find(problems.begin(), problems.end(), file + ": in_flight: must be a whole number from 1 to 8") !=
          problems.end());
    for (const char* hostile : {R"({"in_flight": 9})", R"({"in_flight": "3"})", R"({"in_flight": 2.5})",
                                R"({"in_flight": -1})", R"({"in_flight": 99999999999999999999})"}) {
        std::ofstream(file, std::ios::trunc) << hostile;
        KioskConfig c;
        problems.clear();
        CHECK_FALSE(load_config_file(file, c, problems));
        CHECK(problems.size() == 1);
        CHECK(c.in_flight == 3);
    }
    for (const char* hostile : {R"({"batch_grow": 0})", R"({"batch_grow": 9})", R"({"batch_grow": "4"})",
                                R"({"batch_grow": 1.5})", R"({"batch_grow": null})"}) {
        std::ofstream(file, std::ios::trunc) << hostile;
        KioskConfig c;
        problems.clear();
        CHECK_FALSE(load_config_file(file, c, problems));
        CHECK(problems == std::vector<std::string>{file + ": batch_grow: must be a whole number from 1 to 8"});
        CHECK(c.batch_grow == 4);
    }
    std::filesystem::remove_all(tmpl);
}

TEST_CASE("config: switch access and speech settings, and bad values named with their field", "[config]") {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/engage-access-config-XXXXXX";
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    const std::string file = tmpl + "/kiosk.json";
    std::ofstream(file) << R"({"switch_access": "dwell", "dwell_ms": 1200, "speech_program": "/usr/bin/espeak-ng",
                               "speech_wav_dir": "/tmp/speech"})";
    KioskConfig cfg;
    std::vector<std::string> problems;
    CHECK(load_config_file(file, cfg, problems));
    CHECK(problems.empty());
    CHECK(cfg.switch_access == "dwell");
    CHECK(cfg.dwell_ms == 1200);
    CHECK(cfg.speech_program == "/usr/bin/espeak-ng");
    CHECK(cfg.speech_wav_dir == "/tmp/speech");

    std::ofstream(file) << R"({"switch_access": "joystick", "dwell_ms": 100, "speech_program": 7})";
    KioskConfig bad;
    problems.clear();
    CHECK_FALSE(load_config_file(file, bad, problems));
    REQUIRE(problems.size() == 3);
    for (const char* field : {"switch_access", "dwell_ms", "speech_program"}) {
        INFO(field);
        CHECK(std::any_of(problems.begin(), problems.end(), [&](const std::string& p) {
            return p.find(field) != std::string::npos && p.find(file) != std::string::npos;
        }));
    }
    CHECK(bad.switch_access == "off");   // nothing taken from a bad value
    CHECK(bad.dwell_ms == 2500);
    CHECK(bad.speech_program == "espeak-ng");
    std::filesystem::remove_all(tmpl);
}
