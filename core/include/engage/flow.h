// The respondent's flow as a state machine with an injectable clock. No UI includes.
#pragma once
#include <optional>
#include <string>

#include "engage/answers.h"
#include "engage/clock.h"
#include "engage/survey.h"

namespace engage {

enum class Screen {
    Attract,      // "Tap to have your say"
    Question,     // one question per screen
    IdleWarning,  // "Are you still there?" over the current question
    Saving,       // Finish pressed; the caller must call saved() or save_failed()
    Thanks,       // after COMMIT returned
    SaveFailed,   // calm message to the respondent
};
const char* to_string(Screen s);

// The access choices one person makes (the access bar). They last for that person and reset for the next.
struct AccessChoices {
    int text_percent = 100;       // 100, 150 or 200
    bool high_contrast = false;
    bool easy_font = false;       // OpenDyslexic
    bool read_aloud = false;
    bool operator==(const AccessChoices&) const = default;
};
int next_text_percent(int percent);  // 100 -> 150 -> 200 -> 100

struct FlowTimings {
    Millis idle{60'000};          // no touch for this long -> IdleWarning
    Millis warning{20'000};       // countdown shown on IdleWarning (never below 20 s)
    Millis thanks{5'000};         // thank-you screen
    Millis save_failed{15'000};   // calm failure message, then back to Attract
};

// Where the person is among the survey's questions (notes, words only, are not counted): "Question step of
// total", and the share of the way done (0 on the first question, 1 on Saving). total is the longest path still
// possible given the answers before this screen, so an answer on this screen never changes it and going on
// never makes it larger (docs/survey-format.md). On a note (`note`) the screen shows the bar only.
struct Progress {
    int step = 1;
    int total = 1;
    double fraction = 0.0;
    bool note = false;
};

class Flow {
public:
    Flow(const Survey& survey, FlowTimings timings, const TimeSource& time);

    Screen screen() const { return screen_; }
    const Survey& survey() const { return *survey_; }
    // Replaces the survey (only allowed on Attract). Clears everything.
    void set_survey(const Survey& survey);

    // Any input from the person: resets the idle timer; dismisses IdleWarning ("carry on").
    void touch();
    void carry_on();               // the big button on IdleWarning

    void begin();                  // Attract -> first shown question
    const Question& question() const;     // valid on Question/IdleWarning
    int question_index() const { return index_; }
    int position() const;          // 1-based among shown questions
    int shown_count() const;       // questions shown given the answers so far

    Answer& answer();              // the current question's answer (mutable)
    const Answers& answers() const { return answers_; }
    bool can_next() const;         // required questions must be answered
    bool is_last() const;          // Next would finish
    bool next();                   // -> next shown question, or Saving if last; false if blocked
    void back();                   // -> previous shown question; from the first -> Attract; cancels an advance

    // Quick answers. choose() answers a single-answer question (smiley and scale: the option id is the
    // number, "1".."5" / "0".."10", stored in Answer::number; choice and agree: the option id, stored in
    // Answer::selected). Returns false (nothing changed) for another question type or an unknown option.
    // When the survey's auto_advance is on, the app allows it, the option is not "other" and can_next()
    // holds, next() is scheduled at now + kAutoAdvance: tick() performs it. Back, a language change, the
    // idle warning, set_auto_advance_allowed(false), or any other change to the answer cancel it.
    static constexpr Millis kAutoAdvance{700};
    bool choose(const std::string& option_id);
    // The app passes false while read aloud or switch access is on.
    void set_auto_advance_allowed(bool allowed);
    bool auto_advance_allowed() const { return auto_advance_allowed_; }
    // When the pending advance will happen; none when there is none.
    std::optional<TimePoint> advance_at() const;
    void cancel_advance() { advance_at_.reset(); }

    Progress progress() const;

    std::string language() const { return language_; }
    void set_language(const std::string& lang);
    // The language each new person starts in (the kiosk's setting); "" = the survey's default.
    void set_start_language(const std::string& lang);

    // Saving -> Thanks / SaveFailed.
    void saved();
    void save_failed();
    void dismiss();                // tap on Thanks/SaveFailed -> Attract

    // Advance timers (and a pending auto-advance); returns true if the screen changed.
    bool tick();
    // Time left on the IdleWarning countdown.
    Millis warning_left() const;
    // When tick() next needs to run (for waiting on events without polling).
    std::optional<TimePoint> next_deadline() const;

    // Wipes the partial answers and returns to Attract.
    void reset();

    // The person's access choices (text size, contrast, font, read aloud). Reset with the answers, and on
    // the attract screen after the idle time with no touch (someone changed them and walked away).
    const AccessChoices& access() const { return access_; }
    AccessChoices& access() { return access_; }
    // True when this person changed anything a next person would not expect (access, language, more time).
    bool has_person_choices() const;

    // "More time" for this person: the idle time is multiplied by kMoreTimeFactor until the next person.
    static constexpr int kMoreTimeFactor = 5;
    void set_more_time(bool on) { more_time_ = on; }
    bool more_time() const { return more_time_; }
    Millis idle_time() const { return more_time_ ? t_.idle * kMoreTimeFactor : t_.idle; }

private:
    int next_shown(int from) const;   // -1 if none
    int prev_shown(int from) const;
    void go(Screen s);
    std::optional<TimePoint> timer_deadline() const;  // next_deadline() without the auto-advance
    bool advance_still_valid() const;
    int possible_from(int from) const;  // questions from `from` on that may still be shown
    int asked_before(int end) const;    // questions (not notes) before `end` shown given the answers

    const Survey* survey_;
    FlowTimings t_;
    const TimeSource& time_;
    Screen screen_ = Screen::Attract;
    int index_ = 0;
    Answers answers_;
    std::string language_;
    std::string start_language_;
    bool more_time_ = false;
    AccessChoices access_;
    TimePoint last_touch_{};
    TimePoint entered_{};
    bool auto_advance_allowed_ = true;
    std::optional<TimePoint> advance_at_;
    int advance_index_ = -1;     // the question and answer the pending advance was scheduled for
    Answer advance_answer_;
    double fraction_floor_ = 0;  // the bar never moves back going forward
};

}  // namespace engage
