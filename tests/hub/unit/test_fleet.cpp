// The fleet's pure parts (hub/fleet.h): status report parsing with hostile input, times, and the flags.
#include <catch2/catch.hpp>

#include "fleet.h"

using namespace engage::hub;

namespace {

const char* kGood = R"({"protocol":1,"kiosk_id":"6c1f0a2e-1b2c-4d3e-8f40-123456789abc","app_version":"1.2.3",)"
                    R"("survey_id":"demo","survey_version":2,"waiting":4,"quarantined":1,)"
                    R"("disk_free_bytes":1073741824,"clock_utc":"2026-12-05T20:30:00Z"})";

KioskStatus heard(const std::string& last_seen) {
    KioskStatus s;
    s.kiosk.name = "Hall";
    s.kiosk.created_utc = "2026-01-01T00:00:00Z";
    s.kiosk.last_seen_utc = last_seen;
    return s;
}

}  // namespace

TEST_CASE("a status report is read field by field; hostile ones are refused naming the field") {
    KioskReport r;
    std::string why;
    REQUIRE(parse_kiosk_report(kGood, r, why));
    CHECK(r.app_version == "1.2.3");
    CHECK(r.survey_id == "demo");
    CHECK(r.survey_version == 2);
    CHECK(r.waiting == 4);
    CHECK(r.quarantined == 1);
    CHECK(r.disk_free_bytes == 1073741824);
    const std::pair<std::string, std::string> bad[] = {
        {R"("waiting":4)", R"("waiting":-4)"},
        {R"("waiting":4)", R"("waiting":18446744073709551615)"},
        {R"("waiting":4)", R"("waiting":4e3)"},
        {R"("clock_utc":"2026-12-05T20:30:00Z")", R"("clock_utc":"2026-13-05T20:30:00Z")"},
        {R"("clock_utc":"2026-12-05T20:30:00Z")", R"("clock_utc":"2026-12-05 20:30:00Z")"},
        {R"("clock_utc":"2026-12-05T20:30:00Z")", R"("clock_utc":"2026-02-29T20:30:00Z")"},
        {R"("survey_version":2)", R"("survey_version":null)"},
        {R"("protocol":1)", R"("protocol":true)"},
        {R"("app_version":"1.2.3")", R"("app_version":"1.2\u0000")"},
    };
    for (const auto& [from, to] : bad) {
        std::string body = kGood;
        body.replace(body.find(from), from.size(), to);
        INFO(body);
        CHECK_FALSE(parse_kiosk_report(body, r, why));
        CHECK_FALSE(why.empty());
    }
    CHECK_FALSE(parse_kiosk_report("", r, why));
    CHECK_FALSE(parse_kiosk_report(std::string(100000, '['), r, why));
    CHECK_FALSE(parse_kiosk_report("\xff\xfe", r, why));
    std::string none = kGood;
    none.replace(none.find(R"("demo")"), 6, "null");
    none.replace(none.find(R"("survey_version":2)"), 18, R"("survey_version":null)");
    REQUIRE(parse_kiosk_report(none, r, why));
    CHECK(r.survey_id.empty());
}

TEST_CASE("the fleet's flags: stale after N days, low disk under 500 MiB, clock off over 5 minutes") {
    std::time_t now = 0;
    REQUIRE(parse_utc_seconds("2026-12-10T12:00:00Z", now));
    auto rows = fleet_rows({heard("2026-12-07T11:59:59Z"), heard("2026-12-07T12:00:01Z"), heard("")}, 3, now);
    CHECK(rows[0].stale);
    CHECK_FALSE(rows[1].stale);
    CHECK(rows[2].stale);  // never heard from, enrolled long ago
    KioskStatus s = heard("2026-12-10T11:00:00Z");
    s.report = KioskReport{};
    s.report->disk_free_bytes = kLowDiskBytes - 1;
    s.report->clock_skew_s = -301;
    auto f = fleet_rows({s}, 3, now).at(0);
    CHECK(f.low_disk);
    CHECK(f.clock_off);
    CHECK(f.flags.size() == 2);
    s.report->disk_free_bytes = kLowDiskBytes;
    s.report->clock_skew_s = 300;
    f = fleet_rows({s}, 3, now).at(0);
    CHECK_FALSE(f.low_disk);
    CHECK_FALSE(f.clock_off);
    CHECK(f.flags.empty());
    s.kiosk.revoked_utc = "2026-01-02T00:00:00Z";
    s.kiosk.last_seen_utc = "2026-01-01T00:00:00Z";
    CHECK_FALSE(fleet_rows({s}, 3, now).at(0).stale);  // a revoked kiosk is not missed
    CHECK(skew_text(30) == "on time");
    CHECK(skew_text(-7500) == "2 h 5 min behind");
    CHECK(bytes_text(100 << 20) == "100 MiB");
}
