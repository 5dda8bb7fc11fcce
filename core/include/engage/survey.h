// Survey model and loader. No UI includes: testable headless.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace engage {

// Text in several languages: language code -> text.
struct LocalText {
    std::map<std::string, std::string> by_lang;
    // The text in `lang`, else in `fallback`, else any, else "".
    const std::string& get(const std::string& lang, const std::string& fallback = "en") const;
    bool empty() const { return by_lang.empty(); }
};

// Note: words only (display-only): shown with Next, never answered, never stored.
enum class QuestionType { Smiley, Choice, Multi, Agree, Scale, Text, Needs, Note };
const char* to_string(QuestionType t);
std::optional<QuestionType> question_type_from_string(std::string_view s);

// A picture (Easy Read) on the survey, a question or an option: PNG or JPEG, with words saying what it shows in
// every language of the survey (read aloud speaks them; the automation line carries them). The bytes are in
// Survey::media under `file`.
struct Image {
    std::string file;      // as the survey names it: a path relative to the survey file's folder
    LocalText alt;
    int width = 0, height = 0;  // pixels, as decoded by the loader
};

// Recordings of a human voice (docs/survey-format.md, "Recordings"): language -> file (Ogg Vorbis) in
// Survey::media. Read aloud plays the one for the person's language instead of the synthetic voice.
using Recordings = std::map<std::string, std::string>;

struct Option {
    std::string id;
    LocalText label;       // empty -> the UI supplies the built-in label by key "option.<type>.<id>"
    std::optional<Image> image;
    Recordings audio;
};

// Show a question only when earlier answers match: one condition on one earlier question (Leaf), or
// all / any of several conditions, or not one (docs/survey-format.md, "show_if").
struct ShowIf {
    enum class Kind { Leaf, All, Any, Not };
    Kind kind = Kind::Leaf;
    std::string question;                 // Leaf: id of an earlier question
    std::vector<std::string> is;          // shown when the answer (or any selected option) is one of these
    std::optional<int> at_least;          // for smiley/scale: shown when answer >= at_least
    std::optional<int> at_most;           // for smiley/scale: shown when answer <= at_most
    std::vector<ShowIf> items;            // All / Any: the conditions; Not: exactly one
};
// Every question id a condition looks at, in order of appearance (repeats kept out).
std::vector<std::string> show_if_questions(const ShowIf& s);
// The condition in words for people: "today <= 2 and (listened is yes or not (help is bsl))".
std::string describe(const ShowIf& s);

struct Question {
    std::string id;
    QuestionType type = QuestionType::Choice;
    LocalText prompt;
    LocalText help;                        // optional hint under the prompt
    bool required = false;
    std::vector<Option> options;           // choice/multi; smiley/agree/needs get built-in defaults
    bool allow_other = false;              // multi/needs: an "Other" option with free text
    int max_length = 500;                  // text: max characters (code points)
    LocalText low_label, high_label;       // scale: words under 0 and 10
    std::optional<ShowIf> show_if;
    std::optional<Image> image;
    Recordings audio;                      // the prompt, spoken
};

struct Survey {
    std::string id;
    int version = 1;
    LocalText title;
    LocalText intro;                       // optional line on the attract screen
    std::vector<std::string> languages;    // first is the default
    bool auto_advance = true;              // single-answer questions move on by themselves after a tap
    std::vector<Question> questions;
    std::optional<Image> image;            // on the attract screen
    // Every file an image or a recording names -> its bytes (checked: PNG or JPEG / Ogg Vorbis, decodable, within
    // the limits below). From the
    // survey's own `media` (a self-contained survey, as the hub publishes it) or read beside the survey file.
    std::map<std::string, std::string> media;

    const std::string& default_language() const;
    const Question* find(const std::string& question_id) const;
    int index_of(const std::string& question_id) const;  // -1 if absent
};

// Built-in option ids for types whose options are fixed.
const std::vector<std::string>& builtin_option_ids(QuestionType t);

struct SurveyProblem {
    std::string where;   // e.g. "questions[3].options"
    std::string what;    // e.g. "must not be empty"
    std::string str() const { return where.empty() ? what : where + ": " + what; }
};

struct SurveyLoad {
    std::optional<Survey> survey;          // set only when problems is empty
    std::vector<SurveyProblem> problems;
    bool ok() const { return survey.has_value(); }
};

// Limits that keep a hostile file from hurting the kiosk.
inline constexpr std::size_t kMaxSurveyFileBytes = 4 * 1024 * 1024;
inline constexpr std::size_t kMaxSurveyStringBytes = 4000;
inline constexpr std::size_t kMaxQuestions = 200;
inline constexpr std::size_t kMaxOptions = 40;
inline constexpr std::size_t kMaxSurveyDepth = 32;        // JSON nesting (objects/arrays) allowed
inline constexpr std::size_t kMaxImageBytes = 4 * 1024 * 1024;   // one picture's file
inline constexpr int kMaxImagePixels = 4096;                      // width or height
inline constexpr std::size_t kMaxSurveyMediaBytes = 8 * 1024 * 1024;  // all of a survey's pictures and recordings
inline constexpr int kMaxRecordingSeconds = 120;                  // one recording (also at most kMaxImageBytes)
// A self-contained survey (with `media`): its JSON without the media at most kMaxSurveyFileBytes, the whole file
// at most this.
inline constexpr std::size_t kMaxSurveyWithMediaBytes = 16 * 1024 * 1024;

// The id of the "Other" choice on multi/needs questions with allow_other. It is never in
// Question::options (the UI adds it after them); answers select it like any option id.
inline constexpr const char* kOtherOptionId = "other";

// `base_dir`: the folder image files are read from when the survey's own `media` does not hold them ("" none:
// such an image is reported missing). load_survey_file uses the file's folder.
SurveyLoad parse_survey(std::string_view json_text, const std::string& base_dir = "");
SurveyLoad load_survey_file(const std::string& path);

// The survey JSON made self-contained: `json_text` (already checked into `s`) with a top-level `media` object
// holding every picture, {"<file>": {"sha256": "<hex>", "base64": "..."}}, in place of any it had. Indented by 2.
std::string embed_survey_media(std::string_view json_text, const Survey& s);
// "png" / "jpeg" from the first bytes, else "".
std::string image_type(std::string_view bytes);

}  // namespace engage
