// The Questions page (GET /dashboard/questions): one chart (SVG and the same as a table) per question.
#include <algorithm>
#include <map>
#include <set>

#include "dashboard_app.h"
#include "dashboard_data.h"

namespace engage::hub::dash {

std::string Dashboard::chart(const std::string& id, const std::string& title,
                             const std::vector<std::pair<std::string, std::int64_t>>& bars) const {
    constexpr int kWidth = 800, kLabelW = 330, kBarX = 340, kBarW = 340, kRow = 36, kPad = 8;
    const int height = kPad * 2 + static_cast<int>(bars.size()) * kRow;
    std::int64_t max = 1;
    for (const auto& [label, n] : bars)
        if (!results::suppressed(n, min_)) max = std::max(max, n);
    std::string s = "<figure>\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + std::to_string(kWidth) + " " +
                    std::to_string(height) + "\" width=\"" + std::to_string(kWidth) + "\" height=\"" +
                    std::to_string(height) + "\" role=\"img\" aria-labelledby=\"" + h(id) + "-t\">\n<title id=\"" +
                    h(id) + "-t\">" + h(title) + "</title>\n";
    int y = kPad;
    for (const auto& [label, n] : bars) {
        const std::string ty = std::to_string(y + kRow / 2 + 5);
        s += "<text x=\"" + std::to_string(kLabelW) + "\" y=\"" + ty +
             "\" text-anchor=\"end\" font-size=\"15\" fill=\"#1a1a1a\">" + h(clip(label, 38)) + "</text>\n";
        if (results::suppressed(n, min_)) {
            s += "<text x=\"" + std::to_string(kBarX) + "\" y=\"" + ty +
                 "\" font-size=\"15\" font-style=\"italic\" fill=\"#4a4a4a\">fewer than " + std::to_string(min_) +
                 "</text>\n";
        } else {
            const int w = n > 0 ? std::max(2, static_cast<int>(kBarW * n / max)) : 0;
            if (w > 0)
                s += "<rect x=\"" + std::to_string(kBarX) + "\" y=\"" + std::to_string(y + 6) + "\" width=\"" +
                     std::to_string(w) + "\" height=\"" + std::to_string(kRow - 12) + "\" fill=\"#1f5f9e\"/>\n";
            s += "<text x=\"" + std::to_string(kBarX + w + 8) + "\" y=\"" + ty +
                 "\" font-size=\"15\" fill=\"#1a1a1a\">" + std::to_string(n) + "</text>\n";
        }
        y += kRow;
    }
    s += "</svg>\n<details><summary>The same as a table</summary>\n<table>\n<caption>" + h(title) +
         "</caption>\n<thead><tr><th scope=\"col\">Answer</th><th scope=\"col\">Responses</th></tr></thead>\n<tbody>\n";
    for (const auto& [label, n] : bars) s += "<tr><th scope=\"row\">" + h(label) + "</th>" + count_cell(n) + "</tr>\n";
    s += "</tbody>\n</table>\n</details>\n</figure>\n";
    return s;
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
    std::string b = "<h1>Questions</h1>\n" + filter_form(c, "/dashboard/questions");
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
    if (survey.empty()) return page(c, "Questions", "/dashboard/questions", b + "<p>No responses match these filters yet.</p>\n");
    const Survey* def = surveys_.find(survey, version);
    std::string vtext;
    for (int v : versions) vtext += (vtext.empty() ? "" : ", ") + std::to_string(v);
    b += "<h2>" + h(surveys_.title(survey)) + "</h2>\n<p class=\"meta\">Survey " + h(survey) + ", version" +
         (versions.size() > 1 ? "s " : " ") + h(vtext) + (def ? "" : " (the hub has no copy of this survey: ids are shown)") +
         ". Responses: " + count_text(responses) + ".</p>\n" + export_links(c);
    if (too_few(responses)) return page(c, "Questions", "/dashboard/questions", b + too_few_note("These filters"));

    const results::Tally t = tally(tally_rows(store_, c.f, survey), def, responses, bad);
    int chart_no = 0;
    for (const auto& q : t.questions) {
        const Question* qd = def ? def->find(q.id) : nullptr;
        const std::string prompt = qd && !qd->prompt.get("en").empty() ? qd->prompt.get("en") : q.id;
        b += "<section>\n<h3>" + h(prompt) + "</h3>\n<p class=\"meta\">" + h(q.id) + " · " + h(q.type) +
             " · answered by " + count_text(q.answered) + "</p>\n";
        if (q.type == "text") {
            Filters f = c.f;
            f.survey = survey;
            b += "<p>Free-text answers are listed on the <a href=\"" + h("/dashboard/texts" + query(f)) +
                 "\">Texts</a> page.</p>\n</section>\n";
            continue;
        }
        if (too_few(q.answered)) {
            b += too_few_note("This question") + "</section>\n";
            continue;
        }
        std::vector<std::pair<std::string, std::int64_t>> bars;
        for (const auto& cnt : q.counts) bars.emplace_back(label(def, q, cnt.id), cnt.n);
        b += chart("chart-" + std::to_string(++chart_no), prompt, bars) + "</section>\n";
    }
    if (t.bad > 0) b += "<p class=\"meta\">Some responses could not be read and are not counted.</p>\n";
    return page(c, "Questions", "/dashboard/questions", b);
}

}  // namespace engage::hub::dash
