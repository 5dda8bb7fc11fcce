// The Access needs page (GET /dashboard/needs): per venue, how many people asked for each need.
#include <algorithm>
#include <map>
#include <set>

#include "dashboard_app.h"
#include "dashboard_data.h"

namespace engage::hub::dash {

std::string Dashboard::needs(Ctx& c, const http::Request&) {
    Data d;
    d.set("filter_form", filter_form(c, "/dashboard/needs"));
    d.set("min", std::to_string(min_));
    auto done = [&] { return page(c, "Access needs", "/dashboard/needs", templates_->render("needs", d)); };
    const auto per_group = responses_by_venue_survey(store_, c.f);
    std::int64_t total = 0;
    for (const auto& [k, n] : per_group) total += n;
    if (total == 0) d.set("none", yes(true));
    else if (too_few(total)) d.set("too_few", yes(true));
    if (total == 0 || too_few(total)) return done();

    struct Row {
        std::int64_t responses = 0, answered = 0;
        std::map<std::string, std::int64_t> n;
    };
    std::map<std::string, Row> rows;
    std::vector<std::string> columns = builtin_option_ids(QuestionType::Needs);
    bool other = false;
    std::int64_t unknown = 0;
    // The needs questions of each (survey, version), or none when the hub has no copy of the survey.
    std::map<std::pair<std::string, int>, std::set<std::string>> needs_of;
    for (const auto& [k, n] : per_group) {
        const auto& [venue, id, version] = k;
        rows[venue].responses += n;
        const Survey* s = surveys_.find(id, version);
        if (!s) {
            unknown += n;
            continue;
        }
        auto& qs = needs_of[{id, version}];
        for (const auto& q : s->questions)
            if (q.type == QuestionType::Needs) qs.insert(q.id);
    }
    for (const auto& r : needs_rows(store_, c.f)) {  // first-seen order
        auto qs = needs_of.find({r.survey_id, r.version});
        if (qs == needs_of.end()) continue;
        if (r.a.kind == "S") {
            std::size_t start = 0;
            bool any = false;
            while (start <= r.a.value.size()) {
                std::size_t end = r.a.value.find('\n', start);
                if (end == std::string::npos) end = r.a.value.size();
                any = any || qs->second.count(r.a.value.substr(start, end - start)) > 0;
                start = end + 1;
            }
            if (any) rows[r.venue].answered += r.a.n;
            continue;
        }
        if (!qs->second.count(r.a.question)) continue;
        const std::string& k = r.a.value;
        rows[r.venue].n[k] += r.a.n;
        if (k == kOtherOptionId) other = true;
        else if (std::find(columns.begin(), columns.end(), k) == columns.end()) columns.push_back(k);
    }
    if (other) columns.push_back(kOtherOptionId);
    auto col_label = [&](const std::string& id) {
        const std::string key = "option.needs." + id;
        return strings_.all().count(key) ? strings_.get(key) : id;
    };
    Data cols{Data::type::list};
    for (const auto& col : columns) cols.push_back(Data(col_label(col)));
    d.set("columns", cols);
    std::vector<std::string> labels = {"Responses", "Answered this"};
    for (const auto& col : columns) labels.push_back(col_label(col));
    auto cell = [&](std::int64_t n, const std::string& label) {
        Data x;
        x.set("label", label);
        x.set("n", std::to_string(n));
        x.set("few", yes(results::suppressed(n, min_)));
        return x;
    };
    Data list{Data::type::list};
    for (const auto& [venue, row] : rows) {
        Data r;
        r.set("venue", venue.empty() ? "(no venue)" : venue);
        r.set("hidden", yes(too_few(row.responses)));
        r.set("span", std::to_string(columns.size() + 2));
        Data cells{Data::type::list};
        cells.push_back(cell(row.responses, labels[0]));
        cells.push_back(cell(row.answered, labels[1]));
        for (std::size_t i = 0; i < columns.size(); ++i) {
            auto it = row.n.find(columns[i]);
            cells.push_back(cell(it == row.n.end() ? 0 : it->second, labels[i + 2]));
        }
        r.set("cells", cells);
        list.push_back(r);
    }
    d.set("rows", list);
    d.set("table", yes(true));
    if (unknown > 0) d.set("unknown", count_text(unknown));
    return done();
}

}  // namespace engage::hub::dash
