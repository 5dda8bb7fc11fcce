#include "engage/keyboard.h"

#include <algorithm>

#include "engage/glyphs.h"
#include "engage/textcheck.h"

namespace engage {
namespace {

enum class Layout { Latin, Polish, Gaelic, Ukrainian, Urdu, Arabic, Gurmukhi, Bengali };

// Layouts whose letters page is another script without capitals: Shift shows that script's second level instead.
bool script_layout(Layout l) {
    return l == Layout::Urdu || l == Layout::Arabic || l == Layout::Gurmukhi || l == Layout::Bengali;
}

Layout layout_of(const std::string& lang) {
    std::string base = lang.substr(0, lang.find_first_of("-_"));
    for (auto& c : base)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (base == "uk") return Layout::Ukrainian;
    if (base == "pl") return Layout::Polish;
    if (base == "gd") return Layout::Gaelic;
    if (base == "ur") return Layout::Urdu;
    if (base == "ar") return Layout::Arabic;
    if (base == "pa") return Layout::Gurmukhi;
    if (base == "bn") return Layout::Bengali;
    return Layout::Latin;  // English, Chinese (no input method), and any other
}

std::vector<Key> letters(const char* chars) {
    std::vector<Key> row;
    for (char32_t c : utf8_codepoints(chars)) {
        const std::string ch = utf8_encode(c);
        row.push_back({ch, ch, KeyAction::Insert, 1.0f, 0});
    }
    return row;
}

using Rows = std::vector<std::vector<Key>>;

// Keys separated by spaces: a key may type more than one code point (Arabic lam-alef "لا"; Bengali "য়" and
// Gurmukhi "ਸ਼", which Unicode's NFC writes as the letter and a nukta).
std::vector<Key> keys(const char* spaced) {
    std::vector<Key> row;
    std::string cur;
    for (const char* p = spaced;; ++p) {
        if (*p == ' ' || *p == '\0') {
            if (!cur.empty()) row.push_back({cur, cur, KeyAction::Insert, 1.0f, 0});
            cur.clear();
            if (*p == '\0') break;
        } else {
            cur += *p;
        }
    }
    return row;
}

// The letters of another script, from the X keyboard layouts (/usr/share/X11/xkb/symbols), key for key in their
// rows: Urdu from pk (urd-phonetic), Arabic from ara, Gurmukhi from in(guru), Bengali from in(ben). Shift gives
// each key's second level (these scripts have no capitals): vowel marks, aspirated consonants, hamza forms. Where
// a level holds a character useless here or a letter twice, another letter of the script takes its place
// (Gurmukhi ੱ and the nukta letters, Bengali ৎ ঃ ঢ়); the lam-alef ligature keys type lam and alef (not the presentation
// form). At most 12 keys a row, as Ukrainian's.
Rows script_letters(Layout l, bool shifted) {
    switch (l) {
        case Layout::Urdu:
            if (shifted)
                return {letters("1234567890"), keys("ْ ؤ ٰ ڑ ٹ َ ئ ِ ۃ ُ"), keys("آ ص ڈ ّ غ ھ ض خ ٔ :"),
                        keys("ذ ژ ث ظ ً ں ٘ ، ۔ ؟")};
            return {letters("1234567890"), keys("ق و ع ر ت ے ء ی ہ پ"), keys("ا س د ف گ ح ج ک ل ؛"),
                    keys("ز ش چ ط ب ن م ، ۔ ؟")};
        case Layout::Arabic:
            if (shifted)
                return {letters("1234567890"), keys("َ ً ُ ٌ لإ إ ` ÷ × ؛ < >"), keys("ِ ٍ ] [ لأ أ ـ ، / : \" ّ"),
                        keys("~ ْ } { لآ آ ' , . ؟ ! ٪")};
            return {letters("1234567890"), keys("ض ص ث ق ف غ ع ه خ ح ج د"), keys("ش س ي ب ل ا ت ن م ك ط ذ"),
                    keys("ئ ء ؤ ر لا ى ة و ز ظ ، ؟")};
        case Layout::Gurmukhi:
            if (shifted)
                return {letters("੧੨੩੪੫੬੭੮੯੦"), keys("ਔ ਐ ਆ ਈ ਊ ਭ ਙ ਘ ਧ ਝ ਢ ਞ"), keys("ਓ ਏ ਅ ਇ ਉ ਫ ੜ ਖ ਥ ਛ ਠ"),
                        keys("ੰ ਣ ਖ਼ ਗ਼ ਲ਼ ਸ਼ ਫ਼ । ? ਜ਼")};
            return {letters("੧੨੩੪੫੬੭੮੯੦"), keys("ੌ ੈ ਾ ੀ ੂ ਬ ਹ ਗ ਦ ਜ ਡ ਼"), keys("ੋ ੇ ੍ ਿ ੁ ਪ ਰ ਕ ਤ ਚ ਟ"),
                    keys("ਂ ਮ ਨ ਵ ਲ ਸ , . ਯ ੱ")};
        case Layout::Bengali:
            if (shifted)
                return {letters("১২৩৪৫৬৭৮৯০"), keys("ঔ ঐ আ ঈ ঊ ভ ঙ ঘ ধ ঝ ঢ ঞ"), keys("ও এ অ ই উ ফ ড় খ থ ছ ঠ ঋ"),
                        keys("ঁ ণ ৎ ঃ ঢ় শ ষ । য")};
            return {letters("১২৩৪৫৬৭৮৯০"), keys("ৌ ৈ া ী ূ ব হ গ দ জ ড ়"), keys("ো ে ্ ি ু প র ক ত চ ট ৃ"),
                    keys("ং ম ন ৎ ল স , . য়")};
        default: return {};
    }
}

// The page key back to a layout's own letters: three of its first letters.
const char* letters_page_label(Layout l) {
    switch (l) {
        case Layout::Ukrainian: return "абв";
        case Layout::Urdu: return "ابپ";
        case Layout::Arabic: return "أبت";
        case Layout::Gurmukhi: return "ਕਖਗ";
        case Layout::Bengali: return "কখগ";
        default: return "abc";
    }
}

Rows latin_letters() {
    return {letters("1234567890"), letters("qwertyuiop"), letters("asdfghjkl'"), letters("zxcvbnm,.?")};
}

// QWERTY with the language's own letters at the ends of its rows (12 keys a row at most, as Ukrainian's), so they
// are one tap away and the keyboard keeps its height. Polish gives up , ? and ' to the symbols page for them.
Rows own_letters(Layout l) {
    if (l == Layout::Polish)
        return {letters("1234567890"), letters("qwertyuiopąę"), letters("asdfghjklłóś"), letters("zxcvbnmćńźż.")};
    if (l == Layout::Gaelic)
        return {letters("1234567890"), letters("qwertyuiopàè"), letters("asdfghjkl'ìò"), letters("zxcvbnm,.?ù")};
    return latin_letters();
}

// A web address on one page: digits, letters and . : / - _ ~ (11 keys a row, as wide as Ukrainian's 12).
Rows address_letters() {
    return {letters("1234567890"), letters("qwertyuiop"), letters("asdfghjkl:_"), letters("zxcvbnm./-~")};
}

// ЙЦУКЕН as on Ukrainian keyboards: 33 letters and the apostrophe ʼ (U+02BC) in three rows of 12.
Rows ukrainian_letters() {
    return {letters("1234567890"), letters("йцукенгшщзхї"), letters("фівапролджєʼ"), letters("ґячсмитьбю,.")};
}

Rows symbols() {
    return {letters("1234567890"), letters("!?\"£$%&*()"), letters("@#:;/+=_-'"), letters("[]{}<>~^|\\€,")};
}

// The language's own accented letters come first; the others stay so names from elsewhere can be typed.
Rows accents(Layout l) {
    if (l == Layout::Polish)
        return {letters("ąćęłńóśźż'"), letters("àèìòùáéíú-"), letters("çñüöäâêôî.")};
    return {letters("àèìòùáéíóú"), letters("ąćęłńśźżçñ"), letters("üöäâêôî'-.")};  // Gaelic's five first
}

Key page_key(const char* label, int page, float width) { return {label, "", KeyAction::Page, width, page}; }

// Upper case of one code point for the scripts the keyboards offer (and their neighbours).
char32_t upper(char32_t c) {
    if (c >= 'a' && c <= 'z') return c - 0x20;
    if (c >= 0xE0 && c <= 0xFE && c != 0xF7) return c - 0x20;  // Latin-1: à..þ
    if (c == 0xFF) return 0x178;                                // ÿ
    if (c >= 0x100 && c <= 0x17F) {                             // Latin Extended-A: pairs
        if (c == 0x131) return 'I';                             // dotless ı
        if (c == 0x17F) return 'S';                             // long s
        if (c == 0x138 || c == 0x149 || c == 0x178) return c;   // ĸ, ŉ have no capital; Ÿ is one
        const bool odd_lower = (c <= 0x137) || (c >= 0x14A && c <= 0x177);
        const bool is_lower = odd_lower ? (c & 1) == 1 : (c & 1) == 0;
        return is_lower ? c - 1 : c;
    }
    if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2) return c - 0x20;  // Greek α..ω (not final ς)
    if (c >= 0x430 && c <= 0x44F) return c - 0x20;                // Cyrillic а..я
    if (c >= 0x450 && c <= 0x45F) return c - 0x50;                // ѐ..џ, і ї є
    if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) || (c >= 0x4D0 && c <= 0x52F))
        return (c & 1) ? c - 1 : c;                               // pairs: ґ→Ґ, ...
    if (c >= 0x4C1 && c <= 0x4CE) return (c & 1) ? c : c - 1;
    if (c == 0x4CF) return 0x4C0;
    return c;
}

}  // namespace

std::string keyboard_upper(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (char32_t c : utf8_codepoints(s)) out += utf8_encode(upper(c));
    return out;
}

Keyboard::Keyboard() { reset(); }

void Keyboard::set_kind(KeyboardKind kind) {
    kind_ = kind;
    reset();
}

void Keyboard::reset() {
    page_ = kLetters;
    shift_ = kind_ == KeyboardKind::Text && cased();  // a fresh text starts with a capital; an address does not
}

bool Keyboard::cased() const { return kind_ == KeyboardKind::Address || !script_layout(layout_of(lang_)); }

void Keyboard::set_language(const std::string& lang) {
    lang_ = lang;
    const auto p = pages();
    if (std::find(p.begin(), p.end(), page_) == p.end()) page_ = kLetters;
}

std::vector<int> Keyboard::pages() const {
    if (kind_ == KeyboardKind::Address) return {kLetters, kSymbols};
    const Layout l = layout_of(lang_);
    if (l == Layout::Ukrainian || script_layout(l)) return {kLetters, kLatin, kSymbols};
    return {kLetters, kSymbols, kAccents};
}

std::vector<std::vector<Key>> Keyboard::rows() const {
    const Layout layout = layout_of(lang_);
    const auto p = pages();
    const int page = std::find(p.begin(), p.end(), page_) == p.end() ? kLetters : page_;
    Rows r;
    if (kind_ == KeyboardKind::Address) {
        r = page == kSymbols ? symbols() : address_letters();
        if (shift_)
            for (auto& row : r)
                for (auto& k : row) k.label = k.text = keyboard_upper(k.text);
        r.push_back({{"Shift", "", KeyAction::Shift, 1.2f, 0},
                     page == kSymbols ? page_key("abc", kLetters, 1.8f) : page_key("?123", kSymbols, 1.8f),
                     {"Delete", "", KeyAction::Backspace, 1.5f, 0},
                     {"Done", "", KeyAction::Done, 2.0f, 0}});
        return r;
    }
    if (page == kSymbols) r = symbols();
    else if (page == kAccents) r = accents(layout);
    else if (page == kLatin) r = latin_letters();
    else if (script_layout(layout)) r = script_letters(layout, shift_);  // no capitals: Shift is the second level
    else r = layout == Layout::Ukrainian ? ukrainian_letters() : own_letters(layout);
    if (shift_)
        for (auto& row : r)
            for (auto& k : row) k.label = k.text = keyboard_upper(k.text);

    // Page keys stay short: "?123" symbols, "àé" accents, "abc" Latin letters, "абв" Cyrillic letters (and
    // "ابپ", "أبت", "ਕਖਗ", "কখগ" for the other scripts' letters).
    std::vector<Key> bottom;
    bottom.push_back({"Shift", "", KeyAction::Shift, 1.2f, 0});
    if (layout == Layout::Ukrainian || script_layout(layout)) {
        const char* own = letters_page_label(layout);
        if (page == kLetters) {
            bottom.push_back(page_key("?123", kSymbols, 1.8f));
            bottom.push_back(page_key("abc", kLatin, 1.5f));
        } else if (page == kLatin) {
            bottom.push_back(page_key("?123", kSymbols, 1.8f));
            bottom.push_back(page_key(own, kLetters, 1.5f));
        } else {
            bottom.push_back(page_key(own, kLetters, 1.8f));
            bottom.push_back(page_key("abc", kLatin, 1.5f));
        }
    } else if (page == kLetters) {
        bottom.push_back(page_key("?123", kSymbols, 1.8f));
        bottom.push_back(page_key("àé", kAccents, 1.5f));
    } else {
        bottom.push_back(page_key("abc", kLetters, 1.5f));
        bottom.push_back(page == kSymbols ? page_key("àé", kAccents, 1.8f) : page_key("?123", kSymbols, 1.8f));
    }
    bottom.push_back({"Space", " ", KeyAction::Space, 3.5f, 0});
    bottom.push_back({"Delete", "", KeyAction::Backspace, 1.2f, 0});
    bottom.push_back({"Done", "", KeyAction::Done, 2.0f, 0});
    r.push_back(bottom);
    return r;
}

namespace {

template <class F>
void each_key(const std::string& lang, F f) {
    for (KeyboardKind kind : {KeyboardKind::Text, KeyboardKind::Address}) {
        Keyboard k;
        k.set_kind(kind);
        k.set_language(lang);
        for (int page : k.pages())
            for (bool shifted : {false, true}) {
                k.set_page(page, shifted);
                for (const auto& row : k.rows())
                    for (const auto& key : row) f(key);
            }
    }
}

}  // namespace

std::string keyboard_all_characters(const std::string& lang) {
    std::string out;
    each_key(lang, [&](const Key& key) { out += key.text + "\n"; });  // a key a line, shaped as its key shows it
    return out;
}

std::string keyboard_all_characters() { return keyboard_all_characters("en"); }

std::string keyboard_all_labels(const std::string& lang) {
    std::string out;
    each_key(lang, [&](const Key& key) { out += key.label + "\n"; });
    return out;
}

bool Keyboard::press(const Key& k, std::string& text, std::size_t max_chars) {
    switch (k.action) {
        case KeyAction::Insert:
        case KeyAction::Space:
            if (utf8_length(text) + utf8_length(k.text) <= max_chars) text += k.text;
            // After the first letter, go back to lower case; after ". " capitalise again (not in a script
            // without capitals, where Shift is a second level used for one key).
            if (k.action == KeyAction::Insert || kind_ == KeyboardKind::Address || !cased()) shift_ = false;
            else shift_ = !text.empty() && (text.size() >= 2 && (text[text.size() - 2] == '.' || text[text.size() - 2] == '?' || text[text.size() - 2] == '!'));
            return false;
        case KeyAction::Backspace:
            // One code point, the last in logical (typed) order: every key of these layouts types one code point
            // (a vowel sign, virama or nukta is a key of its own), so Delete takes back one key's worth and a wrong
            // vowel sign goes without the consonant under it. A key of two (لا, য়) goes in two presses.
            utf8_pop_back(text);
            if (text.empty()) shift_ = kind_ == KeyboardKind::Text && cased();
            return false;
        case KeyAction::Shift:
            shift_ = !shift_;
            return false;
        case KeyAction::Page:
            page_ = k.page;
            return false;
        case KeyAction::Done:
            return true;
    }
    return false;
}

}  // namespace engage
