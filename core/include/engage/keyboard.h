// The on-screen keyboard's layout and the text it edits. The app owns the text: no OS keyboard,
// no ImGui::InputText. No UI includes.
//
// One layout per language (set_language): Latin QWERTY, with the language's own letters at the ends of the
// first page's rows for Polish (ą ć ę ł ń ó ś ź ż) and Gaelic (à è ì ò ù), and an accents page whose first row
// is those letters again; Ukrainian ЙЦУКЕН Cyrillic with a
// Latin page beside it; Urdu, Arabic, Punjabi (Gurmukhi) and Bengali their script's letters from the X keyboard
// layouts (pk, ara, in(guru), in(ben)), Shift giving the second level, with a Latin page beside them. Chinese and any language without its own layout get the Latin keyboard
// (no input method on a kiosk: see docs/languages.md).
#pragma once
#include <string>
#include <vector>

namespace engage {

// Text: words in the person's language. Address: a web address (the facilitator's hub URL): digits, lower-case
// letters and . : / - _ ~ on the first page, whatever the language, and no capital to start with.
enum class KeyboardKind { Text, Address };

enum class KeyAction { Insert, Backspace, Space, Shift, Page, Done };

struct Key {
    std::string label;    // what the key shows (also the automation label, prefixed "key:")
    std::string text;     // inserted text for Insert
    KeyAction action = KeyAction::Insert;
    float width = 1.0f;   // in key units
    int page = 0;         // target page for Page
};

// kLetters is the language's own letters (Cyrillic for Ukrainian); kLatin is a Latin QWERTY page that only
// languages written in another script have (for them kLetters is not Latin).
enum KeyboardPage { kLetters = 0, kSymbols = 1, kAccents = 2, kLatin = 3 };

class Keyboard {
public:
    Keyboard();
    // The layout for a UI language code ("en", "uk", "pl", "zh-Hans", ...). Unknown codes get the Latin
    // keyboard. Keeps the shift state; moves to kLetters when the current page is not in the new layout.
    void set_language(const std::string& lang);
    // Text (the default) or Address; goes back to the first page (reset()).
    void set_kind(KeyboardKind kind);
    KeyboardKind kind() const { return kind_; }
    const std::string& language() const { return lang_; }
    // The pages this layout has, kLetters first.
    std::vector<int> pages() const;
    // Rows of the current page, with shift applied.
    std::vector<std::vector<Key>> rows() const;
    // Applies a key to `text` (respecting `max_chars` code points). Returns true on Done. Delete (Backspace)
    // removes the last code point of `text`, in logical order.
    bool press(const Key& k, std::string& text, std::size_t max_chars);
    int page() const { return page_; }
    bool shifted() const { return shift_; }
    // False when the letters page is a script without capitals (Urdu, Arabic, Gurmukhi, Bengali): Shift there
    // is a second level for one key, and a fresh text does not start shifted.
    bool cased() const;
    // The first page; a fresh text starts with a capital, an address in lower case.
    void reset();
    // A page this layout lacks shows kLetters.
    void set_page(int page, bool shifted) { page_ = page; shift_ = shifted; }

private:
    std::string lang_ = "en";
    KeyboardKind kind_ = KeyboardKind::Text;
    int page_ = kLetters;
    bool shift_ = true;
};

// Every character any page of `lang`'s keyboard can type, shifted or not (so the font atlas holds them all), a
// key a line.
std::string keyboard_all_characters(const std::string& lang);
// The same for the default (English, Latin) layout.
std::string keyboard_all_characters();
// Every label any page of `lang`'s keyboard shows (characters and page keys like "?123", "абв"), a label a line.
std::string keyboard_all_labels(const std::string& lang);

// Upper-cases one key's text: ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic letters (і→І, ґ→Ґ);
// anything else is returned as it is.
std::string keyboard_upper(const std::string& s);

}  // namespace engage
