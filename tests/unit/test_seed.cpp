// Synthetic responses (engage-kiosk seed) and Store::save_batch.
#include <catch2/catch.hpp>

#include "temp_dir.h"

#include <algorithm>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engage/answers.h"
#include "engage/seed.h"
#include "engage/storage.h"
#include "engage/survey.h"
#include "engage/textcheck.h"

namespace fs = std::filesystem;
using namespace engage;

namespace {

struct SeedDir : test::TempDir {
    SeedDir() : TempDir("seed") {}
};

Survey demo_survey() {
    SurveyLoad r = load_survey_file(std::string(ENGAGE_ASSETS) + "/surveys/demo.json");
    REQUIRE(r.ok());
    return *r.survey;
}

// Reads stored answers back; "" when they are valid for `s`: every key a question that is shown and
// answered, every shown required question present, texts within max_length, and the JSON exactly what
// answers_to_json() makes of them.
std::string problem(const Survey& s, const std::string& answers_json) {
    const auto j = nlohmann::json::parse(answers_json);
    if (!j.is_object()) return "not an object";
    Answers answers;
    for (const auto& [id, v] : j.items()) {
        const Question* q = s.find(id);
        if (!q) return "unknown question " + id;
        Answer& a = answers[id];
        switch (q->type) {
            case QuestionType::Smiley:
            case QuestionType::Scale: a.number = v.get<int>(); break;
            case QuestionType::Choice:
            case QuestionType::Agree:
                if (!v.is_object()) {
                    a.selected = {v.get<std::string>()};
                    break;
                }
                if (!q->allow_other) return id + ": an object for a choice without allow_other";
                [[fallthrough]];  // Other with its words: {"selected": ["other"], "other": ...}
            case QuestionType::Multi:
            case QuestionType::Needs:
                a.selected = v.at("selected").get<std::vector<std::string>>();
                if (v.contains("other")) a.text = v.at("other").get<std::string>();
                break;
            case QuestionType::Text:
                a.text = v.get<std::string>();
                if (utf8_length(a.text) > static_cast<std::size_t>(q->max_length)) return id + " too long";
                break;
            case QuestionType::Note: return id + " is a note, never stored";
        }
        if (!is_answered(*q, a)) return id + " is not a valid answer";
    }
    for (const Question& q : s.questions) {
        const bool shown = is_shown(s, q, answers), present = answers.count(q.id) > 0;
        if (present && !shown) return q.id + " answered but not shown";
        if (q.required && shown && !present) return q.id + " is required";
    }
    if (answers_to_json(s, answers) != answers_json) return "not in answers_to_json form";
    return "";
}

}  // namespace

TEST_CASE("seed: 500 responses give 500 valid rows numbered 1..500") {
    const Survey s = demo_survey();
    SeedDir dir;
    auto store = Store::open(dir.path.string());
    store->save_batch(synthetic_responses(s, 500, 42));

    const auto rows = store->responses();
    REQUIRE(rows.size() == 500);
    std::set<std::string> uuids, distinct_answers;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const StoredResponse& r = rows[i];
        CHECK(r.seq == static_cast<std::int64_t>(i + 1));
        CHECK(r.survey_id == s.id);
        CHECK(r.survey_version == s.version);
        CHECK(std::find(s.languages.begin(), s.languages.end(), r.language) != s.languages.end());
        CHECK(r.kiosk_id == store->kiosk_id());
        CHECK(r.sync_state == "pending");
        INFO(r.answers_json);
        CHECK(problem(s, r.answers_json).empty());
        uuids.insert(r.uuid);
        distinct_answers.insert(r.answers_json);
    }
    CHECK(uuids.size() == 500);
    CHECK(distinct_answers.size() > 400);  // varied, not one answer repeated
    CHECK(store->counts().this_session == 500);  // in the open ("Drop-in") session, as save_response does
    // The sequence goes on from there for the next single save.
    CHECK(store->save_response(synthetic_responses(s, 1, 7)[0]).seq == 501);
}

TEST_CASE("seed: synthetic responses are deterministic per seed and batch size") {
    const Survey s = demo_survey();
    const auto a = synthetic_responses(s, 300, 9), b = synthetic_responses(s, 300, 9);
    const auto c = synthetic_responses(s, 300, 10);
    auto json = [](const std::vector<NewResponse>& v) {
        std::vector<std::string> out;
        for (const auto& r : v) out.push_back(r.language + r.answers_json);
        return out;
    };
    CHECK(json(a) == json(b));
    CHECK(json(a) != json(c));
    std::vector<NewResponse> batched;
    int batches = 0;
    synthetic_responses(s, 300, 9, 64, [&](const std::vector<NewResponse>& rs) {
        CHECK(rs.size() <= 64);
        ++batches;
        batched.insert(batched.end(), rs.begin(), rs.end());
    });
    CHECK(batches == 5);
    CHECK(json(batched) == json(a));

    // The mix is plausible: show_if follow-ups, Other with text and free text all occur.
    std::string all;
    for (const auto& r : a) all += r.answers_json;
    CHECK(all.find("\"today_hard\"") != std::string::npos);
    CHECK(all.find("\"other\":\"") != std::string::npos);
    CHECK(all.find("\"anything_else\"") != std::string::npos);
}

TEST_CASE("seed: synthetic responses follow every question type and max_length") {
    const SurveyLoad r = parse_survey(R"({"format": 1, "id": "all-types", "version": 3, "title": "T",
      "languages": ["en", "cy"], "questions": [
        {"id": "mood", "type": "smiley", "prompt": "P"},
        {"id": "score", "type": "scale", "prompt": "P", "required": true},
        {"id": "why", "type": "text", "prompt": "P", "max_length": 12, "required": true,
         "show_if": {"question": "score", "at_most": 5}},
        {"id": "pick", "type": "choice", "prompt": "P", "required": true, "allow_other": true,
         "options": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
         "show_if": {"question": "mood", "is": ["5"]}},
        {"id": "many", "type": "multi", "prompt": "P", "required": true, "allow_other": true,
         "options": [{"id": "x", "label": "X"}, {"id": "y", "label": "Y"}]},
        {"id": "agree", "type": "agree", "prompt": "P"},
        {"id": "needs", "type": "needs", "prompt": "P", "required": true}]})");
    REQUIRE(r.ok());
    std::set<std::string> languages;
    int other_picks = 0;
    for (const NewResponse& n : synthetic_responses(*r.survey, 400, 3)) {
        INFO(n.answers_json);
        if (n.answers_json.find(R"("pick":{"selected":["other"],"other":)") != std::string::npos) ++other_picks;
        CHECK(problem(*r.survey, n.answers_json).empty());
        CHECK(n.survey_id == "all-types");
        CHECK(n.survey_version == 3);
        languages.insert(n.language);
    }
    CHECK(languages == std::set<std::string>{"en", "cy"});
    CHECK(other_picks > 0);  // a choice's Other, with words
}

TEST_CASE("seed: save_batch with no responses is a no-op") {
    SeedDir dir;
    auto store = Store::open(dir.path.string());
    store->save_batch({});
    CHECK(store->counts().total == 0);
    CHECK_FALSE(store->current_session());  // not even a Drop-in session was opened
    CHECK(store->save_response(NewResponse{"s", 1, "en", "{}"}).seq == 1);
}

TEST_CASE("seed: save_batch is all or nothing") {
    const Survey s = demo_survey();
    SeedDir dir;
    auto store = Store::open(dir.path.string());
    store->save_batch(synthetic_responses(s, 10, 1));
    store->limit_pages_for_test(1);  // as on a full disk
    CHECK_THROWS_AS(store->save_batch(synthetic_responses(s, 2000, 2)), StoreError);
    store->limit_pages_for_test(1'000'000);
    CHECK(store->counts().total == 10);
    store->save_batch(synthetic_responses(s, 5, 3));
    const auto rows = store->responses();
    REQUIRE(rows.size() == 15);
    CHECK(rows.back().seq == 15);  // no numbers lost to the failed batch
}
