// The fleet: status reports and the per-kiosk view (fleet.h).
#include "fleet.h"

#include <cstdio>
#include <limits>

#include "batch.h"
#include "engage/protocol.h"

namespace engage::hub {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxVersionBytes = 64;
constexpr std::size_t kMaxSurveyIdBytes = 128;
constexpr std::int64_t kMaxCount = std::int64_t(1) << 53;

bool plain(const std::string& s) {
    for (unsigned char c : s)
        if (c < 0x20 || c == 0x7f) return false;
    return true;
}

// A whole number 0..max in field `name`; false with why.
bool count(const json& j, const char* name, std::int64_t max, std::int64_t& out, std::string& why) {
    auto it = j.find(name);
    if (it == j.end()) return why = std::string(name) + ": missing", false;
    if (!it->is_number_integer()) return why = std::string(name) + ": must be a whole number", false;
    if (it->is_number_unsigned() ? it->get<std::uint64_t>() > std::uint64_t(max) : it->get<std::int64_t>() < 0 ||
                                                                                      it->get<std::int64_t>() > max)
        return why = std::string(name) + ": out of range (0 to " + std::to_string(max) + ")", false;
    out = it->get<std::int64_t>();
    return true;
}

bool text(const json& j, const char* name, std::size_t max, std::string& out, std::string& why) {
    auto it = j.find(name);
    if (it == j.end()) return why = std::string(name) + ": missing", false;
    if (!it->is_string()) return why = std::string(name) + ": must be a string", false;
    out = it->get<std::string>();
    if (out.empty() || out.size() > max)
        return why = std::string(name) + ": must be 1 to " + std::to_string(max) + " bytes", false;
    if (!plain(out)) return why = std::string(name) + ": must not contain control characters", false;
    return true;
}

}  // namespace

bool parse_utc_seconds(const std::string& t, std::time_t& out) {
    // YYYY-MM-DDTHH:MM:SSZ
    if (t.size() != 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':' || t[19] != 'Z')
        return false;
    for (int i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18})
        if (t[i] < '0' || t[i] > '9') return false;
    std::tm tm{};
    tm.tm_year = std::stoi(t.substr(0, 4)) - 1900;
    tm.tm_mon = std::stoi(t.substr(5, 2)) - 1;
    tm.tm_mday = std::stoi(t.substr(8, 2));
    tm.tm_hour = std::stoi(t.substr(11, 2));
    tm.tm_min = std::stoi(t.substr(14, 2));
    tm.tm_sec = std::stoi(t.substr(17, 2));
    if (tm.tm_year < 70 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
        return false;
    const std::tm asked = tm;
    out = timegm(&tm);
    return tm.tm_mday == asked.tm_mday && tm.tm_mon == asked.tm_mon;  // 31 February is not a day
}

bool parse_kiosk_report(const std::string& body, KioskReport& r, std::string& why) {
    if (json_depth(body, 4) > 2) return why = "the body is not a status report (nested too deeply)", false;
    const json j = json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return why = "the body must be a JSON object", false;
    auto p = j.find("protocol");
    if (p == j.end() || !p->is_number_integer()) return why = "protocol: missing or not a whole number", false;
    if (*p != protocol::kVersion) return why = "unsupported protocol " + p->dump(), false;
    if (!text(j, "kiosk_id", 64, r.kiosk_id, why)) return false;
    if (!is_uuid(r.kiosk_id)) return why = "kiosk_id: must be a UUID (8-4-4-4-12 hex digits)", false;
    if (!text(j, "app_version", kMaxVersionBytes, r.app_version, why)) return false;
    auto sid = j.find("survey_id");
    auto sv = j.find("survey_version");
    if (sid == j.end() || sv == j.end()) return why = "survey_id and survey_version: missing (null when none is live)", false;
    if (sid->is_null() != sv->is_null()) return why = "survey_id and survey_version: both set or both null", false;
    r.survey_id.clear();
    r.survey_version = 0;
    if (!sid->is_null()) {
        if (!text(j, "survey_id", kMaxSurveyIdBytes, r.survey_id, why)) return false;
        if (!count(j, "survey_version", 2147483647, r.survey_version, why)) return false;
        if (r.survey_version < 1) return why = "survey_version: must be 1 or more", false;
    }
    if (!count(j, "waiting", kMaxCount, r.waiting, why)) return false;
    if (!count(j, "quarantined", kMaxCount, r.quarantined, why)) return false;
    if (!count(j, "disk_free_bytes", std::numeric_limits<std::int64_t>::max(), r.disk_free_bytes, why)) return false;
    if (!text(j, "clock_utc", 20, r.clock_utc, why)) return false;
    std::time_t t = 0;
    if (!parse_utc_seconds(r.clock_utc, t)) return why = "clock_utc: must be a UTC time like 2026-12-05T20:30:00Z", false;
    return true;
}

std::vector<FleetRow> fleet_rows(const std::vector<KioskStatus>& all, int stale_days, std::time_t now) {
    std::vector<FleetRow> out;
    for (const auto& s : all) {
        FleetRow f;
        f.s = s;
        f.last_heard_utc = s.kiosk.last_seen_utc;
        if (s.report && s.report->received_utc > f.last_heard_utc) f.last_heard_utc = s.report->received_utc;
        if (!s.kiosk.revoked()) {
            const std::string& since = f.last_heard_utc.empty() ? s.kiosk.created_utc : f.last_heard_utc;
            std::time_t t = 0;
            if (parse_utc_seconds(since, t) && now - t > std::time_t(stale_days) * 86400) f.stale = true;
            if (f.stale)
                f.flags.push_back(f.last_heard_utc.empty()
                                      ? "never heard from (enrolled over " + std::to_string(stale_days) + " days ago)"
                                      : "not heard from for over " + std::to_string(stale_days) + " days");
        }
        if (s.report) {
            f.low_disk = s.report->disk_free_bytes < kLowDiskBytes;
            f.clock_off = s.report->clock_skew_s > kClockSkewLimitS || s.report->clock_skew_s < -kClockSkewLimitS;
            if (f.low_disk) f.flags.push_back("low disk: " + bytes_text(s.report->disk_free_bytes) + " free");
            if (f.clock_off) f.flags.push_back("clock " + skew_text(s.report->clock_skew_s));
        }
        if (s.missing > 0)
            f.flags.push_back(std::to_string(s.missing) + (s.missing == 1 ? " response" : " responses") +
                              " missing (gaps in its sequence)");
        if (s.conflicts > 0)
            f.flags.push_back(std::to_string(s.conflicts) + (s.conflicts == 1 ? " conflict" : " conflicts"));
        out.push_back(std::move(f));
    }
    return out;
}

std::string gaps_text(const KioskStatus& s) {
    std::string out;
    for (const auto& [a, b] : s.gaps) {
        if (!out.empty()) out += ", ";
        out += a == b ? std::to_string(a) : std::to_string(a) + "-" + std::to_string(b);
    }
    if (s.gaps_truncated) out += ", … (" + std::to_string(s.missing) + " missing in all)";
    return out.empty() ? "none" : out;
}

std::string bytes_text(std::int64_t b) {
    char buf[32];
    if (b >= (std::int64_t(1) << 30)) std::snprintf(buf, sizeof buf, "%.1f GiB", double(b) / double(1 << 30));
    else std::snprintf(buf, sizeof buf, "%lld MiB", static_cast<long long>(b >> 20));
    return buf;
}

std::string skew_text(std::int64_t s) {
    const std::int64_t a = s < 0 ? -s : s;
    if (a < 60) return "on time";
    const std::int64_t h = a / 3600, m = (a % 3600) / 60;
    std::string t = h > 0 ? std::to_string(h) + " h " + std::to_string(m) + " min" : std::to_string(m) + " min";
    return t + (s > 0 ? " ahead" : " behind");
}

json fleet_json(const FleetRow& f) {
    auto opt = [](const std::string& v) { return v.empty() ? json(nullptr) : json(v); };
    const KioskStatus& s = f.s;
    json gaps = json::array();
    for (const auto& [a, b] : s.gaps) gaps.push_back({a, b});
    json j{{"id", s.kiosk.id},
           {"name", s.kiosk.name},
           {"created_utc", s.kiosk.created_utc},
           {"kiosk_id", opt(s.kiosk.device_id)},
           {"last_seen_utc", opt(s.kiosk.last_seen_utc)},
           {"revoked_utc", opt(s.kiosk.revoked_utc)},
           {"venue", opt(s.venue)},
           {"last_heard_utc", opt(f.last_heard_utc)},
           {"records", s.records},
           {"highest_seq", s.max_seq},
           {"highest_contiguous_seq", s.contiguous},
           {"gaps", gaps},
           {"gaps_truncated", s.gaps_truncated},
           {"missing", s.missing},
           {"conflicts", s.conflicts},
           {"stale", f.stale},
           {"low_disk", f.low_disk},
           {"clock_off", f.clock_off},
           {"flags", f.flags}};
    if (s.report) {
        const KioskReport& r = *s.report;
        j["report"] = {{"received_utc", r.received_utc},
                       {"kiosk_clock_utc", r.clock_utc},
                       {"clock_skew_s", r.clock_skew_s},
                       {"app_version", r.app_version},
                       {"survey_id", opt(r.survey_id)},
                       {"survey_version", r.survey_id.empty() ? json(nullptr) : json(r.survey_version)},
                       {"waiting", r.waiting},
                       {"quarantined", r.quarantined},
                       {"disk_free_bytes", r.disk_free_bytes}};
    } else {
        j["report"] = nullptr;
    }
    return j;
}

int status_command(const std::string& db, bool as_json, int stale_days) {
    try {
        auto store = HubStore::open(db, false);
        const auto rows = fleet_rows(store->status(), stale_days, std::time(nullptr));
        if (as_json) {
            json arr = json::array();
            for (const auto& f : rows) arr.push_back(fleet_json(f));
            std::printf("%s\n", arr.dump(2, ' ', false, json::error_handler_t::replace).c_str());
            return 0;
        }
        if (rows.empty()) std::printf("No kiosks yet: engage-hub kiosk add NAME --db %s\n", db.c_str());
        for (const auto& f : rows) {
            const KioskStatus& s = f.s;
            std::printf("%s%s  (hub id %s%s)\n", f.flags.empty() ? "" : "! ", s.kiosk.name.c_str(), s.kiosk.id.c_str(),
                        s.kiosk.revoked() ? ", revoked" : "");
            for (const auto& flag : f.flags) std::printf("  !! %s\n", flag.c_str());
            std::printf("  last heard from:          %s\n", f.last_heard_utc.empty() ? "never" : f.last_heard_utc.c_str());
            if (s.kiosk.device_id.empty()) {
                std::printf("  not paired yet: no batch received\n");
                continue;
            }
            std::printf("  kiosk id:                 %s\n", s.kiosk.device_id.c_str());
            std::printf("  venue:                    %s\n", s.venue.empty() ? "(none recorded)" : s.venue.c_str());
            std::printf("  records held:             %lld\n", static_cast<long long>(s.records));
            std::printf("  contiguous from 1 up to:  %lld\n", static_cast<long long>(s.contiguous));
            std::printf("  highest sequence number:  %lld\n", static_cast<long long>(s.max_seq));
            std::printf("  gaps:                     %s\n", gaps_text(s).c_str());
            std::printf("  conflicts:                %lld\n", static_cast<long long>(s.conflicts));
            if (!s.report) {
                std::printf("  status report:            none yet\n");
                continue;
            }
            const KioskReport& r = *s.report;
            std::printf("  app version:              %s\n", r.app_version.c_str());
            std::printf("  live survey:              %s\n",
                        r.survey_id.empty() ? "none"
                                            : (r.survey_id + " version " + std::to_string(r.survey_version)).c_str());
            std::printf("  waiting on the kiosk:     %lld (quarantined %lld)\n", static_cast<long long>(r.waiting),
                        static_cast<long long>(r.quarantined));
            std::printf("  free disk:                %s\n", bytes_text(r.disk_free_bytes).c_str());
            std::printf("  clock:                    %s (%+lld s, reported %s)\n", skew_text(r.clock_skew_s).c_str(),
                        static_cast<long long>(r.clock_skew_s), r.received_utc.c_str());
        }
        return 0;
    } catch (const DbError& e) {
        std::fprintf(stderr, "engage-hub status: %s\n", e.what());
        return 1;
    }
}

}  // namespace engage::hub
