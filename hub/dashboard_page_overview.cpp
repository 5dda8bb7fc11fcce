// The Overview page (GET /dashboard): responses by venue, session and day.
#include <algorithm>
#include <tuple>

#include "dashboard_app.h"
#include "dashboard_data.h"

namespace engage::hub::dash {

std::string Dashboard::overview(Ctx& c, const http::Request&) {
    const std::int64_t total = dash::total(store_, c.f);
    Data d;
    d.set("filter_form", filter_form(c, "/dashboard"));
    d.set("export_links", export_links(c));
    d.set("total", count_text(total));
    if (const std::int64_t pending = store_.dashboard_pending(); pending > 0)  // stored, not yet summarised
        d.set("indexing", std::to_string(pending) + (pending == 1 ? " response is" : " responses are"));
    d.set("min", std::to_string(min_));
    auto count = [&](Data& row, std::int64_t n) {
        row.set("n", std::to_string(n));
        row.set("min", std::to_string(min_));
        row.set("few", yes(results::suppressed(n, min_)));
    };
    auto link = [&](const Filters& f) { return "/dashboard/questions" + query(f); };
    if (total > 0) {
        d.set("any", yes(true));
        Data venues{Data::type::list};
        for (const auto& [v, n] : count_by(store_, c.f, "venue")) {
            Data row;
            row.set("name", v.empty() ? "(no venue)" : v);
            count(row, n);
            Filters f = c.f;
            f.venue = venue_value(v);
            if (!too_few(n)) row.set("link", link(f));
            venues.push_back(row);
        }
        d.set("venues", venues);

        const auto by_session = count_by(store_, c.f, "session_key");
        std::vector<std::string> keys;
        for (const auto& [k, n] : by_session)
            if (!k.empty()) keys.push_back(k);
        auto info = dash::sessions(store_, keys);
        std::vector<std::pair<SessionInfo, std::int64_t>> srows;
        for (const auto& [k, n] : by_session)
            srows.emplace_back(k.empty() ? SessionInfo{"", "(no session)", "", ""} : info[k], n);
        std::sort(srows.begin(), srows.end(), [](const auto& x, const auto& y) {
            return std::tie(x.first.started, x.first.venue, x.first.event) <
                   std::tie(y.first.started, y.first.venue, y.first.event);
        });
        Data sessions{Data::type::list};
        for (const auto& [si, n] : srows) {
            Data row;
            row.set("event", si.event.empty() ? "(no event)" : si.event);
            row.set("venue", si.venue.empty() && !si.key.empty() ? "(no venue)" : si.venue);
            row.set("started", when(si.started));
            count(row, n);
            if (!si.key.empty() && !too_few(n)) {
                Filters f = c.f;
                f.session = si.key;
                row.set("link", link(f));
            }
            sessions.push_back(row);
        }
        d.set("sessions", sessions);

        Data days{Data::type::list};
        for (const auto& [day, n] : count_by(store_, c.f, "day")) {
            Data row;
            row.set("day", day);
            count(row, n);
            days.push_back(row);
        }
        d.set("days", days);
    }
    return page(c, "Overview", "/dashboard", templates_->render("overview", d));
}

}  // namespace engage::hub::dash
