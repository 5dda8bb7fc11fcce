// Answer checks, show_if evaluation and the stored JSON form (docs/survey-format.md, "Stored answers").
#include "engage/answers.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace engage {
namespace {

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r\n\f\v");
    if (first == std::string_view::npos) return {};
    return s.substr(first, s.find_last_not_of(" \t\r\n\f\v") - first + 1);
}

bool has(const std::vector<std::string>& v, std::string_view s) { return std::find(v.begin(), v.end(), s) != v.end(); }

// The option ids `q` offers, in display order, without "Other" (built-ins if the list is empty).
std::vector<std::string> option_ids(const Question& q) {
    if (q.options.empty()) return builtin_option_ids(q.type);
    std::vector<std::string> ids;
    for (const auto& o : q.options) ids.push_back(o.id);
    return ids;
}

bool offers(const Question& q, const std::string& id) {
    return (q.allow_other && id == kOtherOptionId) || has(option_ids(q), id);
}

}  // namespace

bool is_answered(const Question& q, const Answer& a) {
    switch (q.type) {
        case QuestionType::Smiley: return a.number && *a.number >= 1 && *a.number <= 5;
        case QuestionType::Scale: return a.number && *a.number >= 0 && *a.number <= 10;
        case QuestionType::Text: return !trim(a.text).empty();
        case QuestionType::Note: return false;  // words only: never answered
        case QuestionType::Choice:
        case QuestionType::Agree:
            return a.selected.size() == 1 && offers(q, a.selected[0]) &&
                   (a.selected[0] != kOtherOptionId || !trim(a.text).empty());
        case QuestionType::Multi:
        case QuestionType::Needs:
            return !a.selected.empty() &&
                   std::all_of(a.selected.begin(), a.selected.end(), [&](const std::string& id) {
                       return offers(q, id) && (id != kOtherOptionId || !trim(a.text).empty());
                   });
    }
    return false;
}

namespace {
bool holds(const Survey& s, const ShowIf& cond, int self, const Answers& answers) {
    switch (cond.kind) {
        case ShowIf::Kind::All:
            return std::all_of(cond.items.begin(), cond.items.end(),
                               [&](const ShowIf& c) { return holds(s, c, self, answers); });
        case ShowIf::Kind::Any:
            return std::any_of(cond.items.begin(), cond.items.end(),
                               [&](const ShowIf& c) { return holds(s, c, self, answers); });
        case ShowIf::Kind::Not: return cond.items.size() == 1 && !holds(s, cond.items[0], self, answers);
        case ShowIf::Kind::Leaf: break;
    }
    const int dep = s.index_of(cond.question);
    if (dep < 0 || (self >= 0 && dep >= self)) return false;  // only earlier questions count (no cycles)
    const Question& earlier = s.questions[static_cast<std::size_t>(dep)];
    const auto it = answers.find(earlier.id);
    if (it == answers.end() || !is_answered(earlier, it->second) || !is_shown(s, earlier, answers)) return false;
    const Answer& a = it->second;
    if (cond.at_least && (!a.number || *a.number < *cond.at_least)) return false;
    if (cond.at_most && (!a.number || *a.number > *cond.at_most)) return false;
    if (cond.is.empty()) return true;
    if (earlier.type == QuestionType::Smiley || earlier.type == QuestionType::Scale)
        return a.number && has(cond.is, std::to_string(*a.number));
    return std::any_of(a.selected.begin(), a.selected.end(), [&](const std::string& id) { return has(cond.is, id); });
}
}  // namespace

bool is_shown(const Survey& s, const Question& q, const Answers& answers) {
    return !q.show_if || holds(s, *q.show_if, s.index_of(q.id), answers);
}

std::string answers_to_json(const Survey& s, const Answers& answers) {
    nlohmann::ordered_json out = nlohmann::ordered_json::object();  // keys in survey order
    for (const Question& q : s.questions) {
        const auto it = answers.find(q.id);
        if (it == answers.end() || !is_answered(q, it->second) || !is_shown(s, q, answers)) continue;
        const Answer& a = it->second;
        switch (q.type) {
            case QuestionType::Smiley:
            case QuestionType::Scale: out[q.id] = *a.number; break;
            case QuestionType::Choice:
            case QuestionType::Agree:
                if (q.allow_other && a.selected[0] == kOtherOptionId)  // the words typed go with it, as a multi's do
                    out[q.id] = {{"selected", nlohmann::ordered_json::array({kOtherOptionId})},
                                 {"other", std::string(trim(a.text))}};
                else
                    out[q.id] = a.selected[0];
                break;
            case QuestionType::Text: out[q.id] = std::string(trim(a.text)); break;
            case QuestionType::Note: break;
            case QuestionType::Multi:
            case QuestionType::Needs: {
                auto selected = nlohmann::ordered_json::array();  // option order, no repeats, Other last
                for (const auto& id : option_ids(q))
                    if (has(a.selected, id)) selected.push_back(id);
                const bool other = q.allow_other && has(a.selected, kOtherOptionId);
                if (other) selected.push_back(kOtherOptionId);
                auto& v = out[q.id];
                v["selected"] = std::move(selected);
                if (other) v["other"] = std::string(trim(a.text));
                break;
            }
        }
    }
    // Text comes from the on-screen keyboard, but never let bad UTF-8 throw here.
    return out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace engage
