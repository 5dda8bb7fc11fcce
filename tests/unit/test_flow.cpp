// The respondent's flow with an injectable clock: no sleeping, no UI.
#include <catch2/catch.hpp>

#include "engage/flow.h"

using namespace engage;
using namespace std::chrono_literals;

namespace {
Survey parse_or_fail(const std::string& json) {
    auto r = parse_survey(json);
    INFO((r.problems.empty() ? "" : r.problems.front().str()));
    REQUIRE(r.ok());
    return *r.survey;
}

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
    return parse_or_fail(json);
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

// ---- Quick answers (auto-advance) and progress ----

namespace {
Survey quick_survey(bool auto_advance = true) {
    std::string json = R"({
      "format": 1, "id": "q", "version": 1, "title": "Q", "languages": ["en", "pl"],)";
    if (!auto_advance) json += R"("auto_advance": false,)";
    json += R"(
      "questions": [
        {"id": "mood", "type": "smiley", "prompt": "How?", "required": true},
        {"id": "why", "type": "text", "prompt": "Why bad?", "show_if": {"question": "mood", "at_most": 2}},
        {"id": "kind", "type": "choice", "prompt": "Kind?",
         "options": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}]},
        {"id": "more", "type": "choice", "prompt": "More?", "show_if": {"question": "kind", "is": ["b"]},
         "options": [{"id": "x", "label": "X"}, {"id": "y", "label": "Y"}]},
        {"id": "score", "type": "scale", "prompt": "Score?"},
        {"id": "end", "type": "agree", "prompt": "Agree?"}
      ]})";
    return parse_or_fail(json);
}
}  // namespace

TEST_CASE("flow: choose stores the answer as each type does and moves on 0.7 s later") {
    const Survey s = quick_survey();
    REQUIRE(s.auto_advance);
    ManualTime t;
    Flow f(s, {}, t);
    f.begin();
    CHECK_FALSE(f.advance_at());
    REQUIRE(f.choose("4"));
    CHECK(f.answers().at("mood").number == 4);
    CHECK(f.answers().at("mood").selected.empty());
    REQUIRE(f.advance_at());
    CHECK(*f.advance_at() == t.now() + Flow::kAutoAdvance);
    CHECK(f.next_deadline() == f.advance_at());  // sooner than the idle time
    t.advance(699ms);
    CHECK_FALSE(f.tick());
    CHECK(f.question().id == "mood");  // the chosen face stays in view meanwhile
    t.advance(1ms);
    CHECK(f.tick());
    CHECK(f.question().id == "kind");  // "why" hidden for a good mood
    CHECK_FALSE(f.advance_at());
    CHECK_FALSE(f.tick());

    // A second tap before the advance chooses again and restarts the 0.7 s.
    REQUIRE(f.choose("a"));
    t.advance(500ms);
    REQUIRE(f.choose("b"));
    CHECK(f.answers().at("kind").selected == std::vector<std::string>{"b"});
    t.advance(500ms);
    CHECK_FALSE(f.tick());
    t.advance(200ms);
    CHECK(f.tick());
    CHECK(f.question().id == "more");
    REQUIRE(f.choose("y"));
    t.advance(Flow::kAutoAdvance);
    REQUIRE(f.tick());
    REQUIRE(f.question().id == "score");
    for (const char* bad : {"11", "-1", "07", "", "x", "1.5", "100", " 3"}) {
        INFO(bad);
        CHECK_FALSE(f.choose(bad));
    }
    CHECK(f.answers().count("score") == 0);
    CHECK_FALSE(f.advance_at());
    REQUIRE(f.choose("0"));
    CHECK(f.answers().at("score").number == 0);
    REQUIRE(f.choose("10"));
    CHECK(f.answers().at("score").number == 10);
    t.advance(Flow::kAutoAdvance);
    REQUIRE(f.tick());
    REQUIRE(f.question().id == "end");
    CHECK_FALSE(f.choose("agreed"));
    CHECK_FALSE(f.choose("other"));
    // The last question moves on to Saving, as Next does; the app saves there.
    REQUIRE(f.choose("unsure"));
    CHECK(f.answers().at("end").selected == std::vector<std::string>{"unsure"});
    t.advance(Flow::kAutoAdvance);
    REQUIRE(f.tick());
    CHECK(f.screen() == Screen::Saving);
    CHECK_FALSE(f.next_deadline());
    CHECK_FALSE(f.choose("agree"));  // not on a question
}

TEST_CASE("flow: choose refuses unknown options and other question types") {
    const Survey s = make_survey();  // mood (smiley), why (text), pick (multi), end (agree)
    ManualTime t;
    Flow f(s, {}, t);
    f.begin();
    for (const char* bad : {"0", "6", "very good", "", "1 "}) {
        INFO(bad);
        CHECK_FALSE(f.choose(bad));
    }
    CHECK(f.answers().count("mood") == 0);
    REQUIRE(f.choose("1"));
    t.advance(Flow::kAutoAdvance);
    REQUIRE(f.tick());
    REQUIRE(f.question().id == "why");
    CHECK_FALSE(f.choose("1"));  // text
    CHECK_FALSE(f.advance_at());
    REQUIRE(f.next());
    REQUIRE(f.question().id == "pick");
    CHECK_FALSE(f.choose("a"));  // multi: the person ticks several and taps Next
    CHECK_FALSE(f.advance_at());
}

TEST_CASE("flow: Back, a language change, a changed answer, the idle warning and the app cancel an advance") {
    const Survey s = quick_survey();
    ManualTime t;
    FlowTimings timings;
    Flow f(s, timings, t);
    f.begin();
    REQUIRE(f.choose("5"));
    t.advance(Flow::kAutoAdvance);
    REQUIRE(f.tick());
    REQUIRE(f.question().id == "kind");

    SECTION("Back") {
        REQUIRE(f.choose("a"));
        f.back();
        CHECK(f.question().id == "mood");
        CHECK_FALSE(f.advance_at());
        t.advance(Flow::kAutoAdvance * 2);
        CHECK_FALSE(f.tick());
        CHECK(f.question().id == "mood");
        CHECK(f.answers().at("mood").number == 5);  // Back returns to change the answer
    }
    SECTION("a language change") {
        REQUIRE(f.choose("a"));
        f.set_language("en");  // the same language: nothing happens
        CHECK(f.advance_at());
        f.set_language("pl");
        CHECK_FALSE(f.advance_at());
        t.advance(Flow::kAutoAdvance * 2);
        CHECK_FALSE(f.tick());
        CHECK(f.question().id == "kind");
    }
    SECTION("another change to the answer") {
        REQUIRE(f.choose("a"));
        f.answer().selected = {"b"};  // e.g. a keyboard or switch input that does not go through choose()
        CHECK_FALSE(f.advance_at());
        CHECK(f.next_deadline() == t.now() + f.idle_time());
        t.advance(Flow::kAutoAdvance * 2);
        CHECK_FALSE(f.tick());
        CHECK(f.question().id == "kind");
    }
    SECTION("read aloud or switch access") {
        f.set_auto_advance_allowed(false);
        REQUIRE(f.choose("a"));
        CHECK(f.answers().at("kind").selected == std::vector<std::string>{"a"});
        CHECK_FALSE(f.advance_at());
        f.set_auto_advance_allowed(true);
        REQUIRE(f.choose("b"));
        REQUIRE(f.advance_at());
        f.set_auto_advance_allowed(false);  // switched on while an advance is pending
        CHECK_FALSE(f.advance_at());
        t.advance(Flow::kAutoAdvance * 2);
        CHECK_FALSE(f.tick());
        CHECK(f.question().id == "kind");
    }
    SECTION("Next pressed before the advance: no second step") {
        REQUIRE(f.choose("a"));
        REQUIRE(f.next());
        CHECK(f.question().id == "score");
        CHECK_FALSE(f.advance_at());
        t.advance(Flow::kAutoAdvance * 2);
        CHECK_FALSE(f.tick());
        CHECK(f.question().id == "score");
    }
}

TEST_CASE("flow: the idle warning cancels a pending advance") {
    const Survey s = quick_survey();
    ManualTime t;
    FlowTimings timings;
    timings.idle = Millis(500);  // shorter than the advance, so the warning comes first
    Flow f(s, timings, t);
    f.begin();
    REQUIRE(f.choose("3"));
    t.advance(500ms);
    REQUIRE(f.tick());
    CHECK(f.screen() == Screen::IdleWarning);
    CHECK_FALSE(f.advance_at());
    t.advance(300ms);
    CHECK_FALSE(f.tick());
    f.carry_on();
    CHECK(f.screen() == Screen::Question);
    CHECK(f.question().id == "mood");
    CHECK(f.answers().at("mood").number == 3);
}

TEST_CASE("flow: \"auto_advance\": false keeps the person on the question until Next") {
    const Survey s = quick_survey(false);
    CHECK_FALSE(s.auto_advance);
    ManualTime t;
    Flow f(s, {}, t);
    f.begin();
    REQUIRE(f.choose("2"));
    CHECK(f.answers().at("mood").number == 2);
    CHECK_FALSE(f.advance_at());
    t.advance(5s);
    CHECK_FALSE(f.tick());
    CHECK(f.question().id == "mood");
    REQUIRE(f.next());
    CHECK(f.question().id == "why");
}

TEST_CASE("flow: progress keeps its total on a screen and never moves back going forward") {
    const Survey s = quick_survey();
    ManualTime t;
    Flow f(s, {}, t);
    CHECK(f.progress().total == 6);
    CHECK(f.progress().fraction == 0.0);
    f.begin();
    auto p = f.progress();
    CHECK(p.step == 1);
    CHECK(p.total == 6);  // every question may still be shown
    // An answer on this screen does not change the total ("Question 1 of 6" stays).
    f.answer().number = 1;  // "why" will show
    CHECK(f.progress().total == 6);
    f.answer().number = 5;  // "why" will not
    CHECK(f.progress().total == 6);
    REQUIRE(f.choose("4"));
    CHECK(f.progress().total == 6);
    CHECK(f.progress().step == 1);
    REQUIRE(f.next());
    p = f.progress();
    CHECK(p.step == 2);
    CHECK(p.total == 5);  // "why" is ruled out: the total shrinks on the next screen
    CHECK(p.fraction == Approx(1.0 / 5));
    REQUIRE(f.choose("a"));
    CHECK(f.progress().total == 5);
    REQUIRE(f.next());
    p = f.progress();
    CHECK(p.step == 3);
    CHECK(p.total == 4);  // "more" ruled out
    f.back();
    f.answer().selected = {"b"};
    REQUIRE(f.next());
    CHECK(f.progress().total == 5);  // a changed answer after Back may lengthen the path
    CHECK(f.progress().step == 3);
    REQUIRE(f.next());
    REQUIRE(f.next());
    REQUIRE(f.next());
    CHECK(f.screen() == Screen::Saving);
    CHECK(f.progress().fraction == 1.0);
}

TEST_CASE("flow: on every path through the demo survey progress only moves forward") {
    const auto load = load_survey_file(std::string(ENGAGE_ASSETS) + "/surveys/demo.json");
    REQUIRE(load.ok());
    const Survey& s = *load.survey;
    for (unsigned seed = 1; seed <= 200; ++seed) {
        ManualTime t;
        Flow f(s, {}, t);
        f.begin();
        unsigned r = seed;
        auto rnd = [&](unsigned n) { r = r * 1103515245u + 12345u; return (r >> 16) % n; };
        Progress last = f.progress();
        CHECK(last.fraction == 0.0);
        int steps = 0;
        while (f.screen() == Screen::Question && steps++ < 100) {
            const Question& q = f.question();
            const Progress here = f.progress();
            INFO("seed " << seed << " question " << q.id << " " << here.step << " of " << here.total);
            CHECK(here.step <= here.total);
            // Every answer this screen may take leaves its step and total alone.
            switch (q.type) {
                case QuestionType::Smiley:
                    for (int v = 1; v <= 5; ++v) {
                        REQUIRE(f.choose(std::to_string(v)));
                        CHECK(f.progress().total == here.total);
                    }
                    REQUIRE(f.choose(std::to_string(1 + rnd(5))));
                    break;
                case QuestionType::Scale: REQUIRE(f.choose(std::to_string(rnd(11)))); break;
                case QuestionType::Choice:
                case QuestionType::Agree:
                    for (const auto& o : q.options) {
                        REQUIRE(f.choose(o.id));
                        CHECK(f.progress().total == here.total);
                    }
                    REQUIRE(f.choose(q.options[rnd(static_cast<unsigned>(q.options.size()))].id));
                    break;
                case QuestionType::Multi:
                case QuestionType::Needs:
                    if (q.required || rnd(2)) f.answer().selected = {q.options[0].id};
                    break;
                case QuestionType::Text:
                    if (q.required || rnd(2)) f.answer().text = "words";
                    break;
                case QuestionType::Note: break;  // words only
            }
            CHECK(f.progress().total == here.total);
            CHECK(f.progress().step == here.step);
            if (f.advance_at()) {
                t.advance(Flow::kAutoAdvance);
                REQUIRE(f.tick());
            } else {
                REQUIRE(f.next());
            }
            const Progress now = f.progress();
            CHECK(now.fraction >= here.fraction);
            CHECK(now.fraction > here.fraction);
            CHECK(now.total <= here.total);
            last = now;
        }
        CHECK(f.screen() == Screen::Saving);
        CHECK(last.fraction == 1.0);
    }
}

TEST_CASE("flow: a note (words only) is not counted as a question in the progress") {
    const Survey s = parse_or_fail(R"({
      "format": 1, "id": "n", "version": 1, "title": {"en": "N"}, "languages": ["en"],
      "questions": [
        {"id": "hello", "type": "note", "prompt": {"en": "Thank you for stopping by."}},
        {"id": "mood", "type": "smiley", "prompt": {"en": "How?"}, "required": true},
        {"id": "next", "type": "note", "prompt": {"en": "Now about getting here."}},
        {"id": "end", "type": "agree", "prompt": {"en": "Agree?"}, "required": true}
      ]})");
    ManualTime t;
    Flow f(s, {}, t);
    CHECK(f.progress().total == 2);  // two questions, two notes
    f.begin();
    Progress p = f.progress();
    CHECK(p.note);
    CHECK(p.total == 2);
    CHECK(p.fraction == 0.0);
    REQUIRE(f.next());
    p = f.progress();
    CHECK_FALSE(p.note);
    CHECK(p.step == 1);  // "Question 1 of 2", not 2 of 4
    CHECK(p.total == 2);
    REQUIRE(f.choose("4"));
    REQUIRE(f.next());
    p = f.progress();
    CHECK(p.note);
    CHECK(p.fraction == Approx(0.5));
    REQUIRE(f.next());
    p = f.progress();
    CHECK(p.step == 2);
    CHECK(p.total == 2);
    REQUIRE(f.choose("agree"));
    REQUIRE(f.next());  // the end: saving
    p = f.progress();
    CHECK(p.step == 2);
    CHECK(p.total == 2);
}

TEST_CASE("flow: notes at the end, or alone, neither lengthen the count nor hold the bar back") {
    ManualTime t;
    {
        const Survey s = parse_or_fail(R"({"format": 1, "id": "e", "version": 1, "title": {"en": "E"}, "languages": ["en"],
          "questions": [{"id": "mood", "type": "smiley", "prompt": {"en": "How?"}, "required": true},
                        {"id": "bye", "type": "note", "prompt": {"en": "Thank you."}}]})");
        Flow f(s, {}, t);
        f.begin();
        CHECK(f.progress().total == 1);
        REQUIRE(f.choose("3"));
        REQUIRE(f.next());
        const Progress p = f.progress();
        CHECK(p.note);
        CHECK(p.total == 1);  // not 2: a note is no question
        CHECK(p.step == 1);
        CHECK(p.fraction == Approx(1.0));  // every question is done
    }
    {
        const Survey s = parse_or_fail(R"({"format": 1, "id": "o", "version": 1, "title": {"en": "O"}, "languages": ["en"],
          "questions": [{"id": "a", "type": "note", "prompt": {"en": "One."}},
                        {"id": "b", "type": "note", "prompt": {"en": "Two."}}]})");
        Flow f(s, {}, t);
        f.begin();
        CHECK(f.progress().fraction == 0.0);
        REQUIRE(f.next());
        CHECK(f.progress().note);
        CHECK(f.progress().total == 1);
        CHECK(f.progress().fraction == Approx(0.5));  // notes only: the bar moves by screens
    }
}
