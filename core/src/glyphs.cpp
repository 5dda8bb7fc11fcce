#include "engage/glyphs.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>

#include "engage/keyboard.h"
#include "engage/strings.h"
#include "engage/survey.h"

namespace fs = std::filesystem;

namespace engage {

std::u32string utf8_codepoints(std::string_view s) {
    std::u32string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        std::size_t n = 0;
        char32_t cp = 0;
        if (c < 0x80) { out.push_back(c); ++i; continue; }
        if (c >= 0xC2 && c <= 0xDF) { n = 1; cp = c & 0x1F; }
        else if (c >= 0xE0 && c <= 0xEF) { n = 2; cp = c & 0x0F; }
        else if (c >= 0xF0 && c <= 0xF4) { n = 3; cp = c & 0x07; }
        else { out.push_back(0xFFFD); ++i; continue; }
        std::size_t k = 1;
        for (; k <= n && i + k < s.size(); ++k) {
            const unsigned char d = static_cast<unsigned char>(s[i + k]);
            if ((d & 0xC0) != 0x80) break;
            cp = (cp << 6) | (d & 0x3F);
        }
        const bool complete = k == n + 1;
        const bool overlong = (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000);
        const bool bad = (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF;
        if (!complete || overlong || bad) {
            out.push_back(0xFFFD);
            i += k;  // the lead byte and the continuation bytes read
            continue;
        }
        out.push_back(cp);
        i += k;
    }
    return out;
}

std::string utf8_encode(char32_t c) {
    if ((c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF) c = 0xFFFD;
    std::string s;
    if (c < 0x80) {
        s += static_cast<char>(c);
    } else if (c < 0x800) {
        s += static_cast<char>(0xC0 | (c >> 6));
        s += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        s += static_cast<char>(0xE0 | (c >> 12));
        s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        s += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        s += static_cast<char>(0xF0 | (c >> 18));
        s += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        s += static_cast<char>(0x80 | (c & 0x3F));
    }
    return s;
}

std::string codepoint_label(char32_t c) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(c));
    return buf;
}

std::vector<std::string> shipped_languages(const std::string& assets_dir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (fs::directory_iterator it(fs::path(assets_dir) / "i18n", ec), end; !ec && it != end; it.increment(ec))
        if (it->path().extension() == ".json" && it->is_regular_file(ec)) out.push_back(it->path().stem().string());
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<VisibleText> language_texts(const std::string& assets_dir, const Survey* survey, const std::string& lang) {
    std::vector<VisibleText> out;
    const std::string i18n = assets_dir + "/i18n";

    Strings strings;
    strings.load(i18n, lang);  // en.json underneath; a missing file leaves the English
    for (const auto& [key, text] : strings.all()) out.push_back({"i18n/" + lang + ".json: " + key, text});

    if (survey) {
        const std::string& def = survey->default_language();
        auto add = [&](const LocalText& t, const std::string& where) {
            if (!t.empty()) out.push_back({"survey: " + where, t.get(lang, def)});
        };
        add(survey->title, "title");
        add(survey->intro, "intro");
        for (std::size_t i = 0; i < survey->questions.size(); ++i) {
            const Question& q = survey->questions[i];
            const std::string at = "questions[" + std::to_string(i) + "] (" + q.id + ")";
            add(q.prompt, at + ".prompt");
            add(q.help, at + ".help");
            add(q.low_label, at + ".low_label");
            add(q.high_label, at + ".high_label");
            for (const auto& o : q.options) add(o.label, at + ".options (" + o.id + ").label");
        }
    }

    out.push_back({"keyboard (" + lang + ")", keyboard_all_characters(lang)});
    out.push_back({"keyboard labels (" + lang + ")", keyboard_all_labels(lang)});

    for (const auto& other : shipped_languages(assets_dir)) {
        std::map<std::string, std::string> table;
        std::string error;
        if (!read_strings_file(i18n + "/" + other + ".json", table, error)) continue;
        if (auto it = table.find("language.name"); it != table.end())
            out.push_back({"i18n/" + other + ".json: language.name", it->second});
    }

    std::string ascii;
    for (char c = 0x20; c < 0x7F; ++c) ascii += c;
    out.push_back({"ASCII", ascii});
    out.push_back({"screens", "\u2014\u2022\u2026"});  // — • … drawn by the app itself
    return out;
}

std::string language_text(const std::string& assets_dir, const Survey* survey, const std::string& lang) {
    std::string out;
    // One text a line: shaped scripts take each line as it is drawn (a letter's joining form depends on its
    // neighbours, so two texts run together would shape to other glyphs).
    for (const auto& t : language_texts(assets_dir, survey, lang)) out += t.text + "\n";
    return out;
}

bool is_cjk(char32_t c) {
    return (c >= 0x2E80 && c <= 0x2FDF)     // radicals
           || (c >= 0x2FF0 && c <= 0x303F)  // ideographic description, CJK symbols and punctuation 、。「」
           || (c >= 0x3040 && c <= 0x31FF)  // kana, bopomofo, Hangul compatibility jamo, kanbun, strokes
           || (c >= 0x3200 && c <= 0x9FFF)  // enclosed, compatibility, extension A, unified ideographs
           || (c >= 0xA960 && c <= 0xA97F) || (c >= 0xAC00 && c <= 0xD7FF)  // Hangul
           || (c >= 0xF900 && c <= 0xFAFF)  // compatibility ideographs
           || (c >= 0xFE30 && c <= 0xFE4F)  // compatibility forms
           || (c >= 0xFF00 && c <= 0xFFEF)  // full-width forms ，：（）！？
           || (c >= 0x20000 && c <= 0x3FFFF);
}

bool has_cjk(std::string_view text) {
    for (char32_t c : utf8_codepoints(text))
        if (is_cjk(c)) return true;
    return false;
}

namespace {

struct ScriptRange {
    char32_t first, last;
    const char* script;
};

const ScriptRange kUnsupported[] = {
    {0x0590, 0x05FF, "Hebrew"},     {0xFB1D, 0xFB4F, "Hebrew"},    {0x0600, 0x06FF, "Arabic"},
    {0x0750, 0x077F, "Arabic"},     {0x0870, 0x08FF, "Arabic"},    {0xFB50, 0xFDFF, "Arabic"},
    {0xFE70, 0xFEFF, "Arabic"},     {0x0700, 0x074F, "Syriac"},    {0x0780, 0x07BF, "Thaana"},
    {0x07C0, 0x07FF, "N'Ko"},       {0x0800, 0x083F, "Samaritan"}, {0x0840, 0x085F, "Mandaic"},
    {0x0900, 0x097F, "Devanagari"}, {0xA8E0, 0xA8FF, "Devanagari"}, {0x0980, 0x09FF, "Bengali"},
    {0x0A00, 0x0A7F, "Gurmukhi"},   {0x0A80, 0x0AFF, "Gujarati"},  {0x0B00, 0x0B7F, "Oriya"},
    {0x0B80, 0x0BFF, "Tamil"},      {0x0C00, 0x0C7F, "Telugu"},    {0x0C80, 0x0CFF, "Kannada"},
    {0x0D00, 0x0D7F, "Malayalam"},  {0x0D80, 0x0DFF, "Sinhala"},   {0x0E00, 0x0E7F, "Thai"},
    {0x0E80, 0x0EFF, "Lao"},        {0x0F00, 0x0FFF, "Tibetan"},   {0x1000, 0x109F, "Myanmar"},
    {0xA9E0, 0xA9FF, "Myanmar"},    {0xAA60, 0xAA7F, "Myanmar"},   {0x1780, 0x17FF, "Khmer"},
    {0x19E0, 0x19FF, "Khmer"},      {0x1800, 0x18AF, "Mongolian"}, {0x1A20, 0x1AAF, "Tai Tham"},
    {0x1B00, 0x1B7F, "Balinese"},   {0xA980, 0xA9DF, "Javanese"},  {0x1B80, 0x1BBF, "Sundanese"},
};

// Script subtags (ISO 15924) of the scripts above, and the ones the kiosk draws.
const std::map<std::string, std::string> kScriptSubtags = {
    {"arab", "Arabic"},   {"hebr", "Hebrew"},     {"syrc", "Syriac"},   {"thaa", "Thaana"},  {"nkoo", "N'Ko"},
    {"deva", "Devanagari"}, {"beng", "Bengali"},  {"guru", "Gurmukhi"}, {"gujr", "Gujarati"}, {"orya", "Oriya"},
    {"taml", "Tamil"},    {"telu", "Telugu"},     {"knda", "Kannada"},  {"mlym", "Malayalam"}, {"sinh", "Sinhala"},
    {"thai", "Thai"},     {"laoo", "Lao"},        {"tibt", "Tibetan"},  {"mymr", "Myanmar"}, {"khmr", "Khmer"},
    {"mong", "Mongolian"}, {"bali", "Balinese"},  {"java", "Javanese"}, {"sund", "Sundanese"},
    {"latn", ""}, {"cyrl", ""}, {"grek", ""}, {"hans", ""}, {"hant", ""}, {"hani", ""}, {"jpan", ""},
    {"kore", ""}, {"hang", ""}, {"armn", ""}, {"geor", ""}, {"ethi", ""},
};

// Languages whose usual script is one of those (primary subtags).
const std::map<std::string, std::string> kLanguageScripts = {
    {"ar", "Arabic"}, {"arb", "Arabic"}, {"arz", "Arabic"}, {"ary", "Arabic"}, {"apc", "Arabic"}, {"acm", "Arabic"},
    {"fa", "Arabic"}, {"pes", "Arabic"}, {"prs", "Arabic"}, {"ur", "Arabic"}, {"ps", "Arabic"}, {"pbu", "Arabic"},
    {"ckb", "Arabic"}, {"sd", "Arabic"}, {"ug", "Arabic"}, {"ks", "Arabic"}, {"bal", "Arabic"}, {"azb", "Arabic"},
    {"lrc", "Arabic"}, {"he", "Hebrew"}, {"iw", "Hebrew"}, {"yi", "Hebrew"}, {"syr", "Syriac"}, {"dv", "Thaana"},
    {"nqo", "N'Ko"}, {"hi", "Devanagari"}, {"mr", "Devanagari"}, {"ne", "Devanagari"}, {"sa", "Devanagari"},
    {"mai", "Devanagari"}, {"bho", "Devanagari"}, {"kok", "Devanagari"}, {"doi", "Devanagari"},
    {"awa", "Devanagari"}, {"mag", "Devanagari"}, {"new", "Devanagari"}, {"bn", "Bengali"}, {"as", "Bengali"},
    {"pa", "Gurmukhi"}, {"gu", "Gujarati"}, {"or", "Oriya"}, {"ory", "Oriya"}, {"ta", "Tamil"}, {"te", "Telugu"},
    {"kn", "Kannada"}, {"tcy", "Kannada"}, {"ml", "Malayalam"}, {"si", "Sinhala"}, {"th", "Thai"}, {"lo", "Lao"},
    {"bo", "Tibetan"}, {"dz", "Tibetan"}, {"my", "Myanmar"}, {"shn", "Myanmar"}, {"ksw", "Myanmar"},
    {"mnw", "Myanmar"}, {"km", "Khmer"}, {"ban", "Balinese"},
};

// Languages the kiosk shapes itself (engage_text, app/ui/shaped.h), with the script they are written in.
const std::map<std::string, std::string> kShapedLanguages = {
    {"ur", "Arabic"}, {"ar", "Arabic"}, {"pa", "Gurmukhi"}, {"bn", "Bengali"}};

std::string why(const std::string& script) {
    if (script == "Arabic" || script == "Syriac" || script == "N'Ko" || script == "Mandaic")
        return script + " script needs right-to-left text and joined letter forms";
    if (script == "Hebrew" || script == "Thaana" || script == "Samaritan")
        return script + " script needs right-to-left text";
    if (script == "Thai" || script == "Lao")
        return script + " script needs word breaking and stacked vowel and tone marks";
    if (script == "Khmer" || script == "Myanmar" || script == "Tibetan" || script == "Tai Tham")
        return script + " script needs text shaping and word breaking";
    if (script == "Mongolian") return "Mongolian script is written vertically with joined letter forms";
    return script + " script needs text shaping (vowel signs and conjuncts)";
}

std::string lower(std::string s) {
    for (auto& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

}  // namespace

std::string unsupported_script(char32_t c) {
    for (const auto& r : kUnsupported)
        if (c >= r.first && c <= r.last) return r.script;
    return "";
}

std::string unsupported_language(const std::string& lang) {
    std::vector<std::string> tags;
    std::string cur;
    for (char c : lower(lang)) {
        if (c == '-' || c == '_') {
            tags.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    tags.push_back(cur);
    // An explicit script subtag decides: "pa-Arab" cannot be shown, "hi-Latn" can, "ur-Arab" can.
    const auto shaped = kShapedLanguages.find(tags[0]);
    for (std::size_t i = 1; i < tags.size(); ++i)
        if (tags[i].size() == 4)
            if (auto it = kScriptSubtags.find(tags[i]); it != kScriptSubtags.end())
                return it->second.empty() || (shaped != kShapedLanguages.end() && shaped->second == it->second)
                           ? ""
                           : why(it->second);
    if (shaped != kShapedLanguages.end()) return "";
    if (auto it = kLanguageScripts.find(tags[0]); it != kLanguageScripts.end()) return why(it->second);
    return "";
}

std::string unsupported_text(std::string_view text, const std::string& lang) {
    const std::string base = lower(lang.substr(0, lang.find_first_of("-_")));
    const auto shaped = kShapedLanguages.find(base);
    const bool own_script = shaped != kShapedLanguages.end() && unsupported_language(lang).empty();
    for (char32_t c : utf8_codepoints(text)) {
        const std::string s = unsupported_script(c);
        // The danda and double danda (। ॥) live in the Devanagari block but end sentences in Bengali and Gurmukhi too.
        const bool danda = (c == 0x0964 || c == 0x0965) && own_script &&
                           (shaped->second == "Bengali" || shaped->second == "Gurmukhi");
        if (!s.empty() && !danda && !(own_script && s == shaped->second)) return s + " (" + codepoint_label(c) + ")";
    }
    return "";
}

}  // namespace engage
