#include "engage/keyboard.h"

#include "engage/textcheck.h"

namespace engage {
namespace {

std::vector<Key> letters(const char* chars) {
    std::vector<Key> row;
    std::string s(chars);
    for (std::size_t i = 0; i < s.size();) {
        std::size_t n = 1;
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c >= 0xF0) n = 4; else if (c >= 0xE0) n = 3; else if (c >= 0xC0) n = 2;
        const std::string ch = s.substr(i, n);
        row.push_back({ch, ch, KeyAction::Insert, 1.0f, 0});
        i += n;
    }
    return row;
}

// Pairs of lower/upper forms for the accented letters of Gaelic, Polish and common Western European text.
const char* const kCase[][2] = {
    {"à", "À"}, {"è", "È"}, {"ì", "Ì"}, {"ò", "Ò"}, {"ù", "Ù"}, {"á", "Á"}, {"é", "É"}, {"í", "Í"}, {"ó", "Ó"},
    {"ú", "Ú"}, {"ą", "Ą"}, {"ć", "Ć"}, {"ę", "Ę"}, {"ł", "Ł"}, {"ń", "Ń"}, {"ś", "Ś"}, {"ź", "Ź"}, {"ż", "Ż"},
    {"ç", "Ç"}, {"ñ", "Ñ"}, {"ü", "Ü"}, {"ö", "Ö"}, {"ä", "Ä"}, {"â", "Â"}, {"ê", "Ê"}, {"ô", "Ô"}, {"î", "Î"},
};

}  // namespace

std::string keyboard_upper(const std::string& s) {
    if (s.size() == 1) {
        const char c = s[0];
        return (c >= 'a' && c <= 'z') ? std::string(1, static_cast<char>(c - 'a' + 'A')) : s;
    }
    for (const auto& p : kCase)
        if (s == p[0]) return p[1];
    return s;
}

Keyboard::Keyboard() { reset(); }

std::string keyboard_all_characters() {
    std::string out;
    Keyboard k;
    for (int page : {kLetters, kSymbols, kAccents})
        for (bool shifted : {false, true}) {
            k.set_page(page, shifted);
            for (const auto& row : k.rows())
                for (const auto& key : row) out += key.text;
        }
    return out;
}

std::vector<std::vector<Key>> Keyboard::rows() const {
    std::vector<std::vector<Key>> r;
    if (page_ == kLetters) {
        r = {letters("1234567890"), letters("qwertyuiop"), letters("asdfghjkl'"), letters("zxcvbnm,.?")};
    } else if (page_ == kSymbols) {
        r = {letters("1234567890"), letters("!\"£$%&*()-"), letters("@#:;/+=_<>"), letters("[]{}~^|\\€'")};
    } else {
        r = {letters("àèìòùáéíóú"), letters("ąćęłńśźżçñ"), letters("üöäâêôî'-.")};
    }
    if (shift_)
        for (auto& row : r)
            for (auto& k : row) k.label = k.text = keyboard_upper(k.text);
    std::vector<Key> bottom;
    bottom.push_back({"Shift", "", KeyAction::Shift, 1.2f, 0});
    if (page_ == kLetters) {
        bottom.push_back({"?123", "", KeyAction::Page, 1.8f, kSymbols});
        bottom.push_back({"àé", "", KeyAction::Page, 1.5f, kAccents});
    } else {
        bottom.push_back({"abc", "", KeyAction::Page, 1.5f, kLetters});
        bottom.push_back({page_ == kSymbols ? "àé" : "?123", "", KeyAction::Page, 1.8f,
                          page_ == kSymbols ? kAccents : kSymbols});
    }
    bottom.push_back({"Space", " ", KeyAction::Space, 3.5f, 0});
    bottom.push_back({"Delete", "", KeyAction::Backspace, 1.2f, 0});
    bottom.push_back({"Done", "", KeyAction::Done, 2.0f, 0});
    r.push_back(bottom);
    return r;
}

bool Keyboard::press(const Key& k, std::string& text, std::size_t max_chars) {
    switch (k.action) {
        case KeyAction::Insert:
        case KeyAction::Space:
            if (utf8_length(text) + utf8_length(k.text) <= max_chars) text += k.text;
            // After the first letter, go back to lower case; after ". " capitalise again.
            if (k.action == KeyAction::Insert) shift_ = false;
            else shift_ = !text.empty() && (text.size() >= 2 && (text[text.size() - 2] == '.' || text[text.size() - 2] == '?' || text[text.size() - 2] == '!'));
            return false;
        case KeyAction::Backspace:
            utf8_pop_back(text);
            if (text.empty()) shift_ = true;
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
