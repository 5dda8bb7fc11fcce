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
    answers_.clear();
    more_time_ = false;  // a choice for one person, not the next
    access_ = AccessChoices{};
    index_ = 0;
    language_ = start_language_.empty() ? survey_->default_language() : start_language_;
    go(Screen::Attract);
}

void Flow::go(Screen s) {
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
    auto it = answers_.find(q.id);
    if (it == answers_.end() || it->second.empty()) return !q.required;
    // An answer that was started must be complete (e.g. "Other" ticked needs its text).
    return is_answered(q, it->second);
}

bool Flow::is_last() const { return screen_ == Screen::Question && next_shown(index_) < 0; }

bool Flow::next() {
    touch();
    if (!can_next()) return false;
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
    }
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
    const auto deadline = next_deadline();
    if (!deadline || time_.now() < *deadline) return false;
    switch (screen_) {
        case Screen::Question:
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
