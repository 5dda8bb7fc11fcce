// The dashboard's downloads (dashboard_app.h): the links under the pages and GET /dashboard/export.{csv,json},
// hub/export.h's shareable export with the page's filters.
#include <algorithm>
#include <sstream>

#include "dashboard_app.h"
#include "dashboard_index.h"
#include "server.h"

namespace engage::hub::dash {

std::string Dashboard::export_links(const Ctx& c) const {
    const std::string q = query(c.f);
    Data d;
    d.set("min", std::to_string(min_));
    d.set("csv", "/dashboard/export.csv" + q);
    d.set("json", "/dashboard/export.json" + q);
    return templates_->render("export_links", d);
}

// The other engineer's export (hub/export.h) in its shareable mode, with the page's filters.
void Dashboard::export_file(const http::Request& req, http::Response& res, ExportFormat format) {
    try {
        auto s = session_of(req);
        if (!s) return redirect(res, "/login");
        std::vector<std::string> notes;
        const Filters f = parse_filters(req, notes);
        refresh_library();
        std::shared_lock library(library_mu_);
        ExportOptions o;
        o.format = format;
        o.shareable = true;
        o.min_count = min_;
        const auto venue = venue_of(f);
        if (venue && !venue->empty()) o.filters.venue = *venue;
        if (!f.from.empty() && valid_export_date(f.from, false)) o.filters.since = f.from;
        if (!f.to.empty() && valid_export_date(f.to, false)) {
            o.filters.until = next_day(f.to);
            o.until_day = f.to;
        }
        if (!f.survey.empty()) o.filters.survey_id = f.survey;
        if (!f.version.empty()) o.filters.survey_version = std::stoll(f.version);
        auto rows = store_.query_records(o.filters);
        if (venue && venue->empty())  // no venue: records without a session have none either
            rows.erase(std::remove_if(rows.begin(), rows.end(), [](const RecordRow& r) { return !r.session_venue.empty(); }),
                       rows.end());
        if (!f.session.empty())
            rows.erase(std::remove_if(rows.begin(), rows.end(),
                                      [&](const RecordRow& r) {
                                          return !r.has_session ||
                                                 session_key(r.session_event, r.session_venue, r.session_started_utc) !=
                                                     f.session;
                                      }),
                       rows.end());
        o.reviews = store_.text_reviews();
        std::ostringstream out;
        ExportReport rep;
        write_export(out, rows, export_surveys_, o, rep);
        const bool csv = format == ExportFormat::Csv;
        res.status = 200;
        headers(res);
        res.set_header("Content-Disposition",
                       std::string("attachment; filename=\"engage-responses.") + (csv ? "csv" : "json") + "\"");
        res.set_content(out.str(), csv ? "text/csv; charset=utf-8" : "application/json");
        log_("dashboard export user=" + one_line(s->user, 64) + " format=" + (csv ? "csv" : "json") +
             " shareable rows=" + std::to_string(rep.rows) + " left_out=" + std::to_string(rep.left_out) +
             " held_back=" + std::to_string(rep.held_back));
    } catch (const DbError& e) {
        db_error(res, e, "Try again.");
    }
}

}  // namespace engage::hub::dash
