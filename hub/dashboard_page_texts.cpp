// The Texts page (GET /dashboard/texts): free-text answers, searchable, without those held for review.
#include <map>

#include "dashboard_app.h"
#include "dashboard_data.h"

namespace engage::hub::dash {

std::string Dashboard::texts(Ctx& c, const http::Request&) {
    Data d;
    d.set("filter_form", filter_form(c, "/dashboard/texts", true));
    d.set("min", std::to_string(min_));
    auto done = [&] { return page(c, "Texts", "/dashboard/texts", templates_->render("texts", d)); };
    const auto per_venue = count_by(store_, c.f, "venue");
    std::int64_t total = 0;
    std::vector<std::string> small_venues;
    for (const auto& [v, n] : per_venue) {
        total += n;
        if (too_few(n)) small_venues.push_back(v);
    }
    if (total == 0) d.set("none", yes(true));
    else if (too_few(total)) d.set("too_few", yes(true));
    if (total == 0 || too_few(total)) return done();
    const std::string needle = lower_ascii(c.f.q);
    const TextCounts n = text_counts(store_, c.f, small_venues, needle);
    Data l;
    l.set("searched", yes(!needle.empty()));
    l.set("q", c.f.q);
    l.set("shown", count_text(n.shown));
    l.set("held", yes(n.held > 0));
    l.set("review_link", "/dashboard/review" + query(c.f));
    l.set("small", yes(n.small > 0));
    l.set("export_links", export_links(c));
    // The first kMaxTextsListed in record order, grouped by question in the order questions first appear.
    const auto items = dash::texts(store_, c.f, small_venues, needle, kMaxTextsListed + 1);
    std::map<std::string, std::vector<const TextRow*>> by_question;
    std::vector<std::string> order;
    for (std::size_t i = 0; i < items.size() && i < kMaxTextsListed; ++i) {
        if (!by_question.count(items[i].question)) order.push_back(items[i].question);
        by_question[items[i].question].push_back(&items[i]);
    }
    Data groups{Data::type::list};
    for (const auto& qid : order) {
        const auto& list = by_question[qid];
        Data g, texts{Data::type::list};
        g.set("prompt", question_prompt(list.front()->survey_id, list.front()->version, qid));
        for (const TextRow* t : list) {
            Data x;
            x.set("text", t->text);
            x.set("venue", t->venue.empty() ? "(no venue)" : t->venue);
            x.set("day", day_of(t->created_utc));
            texts.push_back(x);
        }
        g.set("items", texts);
        groups.push_back(g);
    }
    l.set("groups", groups);
    l.set("more", yes(items.size() > kMaxTextsListed));
    l.set("max", std::to_string(kMaxTextsListed));
    d.set("list", l);
    return done();
}

}  // namespace engage::hub::dash
