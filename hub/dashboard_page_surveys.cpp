// The Surveys page (GET and POST /dashboard/surveys): the survey library, and an upload that does what
// `engage-hub survey add FILE` does (hub/library.h): every problem shown as WHERE: WHAT, nothing stored on any.
#include "dashboard_app.h"
#include "engage/xlsform.h"
#include "library.h"
#include "server.h"

namespace engage::hub::dash {

std::string Dashboard::surveys_body(const std::string& csrf, Data d) {
    Data list{Data::type::list};
    for (const auto& s : store_.list_surveys(false)) {
        Data x;
        x.set("id", s.id);
        x.set("version", std::to_string(s.version));
        x.set("title", s.title);
        x.set("source", s.source);
        x.set("added", when(s.added_utc));
        x.set("retired", s.retired() ? when(s.retired_utc) : "no");
        list.push_back(x);
    }
    d.set("surveys", list);
    d.set("csrf", csrf);
    return templates_->render("surveys", d);
}

std::string Dashboard::surveys_page(Ctx& c, const http::Request&) {
    return page(c, "Surveys", "/dashboard/surveys", surveys_body(c.csrf, Data()));
}

void Dashboard::surveys_post(const http::Request& req, http::Response& res, const http::ContentReader& reader) {
    try {
        auto s = session_of(req);
        if (!s) return redirect(res, "/login");
        if (!req.is_multipart_form_data())
            return send_html(res, 400, shell("Not accepted", s->user, s->csrf, refusal("no_survey")));
        const Upload up = read_upload(reader, "survey", kMaxXlsxBytes);
        const std::string &bytes = up.bytes, &file_name = up.file_name;
        const bool too_big = up.too_big;
        if (!same_secret(up.csrf, s->csrf)) return forbidden(res);
        Data d;
        int status = 200;
        d.set("file", file_name.empty() ? std::string("The file") : file_name);
        if (too_big) {
            status = 413;
            d.set("too_big", yes(true));
        } else if (bytes.empty()) {
            status = 422;
            d.set("empty", yes(true));
        } else {
            const CheckedSurvey checked = check_survey_bytes(bytes, file_name.empty() ? "upload" : file_name);
            bool ok = false;
            std::string said;
            if (checked.survey) said = add_survey_outcome(checked, store_.add_survey(*checked.survey), ok);
            log_("dashboard survey upload user=" + one_line(s->user, 64) + " file=" + one_line(file_name, 80) + " " +
                 (ok ? one_line(said, 200)
                     : checked.survey ? "refused: " + one_line(said, 200)
                                      : "refused: " + std::to_string(checked.problems.size()) + " problems"));
            if (ok) {
                d.set("added", yes(true));
                d.set("said", said);
                refresh_library();
            } else {
                status = 422;
                Data problems{Data::type::list};
                for (const auto& p : checked.problems) problems.push_back(Data(p));
                if (checked.survey) problems.push_back(Data(said));
                d.set("refused", yes(true));
                d.set("problems", problems);
                const std::size_t n = checked.problems.size() + (checked.survey ? 1 : 0);
                d.set("count", std::to_string(n) + (n == 1 ? " problem" : " problems"));
            }
        }
        send_html(res, status, shell("Surveys", s->user, s->csrf, surveys_body(s->csrf, d), "/dashboard/surveys"));
    } catch (const DbError& e) {
        db_error(res, e, "Nothing was stored.");
    }
}

// The library changed (a `survey add` in another process, or an upload here): read the versions added since.
void Dashboard::refresh_library() {
    std::string stamp;
    try {
        stamp = store_.library_stamp();
    } catch (const DbError& e) {
        log_(std::string("dashboard: survey library not read: ") + e.what());
        return;
    }
    {
        std::lock_guard lock(stamp_mu_);
        if (stamp == library_stamp_) return;
    }
    std::unique_lock lock(library_mu_);
    load_library_surveys();
    std::lock_guard s(stamp_mu_);
    library_stamp_ = stamp;
}

}  // namespace engage::hub::dash
