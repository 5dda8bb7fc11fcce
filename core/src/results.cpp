#include "engage/results.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <string_view>
#include <unordered_set>

#include "engage/textcheck.h"

namespace engage::results {
namespace {

using json = nlohmann::ordered_json;  // keeps the keys in the order stored (survey order)

// ---- tallies ------------------------------------------------------------------------------------

bool valid_id(const std::string& s) {
    if (s.empty() || s.size() > 64) return false;
    for (unsigned char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
    return true;
}

void bump(std::vector<Count>& counts, const std::string& id) {
    for (auto& c : counts)
        if (c.id == id) {
            ++c.n;
            return;
        }
    counts.push_back({id, 1});
}

// Numbers of unknown questions: ascending numeric order.
void bump_number(std::vector<Count>& counts, std::int64_t v) {
    const std::string id = std::to_string(v);
    auto it = counts.begin();
    for (; it != counts.end(); ++it) {
        if (it->id == id) {
            ++it->n;
            return;
        }
        if (std::stoll(it->id) > v) break;
    }
    counts.insert(it, Count{id, 1});
}

void init_from_survey(Tally& t, const Survey& s) {
    for (const Question& q : s.questions)
        if (q.type != QuestionType::Note) t.questions.push_back(empty_tally(q));  // a note: words only, nothing to count
}

// Answers come in survey order, so the next question is usually the one after the last one found.
QuestionTally& question(Tally& t, const std::string& id, std::size_t& hint) {
    const std::size_t n = t.questions.size();
    for (std::size_t k = 0; k < n; ++k) {
        const std::size_t i = (hint + k) % n;
        if (t.questions[i].id == id) {
            hint = i + 1;
            return t.questions[i];
        }
    }
    t.questions.push_back(QuestionTally{id, "", 0, {}, {}});
    hint = t.questions.size();
    return t.questions.back();
}

bool selected_shape(const json& v) {
    if (!v.is_object()) return false;
    auto it = v.find("selected");
    return it != v.end() && it->is_array();
}

void add_selected(QuestionTally& qt, const json& v) {
    bool any = false;
    for (const auto& id : v["selected"])
        if (id.is_string()) {
            bump(qt.counts, id.get<std::string>());
            any = true;
        }
    auto other = v.find("other");
    if (other != v.end() && other->is_string() && !other->get<std::string>().empty())
        qt.texts.push_back(other->get<std::string>());
    if (any) ++qt.answered;
}

void add_known(QuestionTally& qt, QuestionType type, const json& v) {
    switch (type) {
        case QuestionType::Smiley:
        case QuestionType::Scale:
            if (!v.is_number_integer()) return;
            bump(qt.counts, std::to_string(v.get<std::int64_t>()));
            ++qt.answered;
            return;
        case QuestionType::Choice:
        case QuestionType::Agree:
            if (selected_shape(v)) return add_selected(qt, v);  // Other, with the words typed (allow_other)
            if (!v.is_string()) return;
            bump(qt.counts, v.get<std::string>());
            ++qt.answered;
            return;
        case QuestionType::Multi:
        case QuestionType::Needs:
            if (selected_shape(v)) add_selected(qt, v);
            return;
        case QuestionType::Note: return;
        case QuestionType::Text:
            if (!v.is_string()) return;
            qt.texts.push_back(v.get<std::string>());
            ++qt.answered;
            return;
    }
}

void add_guessed(QuestionTally& qt, const json& v) {
    if (v.is_number_integer()) {
        if (qt.type.empty()) qt.type = "number";
        if (qt.type != "number") return;
        bump_number(qt.counts, v.get<std::int64_t>());
        ++qt.answered;
    } else if (v.is_string()) {
        const std::string s = v.get<std::string>();
        if (qt.type.empty()) qt.type = valid_id(s) ? "option" : "text";
        if (qt.type == "option" && !valid_id(s)) {
            // Free text after all: what was counted becomes text.
            qt.type = "text";
            for (const auto& c : qt.counts)
                for (std::int64_t i = 0; i < c.n; ++i) qt.texts.push_back(c.id);
            qt.counts.clear();
        }
        if (qt.type == "option") bump(qt.counts, s);
        else if (qt.type == "text") qt.texts.push_back(s);
        else return;
        ++qt.answered;
    } else if (selected_shape(v)) {
        if (qt.type.empty()) qt.type = "options";
        if (qt.type != "options") return;
        add_selected(qt, v);
    }
}

// ---- free text: UTF-8 and letter case without ICU ---------------------------------------------------

struct Cp {
    char32_t c;
    std::size_t at, len;
};

std::vector<Cp> decode(std::string_view s) {
    std::vector<Cp> out;
    for (std::size_t i = 0; i < s.size();) {
        const unsigned char b = static_cast<unsigned char>(s[i]);
        std::size_t len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
        char32_t c = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
        bool ok = len > 0 && i + len <= s.size();
        for (std::size_t k = 1; ok && k < len; ++k) {
            const unsigned char x = static_cast<unsigned char>(s[i + k]);
            ok = (x & 0xC0) == 0x80;
            c = (c << 6) | (x & 0x3F);
        }
        if (!ok) {
            c = 0xFFFD;
            len = 1;
        }
        out.push_back({c, i, len});
        i += len;
    }
    return out;
}

bool is_upper(char32_t c) {
    if (c >= 'A' && c <= 'Z') return true;
    if (c >= 0xC0 && c <= 0xDE) return c != 0xD7;
    if (c >= 0x100 && c <= 0x137) return c % 2 == 0;
    if (c >= 0x139 && c <= 0x148) return c % 2 == 1;
    if (c >= 0x14A && c <= 0x177) return c % 2 == 0;
    if (c == 0x178) return true;
    if (c >= 0x179 && c <= 0x17E) return c % 2 == 1;
    if (c >= 0x391 && c <= 0x3AB) return c != 0x3A2;
    if (c >= 0x400 && c <= 0x42F) return true;
    if (c >= 0x460 && c <= 0x481) return c % 2 == 0;
    if (c >= 0x48A && c <= 0x4BF) return c % 2 == 0;
    if (c >= 0x1E00 && c <= 0x1EFF) return c % 2 == 0;
    return false;
}

bool is_lower(char32_t c) {
    if (c >= 'a' && c <= 'z') return true;
    if (c >= 0xDF && c <= 0xFF) return c != 0xF7;
    if (c >= 0x100 && c <= 0x17F) return !is_upper(c);
    if (c >= 0x3AC && c <= 0x3CE) return true;
    if (c >= 0x430 && c <= 0x45F) return true;
    if (c >= 0x460 && c <= 0x481) return c % 2 == 1;
    if (c >= 0x48A && c <= 0x4BF) return c % 2 == 1;
    if (c >= 0x1E00 && c <= 0x1EFF) return c % 2 == 1;
    return false;
}

char32_t to_lower(char32_t c) {
    if (!is_upper(c)) return c;
    if (c < 0x80 || (c >= 0xC0 && c <= 0xDE) || (c >= 0x391 && c <= 0x3AB) || (c >= 0x410 && c <= 0x42F))
        return c + 0x20;
    if (c >= 0x400 && c <= 0x40F) return c + 0x50;
    if (c == 0x178) return 0xFF;
    return c + 1;
}

bool is_word_cp(char32_t c) {
    if (c < 0x80) return std::isalnum(static_cast<unsigned char>(c)) != 0;
    if (c < 0xC0 || c == 0xD7 || c == 0xF7) return false;
    if (c >= 0x2000 && c <= 0x2BFF) return false;   // punctuation, symbols, arrows
    if (c >= 0x3000 && c <= 0x303F) return false;   // CJK punctuation
    if (c >= 0xFE30 && c <= 0xFE4F) return false;
    if ((c >= 0xFF00 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20) || (c >= 0xFF3B && c <= 0xFF40) ||
        (c >= 0xFF5B && c <= 0xFF65))
        return false;
    return c != 0xFFFD;
}

bool ends_sentence(char32_t c) {
    return c == '.' || c == '!' || c == '?' || c == '\n' || c == '\r' || c == 0x2026 || c == 0x3002 ||
           c == 0xFF01 || c == 0xFF1F;
}

bool is_space(char32_t c) { return c == ' ' || c == '\t' || c == 0xA0 || c == 0x3000; }

struct Word {
    std::u32string lower;   // lower-cased
    bool capitalised = false;
    bool all_caps = false;
    bool at_start = false;       // first word of a sentence
    bool spaced = false;         // only spaces (no new line, no punctuation) since the previous word
    bool title_gap = false;      // spaces, optionally after one '.', since the previous word
};

std::vector<Word> words_of(const std::vector<Cp>& cps) {
    std::vector<Word> out;
    bool sentence = true;
    std::size_t gap_spaces = 0, gap_dots = 0, gap_other = 0;
    for (std::size_t i = 0; i < cps.size();) {
        if (!is_word_cp(cps[i].c)) {
            const char32_t c = cps[i].c;
            if (ends_sentence(c)) sentence = true;
            if (c == '.') ++gap_dots;
            else if (is_space(c)) ++gap_spaces;
            else ++gap_other;
            ++i;
            continue;
        }
        Word w;
        std::size_t j = i, uppers = 0, letters = 0, lowers = 0;
        while (j < cps.size()) {
            const char32_t c = cps[j].c;
            if (is_word_cp(c)) {
                w.lower.push_back(to_lower(c));
                if (is_upper(c)) ++uppers;
                if (is_lower(c)) ++lowers;
                if (is_upper(c) || is_lower(c)) ++letters;
                ++j;
            } else if ((c == '\'' || c == 0x2019 || c == '-') && j + 1 < cps.size() && is_word_cp(cps[j + 1].c)) {
                w.lower.push_back(c);
                ++j;
            } else {
                break;
            }
        }
        // "John", "O'Brien", "McDonald", "Łucja", "Олена"; not "I", "BSL", "NHS", "iPad".
        w.capitalised = is_upper(cps[i].c) && lowers > 0;
        w.all_caps = letters >= 2 && uppers == letters;
        w.at_start = sentence;
        w.spaced = !out.empty() && gap_spaces > 0 && gap_dots == 0 && gap_other == 0;
        w.title_gap = !out.empty() && gap_spaces > 0 && gap_dots <= 1 && gap_other == 0;
        out.push_back(std::move(w));
        sentence = false;
        gap_spaces = gap_dots = gap_other = 0;
        i = j;
    }
    return out;
}

std::u32string u32(std::string_view s) {
    std::u32string out;
    for (const auto& cp : decode(s)) out.push_back(cp.c);
    return out;
}

using WordSet = std::unordered_set<std::u32string>;
WordSet word_set(std::initializer_list<const char*> list) {
    WordSet out;
    for (const char* s : list) out.insert(u32(s));
    return out;
}

// Titles before a name: "mr smith" (any word after a strong title), "Pani Nowak" (a capitalised word after a
// weak one, which is also an everyday word).
bool title_and_name(const std::vector<Word>& ws) {
    for (std::size_t i = 0; i + 1 < ws.size(); ++i) {
        const Word& t = ws[i];
        const Word& n = ws[i + 1];
        if (t.all_caps || !n.title_gap) continue;  // "MS" is a condition, not a title
        static const WordSet kStrong = word_set({"mr", "mrs", "ms", "mx", "dr", "prof", "cllr", "councillor", "revd"});
        static const WordSet kWeak = word_set({"miss", "sir", "dame", "lord", "lady", "father", "sister", "brother",
                                            "auntie", "aunt", "uncle", "nurse", "doctor", "professor", "pastor",
                                            "imam", "rabbi", "pan", "pani", "pana", "panu", "panem", "panią",
                                            "panie", "pań", "doktor", "пан", "пані", "пана", "пане", "панові",
                                            "паном", "лікар", "лікарка", "доктор"});
        const bool strong = kStrong.count(t.lower) > 0;
        const bool weak = kWeak.count(t.lower) > 0;
        if ((strong && !n.lower.empty() && is_lower(n.lower[0])) || ((strong || weak) && n.capitalised))
            return true;
    }
    return false;
}

// Words that often start a sentence with a capital and are not names.
bool common_opener(const std::u32string& w) {
    static const WordSet kOpeners = word_set({"the", "a", "an", "this", "that", "these", "those", "my", "our", "your", "their", "his",
                       "her", "its", "we", "they", "it", "he", "she", "you", "very", "really", "more", "most",
                       "some", "many", "all", "not", "no", "yes", "please", "thank", "thanks", "great", "good",
                       "nice", "lovely", "better", "best", "too", "so", "and", "but", "or", "if", "when", "what",
                       "why", "how", "where", "who", "there", "here", "love", "loved", "need", "would", "could",
                       "should", "can", "will", "just", "maybe", "also", "overall", "today", "everyone",
                       "everything", "nothing", "less", "having", "being", "getting", "going", "visit",
                       "visiting", "in", "at", "on", "for", "from", "with", "to", "by", "about", "after", "before",
                       "since", "last", "next", "every", "each", "one", "two", "both", "only", "even", "still",
                       "come", "go", "keep", "make", "let", "let's", "try", "use", "ask"});
    return kOpeners.count(w) > 0;
}

bool capitalised_run(const std::vector<Word>& ws) {
    for (std::size_t i = 0; i < ws.size();) {
        if (!ws[i].capitalised) {
            ++i;
            continue;
        }
        std::size_t j = i + 1;
        while (j < ws.size() && ws[j].capitalised && ws[j].spaced) ++j;
        std::size_t run = j - i;
        if (ws[i].at_start && common_opener(ws[i].lower)) --run;
        if (run >= 2) return true;
        i = j;
    }
    return false;
}

bool ascii_ifind(std::string_view text, std::string_view needle) {
    if (needle.size() > text.size()) return false;
    for (std::size_t i = 0; i + needle.size() <= text.size(); ++i) {
        std::size_t k = 0;
        while (k < needle.size() &&
               std::tolower(static_cast<unsigned char>(text[i + k])) == static_cast<unsigned char>(needle[k]))
            ++k;
        if (k == needle.size()) return true;
    }
    return false;
}

bool web_address(std::string_view t) {
    if (ascii_ifind(t, "http://") || ascii_ifind(t, "https://") || ascii_ifind(t, "www.")) return true;
    // host.tld: letters/digits/hyphens, dot-separated, the last label a known or two-letter top-level domain.
    static const char* const kTlds[] = {"com", "org", "net", "gov", "edu", "info", "scot", "wales", "london",
                                        "app", "dev", "biz", "online", "site", "xyz", "nhs", "page", "blog", "shop"};
    auto host_char = [](unsigned char c) { return std::isalnum(c) || c == '-'; };
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (t[i] != '.' || i == 0 || !host_char(static_cast<unsigned char>(t[i - 1]))) continue;
        std::size_t e = i + 1;
        while (e < t.size() && std::islower(static_cast<unsigned char>(t[e]))) ++e;
        const std::string_view label = t.substr(i + 1, e - i - 1);
        if (e < t.size() && host_char(static_cast<unsigned char>(t[e]))) continue;  // not the last label
        if (label.size() == 2) return true;
        for (const char* tld : kTlds)
            if (label == tld) return true;
    }
    return false;
}

bool handle(std::string_view t) {
    for (std::size_t i = 0; i + 1 < t.size(); ++i) {
        if (t[i] != '@') continue;
        if (i > 0 && std::isalnum(static_cast<unsigned char>(t[i - 1]))) continue;
        const unsigned char n = static_cast<unsigned char>(t[i + 1]);
        if (std::isalnum(n) || n == '_') return true;
    }
    return false;
}

bool chinese_title(const std::vector<Cp>& cps) {
    // 王先生 (Mr Wang), 李女士 (Ms Li), 张小姐 (Miss Zhang): a Han character, then the title.
    static const std::u32string titles[] = {U"先生", U"女士", U"小姐"};
    for (std::size_t i = 1; i + 1 < cps.size(); ++i) {
        const char32_t prev = cps[i - 1].c;
        if (!(prev >= 0x4E00 && prev <= 0x9FFF)) continue;
        for (const auto& tt : titles)
            if (cps[i].c == tt[0] && cps[i + 1].c == tt[1]) return true;
    }
    return false;
}

}  // namespace

int clamp_min_count(int requested) { return std::max(requested, kFloorMinCount); }

QuestionTally empty_tally(const Question& q) {
    QuestionTally qt;
    qt.id = q.id;
    qt.type = to_string(q.type);
    switch (q.type) {
        case QuestionType::Scale:
            for (int i = 0; i <= 10; ++i) qt.counts.push_back({std::to_string(i), 0});
            break;
        case QuestionType::Text: break;
        default: {
            if (!q.options.empty())
                for (const auto& o : q.options) qt.counts.push_back({o.id, 0});
            else
                for (const auto& id : builtin_option_ids(q.type)) qt.counts.push_back({id, 0});
            if (q.type == QuestionType::Smiley && qt.counts.empty())
                for (int i = 1; i <= 5; ++i) qt.counts.push_back({std::to_string(i), 0});
            if (q.allow_other)
                qt.counts.push_back({kOtherOptionId, 0});
        }
    }
    return qt;
}

void add(Tally& t, const std::string& answers_json, const Survey* survey) {
    json j = json::parse(answers_json, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) {
        ++t.bad;
        return;
    }
    if (survey && t.questions.empty()) init_from_survey(t, *survey);
    ++t.responses;
    std::size_t hint = 0;
    for (const auto& [key, v] : j.items()) {
        QuestionTally& qt = question(t, key, hint);
        const Question* q = survey ? survey->find(key) : nullptr;
        if (q) add_known(qt, q->type, v);
        else add_guessed(qt, v);
    }
}

std::vector<CountKey> countable(const std::string& answers_json, const Survey* survey) {
    Tally t;
    add(t, answers_json, survey);
    std::vector<CountKey> out;
    for (const auto& qt : t.questions) {
        if (qt.answered == 0) continue;
        // A guessed "option" is a string the survey does not explain: an option id or someone's word.
        if (qt.type == "option" || (!survey && qt.type == "text")) continue;
        out.push_back({qt.id, ""});
        if (qt.type == "text") continue;
        for (const auto& c : qt.counts)
            if (c.n > 0) out.push_back({qt.id, c.id});
    }
    return out;
}

Tally tally_from_counts(std::int64_t responses, const std::vector<CountRow>& rows, const Survey* survey) {
    Tally t;
    if (survey) init_from_survey(t, *survey);
    t.responses = responses;
    std::size_t hint = 0;
    for (const auto& r : rows) {
        QuestionTally& qt = question(t, r.key.question, hint);
        if (qt.type.empty()) qt.type = "options";  // not in the survey (another version): counted values only
        if (r.key.value.empty()) {
            qt.answered += r.n;
            continue;
        }
        auto c = std::find_if(qt.counts.begin(), qt.counts.end(), [&](const Count& x) { return x.id == r.key.value; });
        if (c == qt.counts.end()) qt.counts.push_back({r.key.value, r.n});
        else c->n += r.n;
    }
    return t;
}

const QuestionTally* find(const Tally& t, const std::string& question_id) {
    for (const auto& q : t.questions)
        if (q.id == question_id) return &q;
    return nullptr;
}

bool suppressed(std::int64_t n, int min_count) { return n > 0 && n < clamp_min_count(min_count); }

std::string shown_count(std::int64_t n, int min_count) {
    if (suppressed(n, min_count)) return "fewer than " + std::to_string(clamp_min_count(min_count));
    return std::to_string(n);
}

bool single_answer(const QuestionTally& qt) {
    for (const char* t : {"smiley", "choice", "agree", "scale", "number", "option"})
        if (qt.type == t) return true;
    return false;
}

bool has_percentages(const QuestionTally& qt) {
    return single_answer(qt) || qt.type == "multi" || qt.type == "needs" || qt.type == "options";
}

std::vector<int> percentages(const std::vector<Count>& counts, std::int64_t base, bool add_to_100) {
    std::vector<int> out(counts.size(), 0);
    if (base <= 0) return out;
    // Work in whole numbers: n * 100 / base with its remainder (counts are far below 2^56).
    std::vector<std::int64_t> rem(counts.size(), 0);
    std::int64_t sum = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
        const std::int64_t n = std::max<std::int64_t>(0, counts[i].n);
        out[i] = static_cast<int>(n * 100 / base);
        rem[i] = n * 100 % base;
        if (!add_to_100 && rem[i] * 2 >= base) ++out[i];
        sum += out[i];
    }
    if (!add_to_100 || sum >= 100) return out;
    std::vector<std::size_t> order(counts.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        if (rem[a] != rem[b]) return rem[a] > rem[b];
        return counts[a].n > counts[b].n;
    });
    for (std::size_t k = 0; k < order.size() && sum < 100; ++k) {
        if (rem[order[k]] == 0) break;  // the counts add to less than base: nothing more to hand out
        ++out[order[k]];
        ++sum;
    }
    return out;
}

std::vector<Row> rows(const QuestionTally& qt, int min_count) {
    std::vector<Row> out;
    const bool percents = has_percentages(qt) && qt.answered > 0 && !suppressed(qt.answered, min_count);
    const auto pct = percents ? percentages(qt.counts, qt.answered, single_answer(qt)) : std::vector<int>{};
    for (std::size_t i = 0; i < qt.counts.size(); ++i) {
        Row r;
        r.id = qt.counts[i].id;
        r.n = qt.counts[i].n;
        r.hidden = suppressed(r.n, min_count);
        if (percents && !r.hidden) r.percent = pct[i];
        out.push_back(std::move(r));
    }
    return out;
}

Headline headline(const QuestionTally& qt, int min_count) {
    Headline h;
    if (!has_percentages(qt) || qt.answered <= 0 || suppressed(qt.answered, min_count)) return h;
    const auto r = rows(qt, min_count);
    std::int64_t top = 0;
    for (const auto& row : r) top = std::max(top, row.n);
    if (top == 0 || suppressed(top, min_count)) return h;
    for (const auto& row : r)
        if (row.n == top) {
            h.ids.push_back(row.id);
            h.percent = row.percent.value_or(0);
        }
    // Tied answers share one figure: the exact share rounded, not one nudged up by the largest remainder.
    if (h.ids.size() > 1) h.percent = static_cast<int>((top * 200 + qt.answered) / (2 * qt.answered));
    h.n = top;
    return h;
}

bool needs_review(const std::string& text) {
    if (looks_personal(text) || web_address(text) || handle(text)) return true;
    const auto cps = decode(text);
    if (chinese_title(cps)) return true;
    const auto ws = words_of(cps);
    return title_and_name(ws) || capitalised_run(ws);
}

std::string neutralise_cell(const std::string& cell) {
    if (cell.empty()) return cell;
    const char c = cell[0];
    if (c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r') return "'" + cell;
    return cell;
}

}  // namespace engage::results
