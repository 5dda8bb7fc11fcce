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
    Data d;
    d.set("filter_form", filter_form(c, "/dashboard/review"));
    d.set("csrf", c.csrf);
    d.set("back", query(c.f));
    auto form = [](const char* decision, const char* button) {
        Data f;
        f.set("decision", decision);
        f.set("button", button);
        return f;
    };
    const auto names = kiosk_names();
    auto item = [&](const TextRow& r, std::initializer_list<Data> forms) {
        Data x, list{Data::type::list};
        x.set("prompt", question_prompt(r.survey_id, r.version, r.question));
        x.set("venue", r.venue.empty() ? "(no venue)" : r.venue);
        x.set("day", day_of(r.created_utc));
        x.set("text", r.text);
        x.set("kiosk", r.kiosk);  // the form's value: the kiosk's own id
        auto k = names.find(r.kiosk);
        x.set("kiosk_name", k == names.end() ? std::string("a kiosk the hub does not know") : k->second);
        x.set("uuid", r.uuid);
        x.set("question", r.question);
        for (const auto& f : forms) list.push_back(f);
        x.set("forms", list);
        return x;
    };
    Data pending{Data::type::list}, decided{Data::type::list};
    for (const auto& r : review_items(store_, c.f, false, kMaxTextsListed))
        pending.push_back(item(r, {form("approve", "Approve: list it"), form("hide", "Hide it")}));
    for (const auto& r : review_items(store_, c.f, true, kMaxTextsListed)) {
        const bool approved = r.decision == "approved";
        Data x = item(r, {approved ? form("hide", "Hide it") : form("approve", "Approve: list it")});
        x.set("decided", yes(true));
        x.set("approved", yes(approved));
        x.set("reviewer", r.reviewer);
        x.set("when", when(r.decided_utc));
        decided.push_back(x);
    }
    Data groups{Data::type::list};
    auto group = [&](const char* heading, const Data& items, const char* empty) {
        Data g;
        g.set("heading", heading);
        g.set("items", items);
        g.set("empty", empty);
        groups.push_back(g);
    };
    group("Waiting for review", pending, "Nothing is waiting.");
    group("Decided", decided, "No decisions yet.");
    d.set("groups", groups);
    return page(c, "Review", "/dashboard/review", templates_->render("review", d));
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
            return send_html(res, 400, shell("Not accepted", s->user, s->csrf, refusal("unknown_text")));
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
        db_error(res, e, "Try again.");
    }
}

}  // namespace engage::hub::dash
