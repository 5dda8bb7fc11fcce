// The respondent's flow with an injectable clock: no sleeping, no UI.
#include <catch2/catch.hpp>

#include "engage/flow.h"

using namespace engage;
using namespace std::chrono_literals;

namespace {
Survey make_survey() {
    const char* json = R"({
      "format": 1, "id": "t", "version": 2, "title": {"en": "T"}, "languages": ["en", "pl"],
      "questions": [
        {"id": "mood", "type": "smiley", "prompt": {"en": "How?"}, "required": true},
        {"id": "why", "type": "text", "prompt": {"en": "Why bad?"}, "show_if": {"question": "mood", "at_most": 2}},
        {"id": "pick", "type": "multi", "prompt": {"en": "Pick"}, "allow_other": true,
         "options": [{"id": "a", "label": {"en": "A"}}, {"id": "b", "label": {"en": "B"}}]},
        {"id": "end", "type": "agree", "prompt": {"en": "Agree?"}, "required": true}
      ]})";
    auto r = parse_survey(json);
    INFO((r.problems.empty() ? "" : r.problems.front().str()));
    REQUIRE(r.ok());
    return *r.survey;
}
}  // namespace

TEST_CASE("flow: attract, questions with show_if, finish, thanks, back to attract") {
    const Survey s = make_survey();
    ManualTime t;
    Flow f(s, {}, t);
    REQUIRE(f.screen() == Screen::Attract);
    f.begin();
    REQUIRE(f.screen() == Screen::Question);
    CHECK(f.question().id == "mood");
    CHECK_FALSE(f.can_next());          // required
    CHECK_FALSE(f.next());
    f.answer().number = 4;              // good: "why" stays hidden
    CHECK(f.shown_count() == 3);
    REQUIRE(f.next());
    CHECK(f.question().id == "pick");
    CHECK(f.position() == 2);
    f.back();
    CHECK(f.question().id == "mood");
    f.answer().number = 1;              // bad: "why" appears
    CHECK(f.shown_count() == 4);
    REQUIRE(f.next());
    CHECK(f.question().id == "why");
    f.answer().text = "noisy";
    REQUIRE(f.next());
    CHECK(f.question().id == "pick");
    f.answer().selected = {"other"};   // Other ticked with no text: blocked
    CHECK_FALSE(f.can_next());
    f.answer().text = "x";
    CHECK(f.can_next());
    REQUIRE(f.next());
    CHECK(f.is_last());
    f.answer().selected = {"agree"};
    REQUIRE(f.next());
    CHECK(f.screen() == Screen::Saving);
    CHECK(f.answers().at("why").text == "noisy");
    f.saved();
    CHECK(f.screen() == Screen::Thanks);
    CHECK(f.answers().empty());
    t.advance(4900ms);
    CHECK_FALSE(f.tick());
    t.advance(200ms);
    CHECK(f.tick());
    CHECK(f.screen() == Screen::Attract);
}

TEST_CASE("flow: idle warning after the idle time, wipe after the countdown") {
    const Survey s = make_survey();
    ManualTime t;
    FlowTimings timings;
    timings.idle = 30s;
    timings.warning = 5s;  // below the floor: the countdown is never shorter than 20 s
    Flow f(s, timings, t);
    f.begin();
    f.answer().number = 5;
    REQUIRE(f.next());
    t.advance(29s);
    CHECK_FALSE(f.tick());
    f.touch();                          // a touch resets the idle timer
    t.advance(29s);
    CHECK_FALSE(f.tick());
    t.advance(2s);
    REQUIRE(f.tick());
    CHECK(f.screen() == Screen::IdleWarning);
    CHECK(f.warning_left() == 20s);
    t.advance(19s);
    CHECK(f.warning_left() == 1s);
    CHECK_FALSE(f.tick());
    t.advance(1s);
    REQUIRE(f.tick());
    CHECK(f.screen() == Screen::Attract);
    CHECK(f.answers().empty());         // the next person sees nothing of the last
    f.begin();
    CHECK(f.question().id == "mood");
    CHECK_FALSE(f.answer().number.has_value());
}

TEST_CASE("flow: carry on from the idle warning keeps the answers") {
    const Survey s = make_survey();
    ManualTime t;
    Flow f(s, {}, t);
    f.begin();
    f.answer().number = 3;
    t.advance(61s);
    REQUIRE(f.tick());
    REQUIRE(f.screen() == Screen::IdleWarning);
    f.carry_on();
    CHECK(f.screen() == Screen::Question);
    CHECK(f.answer().number == 3);
    auto d = f.next_deadline();
    REQUIRE(d);
    CHECK(*d == t.now() + 60s);
}

TEST_CASE("flow: back from the first question leaves without saving; the same person keeps their language") {
    const Survey s = make_survey();
    ManualTime t;
    FlowTimings timings;
    timings.idle = 30s;
    Flow f(s, timings, t);
    f.begin();
    f.set_language("pl");
    f.answer().number = 2;
    f.back();
    CHECK(f.screen() == Screen::Attract);
    CHECK(f.answers().empty());
    CHECK(f.language() == "pl");           // still the same person at the screen
    REQUIRE(f.next_deadline().has_value());  // ...until nobody touches it for the idle time
    t.advance(29s);
    CHECK_FALSE(f.tick());
    t.advance(1s);
    CHECK(f.tick());
    CHECK(f.language() == "en");
    CHECK_FALSE(f.next_deadline().has_value());
    f.set_start_language("pl");  // the kiosk's chosen language holds for every new person
    CHECK(f.language() == "pl");
    f.begin();
    f.set_language("en");
    f.answer().number = 5;
    f.next();
    f.next();
    f.answer().selected = {"agree"};
    REQUIRE(f.next());
    f.saved();
    f.dismiss();
    CHECK(f.language() == "pl");           // the next person starts in the kiosk's language
    f.set_start_language("xx");  // not in the survey: the survey's default
    CHECK(f.language() == "en");
}

TEST_CASE("flow: access choices last for one person and reset for the next") {
    const Survey s = make_survey();
    ManualTime t;
    FlowTimings timings;
    timings.idle = 30s;
    Flow f(s, timings, t);
    CHECK(next_text_percent(100) == 150);
    CHECK(next_text_percent(150) == 200);
    CHECK(next_text_percent(200) == 100);
    CHECK_FALSE(f.has_person_choices());
    // Chosen on the attract screen, kept through the survey.
    f.access().text_percent = 200;
    f.access().high_contrast = true;
    f.access().easy_font = true;
    f.access().read_aloud = true;
    f.set_more_time(true);
    CHECK(f.has_person_choices());
    f.begin();
    CHECK(f.access().text_percent == 200);
    f.answer().number = 5;
    REQUIRE(f.next());
    CHECK(f.access().high_contrast);
    f.next();
    f.answer().selected = {"agree"};
    REQUIRE(f.next());
    REQUIRE(f.screen() == Screen::Saving);
    CHECK(f.access().read_aloud);
    f.saved();
    f.dismiss();
    // The next person gets the defaults.
    CHECK(f.access() == AccessChoices{});
    CHECK_FALSE(f.more_time());
    CHECK_FALSE(f.has_person_choices());
    // Wiped by the idle countdown too.
    f.access().easy_font = true;
    f.begin();
    t.advance(30s);
    REQUIRE(f.tick());
    t.advance(20s);
    REQUIRE(f.tick());
    CHECK(f.screen() == Screen::Attract);
    CHECK(f.access() == AccessChoices{});
    // Set on the attract screen and left: cleared after the idle time with no touch.
    f.access().text_percent = 150;
    f.touch();
    t.advance(20s);
    f.touch();                              // still there
    t.advance(29s);
    CHECK_FALSE(f.tick());
    CHECK(f.access().text_percent == 150);
    t.advance(1s);
    CHECK(f.tick());
    CHECK(f.access().text_percent == 100);
}

TEST_CASE("flow: a failed save shows the calm message, then attract") {
    const Survey s = make_survey();
    ManualTime t;
    Flow f(s, {}, t);
    f.begin();
    f.answer().number = 5;
    f.next();
    f.next();
    f.answer().selected = {"disagree"};
    REQUIRE(f.next());
    REQUIRE(f.screen() == Screen::Saving);
    f.save_failed();
    CHECK(f.screen() == Screen::SaveFailed);
    f.dismiss();
    CHECK(f.screen() == Screen::Attract);
}

TEST_CASE("flow: attract has no deadline, so the kiosk can sleep") {
    const Survey s = make_survey();
    ManualTime t;
    Flow f(s, {}, t);
    CHECK_FALSE(f.next_deadline().has_value());
    t.advance(std::chrono::hours(10));
    CHECK_FALSE(f.tick());
}

TEST_CASE("flow: the idle warning can be put off again and again; more time multiplies the idle time by 5") {
    const Survey s = make_survey();
    ManualTime t;
    FlowTimings timings;
    timings.idle = 30s;
    Flow f(s, timings, t);
    f.begin();
    f.answer().number = 4;
    for (int i = 0; i < 12; ++i) {  // at least 10 extensions, one tap each
        t.advance(30s);
        REQUIRE(f.tick());
        REQUIRE(f.screen() == Screen::IdleWarning);
        f.carry_on();
        REQUIRE(f.screen() == Screen::Question);
    }
    CHECK(f.answer().number == 4);
    f.set_more_time(true);
    t.advance(149s);
    CHECK_FALSE(f.tick());
    t.advance(1s);
    CHECK(f.tick());
    CHECK(f.screen() == Screen::IdleWarning);
    t.advance(20s);
    f.tick();
    CHECK(f.screen() == Screen::Attract);
    CHECK_FALSE(f.more_time());  // the next person starts with the usual time
}
