// The Texts page (GET /dashboard/texts): free-text answers, searchable, without those held for review.
#include <map>

#include "dashboard_app.h"
#include "dashboard_data.h"

namespace engage::hub::dash {

std::string Dashboard::texts(Ctx& c, const http::Request&) {
    std::string b = "<h1>Texts</h1>\n" + filter_form(c, "/dashboard/texts", true);
    const auto per_venue = count_by(store_, c.f, "venue");
    std::int64_t total = 0;
    std::vector<std::string> small_venues;
    for (const auto& [v, n] : per_venue) {
        total += n;
        if (too_few(n)) small_venues.push_back(v);
    }
    if (total == 0) return page(c, "Texts", "/dashboard/texts", b + "<p>No responses match these filters yet.</p>\n");
    if (too_few(total)) return page(c, "Texts", "/dashboard/texts", b + too_few_note("These filters"));
    const std::string needle = lower_ascii(c.f.q);
    const TextCounts n = text_counts(store_, c.f, small_venues, needle);
    b += "<p>" + (needle.empty() ? std::string("Texts") : "Texts containing “" + h(c.f.q) + "”") + ": <strong>" +
         count_text(n.shown) + "</strong>.";
    if (n.held > 0) b += " Some texts look like they name or contact someone and wait for review on the <a href=\"" +
                         h("/dashboard/review" + query(c.f)) + "\">Review</a> page.";
    if (n.small > 0) b += " Texts from venues with fewer than " + std::to_string(min_) + " responses are not listed.";
    b += "</p>\n" + export_links(c);
    // The first kMaxTextsListed in record order, grouped by question in the order questions first appear.
    const auto items = dash::texts(store_, c.f, small_venues, needle, kMaxTextsListed + 1);
    std::map<std::string, std::vector<const TextRow*>> by_question;
    std::vector<std::string> order;
    for (std::size_t i = 0; i < items.size() && i < kMaxTextsListed; ++i) {
        if (!by_question.count(items[i].question)) order.push_back(items[i].question);
        by_question[items[i].question].push_back(&items[i]);
    }
    for (const auto& qid : order) {
        const auto& list = by_question[qid];
        b += "<section>\n<h2>" + h(question_prompt(list.front()->survey_id, list.front()->version, qid)) +
             "</h2>\n<ul class=\"texts\">\n";
        for (const TextRow* t : list)
            b += "<li><p class=\"text\">" + h(t->text) + "</p><p class=\"meta\">" +
                 h(t->venue.empty() ? "(no venue)" : t->venue) + " · " + h(day_of(t->created_utc)) + "</p></li>\n";
        b += "</ul>\n</section>\n";
    }
    if (items.size() > kMaxTextsListed)
        b += "<p>Only the first " + std::to_string(kMaxTextsListed) + " texts are listed: narrow the filters.</p>\n";
    return page(c, "Texts", "/dashboard/texts", b);
}

}  // namespace engage::hub::dash
