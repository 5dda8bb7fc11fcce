// The on-screen keyboard's layout and the text it edits. The app owns the text: no OS keyboard,
// no ImGui::InputText. No UI includes.
#pragma once
#include <string>
#include <vector>

namespace engage {

enum class KeyAction { Insert, Backspace, Space, Shift, Page, Done };

struct Key {
    std::string label;    // what the key shows (also the automation label, prefixed "key:")
    std::string text;     // inserted text for Insert
    KeyAction action = KeyAction::Insert;
    float width = 1.0f;   // in key units
    int page = 0;         // target page for Page
};

enum KeyboardPage { kLetters = 0, kSymbols = 1, kAccents = 2 };

class Keyboard {
public:
    Keyboard();
    // Rows of the current page, with shift applied.
    std::vector<std::vector<Key>> rows() const;
    // Applies a key to `text` (respecting `max_chars` code points). Returns true on Done.
    bool press(const Key& k, std::string& text, std::size_t max_chars);
    int page() const { return page_; }
    bool shifted() const { return shift_; }
    void reset() { page_ = kLetters; shift_ = true; }  // a fresh text starts with a capital
    void set_page(int page, bool shifted) { page_ = page; shift_ = shifted; }

private:
    int page_ = kLetters;
    bool shift_ = true;
};

// Every character any page of the keyboard can type (so the font atlas holds them all).
std::string keyboard_all_characters();

// Upper-cases the Latin letters the keyboard offers (ASCII and the accented ones).
std::string keyboard_upper(const std::string& s);

}  // namespace engage
