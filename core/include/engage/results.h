// Results across many responses: tallies of stored answers, the small-number rule, free text that needs an
// organiser's review before it is shared, and spreadsheet-safe cells. No hub or UI includes: the hub's
// dashboard and exports and the kiosk's results screen all use this.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engage/survey.h"

namespace engage::results {

constexpr int kDefaultMinCount = 5;  // small-number rule: counts of 1..4 are not shown
constexpr int kFloorMinCount = 3;    // the rule can be configured, never below this
int clamp_min_count(int requested);  // max(requested, kFloorMinCount)

// Tally of many responses' stored answers (docs/survey-format.md "Stored answers").
struct Count {
    std::string id;      // option id, or the value as text ("1".."5", "0".."10")
    std::int64_t n = 0;
};

struct QuestionTally {
    std::string id;
    // From the survey when known ("smiley", "choice", "multi", "agree", "scale", "text", "needs"); else guessed
    // from the JSON shape: "number" (an integer), "option" (a string that is an id: 1-64 of a-z 0-9 _ -),
    // "options" ({"selected": [...]}), "text" (any other string). A guessed "option" question that later gets a
    // string that is not an id becomes "text": its counted values move to `texts` (first-seen order, repeated).
    std::string type;
    std::int64_t answered = 0;  // responses that answered it (with a value of the right shape)
    // Survey option order when the survey is known (smiley "1".."5", scale "0".."10", the built-in agree/needs
    // ids, or the survey's options; then "other" when allow_other), all listed even at 0; values the survey does
    // not list (another survey version) follow in first-seen order. Unknown survey: first-seen order, except
    // "number" questions, kept in ascending numeric order. Includes "other" for multi/needs.
    std::vector<Count> counts;
    std::vector<std::string> texts;  // free text (text questions and "other" texts), in arrival order
};

struct Tally {
    std::int64_t responses = 0;             // answers that were a JSON object
    std::vector<QuestionTally> questions;   // survey order when known, then unknown keys in first-seen order
    std::int64_t bad = 0;                   // answers that were not a JSON object (never throws)
};

// A question's tally before any response: its type and every count the survey lists, at 0, in survey order.
QuestionTally empty_tally(const Question& q);

// Adds one response's answers JSON. `survey` may be null; pass the same survey (or null) to every add on one
// Tally. Values of the wrong shape for a known question (a string for a smiley) are ignored.
void add(Tally& t, const std::string& answers_json, const Survey* survey);

// Live counts (a kiosk with sealed answers keeps only these; docs/storage.md "Live counts"): one response's part
// as (question, "") for each question it answered and (question, value) for each counted value (an option id, or a
// smiley / scale number as text). Never free text: text questions and Other texts count only as answered, and
// without the survey a string answer (an option id or a written word: there is no telling) is left out.
struct CountKey {
    std::string question;
    std::string value;  // "" = answered
};
std::vector<CountKey> countable(const std::string& answers_json, const Survey* survey);
// The Tally that add() would make for those responses, from the summed counts (rows need not be sorted); `texts`
// stays empty. `survey` may be null.
struct CountRow {
    CountKey key;
    std::int64_t n = 0;
};
Tally tally_from_counts(std::int64_t responses, const std::vector<CountRow>& rows, const Survey* survey);

// The question's tally, or null.
const QuestionTally* find(const Tally& t, const std::string& question_id);

// The small-number rule: a count of 1..min_count-1 is not shown (0 is shown: nothing to protect).
// `min_count` is clamped first (never below kFloorMinCount).
bool suppressed(std::int64_t n, int min_count);
// "fewer than 5" (with the clamped min_count) when suppressed, else the number.
std::string shown_count(std::int64_t n, int min_count);

// Percentages for the room, under the same small-number rule.
//
// A single-answer question (smiley, choice, agree, scale, or a guessed "number"/"option") has one answer per
// response, so its percentages are shares of `answered`, rounded by largest remainder so that all of them add
// to 100. A multi/needs question counts each option's share of the people who answered it (they may pick
// several), each rounded half up. Text questions have none.
bool single_answer(const QuestionTally& qt);
bool has_percentages(const QuestionTally& qt);
// Whole percentages of counts[i].n out of `base`; largest remainder when `add_to_100` (ties: the larger count,
// then the earlier one), else each rounded half up. All 0 when base <= 0.
std::vector<int> percentages(const std::vector<Count>& counts, std::int64_t base, bool add_to_100);

// One line of a question's results: the count, shown or not, and its percentage when it may be shown. The
// percentage is left out when the count is "fewer than N", and for every option when fewer than N people
// answered the question at all.
struct Row {
    std::string id;
    std::int64_t n = 0;
    bool hidden = false;              // shown as "fewer than N" (shown_count)
    std::optional<int> percent;
};
std::vector<Row> rows(const QuestionTally& qt, int min_count);

// "Most chose: Good — 45 %": the most chosen answer(s) and their share, or none (an empty `ids`) when the
// question has fewer than min_count answers, when the top count itself would be hidden, for text questions and
// when nobody answered. `ids` holds every answer tied at the top, in the tally's order.
struct Headline {
    std::vector<std::string> ids;
    std::int64_t n = 0;
    int percent = 0;
    explicit operator bool() const { return !ids.empty(); }
};
Headline headline(const QuestionTally& qt, int min_count);

// Free text that looks like it names or contacts someone, to be held back until an organiser has reviewed it:
//  - an email address or phone number (engage/textcheck.h looks_personal);
//  - a web address (http://, www., or a word.tld such as example.org) or an @handle;
//  - a title and a name: "Mr Smith", "Dr. Jones", "Pani Nowak", "пан Шевченко", Chinese 王先生 / 李女士 / 张小姐;
//  - two or more capitalised words in a row ("I met John Smith", "Spotkałam Jana Kowalskiego",
//    "Олена Петренко допомогла"). A capitalised word is an upper-case letter followed by a lower-case one, in
//    Latin (incl. Polish, Gaelic accents), Cyrillic or Greek script. So acronyms ("BSL", "NHS") and "I" alone are
//    not, and "NHS Lothian" passes; a run that starts a sentence is flagged unless its first word is a common
//    sentence opener ("The Library was warm" passes, "John Smith was rude" is held back).
// Place names mid-sentence ("near Leith Library") are held back too: erring on the side of holding back.
// Names alone ("ask John") and names in scripts without case (Chinese, without a title) are not detected.
bool needs_review(const std::string& text);

// Spreadsheet formula injection: a cell starting with = + - @ TAB or CR gets a leading apostrophe, so Excel and
// LibreOffice show it as text and never run it.
std::string neutralise_cell(const std::string& cell);

}  // namespace engage::results
