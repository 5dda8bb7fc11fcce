// The fleet: each kiosk's status report (POST /v1/status, docs/sync-protocol.md) and the per-kiosk view that
// `engage-hub status` and the dashboard's Kiosks page show (docs/hub.md, "The fleet"). No I/O here.
#pragma once
#include <cstdint>
#include <ctime>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "store.h"

namespace engage::hub {

inline constexpr std::size_t kMaxStatusBody = 4096;                     // a report is ~300 bytes
inline constexpr std::int64_t kLowDiskBytes = 500LL * 1024 * 1024;      // under this: "low disk"
inline constexpr std::int64_t kClockSkewLimitS = 5 * 60;                // over this either way: "clock off"
inline constexpr int kDefaultStaleDays = 3;

// Reads a status report body. False with `why` (plain words, naming the field) when it is not one; unknown
// fields are ignored. Fills every field of `r` but received_utc and clock_skew_s.
bool parse_kiosk_report(const std::string& body, KioskReport& r, std::string& why);
// "YYYY-MM-DDTHH:MM:SSZ" (a real date and time) -> seconds since 1970; false when it is not that.
bool parse_utc_seconds(const std::string& text, std::time_t& out);

struct FleetRow {
    KioskStatus s;
    std::string last_heard_utc;    // "" = never
    bool stale = false;            // not heard from for more than stale_days (or never, once paired or enrolled that long)
    bool low_disk = false;
    bool clock_off = false;
    std::vector<std::string> flags;  // the above in words, for people
};
std::vector<FleetRow> fleet_rows(const std::vector<KioskStatus>& all, int stale_days, std::time_t now);

std::string gaps_text(const KioskStatus& s);   // "none", "4-6, 9"
std::string bytes_text(std::int64_t bytes);    // "1.2 GiB", "320 MiB"
std::string skew_text(std::int64_t seconds);   // "on time" (under a minute), "3 min ahead", "2 h 5 min behind"
nlohmann::json fleet_json(const FleetRow& r);  // one kiosk for `status --json`

// `engage-hub status [--json] [--stale-days N]`: the process exit code.
int status_command(const std::string& db, bool as_json, int stale_days);

}  // namespace engage::hub
