// A respondent's answers to one survey, held in memory until Finish.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engage/survey.h"

namespace engage {

struct Answer {
    std::optional<int> number;             // smiley (1..5), scale (0..10)
    std::vector<std::string> selected;     // choice/agree: one id; multi/needs: any ids
    std::string text;                      // text answer, or the "Other" free text
    bool empty() const { return !number && selected.empty() && text.empty(); }
};

using Answers = std::map<std::string, Answer>;  // question id -> answer

// Is `a` a complete answer for `q` (what "required" demands)?
bool is_answered(const Question& q, const Answer& a);

// Does q.show_if hold given the answers so far? (true when q has no show_if)
bool is_shown(const Survey& s, const Question& q, const Answers& answers);

// The answers as a JSON object string (see docs/survey-format.md, "Stored answers"):
// only questions that are shown and answered are included.
std::string answers_to_json(const Survey& s, const Answers& answers);

}  // namespace engage
