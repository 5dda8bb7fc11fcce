// Synthetic responses for demos and benchmarks: plausible answers, always valid for the survey.
#include "engage/seed.h"

#include <algorithm>
#include <iterator>
#include <string>

#include "engage/answers.h"

namespace engage {
namespace {

// splitmix64: tiny, and the same sequence on every platform and standard library.
class Rng {
public:
    explicit Rng(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
    bool chance(double p) { return static_cast<double>(next() >> 11) * 0x1.0p-53 < p; }
    template <std::size_t N>
    const char* pick(const char* const (&a)[N]) { return a[below(N)]; }
    // An index into `w`, drawn in proportion to the weights.
    std::size_t weighted(const std::vector<double>& w) {
        double total = 0;
        for (double x : w) total += x;
        double r = static_cast<double>(next() >> 11) * 0x1.0p-53 * total;
        for (std::size_t i = 0; i + 1 < w.size(); ++i)
            if ((r -= w[i]) < 0) return i;
        return w.size() - 1;
    }

private:
    std::uint64_t state_;
};

constexpr const char* kComplaints[] = {
    "It was too noisy to hear what people were saying",  "The hall was hard to find",
    "There was nowhere to sit down",                      "It started late and I had to leave early",
    "Nobody explained what will happen with our views",   "The room was too cold",
    "I felt rushed at the tables",                        "The same few people did all the talking",
    "There was no toilet I could use",                    "The signs were too small to read",
};
constexpr const char* kStarts[] = {
    "We need", "It would help to have", "I would like to see", "There should be", "Please think about",
};
constexpr const char* kTopics[] = {
    "more benches along the river path",       "a bus that runs in the evening",
    "longer library opening hours on Saturdays", "more for teenagers to do after school",
    "step-free access to the community hall",  "childcare during meetings",
    "information in more languages",           "a safer crossing by the school",
    "cheaper activities for families",         "regular sessions like this one",
    "better street lighting on the estate",    "a proper place to meet the neighbours",
};
constexpr const char* kEnds[] = {".", ".", " soon.", " for everyone."};
constexpr const char* kOthers[] = {
    "A lift",          "Parking nearby",    "Evening sessions", "Sessions at the weekend", "Food and drink",
    "Someone to go with", "A reminder the day before", "Free bus fare", "Shorter meetings", "Somewhere quiet",
};

// One or two sentences, cut at a word to fit max_length code points (the banks are ASCII).
std::string free_text(Rng& rng, const Question& q) {
    const bool after_low_score = q.show_if && q.show_if->at_most;  // "what made it hard?"
    std::string t;
    for (int n = rng.chance(0.3) ? 2 : 1; n > 0; --n) {
        const std::string what = after_low_score ? rng.pick(kComplaints) : rng.pick(kTopics);
        if (t.find(what) != std::string::npos) continue;  // never the same thing twice
        if (!t.empty()) t += ' ';
        t += after_low_score ? what + "." : std::string(rng.pick(kStarts)) + " " + what + rng.pick(kEnds);
    }
    const auto max = static_cast<std::size_t>(std::max(q.max_length, 1));
    if (t.size() > max) {
        t.resize(max);
        if (const auto space = t.rfind(' '); space != std::string::npos && space > max / 2) t.resize(space);
        while (t.back() == ' ') t.pop_back();
    }
    return t;
}

std::vector<std::string> option_ids(const Question& q) {
    if (q.options.empty()) return builtin_option_ids(q.type);
    std::vector<std::string> ids;
    for (const auto& o : q.options) ids.push_back(o.id);
    return ids;
}

// A number: smileys (always 1..5) lean happy, scales (0..10) lean to 7 or 8.
int number(Rng& rng, const Question& q) {
    if (q.type == QuestionType::Smiley) return 1 + static_cast<int>(rng.weighted({6, 10, 22, 34, 28}));
    return static_cast<int>(rng.weighted({2, 1, 2, 3, 4, 8, 9, 14, 16, 10, 8}));
}

Answer answer(Rng& rng, const Question& q) {
    Answer a;
    const auto ids = option_ids(q);
    switch (q.type) {
        case QuestionType::Smiley:
        case QuestionType::Scale: a.number = number(rng, q); break;
        case QuestionType::Text: a.text = free_text(rng, q); break;
        case QuestionType::Note: break;
        case QuestionType::Choice:
        case QuestionType::Agree: {  // earlier options a little more likely
            std::vector<double> w;
            for (std::size_t i = 0; i < ids.size(); ++i) w.push_back(1.0 / (static_cast<double>(i) + 1.5));
            a.selected.push_back(ids[rng.weighted(w)]);
            if (q.allow_other && rng.chance(0.06)) {  // only choices with allow_other draw this: others' seeds unchanged
                a.selected = {kOtherOptionId};
                a.text = rng.pick(kOthers);
            }
            break;
        }
        case QuestionType::Multi:
        case QuestionType::Needs: {
            const double p = q.type == QuestionType::Multi ? 0.3 : 0.15;
            for (const auto& id : ids)
                if (rng.chance(p)) a.selected.push_back(id);
            if (q.allow_other && rng.chance(0.06)) {
                a.selected.push_back(kOtherOptionId);
                a.text = rng.pick(kOthers);
            }
            if (a.selected.empty()) a.selected.push_back(ids[rng.below(ids.size())]);
            break;
        }
    }
    return a;
}

NewResponse one_response(const Survey& s, Rng& rng, const std::string& text) {
    NewResponse r{s.id, s.version, s.default_language(), {}, std::nullopt};
    if (s.languages.size() > 1 && rng.chance(0.2)) r.language = s.languages[rng.below(s.languages.size())];
    Answers answers;
    for (const Question& q : s.questions) {
        if (!is_shown(s, q, answers)) continue;
        const double p = q.required ? 1.0 : q.type != QuestionType::Text ? 0.85 : q.show_if ? 0.6 : 0.3;
        // With a text of its own, every text question shown is answered (the draw is still made: same sequence).
        if (!rng.chance(p) && !(!text.empty() && q.type == QuestionType::Text)) continue;
        Answer a = answer(rng, q);
        if (!text.empty() && !a.text.empty()) a.text = text;
        if (is_answered(q, a)) answers[q.id] = std::move(a);
    }
    r.answers_json = answers_to_json(s, answers);
    r.counted = results::countable(r.answers_json, &s);
    return r;
}

}  // namespace

void synthetic_responses(const Survey& s, int count, std::uint64_t seed, int batch,
                         const std::function<void(const std::vector<NewResponse>&)>& sink, const std::string& text) {
    Rng rng(seed);
    const auto size = static_cast<std::size_t>(std::max(batch, 1));
    std::vector<NewResponse> out;
    out.reserve(std::min(size, static_cast<std::size_t>(std::max(count, 0))));
    for (int i = 0; i < count; ++i) {
        out.push_back(one_response(s, rng, text));
        if (out.size() == size || i + 1 == count) {
            sink(out);
            out.clear();
        }
    }
}

std::vector<NewResponse> synthetic_responses(const Survey& s, int count, std::uint64_t seed, const std::string& text) {
    Rng rng(seed);  // the same sequence as the batched form
    std::vector<NewResponse> all;
    all.reserve(static_cast<std::size_t>(std::max(count, 0)));
    for (int i = 0; i < count; ++i) all.push_back(one_response(s, rng, text));
    return all;
}

}  // namespace engage
