// XLSForm `relevant` -> show_if; show_if all/any/not in the loader, is_shown and the flow; note questions.
// (Whole workbooks are tested through engage-hub survey add: tests/hub/test_survey_library.py.)
#include <catch2/catch.hpp>

#include "engage/answers.h"
#include "engage/flow.h"
#include "engage/xlsform.h"

using namespace engage;
using ojson = nlohmann::ordered_json;

namespace {
RelevantContext context() {
    RelevantContext c;
    c.types = {{"mood", QuestionType::Smiley}, {"score", QuestionType::Scale}, {"pick", QuestionType::Multi},
               {"yn", QuestionType::Choice},   {"why", QuestionType::Text},    {"intro", QuestionType::Note},
               {"fair", QuestionType::Agree}};
    c.option = {{{"fair", "strongly"}, "agree"}};
    return c;
}

ojson ok(const std::string& expr) {
    std::string why;
    auto r = relevant_to_show_if(expr, context(), why);
    INFO(expr << " -> " << why);
    REQUIRE(r);
    return *r;
}

std::string refused(const std::string& expr) {
    std::string why;
    auto r = relevant_to_show_if(expr, context(), why);
    INFO(expr);
    REQUIRE_FALSE(r);
    CHECK_FALSE(why.empty());
    return why;
}

Survey parse_or_fail(const std::string& json) {
    auto r = parse_survey(json);
    INFO((r.problems.empty() ? "" : r.problems.front().str()));
    REQUIRE(r.ok());
    return *r.survey;
}
}  // namespace

TEST_CASE("xlsform relevant: comparisons become show_if leaves", "[xlsform]") {
    CHECK(ok("${yn} = 'yes'") == ojson::parse(R"({"question": "yn", "is": ["yes"]})"));
    CHECK(ok("${YN}='Yes'") == ojson::parse(R"({"question": "yn", "is": ["yes"]})"));
    CHECK(ok("${yn} != \"no\"") == ojson::parse(R"({"not": {"question": "yn", "is": ["no"]}})"));
    CHECK(ok("selected(${pick}, 'a')") == ojson::parse(R"({"question": "pick", "is": ["a"]})"));
    CHECK(ok("${score} >= 7") == ojson::parse(R"({"question": "score", "at_least": 7})"));
    CHECK(ok("${score} > 7") == ojson::parse(R"({"question": "score", "at_least": 8})"));
    CHECK(ok("${score} < 3") == ojson::parse(R"({"question": "score", "at_most": 2})"));
    CHECK(ok("${score} <= 3") == ojson::parse(R"({"question": "score", "at_most": 3})"));
    CHECK(ok("${score} = 5") == ojson::parse(R"({"question": "score", "is": [5]})"));
    CHECK(ok("${mood} = '2'") == ojson::parse(R"({"question": "mood", "is": ["2"]})"));
    CHECK(ok("${fair} = 'strongly'") == ojson::parse(R"({"question": "fair", "is": ["agree"]})"));  // renamed option
}

TEST_CASE("xlsform relevant: and, or, not and parentheses become all / any / not", "[xlsform]") {
    CHECK(ok("${yn} = 'yes' and ${score} > 5 and selected(${pick}, 'b')") == ojson::parse(R"({"all": [
        {"question": "yn", "is": ["yes"]}, {"question": "score", "at_least": 6}, {"question": "pick", "is": ["b"]}]})"));
    CHECK(ok("${yn} = 'yes' or ${mood} < 3 and ${score} = 0") == ojson::parse(R"({"any": [
        {"question": "yn", "is": ["yes"]},
        {"all": [{"question": "mood", "at_most": 2}, {"question": "score", "is": [0]}]}]})"));
    CHECK(ok("(${yn} = 'yes' or ${mood} < 3) and not(selected(${pick}, 'a'))") == ojson::parse(R"({"all": [
        {"any": [{"question": "yn", "is": ["yes"]}, {"question": "mood", "at_most": 2}]},
        {"not": {"question": "pick", "is": ["a"]}}]})"));
    CHECK(ok("((${yn} = 'yes'))") == ojson::parse(R"({"question": "yn", "is": ["yes"]})"));
}

TEST_CASE("xlsform relevant: what is not supported is refused with the reason", "[xlsform]") {
    CHECK(refused("${later} = 'x'") == "${later} is not an earlier question");
    CHECK(refused("${why} = 'x'").find("text question") != std::string::npos);
    CHECK(refused("${intro} = 'x'").find("note") != std::string::npos);
    CHECK(refused("${yn} > 3").find("smiley or range") != std::string::npos);
    CHECK(refused("${score} >= 'lots'").find("whole number") != std::string::npos);
    CHECK(refused("${yn} = ''").find("no answer") != std::string::npos);
    CHECK(refused("count-selected(${pick}) > 1").find("not supported") != std::string::npos);
    CHECK(refused("${yn} = 'yes' and").find("ends too early") != std::string::npos);
    CHECK(refused("(${yn} = 'yes'").find("expected ')'") != std::string::npos);
    CHECK(refused("${yn} = 'yes')") == "unexpected ')'");
    CHECK(refused("${yn} = 'yes") == "${yn} = needs a 'value' or a number after it, not '''");
    CHECK(refused("${yn") == "unexpected '${'");
    CHECK(refused(std::string(200, '(') + "${yn} = 'a'" + std::string(200, ')')).find("nested more than") !=
          std::string::npos);
    CHECK(refused(std::string(5000, ' ')) == "longer than 4000 bytes");
}

namespace {
const char* kLogic = R"({
  "format": 1, "id": "t", "version": 1, "title": "T", "languages": ["en"],
  "questions": [
    {"id": "intro", "type": "note", "prompt": "Thank you for stopping by.", "help": "Two minutes."},
    {"id": "yn", "type": "choice", "prompt": "Yes?", "options": [{"id": "yes", "label": "Yes"}, {"id": "no", "label": "No"}]},
    {"id": "score", "type": "scale", "prompt": "Score?"},
    {"id": "both", "type": "text", "prompt": "Both?",
     "show_if": {"all": [{"question": "yn", "is": ["yes"]}, {"question": "score", "at_least": 6}]}},
    {"id": "either", "type": "text", "prompt": "Either?",
     "show_if": {"any": [{"question": "yn", "is": ["no"]}, {"question": "score", "at_most": 2}]}},
    {"id": "nay", "type": "text", "prompt": "Not yes?", "show_if": {"not": {"question": "yn", "is": ["yes"]}}}
  ]})";
}  // namespace

TEST_CASE("show_if all/any/not: loaded, described and followed", "[xlsform][survey][answers]") {
    const Survey s = parse_or_fail(kLogic);
    REQUIRE(s.questions[3].show_if->kind == ShowIf::Kind::All);
    CHECK(describe(*s.questions[3].show_if) == "yn is yes and score >= 6");
    CHECK(describe(*s.questions[4].show_if) == "yn is no or score <= 2");
    CHECK(describe(*s.questions[5].show_if) == "not yn is yes");
    CHECK(show_if_questions(*s.questions[4].show_if) == std::vector<std::string>{"yn", "score"});

    auto shown = [&](const Answers& a) {
        std::vector<std::string> ids;
        for (const auto& q : s.questions)
            if (is_shown(s, q, a)) ids.push_back(q.id);
        return ids;
    };
    Answers a;
    CHECK(shown(a) == std::vector<std::string>{"intro", "yn", "score", "nay"});  // not(unanswered) holds
    a["yn"].selected = {"yes"};
    a["score"].number = 7;
    CHECK(shown(a) == std::vector<std::string>{"intro", "yn", "score", "both"});
    a["score"].number = 1;
    CHECK(shown(a) == std::vector<std::string>{"intro", "yn", "score", "either"});
    a["yn"].selected = {"no"};
    a["score"].number = 5;
    CHECK(shown(a) == std::vector<std::string>{"intro", "yn", "score", "either", "nay"});
}

TEST_CASE("show_if all/any/not: bad ones refused with where", "[xlsform][survey]") {
    auto problems = [](const std::string& show_if) {
        const std::string json = R"({"format": 1, "id": "t", "version": 1, "title": "T", "languages": ["en"],
          "questions": [{"id": "n", "type": "note", "prompt": "Hi"},
                        {"id": "a", "type": "choice", "prompt": "A", "options": [{"id": "x", "label": "X"}, {"id": "y", "label": "Y"}]},
                        {"id": "b", "type": "text", "prompt": "B", "show_if": )" + show_if + "}]}";
        std::string out;
        for (const auto& p : parse_survey(json).problems) out += p.str() + "\n";
        return out;
    };
    CHECK(problems(R"({"all": []})") == "questions[2].show_if.all: must not be empty\n");
    CHECK(problems(R"({"any": {"question": "a"}})") == "questions[2].show_if.any: must be an array of conditions, not an object\n");
    CHECK(problems(R"({"not": {"question": "a", "is": ["z"]}})") ==
          "questions[2].show_if.not.is[0]: 'z' is not an option of 'a' (use x, y)\n");
    CHECK(problems(R"({"all": [{"question": "a", "is": ["x"]}], "question": "a"})") ==
          "questions[2].show_if: unknown field 'question'\n");
    CHECK(problems(R"({"any": [{"question": "a", "is": ["x"]}, {"question": "b", "is": ["x"]}]})") ==
          "questions[2].show_if.any[1].question: a question cannot depend on itself\n");
    CHECK(problems(R"({"question": "n", "is": ["x"]})") ==
          "questions[2].show_if.question: 'n' is a note; it has no answer for show_if to use\n");
}

TEST_CASE("note: shown with Next, never answered, never stored", "[xlsform][flow]") {
    const Survey s = parse_or_fail(kLogic);
    ManualTime t;
    Flow f(s, {}, t);
    f.begin();
    REQUIRE(f.question().id == "intro");
    CHECK(f.can_next());
    CHECK_FALSE(f.choose("1"));
    f.answer().text = "typed into a note";  // nothing a note can hold counts as an answer
    CHECK_FALSE(is_answered(s.questions[0], f.answers().at("intro")));
    REQUIRE(f.next());
    CHECK(f.question().id == "yn");
    REQUIRE(f.choose("yes"));
    CHECK(answers_to_json(s, f.answers()) == R"({"yn":"yes"})");

    auto bad = parse_survey(R"({"format": 1, "id": "t", "version": 1, "title": "T", "languages": ["en"],
      "questions": [{"id": "n", "type": "note", "prompt": "Hi", "required": true, "options": [{"id": "a", "label": "A"}]}]})");
    REQUIRE(bad.problems.size() == 2);
    CHECK(bad.problems[0].str() == "questions[0].required: a note has no answer, so it cannot be required");
    CHECK(bad.problems[1].str() == "questions[0].options: only allowed for smiley, choice, multi, agree and needs questions");
}
