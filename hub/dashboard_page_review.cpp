// The Review page (GET and POST /dashboard/review): texts that look like they name or contact someone.
#include <algorithm>
#include <cctype>
#include <map>

#include "dashboard_app.h"
#include "dashboard_data.h"
#include "engage/storage.h"
#include "server.h"

namespace engage::hub::dash {

std::string Dashboard::review(Ctx& c, const http::Request&) {
    std::string b = "<h1>Review</h1>\n" + filter_form(c, "/dashboard/review") +
                    "<p>These texts look like they name or contact someone. They are not listed on the Texts page "
                    "until you approve them. Hidden texts stay in the hub's database (and in full exports).</p>\n";
    const std::string back = query(c.f);
    auto form = [&](const TextRow& r, const char* decision, const char* text) {
        return "<form method=\"post\" action=\"/dashboard/review\"><input type=\"hidden\" name=\"csrf\" value=\"" +
               h(c.csrf) + "\"><input type=\"hidden\" name=\"kiosk\" value=\"" + h(r.kiosk) +
               "\"><input type=\"hidden\" name=\"uuid\" value=\"" + h(r.uuid) +
               "\"><input type=\"hidden\" name=\"question\" value=\"" + h(r.question) +
               "\"><input type=\"hidden\" name=\"back\" value=\"" + h(back) +
               "\"><input type=\"hidden\" name=\"decision\" value=\"" + decision + "\"><button type=\"submit\">" +
               text + "</button></form>";
    };
    auto item = [&](const TextRow& r) {
        return "<div class=\"review\"><p class=\"meta\">" + h(question_prompt(r.survey_id, r.version, r.question)) +
               " · " + h(r.venue.empty() ? "(no venue)" : r.venue) + " · " + h(day_of(r.created_utc)) +
               "</p><p class=\"text\">" + h(r.text) + "</p>";
    };
    std::string pending, done;
    for (const auto& r : review_items(store_, c.f, false, kMaxTextsListed))
        pending += item(r) + "<p>" + form(r, "approve", "Approve: list it") + " " + form(r, "hide", "Hide it") +
                   "</p></div>\n";
    for (const auto& r : review_items(store_, c.f, true, kMaxTextsListed)) {
        const bool approved = r.decision == "approved";
        done += item(r) + "<p class=\"meta\">" + (approved ? "Approved" : "Hidden") + " by " + h(r.reviewer) + " at " +
                h(when(r.decided_utc)) + ". " +
                form(r, approved ? "hide" : "approve", approved ? "Hide it" : "Approve: list it") + "</p></div>\n";
    }
    b += "<h2>Waiting for review</h2>\n" + (pending.empty() ? std::string("<p>Nothing is waiting.</p>\n") : pending);
    b += "<h2>Decided</h2>\n" + (done.empty() ? std::string("<p>No decisions yet.</p>\n") : done);
    return page(c, "Review", "/dashboard/review", b);
}

void Dashboard::review_post(const http::Request& req, http::Response& res, const http::ContentReader& reader) {
    std::map<std::string, std::string> form;
    try {
        auto s = session_of(req);
        if (!read_form(reader, form) || !s) return redirect(res, "/login");
        if (!same_secret(form["csrf"], s->csrf)) return forbidden(res);
        const std::string decision = form["decision"] == "approve" ? "approved" : form["decision"] == "hide" ? "hidden" : "";
        // The text is (kiosk, uuid, question): a uuid is unique only within its kiosk. A form without the kiosk
        // is taken only when exactly one kiosk has such a text.
        const std::string uuid = form["uuid"], qid = form["question"], kiosk = form["kiosk"];
        std::vector<std::string> kiosks;
        if (!decision.empty() && uuid.size() <= 64 && qid.size() <= 256 && kiosk.size() <= 64)
            kiosks = kiosks_with_text(store_, uuid, qid, kiosk);
        if (kiosks.size() != 1)
            return send_html(res, 400, shell("Not accepted", s->user, s->csrf,
                                             "<h1>Not accepted</h1><p>That text or decision is not known.</p>"));
        store_.set_text_review({*kiosks.begin(), uuid, qid, decision, s->user, utc_seconds_now()});
        log_("dashboard review user=" + one_line(s->user, 64) + " " + decision + " the text " + one_line(qid, 64) +
             " of record " + uuid.substr(0, 8) + "…");
        std::string back = form["back"];
        const bool clean = back.empty() || (back[0] == '?' && std::all_of(back.begin(), back.end(), [](char ch) {
                                                return std::isalnum(static_cast<unsigned char>(ch)) ||
                                                       std::string_view("?&=%-_.~+").find(ch) != std::string_view::npos;
                                            }));
        redirect(res, "/dashboard/review" + (clean ? back : ""));
    } catch (const DbError& e) {
        log_(std::string("dashboard: database error: ") + e.what());
        send_html(res, e.transient ? 503 : 500,
                  shell("The hub database is busy", "", "", "<p>The hub database is busy or unreachable. Try again.</p>"));
    }
}

}  // namespace engage::hub::dash
