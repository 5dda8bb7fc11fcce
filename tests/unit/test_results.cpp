// Results: tallies of stored answers, the small-number rule, free text held back for review, safe cells.
#include <catch2/catch.hpp>

#include "engage/results.h"

using namespace engage;
namespace r = engage::results;

namespace {

const Survey& survey() {
    static const Survey s = [] {
        auto l = parse_survey(R"({
          "format": 1, "id": "t", "version": 1, "title": "T", "languages": ["en"],
          "questions": [
            {"id": "mood", "type": "smiley", "prompt": "Mood?"},
            {"id": "why", "type": "text", "prompt": "Why?"},
            {"id": "listened", "type": "choice", "prompt": "Listened?",
             "options": [{"id": "yes", "label": "Yes"}, {"id": "no", "label": "No"}]},
            {"id": "fair", "type": "agree", "prompt": "Fair?"},
            {"id": "topics", "type": "multi", "prompt": "Topics?", "allow_other": true,
             "options": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}]},
            {"id": "help", "type": "needs", "prompt": "Help?"},
            {"id": "score", "type": "scale", "prompt": "Score?"}
          ]})");
        REQUIRE(l.ok());
        return *l.survey;
    }();
    return s;
}

std::vector<std::string> ids(const r::QuestionTally& q) {
    std::vector<std::string> out;
    for (const auto& c : q.counts) out.push_back(c.id);
    return out;
}

std::int64_t n(const r::QuestionTally& q, const std::string& id) {
    for (const auto& c : q.counts)
        if (c.id == id) return c.n;
    return -1;
}

const r::QuestionTally& q(const r::Tally& t, const std::string& id) {
    const auto* p = r::find(t, id);
    REQUIRE(p);
    return *p;
}

}  // namespace

TEST_CASE("tally with the survey: every type, survey order, zeros listed", "[results]") {
    r::Tally t;
    r::add(t, R"({"mood":2,"why":"Too noisy","listened":"yes","fair":"disagree",
                 "topics":{"selected":["b","other"],"other":"A lift"},"help":{"selected":["bsl","step_free"]},"score":10})",
           &survey());
    r::add(t, R"({"mood":5,"listened":"no","topics":{"selected":["a"]},"score":0})", &survey());
    r::add(t, R"({"mood":2,"why":"Cold","fair":"agree","help":{"selected":["bsl"]}})", &survey());

    CHECK(t.responses == 3);
    CHECK(t.bad == 0);
    std::vector<std::string> order;
    for (const auto& qt : t.questions) order.push_back(qt.id);
    CHECK(order == std::vector<std::string>{"mood", "why", "listened", "fair", "topics", "help", "score"});

    const auto& mood = q(t, "mood");
    CHECK(mood.type == "smiley");
    CHECK(mood.answered == 3);
    CHECK(ids(mood) == std::vector<std::string>{"1", "2", "3", "4", "5"});
    CHECK(n(mood, "2") == 2);
    CHECK(n(mood, "5") == 1);
    CHECK(n(mood, "1") == 0);

    const auto& why = q(t, "why");
    CHECK(why.type == "text");
    CHECK(why.answered == 2);
    CHECK(why.counts.empty());
    CHECK(why.texts == std::vector<std::string>{"Too noisy", "Cold"});

    const auto& listened = q(t, "listened");
    CHECK(listened.type == "choice");
    CHECK(ids(listened) == std::vector<std::string>{"yes", "no"});
    CHECK(n(listened, "yes") == 1);
    CHECK(n(listened, "no") == 1);

    const auto& fair = q(t, "fair");
    CHECK(fair.type == "agree");
    CHECK(ids(fair) == std::vector<std::string>{"agree", "unsure", "disagree"});
    CHECK(n(fair, "agree") == 1);
    CHECK(n(fair, "unsure") == 0);

    const auto& topics = q(t, "topics");
    CHECK(topics.type == "multi");
    CHECK(topics.answered == 2);
    CHECK(ids(topics) == std::vector<std::string>{"a", "b", "other"});
    CHECK(n(topics, "other") == 1);
    CHECK(topics.texts == std::vector<std::string>{"A lift"});

    const auto& help = q(t, "help");
    CHECK(help.type == "needs");
    CHECK(ids(help) == builtin_option_ids(QuestionType::Needs));  // no allow_other: no "other"
    CHECK(n(help, "bsl") == 2);
    CHECK(n(help, "step_free") == 1);

    const auto& score = q(t, "score");
    CHECK(score.type == "scale");
    REQUIRE(score.counts.size() == 11);
    CHECK(score.counts.front().id == "0");
    CHECK(score.counts.back().id == "10");
    CHECK(n(score, "0") == 1);
    CHECK(n(score, "10") == 1);
    CHECK(score.answered == 2);
}

TEST_CASE("tally with the survey: values it does not list, keys it does not know, wrong shapes", "[results]") {
    r::Tally t;
    r::add(t, R"({"listened":"maybe","extra":"x y z","mood":"happy","topics":"a","score":7.5})", &survey());
    const auto& listened = q(t, "listened");
    CHECK(ids(listened) == std::vector<std::string>{"yes", "no", "maybe"});  // another survey version's option
    CHECK(n(listened, "maybe") == 1);
    CHECK(q(t, "mood").answered == 0);     // a string for a smiley: ignored
    CHECK(q(t, "topics").answered == 0);   // a string for a multi: ignored
    CHECK(q(t, "score").answered == 0);    // not an integer
    CHECK(t.questions.back().id == "extra");
    CHECK(t.questions.back().type == "text");
    CHECK(t.questions.back().texts == std::vector<std::string>{"x y z"});
}

TEST_CASE("tally without the survey: types guessed, first-seen order, numbers ascending", "[results]") {
    r::Tally t;
    r::add(t, R"({"today":4,"listened":"yes","help":{"selected":["bsl","other"],"other":"Parking"},"more":"It was fine"})",
           nullptr);
    r::add(t, R"({"today":2,"listened":"a_bit","help":{"selected":["quiet_space"]}})", nullptr);
    r::add(t, R"({"today":4,"listened":"yes","more":"ok"})", nullptr);
    CHECK(t.responses == 3);
    std::vector<std::string> order;
    for (const auto& qt : t.questions) order.push_back(qt.id);
    CHECK(order == std::vector<std::string>{"today", "listened", "help", "more"});

    const auto& today = q(t, "today");
    CHECK(today.type == "number");
    CHECK(ids(today) == std::vector<std::string>{"2", "4"});
    CHECK(n(today, "4") == 2);

    const auto& listened = q(t, "listened");
    CHECK(listened.type == "option");
    CHECK(ids(listened) == std::vector<std::string>{"yes", "a_bit"});
    CHECK(n(listened, "yes") == 2);

    const auto& help = q(t, "help");
    CHECK(help.type == "options");
    CHECK(ids(help) == std::vector<std::string>{"bsl", "other", "quiet_space"});
    CHECK(help.texts == std::vector<std::string>{"Parking"});
    CHECK(help.answered == 2);

    // "ok" looks like an id, but the question already holds free text.
    const auto& more = q(t, "more");
    CHECK(more.type == "text");
    CHECK(more.texts == std::vector<std::string>{"It was fine", "ok"});
}

TEST_CASE("tally without the survey: an option question that turns out to be text", "[results]") {
    r::Tally t;
    r::add(t, R"({"w":"fine"})", nullptr);
    r::add(t, R"({"w":"fine"})", nullptr);
    r::add(t, R"({"w":"Too loud"})", nullptr);
    const auto& w = q(t, "w");
    CHECK(w.type == "text");
    CHECK(w.counts.empty());
    CHECK(w.texts == std::vector<std::string>{"fine", "fine", "Too loud"});
    CHECK(w.answered == 3);
}

TEST_CASE("tally: answers that are not a JSON object are counted, never thrown", "[results]") {
    r::Tally t;
    for (const char* bad : {"", "not json", "[1,2]", "42", "\"text\"", "null", "{\"a\":", "{\"a\":1}}"}) {
        CHECK_NOTHROW(r::add(t, bad, &survey()));
        CHECK_NOTHROW(r::add(t, bad, nullptr));
    }
    CHECK(t.bad == 16);
    CHECK(t.responses == 0);
    r::add(t, "{}", &survey());
    CHECK(t.responses == 1);
    CHECK(t.questions.size() == survey().questions.size());
    // Odd values inside an object: ignored, not thrown.
    CHECK_NOTHROW(r::add(t, R"({"x":null,"y":[1],"z":true,"topics":{"selected":[1,null]},"help":{"selected":"bsl"}})",
                         &survey()));
    CHECK(q(t, "topics").answered == 0);
    CHECK(t.responses == 2);
}

TEST_CASE("small-number rule: boundaries and the floor", "[results]") {
    CHECK(r::kDefaultMinCount == 5);
    CHECK(r::suppressed(4, 5));
    CHECK(r::suppressed(1, 5));
    CHECK_FALSE(r::suppressed(5, 5));
    CHECK_FALSE(r::suppressed(0, 5));
    CHECK_FALSE(r::suppressed(1000, 5));
    CHECK(r::clamp_min_count(5) == 5);
    CHECK(r::clamp_min_count(10) == 10);
    CHECK(r::clamp_min_count(2) == 3);
    CHECK(r::clamp_min_count(0) == 3);
    CHECK(r::clamp_min_count(-7) == 3);
    // min_count is clamped: asking for 1 still hides 1 and 2.
    CHECK(r::suppressed(2, 1));
    CHECK(r::suppressed(1, 0));
    CHECK_FALSE(r::suppressed(3, 1));
    CHECK(r::suppressed(9, 10));
    CHECK(r::shown_count(4, 5) == "fewer than 5");
    CHECK(r::shown_count(5, 5) == "5");
    CHECK(r::shown_count(0, 5) == "0");
    CHECK(r::shown_count(2, 2) == "fewer than 3");
}

TEST_CASE("needs_review: names and contacts are held back", "[results]") {
    for (const char* s : {
             "email me at jo.bloggs@example.org",
             "call 0131 496 0000 any time",
             "+44 7700 900123",
             "see www.example.org",
             "https://example.com/page",
             "my site is leithfolk.scot",
             "details on example.co.uk",
             "follow @leith_folk",
             "@SUM(A1)",
             "Mr Smith was rude",
             "ask mr smith",
             "Dr. Jones helped a lot",
             "thanks to Cllr Brown",
             "I met John Smith at the desk",
             "John Smith was rude",              // at the start of a sentence, but not a common opener
             "It was great. Mary O'Brien helped", // second sentence
             "Anne-Marie Ní Bhriain ran it",
             "Spotkałam Jana Kowalskiego",        // Polish
             "Pani Nowak była bardzo miła",
             "Dziękuję panu Łukaszowi Żółtemu",
             "Я зустріла Олену Петренко",         // Ukrainian
             "пан Шевченко допоміг",
             "王先生很好",                        // Chinese: Mr Wang was good
             "李女士帮了我",
             "The staff at Leith Library were kind",  // a place, held back all the same
         }) {
        INFO(s);
        CHECK(r::needs_review(s));
    }
}

TEST_CASE("needs_review: ordinary feedback passes", "[results]") {
    for (const char* s : {
             "",
             "Too noisy",
             "It was too noisy and cold",
             "I",
             "I liked it",
             "I think the BSL interpreter was great",
             "NHS Lothian should come more often",    // an acronym and one capitalised word
             "More seats. Better signs. Longer hours",
             "The Library was warm",                  // a common opener then one capitalised word
             "Great Event",
             "We need a hearing loop",
             "Too loud!! Way too loud",
             "Parking was hard, bus 22 was late",
             "3.5 out of 10, e.g. the food",
             "Było za głośno",                        // Polish: it was too loud
             "Дуже добре, дякую",                     // Ukrainian: very good, thank you
             "今天很好，谢谢",                         // Chinese: today was good, thanks
             "I have MS and need a seat",             // MS: a condition, not a title
             "=HYPERLINK(\"x\")",
             "<script>alert(1)</script>",
         }) {
        INFO(s);
        CHECK_FALSE(r::needs_review(s));
    }
}

TEST_CASE("needs_review: never crashes on broken UTF-8", "[results]") {
    CHECK_NOTHROW(r::needs_review("\xff\xfe Jo\xc3"));
    CHECK_NOTHROW(r::needs_review(std::string("a\0b", 3)));
    CHECK(r::needs_review("\xff John Smith"));
}

TEST_CASE("neutralise_cell: formula starters get an apostrophe", "[results]") {
    CHECK(r::neutralise_cell("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")");
    CHECK(r::neutralise_cell("+1") == "'+1");
    CHECK(r::neutralise_cell("-2") == "'-2");
    CHECK(r::neutralise_cell("@SUM(A1)") == "'@SUM(A1)");
    CHECK(r::neutralise_cell("\tx") == "'\tx");
    CHECK(r::neutralise_cell("\rx") == "'\rx");
    CHECK(r::neutralise_cell("") == "");
    CHECK(r::neutralise_cell("plain") == "plain");
    CHECK(r::neutralise_cell("4") == "4");
    CHECK(r::neutralise_cell("a=b") == "a=b");
    CHECK(r::neutralise_cell(" =1") == " =1");
    CHECK(r::neutralise_cell("'already") == "'already");
    CHECK(r::neutralise_cell("Łódź") == "Łódź");
}
