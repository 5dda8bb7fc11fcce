// The Questions page (GET /dashboard/questions): one chart (SVG and the same as a table) per question.
#include <algorithm>
#include <map>
#include <set>

#include "dashboard_app.h"
#include "dashboard_data.h"

namespace engage::hub::dash {

// The bars' positions and widths are numbers computed here; the markup is chart.mustache.
std::string Dashboard::chart(const std::string& id, const std::string& title, const std::vector<Bar>& bars) const {
    constexpr int kWidth = 800, kLabelW = 330, kBarX = 340, kBarW = 340, kRow = 36, kPad = 8;
    const int height = kPad * 2 + static_cast<int>(bars.size()) * kRow;
    std::int64_t max = 1;
    for (const auto& b : bars)
        if (!results::suppressed(b.n, min_)) max = std::max(max, b.n);
    Data d, list{Data::type::list};
    d.set("id", id);
    d.set("title", title);
    d.set("width", std::to_string(kWidth));
    d.set("height", std::to_string(height));
    d.set("min", std::to_string(min_));
    int y = kPad;
    for (const auto& b : bars) {
        const bool few = results::suppressed(b.n, min_);
        const int w = !few && b.n > 0 ? std::max(2, static_cast<int>(kBarW * b.n / max)) : 0;
        Data bar;
        bar.set("label", b.label);
        bar.set("short_label", clip(b.label, 38));
        bar.set("n", std::to_string(b.n));
        // The small-number rule covers both: a hidden count has no percentage either (results::rows).
        if (b.percent && !few) bar.set("percent", std::to_string(*b.percent));
        bar.set("few", yes(few));
        bar.set("bar", yes(w > 0));
        bar.set("label_x", std::to_string(kLabelW));
        bar.set("bar_x", std::to_string(kBarX));
        bar.set("bar_y", std::to_string(y + 6));
        bar.set("bar_w", std::to_string(w));
        bar.set("bar_pct", std::to_string(!few && b.n > 0 ? std::max<std::int64_t>(1, 100 * b.n / max) : 0));
        bar.set("bar_h", std::to_string(kRow - 12));
        bar.set("n_x", std::to_string(kBarX + w + 8));
        bar.set("text_y", std::to_string(y + kRow / 2 + 5));
        list.push_back(bar);
        y += kRow;
    }
    d.set("bars", list);
    return templates_->render("chart", d);
}

std::string Dashboard::label(const Survey* s, const results::QuestionTally& q, const std::string& id) const {
    const Question* def = s ? s->find(q.id) : nullptr;
    if (def) {
        for (const auto& o : def->options)
            if (o.id == id && !o.label.empty()) return o.label.get("en");
        const std::string key = std::string("option.") + to_string(def->type) + "." + id;
        if (strings_.all().count(key)) return strings_.get(key);
        if (id == kOtherOptionId) return "Other";
        if (def->type == QuestionType::Scale) {
            if (id == "0" && !def->low_label.empty()) return "0 (" + def->low_label.get("en") + ")";
            if (id == "10" && !def->high_label.empty()) return "10 (" + def->high_label.get("en") + ")";
        }
    }
    return id;
}

std::string Dashboard::questions(Ctx& c, const http::Request&) {
    Data d;
    d.set("filter_form", filter_form(c, "/dashboard/questions"));
    d.set("min", std::to_string(min_));
    auto done = [&] { return page(c, "Questions", "/dashboard/questions", templates_->render("questions", d)); };
    const auto counts = by_survey(store_, c.f);
    // Which survey: the chosen one, else the one with the most responses here.
    std::string survey = c.f.survey;
    if (survey.empty()) {
        std::map<std::string, std::int64_t> n;
        for (const auto& sc : counts) n[sc.id] += sc.responses;
        std::int64_t best = -1;
        for (const auto& [id, k] : n)
            if (k > best) best = k, survey = id;
    }
    int version = 0;
    std::int64_t responses = 0, bad = 0;
    std::set<int> versions;
    for (const auto& sc : counts)
        if (sc.id == survey && sc.responses > 0) {
            responses += sc.responses;
            bad += sc.bad;
            versions.insert(sc.version);
            version = std::max(version, sc.version);
        }
    if (survey.empty()) {
        d.set("none", yes(true));
        return done();
    }
    const Survey* def = surveys_.find(survey, version);
    std::string vtext;
    for (int v : versions) vtext += (vtext.empty() ? "" : ", ") + std::to_string(v);
    Data sd;
    sd.set("title", surveys_.title(survey));
    sd.set("id", survey);
    sd.set("plural", yes(versions.size() > 1));
    sd.set("versions", vtext);
    sd.set("no_copy", yes(!def));
    sd.set("responses", count_text(responses));
    sd.set("export_links", export_links(c));
    if (too_few(responses)) {
        sd.set("too_few", yes(true));
        d.set("survey", sd);
        return done();
    }

    const results::Tally t = tally(tally_rows(store_, c.f, survey), def, responses, bad);
    int chart_no = 0;
    Data list{Data::type::list};
    for (const auto& q : t.questions) {
        const Question* qd = def ? def->find(q.id) : nullptr;
        const std::string prompt = qd && !qd->prompt.get("en").empty() ? qd->prompt.get("en") : q.id;
        Data qx;
        qx.set("prompt", prompt);
        qx.set("answered", count_text(q.answered));
        qx.set("several", yes(results::has_percentages(q) && !results::single_answer(q)));
        if (q.type == "text") {
            Filters f = c.f;
            f.survey = survey;
            qx.set("texts_link", "/dashboard/texts" + query(f));
        } else if (too_few(q.answered)) {
            qx.set("few_answers", yes(true));
        } else {
            // The kiosk's own figures (engage/results.h): largest remainder, the headline, the small-number rule.
            if (const results::Headline head = results::headline(q, min_)) {
                std::string answers;
                for (std::size_t i = 0; i < head.ids.size(); ++i)
                    answers += (i ? strings_.get("results.list_join") : "") + label(def, q, head.ids[i]);
                qx.set("headline", strings_.fmt(head.ids.size() > 1 ? "results.headline_tie" : "results.headline",
                                                {{"answer", answers}, {"answers", answers},
                                                 {"percent", std::to_string(head.percent)}}));
            }
            std::vector<Bar> bars;
            for (const auto& r : results::rows(q, min_)) bars.push_back({label(def, q, r.id), r.n, r.percent});
            qx.set("chart", chart("chart-" + std::to_string(++chart_no), prompt, bars));
        }
        list.push_back(qx);
    }
    sd.set("questions", list);
    sd.set("bad", yes(t.bad > 0));
    d.set("survey", sd);
    return done();
}

}  // namespace engage::hub::dash
