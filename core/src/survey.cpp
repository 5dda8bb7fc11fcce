// Survey model and loader. The file format is described in docs/survey-format.md.
// The loader must never crash or hang on a hostile file: size, depth and string length are
// bounded, every problem is collected with its location, and no exception escapes.
#include "engage/survey.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "engage/bundle.h"
#include "engage/glyphs.h"
#include "engage/protocol.h"
#include "survey_media.h"

namespace engage {
namespace {

using nlohmann::json;

const std::string kNoText;
const std::string kFile = "(file)";
constexpr std::size_t kMaxProblems = 100;

struct TypeName {
    QuestionType type;
    const char* name;
};
constexpr TypeName kTypeNames[] = {
    {QuestionType::Smiley, "smiley"}, {QuestionType::Choice, "choice"}, {QuestionType::Multi, "multi"},
    {QuestionType::Agree, "agree"},   {QuestionType::Scale, "scale"},   {QuestionType::Text, "text"},
    {QuestionType::Needs, "needs"},   {QuestionType::Note, "note"}};

// `s` made safe to show: valid UTF-8 kept, bad bytes and control characters become '?',
// cut (with "...") after `max` bytes.
std::string printable(std::string_view s, std::size_t max = 200) {
    std::string out;
    std::size_t i = 0;
    while (i < s.size() && out.size() < max) {
        const auto c = static_cast<unsigned char>(s[i]);
        const std::size_t n = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
                            : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
        bool ok = n > 0 && i + n <= s.size();
        for (std::size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
        if (ok && n >= 3) {  // no overlong forms, surrogates or code points above U+10FFFF
            const auto c1 = static_cast<unsigned char>(s[i + 1]);
            ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 > 0x9F) && !(c == 0xF0 && c1 < 0x90) &&
                 !(c == 0xF4 && c1 > 0x8F);
        }
        if (!ok || (n == 1 && (c < 0x20 || c == 0x7F))) {
            out += '?';
            ++i;
        } else {
            out.append(s.substr(i, n));
            i += n;
        }
    }
    if (i < s.size()) out += "...";
    return out;
}

std::string quote(std::string_view s) { return "'" + printable(s, 40) + "'"; }

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
    return out;
}

std::string at(const std::string& where, std::string_view key) {
    return where.empty() ? std::string(key) : where + "." + printable(key, 40);
}
std::string at(const std::string& where, std::size_t i) { return where + "[" + std::to_string(i) + "]"; }

void add_problem(std::vector<SurveyProblem>& out, const std::string& where, std::string what) {
    if (out.size() < kMaxProblems)
        out.push_back({where.empty() ? kFile : where, std::move(what)});
    else if (out.size() == kMaxProblems)
        out.push_back({kFile, "too many problems; the rest are not shown"});
}

std::string kind(const json& v) {
    switch (v.type()) {
        case json::value_t::null: return "null";
        case json::value_t::boolean: return "true/false";
        case json::value_t::number_float: return "a decimal number";
        case json::value_t::number_integer:
        case json::value_t::number_unsigned: return "a number";
        case json::value_t::string: return "text";
        case json::value_t::array: return "an array";
        case json::value_t::object: return "an object";
        default: return "something else";
    }
}

bool valid_id(std::string_view s) {
    return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

// BCP 47-ish: 2-3 lowercase letters, then "-" subtags of 1-8 letters/digits ("zh-Hans", "pt-BR").
bool valid_language(std::string_view s) {
    if (s.size() > 35) return false;
    std::size_t i = 0;
    while (i < s.size() && s[i] >= 'a' && s[i] <= 'z') ++i;
    if (i < 2 || i > 3) return false;
    while (i < s.size()) {
        if (s[i++] != '-') return false;
        std::size_t n = 0;
        for (; i < s.size() && std::isalnum(static_cast<unsigned char>(s[i])); ++i) ++n;
        if (n < 1 || n > 8) return false;
    }
    return true;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

// A known name within two edits of `s`, to suggest for a typo.
std::optional<std::string_view> suggest(std::string_view s, std::initializer_list<std::string_view> known) {
    if (s.size() < 3 || s.size() > 40) return std::nullopt;
    for (std::string_view k : known) {
        std::vector<std::size_t> row(k.size() + 1);
        for (std::size_t j = 0; j <= k.size(); ++j) row[j] = j;
        for (std::size_t i = 1; i <= s.size(); ++i) {
            std::size_t diag = row[0];
            row[0] = i;
            for (std::size_t j = 1; j <= k.size(); ++j) {
                const std::size_t up = row[j];
                row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (s[i - 1] == k[j - 1] ? 0 : 1)});
                diag = up;
            }
        }
        if (row[k.size()] <= 2) return k;
    }
    return std::nullopt;
}

// First pass, before building a DOM: checks syntax, caps nesting depth (so a 100k-deep file
// cannot exhaust anything) and finds duplicate keys, which the DOM would silently merge.
class PreScan final : public nlohmann::json_sax<json> {
public:
    std::vector<SurveyProblem> problems;
    bool fatal = false;

    bool null() override { return item(); }
    bool boolean(bool) override { return item(); }
    bool number_integer(number_integer_t) override { return item(); }
    bool number_unsigned(number_unsigned_t) override { return item(); }
    bool number_float(number_float_t, const string_t&) override { return item(); }
    bool string(string_t&) override { return item(); }
    bool binary(binary_t&) override { return item(); }
    bool start_object(std::size_t) override { return item() && open(true); }
    bool start_array(std::size_t) override { return item() && open(false); }
    bool end_object() override { return close(); }
    bool end_array() override { return close(); }
    bool key(string_t& k) override {
        Frame& f = frames_.back();
        f.key = k;
        if (!f.keys.insert(k).second) add_problem(problems, path(), "field " + quote(k) + " appears twice");
        return true;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
        // e.what(): "[json.exception.parse_error.101] parse error at line 3, column 5: syntax error ..."
        const std::string what = e.what();
        const auto pos = what.find("line ");
        add_problem(problems, kFile,
                    "not valid JSON " + printable(pos == std::string::npos ? what : "at " + what.substr(pos)));
        fatal = true;
        return false;
    }

private:
    struct Frame {
        bool object = false;
        std::size_t count = 0;       // array: items seen
        std::string key;             // object: the current key
        std::set<std::string> keys;  // object: keys seen
    };
    std::vector<Frame> frames_;

    bool item() {
        if (!frames_.empty() && !frames_.back().object) ++frames_.back().count;
        return true;
    }
    bool open(bool object) {
        if (frames_.size() >= kMaxSurveyDepth) {
            add_problem(problems, kFile, "nested deeper than " + std::to_string(kMaxSurveyDepth) + " levels");
            fatal = true;
            return false;
        }
        frames_.emplace_back().object = object;
        return true;
    }
    bool close() {
        frames_.pop_back();
        return true;
    }
    // Location of the innermost container, e.g. "questions[2].options".
    std::string path() const {
        std::string p;
        for (std::size_t i = 0; i + 1 < frames_.size(); ++i)
            p = frames_[i].object ? at(p, frames_[i].key) : at(p, frames_[i].count - 1);
        return p;
    }
};

// Second pass over the DOM: builds the Survey and collects every problem.
class Checker {
public:
    std::vector<SurveyProblem> problems;
    std::string base_dir;          // where image files are read from when `media` does not hold them ("" nowhere)
    std::size_t media_text = 0;    // bytes of base64 in `media`

    Survey survey(const json& root) {
        Survey s;
        if (!root.is_object()) {
            add("", "must be an object { ... } holding the survey, not " + kind(root));
            return s;
        }
        fields(root, "", {"format", "id", "version", "title", "intro", "languages", "auto_advance", "questions",
                          "image", "media"});
        if (auto* x = need(root, "format", ""))
            if (auto n = whole(*x, "format"); n && *n != 1)
                add("format", "must be 1 (the only format this kiosk reads), not " + std::to_string(*n));
        if (auto* x = need(root, "id", ""))
            if (auto id = ident(*x, "id")) s.id = *id;
        if (auto* x = need(root, "version", ""))
            if (auto n = ranged(*x, "version", 1, INT_MAX)) s.version = *n;
        if (auto* x = need(root, "languages", "")) languages(*x);
        s.languages = langs_;
        if (auto* x = need(root, "title", "")) s.title = local(*x, "title");
        if (auto* x = find(root, "intro")) s.intro = local(*x, "intro");
        if (auto* x = find(root, "auto_advance"))
            if (auto b = flag(*x, "auto_advance")) s.auto_advance = *b;
        if (auto* x = find(root, "media")) embedded(*x);
        if (auto* x = find(root, "image")) s.image = image(*x, "image");
        if (auto* x = need(root, "questions", "")) questions(*x, s);
        for (const auto& entry : embedded_)
            if (!seen_.count(entry.first)) add(at("media", entry.first), "not used by any image or recording");
        s.media = std::move(media_);
        return s;
    }

private:
    std::vector<std::string> langs_;  // the valid codes in `languages`
    bool default_known_ = false;      // languages[0] is valid

    struct Parsed {
        Question q;
        bool type_known = false;
    };
    std::vector<Parsed> parsed_;
    std::map<std::string, std::string> embedded_;  // `media`: file -> bytes, not yet checked as pictures
    std::map<std::string, std::string> media_;     // pictures used and found good: file -> bytes
    std::map<std::string, media::Checked> seen_;   // every file an image or recording named, good or not
    std::map<std::string, bool> kinds_;            // file -> named as a recording (else a picture)
    std::size_t media_bytes_ = 0;

    void add(const std::string& where, std::string what) { add_problem(problems, where, std::move(what)); }

    static const json* find(const json& o, const char* key) {
        auto it = o.find(key);
        return it == o.end() ? nullptr : &*it;
    }
    const json* need(const json& o, const char* key, const std::string& where) {
        const json* x = find(o, key);
        if (!x) add(at(where, key), "is required");
        return x;
    }
    void fields(const json& o, const std::string& where, std::initializer_list<std::string_view> known) {
        for (auto it = o.begin(); it != o.end(); ++it) {
            if (std::find(known.begin(), known.end(), it.key()) != known.end()) continue;
            std::string what = "unknown field " + quote(it.key());
            if (auto s = suggest(it.key(), known)) what += " (did you mean '" + std::string(*s) + "'?)";
            add(where, what);
        }
    }

    std::optional<std::string> text(const json& v, const std::string& where) {
        if (!v.is_string()) {
            add(where, "must be text, not " + kind(v));
            return std::nullopt;
        }
        const auto& s = v.get_ref<const std::string&>();
        if (s.size() > kMaxSurveyStringBytes) {
            add(where, "longer than " + std::to_string(kMaxSurveyStringBytes) + " bytes");
            return std::nullopt;
        }
        return s;
    }
    std::optional<long long> whole(const json& v, const std::string& where) {
        if (v.is_number_unsigned())
            return static_cast<long long>(std::min<std::uint64_t>(v.get<std::uint64_t>(), LLONG_MAX));
        if (v.is_number_integer()) return v.get<std::int64_t>();
        add(where, "must be a whole number, not " + kind(v));
        return std::nullopt;
    }
    std::optional<int> ranged(const json& v, const std::string& where, int lo, int hi) {
        auto n = whole(v, where);
        if (!n) return std::nullopt;
        if (*n < lo || *n > hi) {
            add(where, hi == INT_MAX ? "must be at least " + std::to_string(lo)
                                     : "must be from " + std::to_string(lo) + " to " + std::to_string(hi));
            return std::nullopt;
        }
        return static_cast<int>(*n);
    }
    std::optional<bool> flag(const json& v, const std::string& where) {
        if (v.is_boolean()) return v.get<bool>();
        add(where, "must be true or false, not " + kind(v));
        return std::nullopt;
    }
    std::optional<std::string> ident(const json& v, const std::string& where) {
        auto s = text(v, where);
        if (s && !valid_id(*s)) {
            add(where, quote(*s) + " is not a valid id (use 1 to 64 of a-z, 0-9, _ and -)");
            return std::nullopt;
        }
        return s;
    }

    // Localised text: "plain" (default language) or {"en": "...", "gd": "..."}.
    LocalText local(const json& v, const std::string& where) {
        LocalText t;
        const std::string& def = default_known_ ? langs_[0] : kNoText;
        auto put = [&](const std::string& lang, const json& x, const std::string& w) {
            if (auto s = text(x, w)) {
                if (s->empty()) add(w, "must not be empty");
                else if (auto bad = unsupported_text(*s, lang); !bad.empty())
                    add(w, "uses " + bad + ", a script this kiosk cannot show yet (see docs/languages.md)");
                else t.by_lang[lang] = *s;
            }
        };
        if (v.is_string()) {
            put(def, v, where);
        } else if (!v.is_object()) {
            add(where, "must be text or an object {\"language\": \"text\"}, not " + kind(v));
        } else {
            for (auto it = v.begin(); it != v.end(); ++it) {
                if (default_known_ && !contains(langs_, it.key()))
                    add(at(where, it.key()), "language " + quote(it.key()) + " is not in languages");
                else
                    put(it.key(), it.value(), at(where, it.key()));
            }
            if (default_known_ && !v.contains(def))
                add(where, "missing text for default language " + quote(def));
        }
        return t;
    }

    void languages(const json& v) {
        if (!v.is_array()) return add("languages", "must be an array of language codes, not " + kind(v));
        if (v.empty()) return add("languages", "must not be empty");
        if (v.size() > kMaxOptions) return add("languages", "more than " + std::to_string(kMaxOptions) + " languages");
        for (std::size_t i = 0; i < v.size(); ++i) {
            const std::string w = at("languages", i);
            auto code = text(v[i], w);
            if (!code) continue;
            if (!valid_language(*code))
                add(w, quote(*code) + " is not a language code (like en, gd, pl, uk or zh-Hans)");
            else if (auto why = unsupported_language(*code); !why.empty())
                add(w, quote(*code) + " cannot be shown on this kiosk: " + why);
            else if (contains(langs_, *code))
                add(w, "duplicate language " + quote(*code));
            else {
                langs_.push_back(*code);
                default_known_ = default_known_ || i == 0;
            }
        }
    }

    void questions(const json& v, Survey& s) {
        const std::string where = "questions";
        if (!v.is_array()) return add(where, "must be an array of questions, not " + kind(v));
        if (v.empty()) return add(where, "must not be empty");
        if (v.size() > kMaxQuestions)
            return add(where, "more than " + std::to_string(kMaxQuestions) + " questions");
        // Where each id first appears, so show_if can tell "later" from "missing".
        std::map<std::string, std::size_t> first;
        for (std::size_t i = 0; i < v.size(); ++i)
            if (v[i].is_object())
                if (auto* id = find(v[i], "id"); id && id->is_string()) first.emplace(id->get<std::string>(), i);
        for (std::size_t i = 0; i < v.size(); ++i) {
            const std::string w = at(where, i);
            parsed_.push_back(question(v[i], w));
            const Question& q = parsed_.back().q;
            if (!q.id.empty() && first[q.id] != i)
                add(at(w, "id"), "duplicate question id " + quote(q.id) + " (also questions[" +
                                     std::to_string(first[q.id]) + "])");
            if (v[i].is_object())
                if (auto* x = find(v[i], "show_if")) parsed_.back().q.show_if = show_if(*x, at(w, "show_if"), i, first);
        }
        for (auto& p : parsed_) s.questions.push_back(std::move(p.q));
    }

    Parsed question(const json& v, const std::string& where) {
        Parsed p;
        Question& q = p.q;
        if (!v.is_object()) {
            add(where, "must be an object { ... }, not " + kind(v));
            return p;
        }
        fields(v, where, {"id", "type", "prompt", "help", "required", "options", "allow_other", "max_length",
                          "low_label", "high_label", "show_if", "image", "audio"});
        if (auto* x = need(v, "id", where))
            if (auto id = ident(*x, at(where, "id"))) q.id = *id;
        if (auto* x = need(v, "type", where)) {
            if (auto name = text(*x, at(where, "type"))) {
                if (auto t = question_type_from_string(*name)) {
                    q.type = *t;
                    p.type_known = true;
                } else {
                    std::vector<std::string> names;
                    for (const auto& tn : kTypeNames) names.push_back(tn.name);
                    add(at(where, "type"),
                        "unknown question type " + quote(*name) + " (expected one of: " + join(names) + ")");
                }
            }
        }
        if (auto* x = need(v, "prompt", where)) q.prompt = local(*x, at(where, "prompt"));
        if (auto* x = find(v, "help")) q.help = local(*x, at(where, "help"));
        if (auto* x = find(v, "required"))
            if (auto b = flag(*x, at(where, "required"))) q.required = *b;

        using T = QuestionType;
        const T t = q.type;
        // A type-specific field: refused on other types; checked as far as possible if the type is unknown.
        auto only = [&](const char* key, bool allowed, const char* types) -> const json* {
            const json* x = find(v, key);
            if (x && p.type_known && !allowed) {
                add(at(where, key), std::string("only allowed for ") + types + " questions");
                return nullptr;
            }
            return x;
        };
        const bool has_options = t != T::Scale && t != T::Text && t != T::Note;
        if (p.type_known && t == T::Note && q.required)
            add(at(where, "required"), "a note has no answer, so it cannot be required");
        if (auto* x = only("options", has_options, "smiley, choice, multi, agree and needs"))
            options(*x, at(where, "options"), p);
        else if (p.type_known && has_options && !v.contains("options")) {
            if (t == T::Choice || t == T::Multi) add(at(where, "options"), "is required");
            for (const auto& id : builtin_option_ids(t)) q.options.push_back({id, {}, std::nullopt, {}});
        }
        if (auto* x = only("allow_other", t == T::Choice || t == T::Multi || t == T::Needs, "choice, multi and needs"))
            if (auto b = flag(*x, at(where, "allow_other"))) q.allow_other = *b;
        if (auto* x = only("max_length", t == T::Text, "text"))
            if (auto n = ranged(*x, at(where, "max_length"), 1, 2000)) q.max_length = *n;
        if (auto* x = only("low_label", t == T::Scale, "scale")) q.low_label = local(*x, at(where, "low_label"));
        if (auto* x = only("high_label", t == T::Scale, "scale")) q.high_label = local(*x, at(where, "high_label"));
        if (auto* x = find(v, "image")) q.image = image(*x, at(where, "image"));
        if (auto* x = find(v, "audio")) q.audio = recordings(*x, at(where, "audio"));
        return p;
    }

    // `media`: {"<file>": {"sha256": "<hex>", "base64": "..."}}, the pictures of a self-contained survey.
    void embedded(const json& v) {
        if (!v.is_object()) return add("media", "must be an object {\"file\": {\"sha256\": ..., \"base64\": ...}}, not " + kind(v));
        for (auto it = v.begin(); it != v.end(); ++it) {
            const std::string w = at("media", it.key());
            if (auto why = media::bad_name(it.key()); !why.empty()) {
                add(w, why);
                continue;
            }
            const json& e = it.value();
            if (!e.is_object()) {
                add(w, "must be an object {\"sha256\": ..., \"base64\": ...}, not " + kind(e));
                continue;
            }
            fields(e, w, {"sha256", "base64"});
            const json* sum = need(e, "sha256", w);
            const json* b64 = need(e, "base64", w);
            if (!sum || !b64) continue;
            if (!sum->is_string()) {
                add(at(w, "sha256"), "must be text, not " + kind(*sum));
                continue;
            }
            if (!b64->is_string()) {
                add(at(w, "base64"), "must be text, not " + kind(*b64));
                continue;
            }
            const auto& text64 = b64->get_ref<const std::string&>();
            media_text += text64.size();
            std::string bytes;
            if (!base64_decode(text64, bytes)) add(at(w, "base64"), "not valid base64");
            else if (protocol::sha256_hex(bytes) != sum->get<std::string>()) add(at(w, "sha256"), "does not match the file's bytes");
            else embedded_[it.key()] = std::move(bytes);
        }
    }

    // {"file": "pictures/bus.png", "alt": <localised text, every language>}
    std::optional<Image> image(const json& v, const std::string& where) {
        if (!v.is_object()) {
            add(where, "must be an object {\"file\": ..., \"alt\": ...}, not " + kind(v));
            return std::nullopt;
        }
        fields(v, where, {"file", "alt"});
        Image img;
        bool ok = true;
        if (auto* x = need(v, "alt", where)) {
            const std::size_t before = problems.size();
            img.alt = local(*x, at(where, "alt"));
            ok = problems.size() == before;
            if (ok)
                for (const auto& l : langs_)
                    if (!img.alt.by_lang.count(l)) {
                        add(at(where, "alt"), "missing words for language " + quote(l) +
                                                  " (say what the picture shows in every language)");
                        ok = false;
                    }
        } else {
            ok = false;
        }
        const json* f = need(v, "file", where);
        if (!f) return std::nullopt;
        const std::string w = at(where, "file");
        auto name = text(*f, w);
        if (!name) return std::nullopt;
        if (auto why = media::bad_name(*name); !why.empty()) {
            add(w, why);
            return std::nullopt;
        }
        img.file = *name;
        const media::Checked* done = fetch(*name, w, false);
        if (!done || !ok) return std::nullopt;
        img.width = done->width;
        img.height = done->height;
        return img;
    }

    // The bytes of `name` (a good file name): from `media`, else beside the survey; checked as a picture or a
    // recording once, however often it is used; the problem reported at `where` the first time. nullptr when bad.
    const media::Checked* fetch(const std::string& name, const std::string& where, bool recording) {
        auto done = seen_.find(name);
        if (done == seen_.end()) {
            media::Checked c;
            std::optional<std::string> bytes;
            if (auto it = embedded_.find(name); it != embedded_.end()) {
                bytes = it->second;
            } else if (base_dir.empty()) {
                c.problem = "missing: not in this survey's media";
            } else {
                std::string why;
                bytes = media::read_beside(base_dir, name, kMaxImageBytes, why);
                if (!bytes) c.problem = why;
            }
            if (bytes) c = recording ? media::check_recording(name, *bytes) : media::check_image(name, *bytes);
            if (c.problem.empty() && media_bytes_ + bytes->size() > kMaxSurveyMediaBytes)
                c.problem = "the survey's pictures and recordings together would be larger than " +
                            std::to_string(kMaxSurveyMediaBytes >> 20) + " MiB";
            if (c.problem.empty()) {
                media_bytes_ += bytes->size();
                media_[name] = std::move(*bytes);
            } else {
                add(where, quote(name) + ": " + c.problem);
            }
            done = seen_.emplace(name, c).first;
            kinds_[name] = recording;
        } else if (kinds_[name] != recording) {
            add(where, quote(name) + ": used as both a picture and a recording");
            return nullptr;
        }
        return done->second.problem.empty() ? &done->second : nullptr;
    }

    // {"en": "audio/today-en.ogg", ...}: a recording per language (any of the survey's languages).
    Recordings recordings(const json& v, const std::string& where) {
        Recordings out;
        if (!v.is_object()) {
            add(where, "must be an object {\"language\": \"file.ogg\"}, not " + kind(v));
            return out;
        }
        for (auto it = v.begin(); it != v.end(); ++it) {
            const std::string w = at(where, it.key());
            if (default_known_ && !contains(langs_, it.key())) {
                add(w, "language " + quote(it.key()) + " is not in languages");
                continue;
            }
            auto name = text(it.value(), w);
            if (!name) continue;
            if (auto why = media::bad_name(*name); !why.empty()) {
                add(w, why);
                continue;
            }
            if (fetch(*name, w, true)) out[it.key()] = *name;
        }
        return out;
    }

    void options(const json& v, const std::string& where, Parsed& p) {
        using T = QuestionType;
        Question& q = p.q;
        if (!v.is_array()) return add(where, "must be an array of options, not " + kind(v));
        if (v.empty()) return add(where, "must not be empty");
        if (v.size() > kMaxOptions) return add(where, "more than " + std::to_string(kMaxOptions) + " options");
        static const std::vector<std::string> none;
        const auto& builtin = p.type_known ? builtin_option_ids(q.type) : none;
        const bool fixed = p.type_known && (q.type == T::Smiley || q.type == T::Agree);
        std::set<std::string> seen;
        for (std::size_t i = 0; i < v.size(); ++i) {
            const std::string w = at(where, i);
            const json& o = v[i];
            if (!o.is_object()) {
                add(w, "must be an object {\"id\": ..., \"label\": ...}, not " + kind(o));
                continue;
            }
            fields(o, w, {"id", "label", "image", "audio"});
            Option opt;
            if (auto* x = need(o, "id", w)) {
                if (auto id = ident(*x, at(w, "id"))) {
                    opt.id = *id;
                    if (!seen.insert(*id).second)
                        add(at(w, "id"), "duplicate option id " + quote(*id));
                    else if (fixed && !contains(builtin, *id))
                        add(at(w, "id"), quote(*id) + " is not " + (q.type == T::Agree ? "an " : "a ") +
                                             to_string(q.type) + " option (use " + join(builtin) + ")");
                    else if (p.type_known && (q.type == T::Multi || q.type == T::Needs) && *id == kOtherOptionId)
                        add(at(w, "id"), "'other' is reserved; set allow_other instead");
                }
            }
            if (auto* x = find(o, "label"))
                opt.label = local(*x, at(w, "label"));
            else if (!fixed && !opt.id.empty() && !contains(builtin, opt.id))  // built-ins have UI labels
                add(at(w, "label"), "is required");
            if (auto* x = find(o, "image")) {
                if (p.type_known && q.type == T::Smiley) add(at(w, "image"), "not allowed on smiley answers (they are faces already)");
                else opt.image = image(*x, at(w, "image"));
            }
            if (auto* x = find(o, "audio")) opt.audio = recordings(*x, at(w, "audio"));
            q.options.push_back(std::move(opt));
        }
        if (!p.type_known) return;
        const std::size_t n = v.size();
        if ((q.type == T::Choice || q.type == T::Multi) && n < 2) add(where, "needs at least 2 options");
        if (fixed && n != builtin.size())
            add(where, std::string(to_string(q.type)) + " questions need exactly " + std::to_string(builtin.size()) +
                           " options (" + join(builtin) + ")");
    }

    std::optional<ShowIf> show_if(const json& v, const std::string& where, std::size_t self,
                                  const std::map<std::string, std::size_t>& first) {
        using T = QuestionType;
        if (!v.is_object()) {
            add(where, "must be an object {\"question\": ...} or {\"all\"/\"any\"/\"not\": ...}, not " + kind(v));
            return std::nullopt;
        }
        for (const char* key : {"all", "any", "not"})
            if (v.contains(key)) return compound(v, where, key, self, first);
        fields(v, where, {"question", "is", "at_least", "at_most", "all", "any", "not"});
        ShowIf si;
        const Parsed* dep = nullptr;  // the earlier question, when valid
        if (auto* x = need(v, "question", where)) {
            const std::string w = at(where, "question");
            if (auto name = text(*x, w)) {
                si.question = *name;
                auto it = first.find(*name);
                if (it == first.end()) add(w, quote(*name) + " is not a question in this survey");
                else if (it->second == self) add(w, "a question cannot depend on itself");
                else if (it->second > self) add(w, quote(*name) + " comes after this question");
                else dep = &parsed_[it->second];
            }
        }
        if (!v.contains("is") && !v.contains("at_least") && !v.contains("at_most"))
            add(where, "needs at least one of 'is', 'at_least' or 'at_most' (or use 'all', 'any' or 'not')");
        if (dep && dep->type_known && dep->q.type == T::Text) {
            add(at(where, "question"), quote(si.question) + " is a text question; show_if cannot use text answers");
            dep = nullptr;
        }
        if (dep && dep->type_known && dep->q.type == T::Note) {
            add(at(where, "question"), quote(si.question) + " is a note; it has no answer for show_if to use");
            dep = nullptr;
        }
        if (dep && !dep->type_known) dep = nullptr;  // its type was already reported
        const T dt = dep ? dep->q.type : T::Text;
        const bool numeric = dt == T::Smiley || dt == T::Scale;
        const int lo = dt == T::Smiley ? 1 : 0, hi = dt == T::Smiley ? 5 : 10;
        const std::string range = "from " + std::to_string(lo) + " to " + std::to_string(hi);

        if (auto* x = find(v, "is")) {
            const std::string w = at(where, "is");
            if (!x->is_array()) add(w, "must be an array, not " + kind(*x));
            else if (x->empty()) add(w, "must not be empty");
            else if (x->size() > kMaxOptions) add(w, "more than " + std::to_string(kMaxOptions) + " values");
            else {
                std::vector<std::string> ids;  // what the earlier question can answer with
                if (dep) {
                    for (const auto& o : dep->q.options) ids.push_back(o.id);
                    if (dep->q.allow_other) ids.push_back(kOtherOptionId);
                }
                for (std::size_t k = 0; k < x->size(); ++k) {
                    const json& e = (*x)[k];
                    const std::string we = at(w, k);
                    if (e.is_number_integer()) {
                        const long long n = *whole(e, we);
                        if (dep && !(numeric && n >= lo && n <= hi))
                            add(we, numeric ? "must be " + range
                                            : "must be an option id of " + quote(si.question) + " (" + join(ids) + ")");
                        else si.is.push_back(std::to_string(n));
                    } else if (e.is_string()) {
                        auto s = text(e, we);
                        if (!s) continue;
                        if (dep && dt == T::Scale) add(we, "must be a whole number " + range + ", not text");
                        else if (dep && !contains(ids, *s))
                            add(we, quote(*s) + " is not an option of " + quote(si.question) + " (use " + join(ids) + ")");
                        else si.is.push_back(*s);
                    } else {
                        add(we, "must be an option id or a whole number, not " + kind(e));
                    }
                }
            }
        }
        for (const char* key : {"at_least", "at_most"}) {
            const json* x = find(v, key);
            if (!x) continue;
            const std::string w = at(where, key);
            if (dep && !numeric) {
                add(w, "only works when the earlier question is smiley or scale (" + quote(si.question) + " is " +
                           to_string(dt) + ")");
            } else if (auto n = whole(*x, w)) {
                if (dep && (*n < lo || *n > hi)) add(w, "must be " + range);
                (std::string_view(key) == "at_least" ? si.at_least : si.at_most) = static_cast<int>(std::clamp<long long>(*n, -1, 11));
            }
        }
        if (si.at_least && si.at_most && *si.at_least > *si.at_most)
            add(where, "at_least is more than at_most, so this question would never show");
        return si;
    }

    // {"all": [...]}, {"any": [...]} or {"not": {...}}: conditions made of conditions.
    std::optional<ShowIf> compound(const json& v, const std::string& where, const char* key, std::size_t self,
                                   const std::map<std::string, std::size_t>& first) {
        fields(v, where, {key});
        ShowIf si;
        const std::string w = at(where, key);
        const json& x = v[key];
        if (std::string_view(key) == "not") {
            si.kind = ShowIf::Kind::Not;
            if (auto inner = show_if(x, w, self, first)) si.items.push_back(std::move(*inner));
            return si;
        }
        si.kind = std::string_view(key) == "all" ? ShowIf::Kind::All : ShowIf::Kind::Any;
        if (!x.is_array()) add(w, "must be an array of conditions, not " + kind(x));
        else if (x.empty()) add(w, "must not be empty");
        else if (x.size() > kMaxOptions) add(w, "more than " + std::to_string(kMaxOptions) + " conditions");
        else
            for (std::size_t k = 0; k < x.size(); ++k)
                if (auto inner = show_if(x[k], at(w, k), self, first)) si.items.push_back(std::move(*inner));
        return si;
    }
};

}  // namespace

std::vector<std::string> show_if_questions(const ShowIf& s) {
    std::vector<std::string> out;
    auto walk = [&out](const ShowIf& c, auto& self) -> void {
        if (c.kind == ShowIf::Kind::Leaf) {
            if (!contains(out, c.question)) out.push_back(c.question);
            return;
        }
        for (const auto& i : c.items) self(i, self);
    };
    walk(s, walk);
    return out;
}

std::string describe(const ShowIf& s) {
    using K = ShowIf::Kind;
    auto inner = [](const ShowIf& c) { return c.kind == K::Leaf ? describe(c) : "(" + describe(c) + ")"; };
    switch (s.kind) {
        case K::Not: return "not " + (s.items.empty() ? std::string("?") : inner(s.items[0]));
        case K::All:
        case K::Any: {
            std::string out;
            for (const auto& i : s.items) out += (out.empty() ? "" : s.kind == K::All ? " and " : " or ") + inner(i);
            return out;
        }
        case K::Leaf: break;
    }
    std::string out;
    auto part = [&](const std::string& p) { out += (out.empty() ? "" : " and ") + s.question + " " + p; };
    if (!s.is.empty()) part((s.is.size() == 1 ? "is " : "is one of ") + join(s.is));
    if (s.at_least) part(">= " + std::to_string(*s.at_least));
    if (s.at_most) part("<= " + std::to_string(*s.at_most));
    return out;
}

const char* to_string(QuestionType t) {
    for (const auto& tn : kTypeNames)
        if (tn.type == t) return tn.name;
    return "unknown";
}

std::optional<QuestionType> question_type_from_string(std::string_view s) {
    for (const auto& tn : kTypeNames)
        if (s == tn.name) return tn.type;
    return std::nullopt;
}

const std::string& LocalText::get(const std::string& lang, const std::string& fallback) const {
    if (auto it = by_lang.find(lang); it != by_lang.end()) return it->second;
    if (auto it = by_lang.find(fallback); it != by_lang.end()) return it->second;
    return by_lang.empty() ? kNoText : by_lang.begin()->second;
}

const std::string& Survey::default_language() const { return languages.empty() ? kNoText : languages.front(); }

const Question* Survey::find(const std::string& question_id) const {
    const int i = index_of(question_id);
    return i < 0 ? nullptr : &questions[static_cast<std::size_t>(i)];
}

int Survey::index_of(const std::string& question_id) const {
    for (std::size_t i = 0; i < questions.size(); ++i)
        if (questions[i].id == question_id) return static_cast<int>(i);
    return -1;
}

const std::vector<std::string>& builtin_option_ids(QuestionType t) {
    static const std::vector<std::string> smiley{"1", "2", "3", "4", "5"};
    static const std::vector<std::string> agree{"agree", "unsure", "disagree"};
    static const std::vector<std::string> needs{"hearing_loop", "bsl",       "step_free", "large_print",
                                                "quiet_space",  "childcare", "transport", "interpreter"};
    static const std::vector<std::string> none;
    switch (t) {
        case QuestionType::Smiley: return smiley;
        case QuestionType::Agree: return agree;
        case QuestionType::Needs: return needs;
        default: return none;
    }
}

SurveyLoad parse_survey(std::string_view text, const std::string& base_dir) {
    SurveyLoad r;
    auto fail = [&](std::string what) {
        r.problems.push_back({kFile, std::move(what)});
        return r;
    };
    // Only a self-contained survey (its pictures in `media`) may be larger than 4 MiB, and then only by its media.
    if (text.size() > kMaxSurveyWithMediaBytes) return fail("larger than 16 MiB");
    if (text.size() > kMaxSurveyFileBytes && text.find("\"media\"") == std::string_view::npos)
        return fail("larger than 4 MiB");
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return fail("empty file");
    try {
        PreScan scan;
        const char* begin = text.data();
        if (!json::sax_parse(begin, begin + text.size(), &scan) || scan.fatal) {
            r.problems = std::move(scan.problems);
            if (r.problems.empty()) return fail("not valid JSON");
            return r;
        }
        const json doc = json::parse(begin, begin + text.size(), nullptr, /*allow_exceptions=*/false);
        if (doc.is_discarded()) return fail("not valid JSON");
        Checker check;
        check.problems = std::move(scan.problems);
        check.base_dir = base_dir;
        Survey s = check.survey(doc);
        if (text.size() - std::min(text.size(), check.media_text) > kMaxSurveyFileBytes)
            check.problems.insert(check.problems.begin(), {kFile, "larger than 4 MiB (without its media)"});
        r.problems = std::move(check.problems);
        if (r.problems.empty()) r.survey = std::move(s);
    } catch (const std::exception& e) {  // nlohmann errors, bad_alloc: report, never throw
        r.survey.reset();
        r.problems.push_back({kFile, "could not be read: " + printable(e.what())});
    }
    return r;
}

SurveyLoad load_survey_file(const std::string& path) {
    namespace fs = std::filesystem;
    SurveyLoad r;
    auto fail = [&](std::string what) {
        r.problems.push_back({kFile, "cannot read file: " + printable(path) + " (" + what + ")"});
        return r;
    };
    std::error_code ec;
    const auto st = fs::status(path, ec);
    if (st.type() == fs::file_type::not_found) return fail("no such file");
    if (ec) return fail(ec.message());
    if (st.type() == fs::file_type::directory) return fail("it is a folder, not a file");
    if (st.type() != fs::file_type::regular) return fail("not a regular file");  // a FIFO could block
    const auto size = fs::file_size(path, ec);
    if (!ec && size > kMaxSurveyWithMediaBytes) {
        r.problems.push_back({kFile, "larger than 16 MiB"});
        return r;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(std::strerror(errno));
    // Bounded, even if the file grows; no larger than the file (+1 to see growth) so a small survey costs little.
    std::string buf(ec ? kMaxSurveyWithMediaBytes + 1 : std::min<std::size_t>(size, kMaxSurveyWithMediaBytes) + 1, '\0');
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (in.bad()) return fail("read error");
    buf.resize(static_cast<std::size_t>(in.gcount()));
    const std::string folder = fs::path(path).parent_path().string();
    return parse_survey(buf, folder.empty() ? "." : folder);
}

std::string embed_survey_media(std::string_view json_text, const Survey& s) {
    auto doc = nlohmann::ordered_json::parse(json_text.begin(), json_text.end());
    doc.erase("media");
    if (!s.media.empty()) {
        auto& m = doc["media"];
        m = nlohmann::ordered_json::object();
        for (const auto& [file, bytes] : s.media) {
            nlohmann::ordered_json e = nlohmann::ordered_json::object();
            e["sha256"] = protocol::sha256_hex(bytes);
            e["base64"] = base64_encode(bytes);
            m[file] = std::move(e);
        }
    }
    return doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace engage
