// The Kiosks page (GET /dashboard/kiosks): the fleet, as `engage-hub status` shows it (fleet.h).
#include <ctime>

#include "dashboard_app.h"
#include "fleet.h"

namespace engage::hub::dash {

std::string Dashboard::kiosks(Ctx& c, const http::Request&) {
    const auto rows = fleet_rows(store_.status(), stale_days_, std::time(nullptr));
    Data d, list{Data::type::list};
    std::size_t attention = 0;
    for (const auto& f : rows) {
        const KioskStatus& s = f.s;
        Data x, flags{Data::type::list};
        x.set("name", s.kiosk.name);
        x.set("revoked", yes(s.kiosk.revoked()));
        x.set("venue", s.venue.empty() ? "—" : s.venue);
        x.set("heard", f.last_heard_utc.empty() ? "never" : when(f.last_heard_utc));
        x.set("stale", yes(f.stale));
        x.set("paired", yes(!s.kiosk.device_id.empty()));
        x.set("gaps", s.missing == 0 ? "none" : gaps_text(s));
        x.set("gap_flag", yes(s.missing > 0));
        x.set("conflicts", std::to_string(s.conflicts));
        x.set("conflict_flag", yes(s.conflicts > 0));
        if (s.report) {
            const KioskReport& r = *s.report;
            Data rep;
            rep.set("app", r.app_version);
            rep.set("survey", r.survey_id.empty() ? "none" : r.survey_id + " v" + std::to_string(r.survey_version));
            rep.set("waiting", std::to_string(r.waiting));
            if (r.quarantined > 0) rep.set("quarantined", std::to_string(r.quarantined));
            rep.set("disk", bytes_text(r.disk_free_bytes));
            rep.set("low_disk", yes(f.low_disk));
            rep.set("clock", skew_text(r.clock_skew_s));
            rep.set("clock_off", yes(f.clock_off));
            x.set("report", rep);
        }
        for (const auto& fl : f.flags) flags.push_back(Data(fl));
        x.set("flags", flags);
        x.set("attention", yes(!f.flags.empty()));
        if (!f.flags.empty()) ++attention;
        list.push_back(x);
    }
    d.set("kiosks", list);
    d.set("count", std::to_string(rows.size()));
    d.set("attention", std::to_string(attention));
    d.set("stale_days", std::to_string(stale_days_));
    d.set("low_disk_mib", std::to_string(kLowDiskBytes >> 20));
    d.set("skew_min", std::to_string(kClockSkewLimitS / 60));
    return page(c, "Kiosks", "/dashboard/kiosks", templates_->render("kiosks", d));
}

}  // namespace engage::hub::dash
