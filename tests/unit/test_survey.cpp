// Survey loader: the demo, the broken-file corpus, hostile inputs, and the small helpers.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include <sys/stat.h>
#include <unistd.h>

#include "engage/survey.h"

using namespace engage;
namespace fs = std::filesystem;

namespace {

const std::string kCorpus = ENGAGE_TEST_CORPUS;
const std::string kDemo = std::string(ENGAGE_ASSETS) + "/surveys/demo.json";

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string all_problems(const SurveyLoad& r) {
    std::string s;
    for (const auto& p : r.problems) s += p.str() + "\n";
    return s;
}

bool has_problem(const SurveyLoad& r, const std::string& text) {
    return std::any_of(r.problems.begin(), r.problems.end(),
                       [&](const SurveyProblem& p) { return p.str().find(text) != std::string::npos; });
}

// A scratch folder, removed afterwards.
struct TempDir {
    fs::path path = fs::temp_directory_path() /
                    ("engage-survey-test-" + std::to_string(::getpid()) + "-" + std::to_string(std::random_device{}()));
    TempDir() { fs::create_directories(path); }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string write(const std::string& name, const std::string& data) const {
        const auto p = (path / name).string();
        std::ofstream(p, std::ios::binary) << data;
        return p;
    }
};

const char* kMinimal = R"({"format": 1, "id": "m", "version": 1, "title": "Hi", "languages": ["en"],
                          "questions": [{"id": "q", "type": "text", "prompt": "Say?"}]})";

}  // namespace

TEST_CASE("survey: the demo loads with no problems", "[survey]") {
    const auto r = load_survey_file(kDemo);
    INFO(all_problems(r));
    REQUIRE(r.ok());
    REQUIRE(r.problems.empty());
    const Survey& s = *r.survey;
    CHECK(s.id == "demo-community-voice");
    CHECK(s.default_language() == "en");
    REQUIRE(s.questions.size() >= 6);
    REQUIRE(s.questions.size() <= 8);

    const Question& today = s.questions[0];
    CHECK(today.type == QuestionType::Smiley);
    CHECK(today.required);
    CHECK(today.options.size() == 5);  // built-in ids filled in, labels left to the UI
    CHECK(today.options[0].id == "1");
    CHECK(today.options[0].label.empty());

    const Question& hard = s.questions[1];
    CHECK(hard.type == QuestionType::Text);
    REQUIRE(hard.show_if);
    CHECK(hard.show_if->question == "today");
    CHECK(hard.show_if->at_most == 2);

    const Question* listened = s.find("listened");
    REQUIRE(listened);
    CHECK(listened->type == QuestionType::Choice);
    CHECK(listened->options.size() == 4);
    CHECK(listened->options[1].label.get("en") == "A bit");

    const Question* next = s.find("next_time");
    REQUIRE(next);
    CHECK(next->type == QuestionType::Needs);
    CHECK(next->allow_other);
    CHECK(next->options.size() == builtin_option_ids(QuestionType::Needs).size());
    CHECK(s.find("change")->max_length == 300);
    CHECK(s.find("anything_else")->max_length == 500);
    CHECK(s.find("with_us")->type == QuestionType::Agree);
    CHECK(s.find("matters")->allow_other);
}

TEST_CASE("survey: every broken corpus file fails with its own message", "[survey]") {
    // file -> the one problem it must report ("where: what", or a distinctive part of it)
    const std::map<std::string, std::string> expected = {
        {"bad-empty.json", "(file): empty file"},
        {"bad-whitespace.json", "(file): empty file"},
        {"bad-truncated.json", "(file): not valid JSON at line 16, column 20: "},
        {"bad-binary.json", "(file): not valid JSON at line 1, column 1: "},
        {"bad-invalid-utf8.json", "(file): not valid JSON at line 37, column 25: syntax error while parsing value - invalid string: ill-formed UTF-8 byte"},
        {"bad-trailing-garbage.json", "expected end of input"},
        {"bad-comment.json", "(file): not valid JSON at line 2, column 3: "},
        {"bad-deep-nesting.json", "(file): nested deeper than 32 levels"},
        {"bad-duplicate-key.json", "questions[1]: field 'id' appears twice"},
        {"bad-top-array.json", "(file): must be an object { ... } holding the survey, not an array"},
        {"bad-format-2.json", "format: must be 1 (the only format this kiosk reads), not 2"},
        {"bad-format-missing.json", "format: is required"},
        {"bad-unknown-field-top.json", "(file): unknown field 'titel' (did you mean 'title'?)"},
        {"bad-id-chars.json", "id: 'Demo Survey' is not a valid id"},
        {"bad-version-zero.json", "version: must be at least 1"},
        {"bad-version-string.json", "version: must be a whole number, not text"},
        {"bad-version-decimal.json", "version: must be a whole number, not a decimal number"},
        {"bad-languages-empty.json", "languages: must not be empty"},
        {"bad-languages-duplicate.json", "languages[1]: duplicate language 'en'"},
        {"bad-languages-code.json", "languages[1]: 'Polish' is not a language code"},
        {"bad-language-persian.json", "languages[1]: 'fa' cannot be shown on this kiosk: "},
        {"bad-text-devanagari.json", "questions[1].prompt.en: uses Devanagari"},
        {"bad-languages-string.json", "languages: must be an array of language codes, not text"},
        {"bad-title-missing-default.json", "title: missing text for default language 'en'"},
        {"bad-title-unknown-language.json", "title.fr: language 'fr' is not in languages"},
        {"bad-title-number.json", "title: must be text or an object {\"language\": \"text\"}, not a number"},
        {"bad-title-empty.json", "title.en: must not be empty"},
        {"bad-title-missing.json", "title: is required"},
        {"bad-intro-array.json", "intro: must be text or an object {\"language\": \"text\"}, not an array"},
        {"bad-questions-empty.json", "questions: must not be empty"},
        {"bad-questions-object.json", "questions: must be an array of questions, not an object"},
        {"bad-long-string.json", "questions[1].prompt.en: longer than 4000 bytes"},
        {"bad-question-not-object.json", "questions[2]: must be an object { ... }, not text"},
        {"bad-unknown-field-question.json", "questions[1]: unknown field 'requried' (did you mean 'required'?)"},
        {"bad-unknown-type.json", "questions[1].type: unknown question type 'slider' (expected one of: smiley, choice, multi, agree, scale, text, needs, note)"},
        {"bad-type-missing.json", "questions[1].type: is required"},
        {"bad-prompt-missing.json", "questions[1].prompt: is required"},
        {"bad-question-id-chars.json", "questions[1].id: 'Q 2' is not a valid id"},
        {"bad-duplicate-question-id.json", "questions[1].id: duplicate question id 'q1' (also questions[0])"},
        {"bad-required-string.json", "questions[1].required: must be true or false, not text"},
        {"bad-auto-advance-string.json", "auto_advance: must be true or false, not text"},
        {"bad-help-unknown-language.json", "questions[1].help.pl: language 'pl' is not in languages"},
        {"bad-duplicate-option-id.json", "questions[0].options[2].id: duplicate option id 'yes'"},
        {"bad-choice-empty-options.json", "questions[0].options: must not be empty"},
        {"bad-choice-missing-options.json", "questions[0].options: is required"},
        {"bad-choice-one-option.json", "questions[0].options: needs at least 2 options"},
        {"bad-options-object.json", "questions[0].options: must be an array of options, not an object"},
        {"bad-option-label-missing.json", "questions[0].options[1].label: is required"},
        {"bad-option-not-object.json", "questions[0].options[2]: must be an object {\"id\": ..., \"label\": ...}, not text"},
        {"bad-option-unknown-field.json", "questions[0].options[0]: unknown field 'lable' (did you mean 'label'?)"},
        {"bad-too-many-options.json", "questions[0].options: more than 40 options"},
        {"bad-smiley-four-options.json", "questions[0].options: smiley questions need exactly 5 options (1, 2, 3, 4, 5)"},
        {"bad-agree-option-id.json", "questions[2].options[0].id: 'yes' is not an agree option (use agree, unsure, disagree)"},
        {"bad-other-reserved.json", "questions[0].options[2].id: 'other' is reserved; set allow_other instead"},
        {"bad-allow-other-on-text.json", "questions[1].allow_other: only allowed for choice, multi and needs questions"},
        {"bad-options-on-scale.json", "questions[2].options: only allowed for smiley, choice, multi, agree and needs questions"},
        {"bad-needs-custom-no-label.json", "questions[2].options[1].label: is required"},
        {"bad-max-length-range.json", "questions[1].max_length: must be from 1 to 2000"},
        {"bad-max-length-on-choice.json", "questions[0].max_length: only allowed for text questions"},
        {"bad-low-label-on-text.json", "questions[1].low_label: only allowed for scale questions"},
        {"bad-show-if-forward.json", "questions[0].show_if.question: 'q2' comes after this question"},
        {"bad-show-if-self.json", "questions[1].show_if.question: a question cannot depend on itself"},
        {"bad-show-if-missing-target.json", "questions[1].show_if.question: 'q9' is not a question in this survey"},
        {"bad-show-if-no-condition.json", "questions[1].show_if: needs at least one of 'is', 'at_least' or 'at_most'"},
        {"bad-show-if-string.json", "questions[1].show_if: must be an object"},
        {"bad-show-if-unknown-field.json", "questions[1].show_if: unknown field 'is_not'"},
        {"bad-show-if-unknown-option.json", "questions[1].show_if.is[0]: 'maybe' is not an option of 'q1' (use yes, no)"},
        {"bad-show-if-at-least-on-choice.json", "questions[1].show_if.at_least: only works when the earlier question is smiley or scale"},
        {"bad-show-if-text-target.json", "questions[2].show_if.question: 'q2' is a text question"},
        {"bad-show-if-scale-range.json", "questions[2].show_if.is[0]: must be from 0 to 10"},
        {"bad-show-if-smiley-range.json", "questions[2].show_if.at_least: must be from 1 to 5"},
        {"bad-show-if-never.json", "questions[2].show_if: at_least is more than at_most"},
        {"bad-show-if-is-object.json", "questions[1].show_if.is[0]: must be an option id or a whole number, not an object"},
        {"bad-image-missing.json", "questions[0].image.file: 'media/nothere.png': no such file beside the survey"},
        {"bad-image-too-wide.json", "questions[0].image.file: 'media/wide.png': 4097 x 1 pixels; at most 4096 either way"},
        {"bad-image-cut.json", "questions[0].image.file: 'media/cut.png': cannot be decoded ("},
        {"bad-image-corrupt.json", "questions[0].image.file: 'media/corrupt.png': cannot be decoded ("},
        {"bad-image-words.json", "questions[0].image.file: 'media/words.png': not a PNG or JPEG picture"},
        {"bad-image-gif-named-png.json", "questions[0].image.file: 'media/gif-named.png': not a PNG or JPEG picture"},
        {"bad-image-gif.json", "questions[0].image.file: 'media/picture.gif': must be a .png, .jpg or .jpeg file"},
        {"bad-image-png-named-jpg.json", "questions[0].image.file: 'media/png-named.jpg': is a PNG picture named .jpg"},
        {"bad-image-escape.json", "questions[0].image.file: must not leave the survey's folder ('..')"},
        {"bad-image-absolute.json", "questions[0].image.file: must be a path relative to the survey file, not an absolute one"},
        {"bad-image-folder.json", "questions[0].image.file: 'media': is a folder, not a picture"},
        {"bad-image-no-alt.json", "questions[0].image.alt: is required"},
        {"bad-image-alt-language.json", "questions[0].image.alt: missing words for language 'gd'"},
        {"bad-image-unknown-field.json", "questions[0].image: unknown field 'caption'"},
        {"bad-image-string.json", "questions[0].image: must be an object {\"file\": ..., \"alt\": ...}, not text"},
        {"bad-image-option-missing.json", "questions[0].options[1].image.file: 'media/nothere.jpg': no such file beside the survey"},
        {"bad-media-sha256.json", "media.media/good.png.sha256: does not match the file's bytes"},
        {"bad-media-base64.json", "media.media/good.png.base64: not valid base64"},
        {"bad-media-unused.json", "media.media/other.png: not used by any image or recording"},
        {"bad-audio-missing.json", "questions[0].audio.en: 'media/nothere.ogg': no such file beside the survey"},
        {"bad-audio-cut.json", "questions[0].audio.en: 'media/cut.ogg': cut short or damaged (its Ogg pages do not end the stream)"},
        {"bad-audio-wave.json", "questions[0].audio.en: 'media/wave-named.ogg': not an Ogg Vorbis recording"},
        {"bad-audio-language.json", "questions[0].audio.fr: language 'fr' is not in languages"},
        {"bad-audio-string.json", "questions[0].audio: must be an object {\"language\": \"file.ogg\"}, not text"},
        {"bad-audio-option-picture.json", "questions[0].options[0].audio.en: 'media/good.png': must be an .ogg file (Ogg Vorbis)"},
        {"bad-audio-both.json", "questions[0].audio.en: 'media/good.png': used as both a picture and a recording"},
    };
    std::size_t seen = 0;
    for (const auto& entry : fs::directory_iterator(kCorpus)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("bad-", 0) != 0) continue;
        ++seen;
        INFO(name);
        const auto it = expected.find(name);
        REQUIRE(it != expected.end());  // every broken file must say what it should report
        const auto r = load_survey_file(entry.path().string());
        INFO(all_problems(r));
        CHECK_FALSE(r.ok());
        CHECK(r.problems.size() == 1);  // one problem per file, no knock-on noise
        CHECK(has_problem(r, it->second));
    }
    CHECK(seen == expected.size());
}

TEST_CASE("survey: valid corpus files load", "[survey]") {
    for (const char* name : {"valid-minimal.json", "valid-multilingual.json", "valid-show-if.json", "valid-bom-crlf.json",
                             "valid-images.json"}) {
        INFO(name);
        const auto r = load_survey_file(kCorpus + "/" + name);
        INFO(all_problems(r));
        CHECK(r.ok());
    }
    const Survey ml = *load_survey_file(kCorpus + "/valid-multilingual.json").survey;
    CHECK(ml.languages == std::vector<std::string>{"en", "gd", "pl", "uk", "zh-Hans"});
    CHECK(ml.title.get("zh-Hans") == "说出你的想法");
    CHECK(ml.title.get("fr", "gd") == "Cuir do bheachd");
    CHECK(ml.intro.get("pl") == "Two minutes. No names.");  // plain string = default language, used as fallback
    CHECK(ml.questions[0].options[4].label.get("en") == "Great");
    CHECK(ml.questions[2].options[1].label.get("gd") == "Makaton");

    const Survey si = *load_survey_file(kCorpus + "/valid-show-if.json").survey;
    CHECK(si.find("why_sad")->show_if->is == std::vector<std::string>{"1", "2"});  // 1 and "2" both accepted
    CHECK(si.find("mid")->show_if->at_least == 5);
    CHECK(si.find("score")->low_label.get("en") == "Not at all");
}

TEST_CASE("survey: every problem is collected, not just the first", "[survey]") {
    const auto r = parse_survey(R"({
        "format": "1", "id": 7, "version": [1], "title": {"en": 5}, "languages": ["en", 3],
        "questions": [
            {"id": "a", "type": "choice", "prompt": {}, "options": "yes,no", "required": 1},
            {"id": "a", "type": 4, "prompt": "x", "max_length": "long"},
            {"id": "c", "type": "scale", "prompt": "x", "low_label": ["low"], "show_if": {"question": "zz", "at_most": "2"}},
            []
        ]})");
    INFO(all_problems(r));
    REQUIRE_FALSE(r.ok());
    for (const char* p : {"format: must be a whole number, not text", "id: must be text, not a number",
                          "version: must be a whole number, not an array", "title.en: must be text, not a number",
                          "languages[1]: must be text, not a number", "questions[0].prompt: missing text for default language 'en'",
                          "questions[0].options: must be an array of options, not text",
                          "questions[0].required: must be true or false, not a number",
                          "questions[1].id: duplicate question id 'a' (also questions[0])",
                          "questions[1].type: must be text, not a number", "questions[1].max_length: must be a whole number, not text",
                          "questions[2].low_label: must be text or an object", "questions[2].show_if.question: 'zz' is not a question",
                          "questions[2].show_if.at_most: must be a whole number, not text",
                          "questions[3]: must be an object { ... }, not an array"})
        CHECK(has_problem(r, p));
    CHECK(r.problems.size() == 15);
}

TEST_CASE("survey: size, length and depth limits refuse hostile files cleanly", "[survey]") {
    TempDir dir;
    SECTION("a 10 MB string") {
        const std::string big = R"({"format": 1, "id": "x", "title": ")" + std::string(10 * 1024 * 1024, 'a') + "\"}";
        const auto r = load_survey_file(dir.write("big.json", big));
        REQUIRE(r.problems.size() == 1);
        CHECK(r.problems[0].str() == "(file): larger than 4 MiB");
        CHECK(parse_survey(big).problems.at(0).str() == "(file): larger than 4 MiB");
    }
    SECTION("strings at and over the per-string limit") {
        auto with_prompt = [](std::size_t n) {
            return R"({"format": 1, "id": "m", "version": 1, "title": "Hi", "languages": ["en"],
                       "questions": [{"id": "q", "type": "text", "prompt": ")" + std::string(n, 'p') + "\"}]}";
        };
        CHECK(parse_survey(with_prompt(kMaxSurveyStringBytes)).ok());
        const auto r = parse_survey(with_prompt(kMaxSurveyStringBytes + 1));
        REQUIRE(r.problems.size() == 1);
        CHECK(r.problems[0].str() == "questions[0].prompt: longer than 4000 bytes");
    }
    SECTION("100k-deep nesting") {
        const std::size_t n = 100'000;
        for (const std::string& deep : {std::string(n, '[') + std::string(n, ']'),
                                        std::string(n, '['),  // unclosed too
                                        [&] { std::string s; for (std::size_t i = 0; i < n; ++i) s += "{\"a\":"; return s + "1" + std::string(n, '}'); }()}) {
            const auto r = load_survey_file(dir.write("deep.json", deep));
            REQUIRE(r.problems.size() == 1);
            CHECK(r.problems[0].str() == "(file): nested deeper than 32 levels");
        }
    }
    SECTION("depth 32 is allowed, 33 is not") {
        auto nest = [](int depth) {  // the root object is level 1
            return R"({"format": 1, "x": )" + std::string(depth - 1, '[') + std::string(depth - 1, ']') + "}";
        };
        CHECK_FALSE(has_problem(parse_survey(nest(32)), "nested deeper"));
        CHECK(has_problem(parse_survey(nest(32)), "(file): unknown field 'x'"));
        CHECK(has_problem(parse_survey(nest(33)), "(file): nested deeper than 32 levels"));
    }
    SECTION("too many questions") {
        std::string qs;
        for (std::size_t i = 0; i <= kMaxQuestions; ++i)
            qs += (i ? "," : "") + std::string(R"({"id": "q)") + std::to_string(i) + R"(", "type": "text", "prompt": "?"})";
        const auto r = parse_survey(R"({"format": 1, "id": "m", "version": 1, "title": "Hi", "languages": ["en"], "questions": [)" + qs + "]}");
        REQUIRE(r.problems.size() == 1);
        CHECK(r.problems[0].str() == "questions: more than 200 questions");
    }
    SECTION("thousands of problems are capped") {
        std::string fields;
        for (int i = 0; i < 5000; ++i) fields += ", \"junk" + std::to_string(i) + "\": 1";
        const auto r = parse_survey(std::string(kMinimal).insert(1, R"("z": 0)" + fields + ","));
        CHECK(r.problems.size() == 101);
        CHECK(r.problems.back().str() == "(file): too many problems; the rest are not shown");
    }
    SECTION("missing file, folder, empty file") {
        CHECK(load_survey_file((dir.path / "nope.json").string()).problems.at(0).str().find("(file): cannot read file: ") == 0);
        const auto folder = load_survey_file(dir.path.string());
        REQUIRE(folder.problems.size() == 1);
        CHECK(folder.problems[0].str().find("(file): cannot read file: ") == 0);
        CHECK(folder.problems[0].str().find("folder") != std::string::npos);
        CHECK(load_survey_file(dir.write("empty.json", "")).problems.at(0).str() == "(file): empty file");
    }
}

TEST_CASE("survey: every truncation of the demo is refused without throwing", "[survey]") {
    const std::string demo = read_file(kDemo);
    const std::size_t last_brace = demo.find_last_of('}');
    REQUIRE(last_brace != std::string::npos);
    std::size_t bad = 0;
    for (std::size_t n = 0; n <= last_brace; ++n) {  // every prefix that lacks the closing brace
        SurveyLoad r;
        REQUIRE_NOTHROW(r = parse_survey(std::string_view(demo).substr(0, n)));
        if (r.ok() || r.problems.empty()) ++bad;
    }
    CHECK(bad == 0);
}

TEST_CASE("survey: random byte mutations of the demo never throw", "[survey]") {
    const std::string demo = read_file(kDemo);
    std::mt19937 rng(20240601);
    using namespace std::string_literals;
    const std::string specials = "{}[]\":,\\0-9e.\x00\xff\xc3 tfn"s;  // keeps the NUL
    for (int round = 0; round < 3000; ++round) {
        std::string s = demo;
        const int edits = 1 + static_cast<int>(rng() % 4);
        for (int e = 0; e < edits; ++e) {
            const std::size_t at = rng() % s.size();
            const char c = rng() % 2 ? specials[rng() % specials.size()] : static_cast<char>(rng() % 256);
            if (rng() % 4 == 0) s.erase(at, 1); else s[at] = c;
        }
        SurveyLoad r;
        REQUIRE_NOTHROW(r = parse_survey(s));
        REQUIRE(r.ok() == r.problems.empty());
    }
}

TEST_CASE("survey: helpers", "[survey]") {
    for (auto t : {QuestionType::Smiley, QuestionType::Choice, QuestionType::Multi, QuestionType::Agree,
                   QuestionType::Scale, QuestionType::Text, QuestionType::Needs})
        CHECK(question_type_from_string(to_string(t)) == t);
    CHECK_FALSE(question_type_from_string("Smiley"));
    CHECK_FALSE(question_type_from_string(""));
    CHECK(std::string(to_string(QuestionType::Needs)) == "needs");

    LocalText t;
    CHECK(t.get("en").empty());
    t.by_lang = {{"gd", "Halò"}, {"pl", "Cześć"}};
    CHECK(t.get("pl") == "Cześć");
    CHECK(t.get("uk", "pl") == "Cześć");
    CHECK(t.get("uk") == "Halò");  // no "en": any text beats none

    CHECK(builtin_option_ids(QuestionType::Smiley) == std::vector<std::string>{"1", "2", "3", "4", "5"});
    CHECK(builtin_option_ids(QuestionType::Agree) == std::vector<std::string>{"agree", "unsure", "disagree"});
    CHECK(builtin_option_ids(QuestionType::Needs).size() == 8);
    CHECK(builtin_option_ids(QuestionType::Choice).empty());

    const Survey s = *parse_survey(kMinimal).survey;
    CHECK(s.default_language() == "en");
    CHECK(s.index_of("q") == 0);
    CHECK(s.index_of("nope") == -1);
    CHECK(s.find("q") == &s.questions[0]);
    CHECK(s.find("nope") == nullptr);
    CHECK(Survey{}.default_language().empty());
}

// Pictures and recordings (docs/survey-format.md, "Pictures", "Recordings"): what the loader keeps, hostile files
// made at run time (too large, a link out of the folder), and the self-contained form the hub publishes. The
// broken-file corpus (bad-image-*, bad-audio-*, bad-media-*.json) is checked with the rest above.
namespace {
std::string with_image(const std::string& file) {
    return R"({"format": 1, "id": "p", "version": 1, "title": "Hi", "languages": ["en"],
               "questions": [{"id": "q", "type": "note", "prompt": "Look",
                              "image": {"file": ")" + file + R"(", "alt": "A picture"}}]})";
}
}  // namespace

TEST_CASE("survey media: pictures and recordings: kept, refused, carried self-contained", "[survey][images]") {
    SECTION("the loader keeps each picture's place, words, size and bytes") {
        const auto r = load_survey_file(kCorpus + "/valid-images.json");
        INFO(all_problems(r));
        REQUIRE(r.ok());
        const Survey& s = *r.survey;
        REQUIRE(s.image);
        CHECK(s.image->file == "media/good.jpg");
        CHECK(s.image->alt.get("gd") == "Daoine a' bruidhinn");
        const Question& q = s.questions.at(0);
        REQUIRE(q.image);
        CHECK(q.image->width == 32);
        CHECK(q.image->height == 24);
        CHECK(q.image->alt.get("en") == "A bus stop");
        REQUIRE(q.options.at(1).image);
        CHECK(q.options[1].image->alt.get("gd") == "A' coiseachd");
        CHECK(s.media.size() == 3);  // each file once, however often it is used
        CHECK(q.audio == Recordings{{"en", "media/hello.ogg"}, {"gd", "media/hello.ogg"}});
        CHECK(q.options[0].audio.at("en") == "media/hello.ogg");
        CHECK(q.options[1].audio.empty());
        CHECK(s.media.at("media/good.png") == read_file(kCorpus + "/media/good.png"));
    }
    SECTION("hostile files are refused with their place") {
        TempDir dir;
        fs::create_directories(dir.path / "pictures");
        const std::string png = read_file(kCorpus + "/media/good.png");
        SECTION("a picture over 4 MiB (read no further than the limit)") {
            dir.write("pictures/big.png", png + std::string(kMaxImageBytes, '\0'));
            const auto r = load_survey_file(dir.write("s.json", with_image("pictures/big.png")));
            REQUIRE(r.problems.size() == 1);
            CHECK(r.problems[0].str() == "questions[0].image.file: 'pictures/big.png': larger than 4 MiB (make the picture smaller)");
        }
        SECTION("a symbolic link out of the survey's folder") {
            fs::create_symlink(fs::absolute(kCorpus + "/media/good.png"), dir.path / "pictures" / "out.png");
            const auto r = load_survey_file(dir.write("s.json", with_image("pictures/out.png")));
            REQUIRE(r.problems.size() == 1);
            CHECK(r.problems[0].str() == "questions[0].image.file: 'pictures/out.png': leads outside the survey's folder (a symbolic link)");
        }
        SECTION("a link inside the folder is fine") {
            dir.write("pictures/real.png", png);
            fs::create_symlink("real.png", dir.path / "pictures" / "alias.png");
            const auto r = load_survey_file(dir.write("s.json", with_image("pictures/alias.png")));
            INFO(all_problems(r));
            CHECK(r.ok());
        }
        SECTION("a FIFO where a picture should be does not block") {
            REQUIRE(::mkfifo((dir.path / "pictures" / "pipe.png").c_str(), 0600) == 0);
            const auto r = load_survey_file(dir.write("s.json", with_image("pictures/pipe.png")));
            REQUIRE(r.problems.size() == 1);
            CHECK(r.problems[0].str() == "questions[0].image.file: 'pictures/pipe.png': not a regular file");
        }
        SECTION("parsed from text with no folder, a picture not in media is missing") {
            const auto r = parse_survey(with_image("pictures/a.png"));
            REQUIRE(r.problems.size() == 1);
            CHECK(r.problems[0].str() == "questions[0].image.file: 'pictures/a.png': missing: not in this survey's media");
        }
        SECTION("pictures together over 8 MiB") {
            // Three different valid PNGs of 3 MiB each (padding after IEND is ignored by decoders).
            std::string json = R"({"format": 1, "id": "p", "version": 1, "title": "Hi", "languages": ["en"], "questions": [)";
            for (int i = 0; i < 3; ++i) {
                dir.write("pictures/" + std::to_string(i) + ".png", png + std::string(3u << 20, static_cast<char>(i)));
                json += std::string(i ? "," : "") + R"({"id": "q)" + std::to_string(i) +
                        R"(", "type": "note", "prompt": "Look", "image": {"file": "pictures/)" + std::to_string(i) +
                        R"(.png", "alt": "A picture"}})";
            }
            const auto r = load_survey_file(dir.write("s.json", json + "]}"));
            REQUIRE(r.problems.size() == 1);
            CHECK(r.problems[0].str() == "questions[2].image.file: 'pictures/2.png': the survey's pictures and recordings together would be larger than 8 MiB");
        }
    }
    SECTION("a self-contained survey carries its pictures and loads anywhere") {
        const std::string path = kCorpus + "/valid-images.json";
        const auto r = load_survey_file(path);
        REQUIRE(r.ok());
        const std::string packed = embed_survey_media(read_file(path), *r.survey);
        CHECK(packed.find("\"media\"") != std::string::npos);
        const auto again = parse_survey(packed);  // no folder: everything from `media`
        INFO(all_problems(again));
        REQUIRE(again.ok());
        CHECK(again.survey->media == r.survey->media);
        CHECK(again.survey->questions[0].options[0].image->width == 32);
        CHECK(embed_survey_media(packed, *again.survey) == packed);  // stable: the hub's content hash stays the same

        TempDir dir;  // written anywhere, it needs nothing beside it
        CHECK(load_survey_file(dir.write("copy.json", packed)).ok());

        // One changed byte in a picture is caught by its sha256.
        std::string bad = packed;
        const auto at = bad.find("\"base64\": \"") + 20;
        bad[at] = bad[at] == 'A' ? 'B' : 'A';
        const auto b = parse_survey(bad);
        CHECK_FALSE(b.ok());
        CHECK(all_problems(b).find("does not match the file's bytes") != std::string::npos);

        // The fuzzer's seed with media (tests/fuzz/corpus/survey) is a valid self-contained survey.
        const auto seed = parse_survey(read_file(kCorpus + "/../fuzz/corpus/survey/valid-media.json"));
        INFO(all_problems(seed));
        CHECK(seed.ok());

        CHECK(image_type(read_file(kCorpus + "/media/good.jpg")) == "jpeg");
        CHECK(image_type("GIF89a") == "");
    }
}
