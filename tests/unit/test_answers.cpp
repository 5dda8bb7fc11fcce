// Answers: completeness, show_if and the stored JSON.
#include <catch2/catch.hpp>

#include "engage/answers.h"

using namespace engage;

namespace {

const Survey& survey() {
    static const Survey s = [] {
        auto r = parse_survey(R"({
          "format": 1, "id": "t", "version": 1, "title": "T", "languages": ["en"],
          "questions": [
            {"id": "mood", "type": "smiley", "prompt": "Mood?"},
            {"id": "why", "type": "text", "prompt": "Why?", "show_if": {"question": "mood", "at_most": 2}},
            {"id": "listened", "type": "choice", "prompt": "Listened?",
             "options": [{"id": "yes", "label": "Yes"}, {"id": "no", "label": "No"}]},
            {"id": "fair", "type": "agree", "prompt": "Fair?", "show_if": {"question": "listened", "is": ["no"]}},
            {"id": "fair_why", "type": "text", "prompt": "Why not?", "show_if": {"question": "fair", "is": ["disagree"]}},
            {"id": "topics", "type": "multi", "prompt": "Topics?", "allow_other": true,
             "options": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}]},
            {"id": "topic_more", "type": "text", "prompt": "More?", "show_if": {"question": "topics", "is": ["other"]}},
            {"id": "help", "type": "needs", "prompt": "Help?"},
            {"id": "heard", "type": "choice", "prompt": "Heard how?", "allow_other": true,
             "options": [{"id": "radio", "label": "Radio"}, {"id": "friend", "label": "A friend"}]},
            {"id": "score", "type": "scale", "prompt": "Score?"},
            {"id": "fans", "type": "text", "prompt": "Loved?", "show_if": {"question": "score", "is": [9, 10]}},
            {"id": "middling", "type": "text", "prompt": "Hmm?", "show_if": {"question": "score", "at_least": 4, "at_most": 6}}
          ]})");
        REQUIRE(r.ok());
        return *r.survey;
    }();
    return s;
}

const Question& q(const char* id) { return *survey().find(id); }

Answer num(int n) { return Answer{n, {}, ""}; }
Answer sel(std::vector<std::string> ids, std::string text = "") { return Answer{std::nullopt, std::move(ids), std::move(text)}; }
Answer txt(std::string text) { return Answer{std::nullopt, {}, std::move(text)}; }

}  // namespace

TEST_CASE("survey answers: is_answered per type", "[survey][answers]") {
    CHECK_FALSE(is_answered(q("mood"), Answer{}));
    CHECK_FALSE(is_answered(q("mood"), num(0)));
    CHECK(is_answered(q("mood"), num(1)));
    CHECK(is_answered(q("mood"), num(5)));
    CHECK_FALSE(is_answered(q("mood"), num(6)));

    CHECK(is_answered(q("score"), num(0)));
    CHECK(is_answered(q("score"), num(10)));
    CHECK_FALSE(is_answered(q("score"), num(11)));
    CHECK_FALSE(is_answered(q("score"), num(-1)));

    CHECK(is_answered(q("listened"), sel({"no"})));
    CHECK_FALSE(is_answered(q("listened"), sel({})));
    CHECK_FALSE(is_answered(q("listened"), sel({"maybe"})));
    CHECK_FALSE(is_answered(q("listened"), sel({"yes", "no"})));
    CHECK_FALSE(is_answered(q("listened"), sel({"other"}, "x")));  // choice has no Other
    CHECK(is_answered(q("heard"), sel({"other"}, "A poster")));    // ... unless allow_other, with words
    CHECK_FALSE(is_answered(q("heard"), sel({"other"}, "  ")));
    CHECK(is_answered(q("heard"), sel({"radio"})));

    CHECK(is_answered(q("fair"), sel({"unsure"})));
    CHECK_FALSE(is_answered(q("fair"), sel({"yes"})));

    CHECK_FALSE(is_answered(q("topics"), sel({})));
    CHECK(is_answered(q("topics"), sel({"b", "a"})));
    CHECK_FALSE(is_answered(q("topics"), sel({"a", "zz"})));
    CHECK_FALSE(is_answered(q("topics"), sel({"other"})));
    CHECK_FALSE(is_answered(q("topics"), sel({"other"}, " \t\n ")));
    CHECK(is_answered(q("topics"), sel({"other"}, "Bikes")));

    CHECK(is_answered(q("help"), sel({"bsl", "step_free"})));
    CHECK_FALSE(is_answered(q("help"), sel({"other"}, "x")));  // needs without allow_other

    CHECK_FALSE(is_answered(q("why"), txt("")));
    CHECK_FALSE(is_answered(q("why"), txt("  \r\n\t ")));
    CHECK(is_answered(q("why"), txt("  ok ")));

    Question agree;  // built by hand, no options: the built-in ids apply
    agree.type = QuestionType::Agree;
    CHECK(is_answered(agree, sel({"disagree"})));
    CHECK_FALSE(is_answered(agree, sel({"yes"})));
}

TEST_CASE("survey answers: is_shown follows show_if", "[survey][answers]") {
    const Survey& s = survey();
    Answers a;
    CHECK(is_shown(s, q("mood"), a));      // no show_if
    CHECK_FALSE(is_shown(s, q("why"), a));  // earlier question unanswered
    a["mood"] = num(2);
    CHECK(is_shown(s, q("why"), a));
    a["mood"] = num(3);
    CHECK_FALSE(is_shown(s, q("why"), a));
    a["mood"] = num(9);  // invalid answer counts as unanswered
    CHECK_FALSE(is_shown(s, q("why"), a));

    a["listened"] = sel({"no"});
    a["fair"] = sel({"disagree"});
    CHECK(is_shown(s, q("fair"), a));
    CHECK(is_shown(s, q("fair_why"), a));
    a["listened"] = sel({"yes"});  // "fair" is now hidden, so its answer no longer counts
    CHECK_FALSE(is_shown(s, q("fair"), a));
    CHECK_FALSE(is_shown(s, q("fair_why"), a));

    a["topics"] = sel({"a"});
    CHECK_FALSE(is_shown(s, q("topic_more"), a));
    a["topics"] = sel({"a", "other"}, "Bikes");
    CHECK(is_shown(s, q("topic_more"), a));

    a["score"] = num(10);
    CHECK(is_shown(s, q("fans"), a));
    CHECK_FALSE(is_shown(s, q("middling"), a));
    a["score"] = num(4);
    CHECK_FALSE(is_shown(s, q("fans"), a));
    CHECK(is_shown(s, q("middling"), a));
    a["score"] = num(7);
    CHECK_FALSE(is_shown(s, q("middling"), a));
    a["score"] = num(0);
    CHECK_FALSE(is_shown(s, q("middling"), a));

    Question stray = q("why");  // show_if pointing at a later or unknown question: never shown
    stray.show_if->question = "middling";
    CHECK_FALSE(is_shown(s, stray, a));
    stray.show_if->question = "nope";
    CHECK_FALSE(is_shown(s, stray, a));
}

TEST_CASE("survey answers: answers_to_json keeps only shown, answered questions", "[survey][answers]") {
    const Survey& s = survey();
    CHECK(answers_to_json(s, {}) == "{}");

    Answers a;
    a["mood"] = num(4);
    a["why"] = txt("hidden: mood is 4");
    a["listened"] = sel({"yes"});
    a["fair"] = sel({"agree"});             // hidden: listened is yes
    a["topics"] = sel({"other", "b", "a", "b"}, "  Bikes  ");
    a["topic_more"] = txt(" More bikes\n");
    a["help"] = sel({"transport", "bsl"});
    a["score"] = num(0);
    a["fans"] = txt("hidden");
    a["middling"] = txt("   ");             // shown? no (score 0) and blank anyway
    a["not_a_question"] = txt("ignored");
    CHECK(answers_to_json(s, a) ==
          R"({"mood":4,"listened":"yes","topics":{"selected":["a","b","other"],"other":"Bikes"},)"
          R"("topic_more":"More bikes","help":{"selected":["bsl","transport"]},"score":0})");

    a["topics"] = sel({"b"}, "stale Other text");  // Other not selected: no "other" key
    a["mood"] = num(1);
    a["why"] = txt("Too loud");
    a["help"] = sel({"zz"});  // invalid: left out
    CHECK(answers_to_json(s, a) ==
          R"({"mood":1,"why":"Too loud","listened":"yes","topics":{"selected":["b"]},"score":0})");

    a["heard"] = sel({"other"}, " A poster ");  // Other on a choice: the words go with it
    CHECK(answers_to_json(s, a) == R"({"mood":1,"why":"Too loud","listened":"yes","topics":{"selected":["b"]},)"
                                   R"("heard":{"selected":["other"],"other":"A poster"},"score":0})");
    a["heard"] = sel({"friend"}, "stale");  // an option: the plain id, as any choice
    CHECK(answers_to_json(s, a).find(R"("heard":"friend")") != std::string::npos);
    a.erase("heard");

    a["why"] = txt("bad \xff\xfe utf-8");
    std::string out;
    REQUIRE_NOTHROW(out = answers_to_json(s, a));
    CHECK(out.find("\"why\":\"bad \xEF\xBF\xBD\xEF\xBF\xBD utf-8\"") != std::string::npos);
}
