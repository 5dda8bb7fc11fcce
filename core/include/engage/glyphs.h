// What text a person can see in each language (so the font atlas holds exactly those glyphs), which
// languages the kiosk ships, and which scripts it cannot draw. UTF-8 helpers. No UI includes.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace engage {

struct Survey;

// UTF-8 -> code points; each invalid or truncated byte sequence gives one U+FFFD.
std::u32string utf8_codepoints(std::string_view s);
// One code point -> UTF-8 (a surrogate or a value above U+10FFFF gives U+FFFD).
std::string utf8_encode(char32_t c);
// "U+0416", "U+10FFFD".
std::string codepoint_label(char32_t c);

// The language codes of assets_dir/i18n/*.json, sorted ("en", "gd", "pl", "uk", "zh-Hans").
std::vector<std::string> shipped_languages(const std::string& assets_dir);

// One piece of text a person can see, and where it comes from (for messages).
struct VisibleText {
    std::string where;   // e.g. "i18n/uk.json: nav.next", "survey: questions[2].prompt", "keyboard"
    std::string text;
};

// Everything a person can see when the kiosk runs in `lang`:
//  - the UI strings of assets_dir/i18n/<lang>.json, with en.json underneath for missing keys (as Strings);
//  - the survey's text in `lang` (else its default language): title, intro, prompts, help, scale labels,
//    option labels; `survey` may be null;
//  - every character and label of `lang`'s on-screen keyboard;
//  - every shipped language's own name (`language.name`: the language picker shows them all);
//  - printable ASCII, and the — • … the screens draw themselves.
std::vector<VisibleText> language_texts(const std::string& assets_dir, const Survey* survey, const std::string& lang);
// The same, one text a line (what the font atlas is built from).
std::string language_text(const std::string& assets_dir, const Survey* survey, const std::string& lang);

// True for code points the CJK font must supply (Han, kana, Hangul, CJK punctuation, full-width forms).
bool is_cjk(char32_t c);
bool has_cjk(std::string_view text);

// Dear ImGui 1.86 draws each code point as one glyph, left to right: no text shaping, no bidi.
// The script name when `c` is in a script that then comes out wrong (Arabic, Hebrew, Devanagari,
// Bengali, Gurmukhi, Tamil, Thai, Khmer, Myanmar, ...), else "".
std::string unsupported_script(char32_t c);
// Why the kiosk cannot offer `lang` ("Arabic script needs right-to-left text and joined letter forms"),
// or "" when it can (ur, ar, pa and bn it shapes itself). Looks at the primary subtag and any script subtag ("pa-Arab", "sr-Cyrl").
std::string unsupported_language(const std::string& lang);
// The first code point of `text` in a script the kiosk cannot show, as "Arabic (U+0627)", or "". Urdu, Arabic,
// Punjabi (Gurmukhi) and Bengali are shaped by the kiosk itself: their script is fine in text in that language
// (`lang`), and only there (the other languages' text is drawn by ImGui, which cannot).
std::string unsupported_text(std::string_view text, const std::string& lang = "");

}  // namespace engage
