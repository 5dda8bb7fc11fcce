// The Texts page (GET /dashboard/texts): free-text answers grouped by question (in survey order), 50 a page,
// searchable, without those held for review or from small venues.
#include <algorithm>
#include <map>

#include "dashboard_app.h"
#include "dashboard_data.h"

namespace engage::hub::dash {

namespace {

// The question's place in its survey, for ordering the groups (unknown questions after, by id).
std::size_t position(const SurveySet& surveys, const TextGroup& g) {
    const Survey* s = surveys.find(g.survey_id, g.version);
    if (!s) return SIZE_MAX;
    for (std::size_t i = 0; i < s->questions.size(); ++i)
        if (s->questions[i].id == g.question) return i;
    return SIZE_MAX;
}

}  // namespace

std::map<std::string, std::string> Dashboard::kiosk_names() {
    std::map<std::string, std::string> out;
    for (const auto& k : store_.list_kiosks())
        if (!k.device_id.empty()) out[k.device_id] = k.name;
    return out;
}

std::string Dashboard::texts(Ctx& c, const http::Request& req) {
    Data d;
    // The page number: 1.. (a bad one is noted and page 1 shown).
    std::size_t page_no = 1;
    const std::string page_param = req.has_param("page") ? req.get_param_value("page") : "";
    if (!page_param.empty()) {
        if (is_digits(page_param, 6) && std::stoul(page_param) >= 1) page_no = std::stoul(page_param);
        else c.notes.push_back("Page: “" + clip(page_param, 40) + "” is not a page number; showing page 1.");
    }
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

    // Groups in survey order; a page is the next kTextsPerPage texts of that order, so a group may go on over pages.
    auto groups_found = text_groups(store_, c.f, small_venues, needle);
    std::stable_sort(groups_found.begin(), groups_found.end(), [&](const TextGroup& a, const TextGroup& b) {
        return std::make_pair(a.survey_id, position(surveys_, a)) < std::make_pair(b.survey_id, position(surveys_, b));
    });
    std::int64_t listed = 0;
    for (const auto& g : groups_found) listed += g.n;
    const std::size_t pages = std::max<std::size_t>(1, (static_cast<std::size_t>(listed) + kTextsPerPage - 1) / kTextsPerPage);
    if (page_no > pages) {
        l.set("past_end", std::to_string(page_no));
        page_no = pages;
    }
    const auto names = kiosk_names();
    std::size_t skip = (page_no - 1) * kTextsPerPage, room = kTextsPerPage;
    Data groups{Data::type::list};
    for (const auto& g : groups_found) {
        if (room == 0) break;
        const auto gn = static_cast<std::size_t>(g.n);
        if (skip >= gn) {
            skip -= gn;
            continue;
        }
        const auto items = dash::texts(store_, c.f, small_venues, needle, room, &g, skip);
        Data x, list{Data::type::list};
        x.set("prompt", question_prompt(g.survey_id, g.version, g.question));
        // Texts under a question that is not a text question are what people wrote under "Other".
        const Survey* s = surveys_.find(g.survey_id, g.version);
        const Question* q = s ? s->find(g.question) : nullptr;
        if (q && q->type != QuestionType::Text) {
            const std::string key = "option." + std::string(to_string(q->type)) + ".other";
            x.set("other", strings_.all().count(key) ? strings_.get(key) : std::string("Other"));
        }
        x.set("count", std::to_string(g.n) + (g.n == 1 ? " text" : " texts"));
        x.set("continued", yes(skip > 0));
        for (const TextRow& t : items) {
            Data y;
            y.set("text", t.text);
            y.set("venue", t.venue.empty() ? "(no venue)" : t.venue);
            auto k = names.find(t.kiosk);
            y.set("kiosk", k == names.end() ? std::string("a kiosk the hub does not know") : k->second);
            y.set("day", day_of(t.created_utc));
            list.push_back(y);
        }
        x.set("items", list);
        groups.push_back(x);
        room -= std::min(room, items.size());
        skip = 0;
    }
    l.set("groups", groups);
    if (pages > 1) {
        const std::string base = "/dashboard/texts" + query(c.f, true);
        auto href = [&](std::size_t p) { return base + (base.find('?') == std::string::npos ? "?" : "&") + "page=" + std::to_string(p); };
        Data nav, links{Data::type::list};
        // Every page when few; else the first, the last and those near this one.
        for (std::size_t p = 1; p <= pages; ++p) {
            const bool near = p + 2 >= page_no && p <= page_no + 2;
            if (pages > 9 && p != 1 && p != pages && !near) {
                if (p == 2 || p == pages - 1) {
                    Data gap;
                    gap.set("gap", yes(true));
                    links.push_back(gap);
                }
                continue;
            }
            Data a;
            a.set("n", std::to_string(p));
            a.set("href", href(p));
            a.set("current", yes(p == page_no));
            links.push_back(a);
        }
        nav.set("links", links);
        nav.set("page", std::to_string(page_no));
        nav.set("pages", std::to_string(pages));
        if (page_no > 1) nav.set("prev", href(page_no - 1));
        if (page_no < pages) nav.set("next", href(page_no + 1));
        l.set("paging", nav);
    }
    d.set("list", l);
    return done();
}

}  // namespace engage::hub::dash
