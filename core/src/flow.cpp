#include "engage/flow.h"

#include <algorithm>
#include <stdexcept>

namespace engage {

const char* to_string(Screen s) {
    switch (s) {
        case Screen::Attract: return "attract";
        case Screen::Question: return "question";
        case Screen::IdleWarning: return "idle_warning";
        case Screen::Saving: return "saving";
        case Screen::Thanks: return "thanks";
        case Screen::SaveFailed: return "save_failed";
    }
    return "?";
}

Flow::Flow(const Survey& survey, FlowTimings timings, const TimeSource& time)
    : survey_(&survey), t_(timings), time_(time) {
    t_.warning = std::max(t_.warning, Millis(20'000));
    reset();
}

void Flow::set_survey(const Survey& survey) {
    if (screen_ != Screen::Attract) throw std::logic_error("survey changed mid-response");
    survey_ = &survey;
    start_language_.clear();
    reset();
}

void Flow::set_start_language(const std::string& lang) {
    const auto& langs = survey_->languages;
    start_language_ = std::find(langs.begin(), langs.end(), lang) != langs.end() ? lang : "";
    if (screen_ == Screen::Attract) language_ = start_language_.empty() ? survey_->default_language() : start_language_;
}

int next_text_percent(int percent) { return percent < 150 ? 150 : percent < 200 ? 200 : 100; }

bool Flow::has_person_choices() const {
    const std::string start = start_language_.empty() ? survey_->default_language() : start_language_;
    return more_time_ || !(access_ == AccessChoices{}) || language_ != start;
}

void Flow::reset() {
    advance_at_.reset();
    fraction_floor_ = 0;
    answers_.clear();
    more_time_ = false;  // a choice for one person, not the next
    access_ = AccessChoices{};
    index_ = 0;
    language_ = start_language_.empty() ? survey_->default_language() : start_language_;
    go(Screen::Attract);
}

void Flow::go(Screen s) {
    advance_at_.reset();
    screen_ = s;
    entered_ = time_.now();
    last_touch_ = entered_;
}

void Flow::touch() {
    last_touch_ = time_.now();
}

void Flow::carry_on() {
    if (screen_ == Screen::IdleWarning) go(Screen::Question);
    touch();
}

void Flow::begin() {
    if (screen_ != Screen::Attract) return;
    answers_.clear();
    index_ = next_shown(-1);
    if (index_ < 0) {  // nothing to ask (every question hidden): nothing to save either
        index_ = 0;
        return;
    }
    go(Screen::Question);
}

const Question& Flow::question() const { return survey_->questions.at(static_cast<std::size_t>(index_)); }

Answer& Flow::answer() { return answers_[question().id]; }

int Flow::next_shown(int from) const {
    const int n = static_cast<int>(survey_->questions.size());
    for (int i = from + 1; i < n; ++i)
        if (is_shown(*survey_, survey_->questions[static_cast<std::size_t>(i)], answers_)) return i;
    return -1;
}

int Flow::prev_shown(int from) const {
    for (int i = from - 1; i >= 0; --i)
        if (is_shown(*survey_, survey_->questions[static_cast<std::size_t>(i)], answers_)) return i;
    return -1;
}

int Flow::position() const {
    int p = 0;
    for (int i = 0; i <= index_; ++i)
        if (is_shown(*survey_, survey_->questions[static_cast<std::size_t>(i)], answers_)) ++p;
    return std::max(p, 1);
}

int Flow::shown_count() const {
    int c = 0;
    for (const auto& q : survey_->questions)
        if (is_shown(*survey_, q, answers_)) ++c;
    return c;
}

bool Flow::can_next() const {
    if (screen_ != Screen::Question) return false;
    const Question& q = question();
    if (q.type == QuestionType::Note) return true;  // words only: nothing to answer
    auto it = answers_.find(q.id);
    if (it == answers_.end() || it->second.empty()) return !q.required;
    // An answer that was started must be complete (e.g. "Other" ticked needs its text).
    return is_answered(q, it->second);
}

bool Flow::is_last() const { return screen_ == Screen::Question && next_shown(index_) < 0; }

bool Flow::next() {
    touch();
    if (!can_next()) return false;
    fraction_floor_ = progress().fraction;
    const int n = next_shown(index_);
    if (n < 0) {
        go(Screen::Saving);
    } else {
        index_ = n;
        go(Screen::Question);
    }
    return true;
}

void Flow::back() {
    touch();
    if (screen_ != Screen::Question) return;
    const int p = prev_shown(index_);
    if (p < 0) {
        // Back from the first question: leave without saving anything. Still the same person, so their
        // language and access choices stay (the attract screen's idle time clears them).
        const AccessChoices keep_access = access_;
        const std::string keep_language = language_;
        const bool keep_more_time = more_time_;
        reset();
        access_ = keep_access;
        language_ = keep_language;
        more_time_ = keep_more_time;
    } else {
        index_ = p;
        go(Screen::Question);
        fraction_floor_ = 0;
        fraction_floor_ = progress().fraction;
    }
}

void Flow::set_language(const std::string& lang) {
    if (lang != language_) advance_at_.reset();
    language_ = lang;
}

bool Flow::choose(const std::string& option_id) {
    touch();
    advance_at_.reset();
    if (screen_ != Screen::Question) return false;
    const Question& q = question();
    Answer a;
    switch (q.type) {
        case QuestionType::Smiley:
        case QuestionType::Scale: {
            const int lo = q.type == QuestionType::Smiley ? 1 : 0, hi = q.type == QuestionType::Smiley ? 5 : 10;
            if (option_id.empty() || option_id.size() > 2) return false;
            int v = 0;
            for (char c : option_id) {
                if (c < '0' || c > '9') return false;
                v = v * 10 + (c - '0');
            }
            if (v < lo || v > hi || std::to_string(v) != option_id) return false;
            a.number = v;
            break;
        }
        case QuestionType::Choice:
        case QuestionType::Agree: {
            const bool known = std::any_of(q.options.begin(), q.options.end(),
                                           [&](const Option& o) { return o.id == option_id; });
            if (!known) return false;
            a.selected = {option_id};
            break;
        }
        default: return false;
    }
    Answer& stored = answers_[q.id];
    stored.number = a.number;
    stored.selected = a.selected;
    if (survey_->auto_advance && auto_advance_allowed_ && option_id != kOtherOptionId && can_next()) {
        advance_at_ = time_.now() + kAutoAdvance;
        advance_index_ = index_;
        advance_answer_ = stored;
    }
    return true;
}

void Flow::set_auto_advance_allowed(bool allowed) {
    auto_advance_allowed_ = allowed;
    if (!allowed) advance_at_.reset();
}

bool Flow::advance_still_valid() const {
    if (!advance_at_ || screen_ != Screen::Question || index_ != advance_index_) return false;
    auto it = answers_.find(question().id);
    if (it == answers_.end()) return false;
    const Answer& a = it->second;
    return a.number == advance_answer_.number && a.selected == advance_answer_.selected &&
           a.text == advance_answer_.text;
}

std::optional<TimePoint> Flow::advance_at() const {
    return advance_still_valid() ? advance_at_ : std::nullopt;
}

int Flow::possible_from(int from) const {
    // A question counts when it is shown given the answers before `from`, or when its show_if waits on a
    // question at `from` or later (it may still be shown). Answers at `from` and later are not looked at.
    Answers before;
    for (int i = 0; i < from && i < static_cast<int>(survey_->questions.size()); ++i) {
        const auto& id = survey_->questions[static_cast<std::size_t>(i)].id;
        if (auto it = answers_.find(id); it != answers_.end()) before[id] = it->second;
    }
    std::vector<bool> possible(survey_->questions.size(), false);
    int c = 0;
    for (int i = from; i < static_cast<int>(survey_->questions.size()); ++i) {
        const Question& q = survey_->questions[static_cast<std::size_t>(i)];
        bool p = is_shown(*survey_, q, before);
        if (!p && q.show_if)
            for (const auto& id : show_if_questions(*q.show_if)) {
                const int dep = survey_->index_of(id);
                p = p || (dep >= from && dep < i && possible[static_cast<std::size_t>(dep)]);
            }
        possible[static_cast<std::size_t>(i)] = p;
        if (p && q.type != QuestionType::Note) ++c;  // a note is words only: not a question to count
    }
    return c;
}

int Flow::asked_before(int end) const {
    int c = 0;
    for (int i = 0; i < end && i < static_cast<int>(survey_->questions.size()); ++i) {
        const Question& q = survey_->questions[static_cast<std::size_t>(i)];
        if (q.type != QuestionType::Note && is_shown(*survey_, q, answers_)) ++c;
    }
    return c;
}

Progress Flow::progress() const {
    Progress p;
    const int n = static_cast<int>(survey_->questions.size());
    if (screen_ == Screen::Attract) {
        p.total = std::max(1, possible_from(0));
        return p;
    }
    if (screen_ != Screen::Question && screen_ != Screen::IdleWarning) {
        // Saving, Thanks, SaveFailed: all done.
        p.step = p.total = std::max(1, asked_before(n));
        p.fraction = 1.0;
        return p;
    }
    // Questions only: a note (words only) is not "Question 2 of 7"; on a note, step is the next question's.
    const int before = asked_before(index_);
    p.note = index_ < n && survey_->questions[static_cast<std::size_t>(index_)].type == QuestionType::Note;
    const int possible = before + possible_from(index_);
    if (p.note) {  // not a question itself: a note after the last one does not add one
        p.total = std::max(1, possible);
        p.step = std::min(before + 1, p.total);
        // A survey of notes only moves the bar by screens.
        const double done = possible > 0 ? static_cast<double>(before) / static_cast<double>(p.total)
                                         : static_cast<double>(index_) / static_cast<double>(std::max(1, n));
        p.fraction = std::max(fraction_floor_, done);
        return p;
    }
    p.step = before + 1;
    p.total = std::max(p.step, possible);
    p.fraction = std::max(fraction_floor_, static_cast<double>(before) / static_cast<double>(p.total));
    return p;
}

void Flow::saved() {
    if (screen_ != Screen::Saving) return;
    answers_.clear();
    go(Screen::Thanks);
}

void Flow::save_failed() {
    if (screen_ != Screen::Saving) return;
    answers_.clear();
    go(Screen::SaveFailed);
}

void Flow::dismiss() {
    if (screen_ == Screen::Thanks || screen_ == Screen::SaveFailed) reset();
}

std::optional<TimePoint> Flow::next_deadline() const {
    auto t = timer_deadline();
    if (auto a = advance_at(); a && (!t || *a < *t)) t = a;
    return t;
}

std::optional<TimePoint> Flow::timer_deadline() const {
    switch (screen_) {
        case Screen::Question: return last_touch_ + idle_time();
        case Screen::IdleWarning: return entered_ + t_.warning;
        case Screen::Thanks: return entered_ + t_.thanks;
        case Screen::SaveFailed: return entered_ + t_.save_failed;
        case Screen::Attract:
            if (has_person_choices()) return last_touch_ + idle_time();  // someone set them up and walked away
            return std::nullopt;
        case Screen::Saving: return std::nullopt;
    }
    return std::nullopt;
}

bool Flow::tick() {
    if (auto a = advance_at(); a && time_.now() >= *a) {
        advance_at_.reset();
        return next();
    }
    if (!advance_still_valid()) advance_at_.reset();
    const auto deadline = timer_deadline();
    if (!deadline || time_.now() < *deadline) return false;
    switch (screen_) {
        case Screen::Question:
            advance_at_.reset();
            screen_ = Screen::IdleWarning;
            entered_ = time_.now();
            return true;
        case Screen::IdleWarning:
        case Screen::Thanks:
        case Screen::SaveFailed:
        case Screen::Attract:
            reset();  // the partial answers were never written: wiping memory is enough
            return true;
        default:
            return false;
    }
}

Millis Flow::warning_left() const {
    if (screen_ != Screen::IdleWarning) return Millis(0);
    const auto left = std::chrono::duration_cast<Millis>(entered_ + t_.warning - time_.now());
    return std::max(left, Millis(0));
}

}  // namespace engage
