// The Surveys page (GET and POST /dashboard/surveys): the survey library, and an upload that does what
// `engage-hub survey add FILE` does (hub/library.h): every problem shown as WHERE: WHAT, nothing stored on any.
// Publishing (POST /dashboard/surveys/publish, /unpublish) does what `engage-hub survey publish|unpublish` does.
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
    // Publishing: a version (the latest of each id first), and where to (every kiosk, one kiosk, one venue).
    Data versions{Data::type::list};
    for (const auto& s : store_.list_surveys(false)) {
        if (s.retired()) continue;
        Data x;
        x.set("value", s.id + " " + std::to_string(s.version));
        x.set("label", s.title + " (" + s.id + ", version " + std::to_string(s.version) + ")");
        versions.push_back(x);
    }
    d.set("versions", versions);
    d.set("can_publish", yes(!versions.is_empty_list()));
    Data targets{Data::type::list};
    auto target = [&](const std::string& value, const std::string& label) {
        Data x;
        x.set("value", value);
        x.set("label", label);
        targets.push_back(x);
    };
    target("all", "Every kiosk");
    for (const auto& k : store_.list_kiosks())
        if (!k.revoked()) target("kiosk " + k.id, "Kiosk: " + k.name);
    for (const auto& v : choices(store_, SurveySet{}).venues)  // venues only: no survey titles (no library lock)
        if (!v.empty()) target("venue " + v, "Kiosks at venue: " + v);
    d.set("targets", targets);
    Data published{Data::type::list};
    for (const auto& p : store_.list_publications()) {
        Data x;
        x.set("id", p.survey_id);
        x.set("version", std::to_string(p.version));
        x.set("to", target_words(store_, p));
        x.set("value", p.target == "all" ? std::string("all") : p.target + " " + p.value);
        x.set("when", when(p.published_utc));
        published.push_back(x);
    }
    d.set("published", published);
    d.set("csrf", csrf);
    return templates_->render("surveys", d);
}

void Dashboard::publish_post(const http::Request& req, http::Response& res, const http::ContentReader& reader,
                             bool publish) {
    std::map<std::string, std::string> form;
    try {
        auto s = session_of(req);
        if (!read_form(reader, form) || !s) return redirect(res, "/login");
        if (!same_secret(form["csrf"], s->csrf)) return forbidden(res);
        // survey: "ID VERSION" (or "ID" for every version when unpublishing); to: "all", "kiosk ID" or "venue NAME".
        const std::string survey = form["survey"], to = form["to"];
        const auto sp = survey.find(' ');
        const std::string id = survey.substr(0, sp);
        std::optional<std::int64_t> version;
        std::string why;
        if (sp != std::string::npos) {
            const std::string v = survey.substr(sp + 1);
            if (v.empty() || v.size() > 9 || v.find_first_not_of("0123456789") != std::string::npos)
                why = "the survey's version is not a number";
            else version = std::stoll(v);
        }
        PublishTarget target;
        const auto tp = to.find(' ');
        const std::string kind = to.substr(0, tp), value = tp == std::string::npos ? "" : to.substr(tp + 1);
        if (kind == "all" && value.empty()) target.all = true;
        else if (kind == "kiosk" && !value.empty()) target.kiosks.push_back(value);
        else if (kind == "venue" && !value.empty()) target.venues.push_back(value);
        else why = "choose where to publish it: every kiosk, one kiosk or one venue";
        if (id.empty() || id.size() > 64) why = "choose a survey";
        PublishResult r;
        if (why.empty()) r = publish ? publish_in(store_, id, version, target) : unpublish_in(store_, id, version, target);
        if (!why.empty()) r = PublishResult{2, why, {}};
        log_(std::string("dashboard survey ") + (publish ? "publish" : "unpublish") + " user=" + one_line(s->user, 64) +
             " survey=" + one_line(survey, 80) + " to=" + one_line(to, 120) + " " +
             (r.rc ? "refused: " + one_line(r.error, 200) : std::to_string(r.lines.size()) + " changed"));
        Data d;
        if (r.rc) {
            d.set("publish_refused", yes(true));
            d.set("publish_error", r.error);
        } else {
            Data lines{Data::type::list};
            for (const auto& l : r.lines) lines.push_back(Data(l));
            if (r.lines.empty()) lines.push_back(Data(std::string("It was not published there; nothing changed.")));
            d.set("publish_done", yes(true));
            d.set("publish_lines", lines);
            // After a publish the page's own line says when kiosks take it.
            if (!publish) d.set("publish_next", std::string("The survey stays in the library and every response stays."));
        }
        send_html(res, r.rc ? 422 : 200,
                  shell("Surveys", s->user, s->csrf, surveys_body(s->csrf, d), "/dashboard/surveys"));
    } catch (const DbError& e) {
        db_error(res, e, "Nothing was changed.");
    }
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
