// The status report (POST /v1/status, docs/sync-protocol.md): after each pass that ended well, the kiosk tells
// the hub its app version, live survey, waiting and quarantined responses, free disk and clock. A step of its
// own: it never changes the pass's outcome, and a hub that does not know the endpoint (404) is left alone.
#include <sys/statvfs.h>

#include "engage/log.h"
#include "engage/sync.h"

namespace engage {

std::string status_report_body(const std::string& kiosk_id, const LiveSurvey& live, const Counts& counts,
                               std::int64_t disk_free, const std::string& clock_utc) {
    const bool none = live.id.empty();
    const nlohmann::json j = {{"protocol", protocol::kVersion},
                              {"kiosk_id", kiosk_id},
                              {"app_version", ENGAGE_VERSION},
                              {"survey_id", none ? nlohmann::json(nullptr) : nlohmann::json(live.id)},
                              {"survey_version", none ? nlohmann::json(nullptr) : nlohmann::json(live.version)},
                              {"waiting", counts.waiting_sync},
                              {"quarantined", counts.quarantined},
                              {"disk_free_bytes", std::max<std::int64_t>(disk_free, 0)},
                              {"clock_utc", clock_utc}};
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::int64_t disk_free_bytes(const std::string& dir) {
    struct statvfs v {};
    if (statvfs(dir.c_str(), &v) != 0) return -1;
    return static_cast<std::int64_t>(v.f_bavail) * static_cast<std::int64_t>(v.f_frsize);
}

void SyncEngine::report_status_each_pass(std::string data_dir, std::function<LiveSurvey()> live) {
    report_dir_ = std::move(data_dir);
    live_survey_ = std::move(live);
}

void SyncEngine::report_status(const PassOutcome& out, const std::function<bool()>& cancelled) {
    // Only after a pass that ended well: after a failure the hub is out of reach, refusing us, or busy (429 / 503
    // with Retry-After, which a report now would not honour); the next good pass reports.
    if (report_dir_.empty() || out.kind != PassOutcome::Kind::Done) return;
    try {
        const std::string body = status_report_body(store_.kiosk_id(), live_survey_ ? live_survey_() : LiveSurvey{},
                                                    store_.counts(), disk_free_bytes(report_dir_), utc_seconds_now());
        const HttpResponse r = transport_.post(settings_.hub_url + "/v1/status", settings_.token, body, false, cancelled);
        if (!r.error.empty()) {
            log_warn("Sync: the status report did not reach the hub: " + r.error);
        } else if (r.status == 404) {
            if (!report_refused_logged_) log_info("Sync: this hub does not take status reports (HTTP 404)");
            report_refused_logged_ = true;
        } else if (r.status != 200) {
            log_warn("Sync: the hub refused the status report (HTTP " + std::to_string(r.status) + "): " +
                     r.body.substr(0, 200));
        }
    } catch (const std::exception& e) {  // the store: the next pass reports again
        log_warn(std::string("Sync: no status report this time: ") + e.what());
    }
}

}  // namespace engage
