// Results: tallies of stored answers, the small-number rule, free text held back for review, safe cells.
#include <catch2/catch.hpp>

#include <cmath>

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

namespace {
r::QuestionTally tally_of(const std::string& type, std::vector<std::pair<std::string, std::int64_t>> counts,
                          std::int64_t answered = -1) {
    r::QuestionTally qt;
    qt.id = "q";
    qt.type = type;
    std::int64_t sum = 0;
    for (const auto& [id, n] : counts) {
        qt.counts.push_back({id, n});
        sum += n;
    }
    qt.answered = answered >= 0 ? answered : sum;
    return qt;
}

std::vector<int> percents_of(const std::vector<r::Row>& rows) {
    std::vector<int> out;
    for (const auto& row : rows) out.push_back(row.percent ? *row.percent : -1);
    return out;
}
}  // namespace

TEST_CASE("percentages: largest remainder adds to 100; multi-answer shares round half up", "[results]") {
    auto counts = [](std::vector<std::int64_t> ns) {
        std::vector<r::Count> c;
        for (auto n : ns) c.push_back({"x" + std::to_string(c.size()), n});
        return c;
    };
    CHECK(r::percentages(counts({1, 1, 1}), 3, true) == std::vector<int>{34, 33, 33});
    CHECK(r::percentages(counts({2, 1, 1}), 4, true) == std::vector<int>{50, 25, 25});
    CHECK(r::percentages(counts({9, 11}), 20, true) == std::vector<int>{45, 55});
    // 66.67 + 16.67 + 16.67: rounding each would give 67 + 17 + 17 = 101.
    CHECK(r::percentages(counts({4, 1, 1}), 6, true) == std::vector<int>{67, 17, 16});
    CHECK(r::percentages(counts({0, 7, 0}), 7, true) == std::vector<int>{0, 100, 0});
    CHECK(r::percentages(counts({1, 2}), 0, true) == std::vector<int>{0, 0});
    CHECK(r::percentages(counts({}), 5, true).empty());
    // Several answers each: every share out of the people, not adding to 100.
    CHECK(r::percentages(counts({2, 1, 3}), 3, false) == std::vector<int>{67, 33, 100});
    CHECK(r::percentages(counts({1}), 8, false) == std::vector<int>{13});  // 12.5 rounds up
    // Every mix of up to 40 responses over five faces adds to exactly 100, each within 1 of the exact share.
    for (int a = 0; a <= 8; ++a)
        for (int b = 0; b <= 8; ++b)
            for (int c = 0; c <= 8; ++c)
                for (int d = 0; d <= 8; ++d)
                    for (int e = 0; e <= 8; ++e) {
                        const std::int64_t total = a + b + c + d + e;
                        if (total == 0) continue;
                        const auto p = r::percentages(counts({a, b, c, d, e}), total, true);
                        int sum = 0;
                        const int ns[] = {a, b, c, d, e};
                        for (int i = 0; i < 5; ++i) {
                            sum += p[static_cast<std::size_t>(i)];
                            const double exact = 100.0 * ns[i] / static_cast<double>(total);
                            if (std::abs(p[static_cast<std::size_t>(i)] - exact) >= 1.0) FAIL_CHECK(a << b << c << d << e);
                        }
                        if (sum != 100) FAIL_CHECK(a << b << c << d << e << " adds to " << sum);
                    }
}

TEST_CASE("rows: percentages beside counts, never beside a hidden count", "[results]") {
    // Smiley with 20 answers: 9 good, 6 OK, 3 bad (hidden), 2 very bad (hidden), 0 very good.
    const auto qt = tally_of("smiley", {{"1", 2}, {"2", 3}, {"3", 6}, {"4", 9}, {"5", 0}});
    const auto rs = r::rows(qt, 5);
    REQUIRE(rs.size() == 5);
    CHECK(rs[0].hidden);
    CHECK(rs[1].hidden);
    CHECK_FALSE(rs[2].hidden);
    CHECK_FALSE(rs[4].hidden);  // 0 is shown: nothing to protect
    CHECK(percents_of(rs) == std::vector<int>{-1, -1, 30, 45, 0});
    CHECK(rs[3].n == 9);
    // The same question with min_count 3: only the 2 is hidden; the shares are still out of all 20.
    CHECK(percents_of(r::rows(qt, 3)) == std::vector<int>{-1, 15, 30, 45, 0});
    // The floor applies: min_count 1 behaves as 3.
    CHECK(percents_of(r::rows(qt, 1)) == percents_of(r::rows(qt, 3)));

    // Fewer than min_count people answered: no percentage at all, even for a count of 0.
    const auto few = tally_of("choice", {{"yes", 4}, {"no", 0}});
    CHECK(percents_of(r::rows(few, 5)) == std::vector<int>{-1, -1});
    CHECK(r::rows(few, 5)[0].hidden);
    CHECK_FALSE(r::rows(few, 5)[1].hidden);

    // Multi: shares of the people who answered.
    const auto multi = tally_of("multi", {{"a", 6}, {"b", 10}, {"other", 1}}, 10);
    CHECK(percents_of(r::rows(multi, 5)) == std::vector<int>{60, 100, -1});
    // Text: counts none, percentages none.
    const auto text = tally_of("text", {}, 12);
    CHECK(r::rows(text, 5).empty());
    CHECK_FALSE(r::has_percentages(text));
    CHECK(r::single_answer(tally_of("scale", {})));
    CHECK(r::single_answer(tally_of("number", {})));
    CHECK_FALSE(r::single_answer(tally_of("needs", {})));
}

TEST_CASE("headline: the most chosen answer and its share, under the small-number rule", "[results]") {
    auto h = r::headline(tally_of("smiley", {{"1", 2}, {"2", 3}, {"3", 6}, {"4", 9}, {"5", 0}}), 5);
    REQUIRE(h);
    CHECK(h.ids == std::vector<std::string>{"4"});
    CHECK(h.n == 9);
    CHECK(h.percent == 45);
    // A tie: both named, one share each.
    h = r::headline(tally_of("choice", {{"yes", 6}, {"no", 6}, {"maybe", 6}}), 5);
    REQUIRE(h);
    CHECK(h.ids == std::vector<std::string>{"yes", "no", "maybe"});
    CHECK(h.percent == 33);
    // Too few answers to the question: none.
    CHECK_FALSE(r::headline(tally_of("agree", {{"agree", 4}, {"unsure", 0}, {"disagree", 0}}), 5));
    // Enough answers, but the top count itself would be "fewer than 5": none.
    CHECK_FALSE(r::headline(tally_of("smiley", {{"1", 2}, {"2", 2}, {"3", 2}, {"4", 1}, {"5", 1}}), 5));
    // Nobody answered; a text question; an empty tally: none, never a crash.
    CHECK_FALSE(r::headline(tally_of("choice", {{"yes", 0}, {"no", 0}}), 5));
    CHECK_FALSE(r::headline(tally_of("text", {}, 30), 5));
    CHECK_FALSE(r::headline(r::QuestionTally{}, 5));
    // Multi: the share of the people who answered.
    h = r::headline(tally_of("needs", {{"bsl", 3}, {"step_free", 7}}, 10), 5);
    REQUIRE(h);
    CHECK(h.ids == std::vector<std::string>{"step_free"});
    CHECK(h.percent == 70);
    // From a real tally of stored answers.
    r::Tally t;
    for (int i = 0; i < 7; ++i) r::add(t, R"({"mood":4,"listened":"yes"})", &survey());
    for (int i = 0; i < 5; ++i) r::add(t, R"({"mood":2,"listened":"no"})", &survey());
    h = r::headline(q(t, "mood"), 5);
    REQUIRE(h);
    CHECK(h.ids == std::vector<std::string>{"4"});
    CHECK(h.percent == 58);
    CHECK(percents_of(r::rows(q(t, "listened"), 5)) == std::vector<int>{58, 42});
}

TEST_CASE("tally: Other with words on a single choice (allow_other)", "[results]") {
    auto l = parse_survey(R"({"format": 1, "id": "o", "version": 1, "title": "T", "languages": ["en"],
      "questions": [{"id": "heard", "type": "choice", "prompt": "Heard how?", "allow_other": true,
                     "options": [{"id": "radio", "label": "Radio"}, {"id": "friend", "label": "A friend"}]}]})");
    REQUIRE(l.ok());
    r::Tally t;
    r::add(t, R"({"heard":"radio"})", &*l.survey);
    r::add(t, R"({"heard":{"selected":["other"],"other":"A poster"}})", &*l.survey);
    r::add(t, R"({"heard":{"selected":["other"],"other":"The bus"}})", &*l.survey);
    const auto& h = q(t, "heard");
    CHECK(ids(h) == std::vector<std::string>{"radio", "friend", "other"});
    CHECK(n(h, "radio") == 1);
    CHECK(n(h, "other") == 2);
    CHECK(h.answered == 3);
    CHECK(h.texts == std::vector<std::string>{"A poster", "The bus"});
}
