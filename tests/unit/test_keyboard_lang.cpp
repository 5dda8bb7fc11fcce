// The on-screen keyboard per language (Ukrainian ЙЦУКЕН + Latin, Polish and Gaelic accents, Latin for Chinese),
// upper case beyond ASCII, and the glyph helpers: what each language shows, and the scripts the kiosk refuses.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "engage/glyphs.h"
#include "engage/keyboard.h"
#include "engage/survey.h"
#include "temp_dir.h"

using namespace engage;

namespace {

const std::string kAssets = ENGAGE_ASSETS;

// Presses the key with `label` on the current page; fails when there is none.
bool press_label(Keyboard& k, std::string& text, const std::string& label, std::size_t max = 100) {
    for (const auto& row : k.rows())
        for (const auto& key : row)
            if (key.label == label) return k.press(key, text, max);
    FAIL("no key " << label << " on page " << k.page() << " of the " << k.language() << " keyboard");
    return false;
}

std::set<std::string> labels_on_page(Keyboard& k) {
    std::set<std::string> out;
    for (const auto& row : k.rows())
        for (const auto& key : row) out.insert(key.label);
    return out;
}

bool has_all(const std::string& haystack, const std::string& chars) {
    for (char32_t c : utf8_codepoints(chars))
        if (haystack.find(utf8_encode(c)) == std::string::npos) return false;
    return true;
}

}  // namespace

TEST_CASE("keyboard: English stays the default layout with its page keys", "[keyboard]") {
    Keyboard k;
    CHECK(k.language() == "en");
    CHECK(k.pages() == std::vector<int>{kLetters, kSymbols, kAccents});
    k.set_page(kLetters, false);
    const auto letters = labels_on_page(k);
    for (const char* l : {"q", "z", "?123", "àé", "'", "?"}) CHECK(letters.count(l));
    CHECK(keyboard_all_characters() == keyboard_all_characters("en"));
    k.set_page(kSymbols, false);
    CHECK(labels_on_page(k).count("?"));  // also on the symbols page, for layouts whose letters page lacks it
}

TEST_CASE("keyboard: Ukrainian has ЙЦУКЕН with і ї є ґ and the apostrophe, and a Latin page", "[keyboard]") {
    Keyboard k;
    k.set_language("uk");
    CHECK(k.pages() == std::vector<int>{kLetters, kLatin, kSymbols});
    k.set_page(kLetters, false);
    const auto rows = k.rows();
    REQUIRE(rows.size() == 5);
    std::string row1;
    for (const auto& key : rows[1]) row1 += key.text;
    CHECK(row1 == "йцукенгшщзхї");
    const auto cyr = labels_on_page(k);
    for (const char* l : {"і", "ї", "є", "ґ", "ʼ", "?123", "abc"}) CHECK(cyr.count(l));

    const std::string all = keyboard_all_characters("uk");
    CHECK(has_all(all, "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя"));
    CHECK(has_all(all, "АБВГҐДЕЄЖЗИІЇЙКЛМНОПРСТУФХЦЧШЩЬЮЯ"));
    CHECK(has_all(all, "qwertyuiopasdfghjklzxcvbnmQWERTYUIOPASDFGHJKLZXCVBNM0123456789'ʼ.,?!"));

    // Typing: a capital first, the apostrophe, to Latin and back.
    std::string text;
    k.reset();
    for (const char* l : {"П", "р", "и", "в", "і", "т", ",", "Space", "м", "ʼ", "я", "т", "а", "Space"})
        press_label(k, text, l);
    CHECK(text == "Привіт, мʼята ");
    press_label(k, text, "abc");
    CHECK(k.page() == kLatin);
    CHECK(labels_on_page(k).count("абв"));
    press_label(k, text, "o");
    press_label(k, text, "k");
    press_label(k, text, "абв");
    CHECK(k.page() == kLetters);
    press_label(k, text, "?123");
    press_label(k, text, "!");
    CHECK(text == "Привіт, мʼята ok!");
    CHECK(labels_on_page(k).count("абв"));
    CHECK(labels_on_page(k).count("abc"));
    press_label(k, text, "Shift");
    press_label(k, text, "абв");
    press_label(k, text, "Ї");
    CHECK(text == "Привіт, мʼята ok!Ї");
}

TEST_CASE("keyboard: Polish and Gaelic letters also come first on the accents page", "[keyboard]") {
    Keyboard k;
    k.set_language("pl");
    k.set_page(kAccents, false);
    std::string first;
    auto rows = k.rows();
    for (const auto& key : rows[0]) first += key.text;
    CHECK(first.rfind("ąćęłńóśźż", 0) == 0);
    CHECK(has_all(keyboard_all_characters("pl"), "ąćęłńóśźżĄĆĘŁŃÓŚŹŻ"));

    k.set_language("gd");
    k.set_page(kAccents, false);
    first.clear();
    rows = k.rows();
    for (const auto& key : rows[0]) first += key.text;
    CHECK(first.rfind("àèìòù", 0) == 0);
    CHECK(has_all(keyboard_all_characters("gd"), "àèìòùÀÈÌÒÙ"));

    std::string text;
    k.set_language("pl");
    k.reset();
    for (const char* l : {"àé", "Ż", "ó", "ł", "abc", "w"}) press_label(k, text, l);
    CHECK(text == "Żółw");
}

TEST_CASE("keyboard: Chinese and unknown languages get the Latin keyboard", "[keyboard]") {
    for (const char* lang : {"zh-Hans", "fr", "", "UK-ua"}) {
        Keyboard k;
        k.set_language(lang);
        INFO(lang);
        if (std::string(lang) == "UK-ua") {
            CHECK(k.pages() == std::vector<int>{kLetters, kLatin, kSymbols});  // region and case do not matter
            continue;
        }
        CHECK(k.pages() == std::vector<int>{kLetters, kSymbols, kAccents});
        k.set_page(kLetters, false);
        CHECK(labels_on_page(k).count("q"));
    }
}

TEST_CASE("keyboard: set_language keeps a page the layout has, else goes to the letters", "[keyboard]") {
    Keyboard k;
    k.set_language("uk");
    k.set_page(kLatin, true);
    k.set_language("uk-UA");
    CHECK(k.page() == kLatin);
    CHECK(k.shifted());
    k.set_language("pl");
    CHECK(k.page() == kLetters);
    k.set_page(kLatin, false);  // a page this layout lacks shows the letters
    CHECK(labels_on_page(k).count("q"));
}

TEST_CASE("keyboard: every page of every layout has unique labels and short page keys", "[keyboard]") {
    for (const char* lang : {"en", "gd", "pl", "uk", "zh-Hans", "ur", "ar", "pa", "bn"}) {
        Keyboard k;
        k.set_language(lang);
        for (int page : k.pages())
            for (bool shifted : {false, true}) {
                k.set_page(page, shifted);
                std::set<std::string> seen;
                for (const auto& row : k.rows()) {
                    CHECK(row.size() <= 12);
                    for (const auto& key : row) {
                        INFO(lang << " page " << page << " shift " << shifted << " key " << key.label);
                        CHECK(seen.insert(key.label).second);
                        if (key.action == KeyAction::Page) {
                            CHECK(utf8_codepoints(key.label).size() <= 4);
                            const auto p = k.pages();
                            CHECK(std::find(p.begin(), p.end(), key.page) != p.end());
                            CHECK(key.page != page);
                        }
                    }
                }
            }
    }
}

TEST_CASE("keyboard_upper: Cyrillic, Latin-1, Latin Extended-A and Greek", "[keyboard]") {
    CHECK(keyboard_upper("a") == "A");
    CHECK(keyboard_upper("1") == "1");
    CHECK(keyboard_upper("ж") == "Ж");
    CHECK(keyboard_upper("я") == "Я");
    CHECK(keyboard_upper("і") == "І");
    CHECK(keyboard_upper("ї") == "Ї");
    CHECK(keyboard_upper("є") == "Є");
    CHECK(keyboard_upper("ґ") == "Ґ");
    CHECK(keyboard_upper("ё") == "Ё");
    CHECK(keyboard_upper("ʼ") == "ʼ");
    CHECK(keyboard_upper("ß") == "ß");
    CHECK(keyboard_upper("ÿ") == "Ÿ");
    CHECK(keyboard_upper("ą") == "Ą");
    CHECK(keyboard_upper("ł") == "Ł");
    CHECK(keyboard_upper("ń") == "Ń");
    CHECK(keyboard_upper("ź") == "Ź");
    CHECK(keyboard_upper("ż") == "Ż");
    CHECK(keyboard_upper("ž") == "Ž");
    CHECK(keyboard_upper("ő") == "Ő");
    CHECK(keyboard_upper("Ą") == "Ą");
    CHECK(keyboard_upper("à") == "À");
    CHECK(keyboard_upper("ω") == "Ω");
    CHECK(keyboard_upper("中") == "中");
    CHECK(keyboard_upper("мʼята") == "МʼЯТА");
}

TEST_CASE("utf8 helpers: code points, encoding, bad bytes", "[glyphs]") {
    CHECK(utf8_codepoints("aЖ中\U0010FFFD") == std::u32string{U'a', 0x416, 0x4E2D, 0x10FFFD});
    CHECK(utf8_encode(0x416) == "Ж");
    CHECK(utf8_encode(0x1F600) == "\U0001F600");
    CHECK(utf8_encode(0xD800) == "\uFFFD");
    CHECK(utf8_codepoints("a\xFF" "b") == std::u32string{U'a', 0xFFFD, U'b'});
    CHECK(utf8_codepoints("\xE4\xB8") == std::u32string{0xFFFD});       // truncated
    CHECK(utf8_codepoints("\xC0\xAF") == std::u32string{0xFFFD, 0xFFFD});  // overlong lead, stray continuation
    CHECK(utf8_codepoints("\xED\xA0\x80") == std::u32string{0xFFFD});   // surrogate
    CHECK(codepoint_label(0x4E2D) == "U+4E2D");
    CHECK(codepoint_label(0x10FFFD) == "U+10FFFD");
    CHECK(is_cjk(0x4E2D));
    CHECK(is_cjk(0xFF0C));  // full-width comma
    CHECK_FALSE(is_cjk(0x416));
    CHECK(has_cjk("Hello 你好"));
    CHECK_FALSE(has_cjk("Привіт"));
}

TEST_CASE("shipped_languages and language_text", "[glyphs]") {
    CHECK(shipped_languages(kAssets) ==
          std::vector<std::string>{"ar", "bn", "en", "gd", "pa", "pl", "uk", "ur", "zh-Hans"});
    const auto load = load_survey_file(kAssets + "/surveys/demo.json");
    REQUIRE(load.ok());
    const std::string uk = language_text(kAssets, &*load.survey, "uk");
    CHECK(uk.find("Скажіть свою думку") != std::string::npos);   // survey title in Ukrainian
    CHECK(uk.find("Have your say") == std::string::npos);        // not in English
    CHECK(uk.find("Торкніться, щоб сказати свою думку") != std::string::npos);
    for (const char* name : {"English", "Gàidhlig", "Polski", "Українська", "简体中文", "اردو", "العربية", "ਪੰਜਾਬੀ", "বাংলা"})
        CHECK(uk.find(name) != std::string::npos);
    CHECK(has_all(uk, "ґҐʼ"));                 // the keyboard
    CHECK(uk.find("абв") != std::string::npos);  // its page key
    CHECK(has_all(uk, "0123456789!?@#%&()[]{}<>/\\|~^_+=*;:\"'`$.,-"));
    CHECK(has_all(uk, "—•…"));

    const std::string en = language_text(kAssets, nullptr, "en");
    CHECK(en.find("简体中文") != std::string::npos);  // the picker names every language in its own script
    CHECK_FALSE(has_all(en, "你"));
    CHECK(has_all(language_text(kAssets, nullptr, "zh-Hans"), "问卷"));
}

TEST_CASE("language_texts: English under a language file's gaps, survey text falls back to the default", "[glyphs]") {
    test::TempDir dir("glyphs");
    std::filesystem::create_directories(dir.path / "i18n");
    std::ofstream(dir.path / "i18n" / "en.json") << R"({"language.name": "English", "a": "Apple", "b": "Bread"})";
    std::ofstream(dir.path / "i18n" / "xx.json") << R"({"language.name": "Xish", "a": "Äpfel"})";
    auto load = parse_survey(R"({"format": 1, "id": "s", "version": 1, "languages": ["en", "xx"],
        "title": {"en": "Title", "xx": "Títel"},
        "questions": [{"id": "q", "type": "smiley", "prompt": {"en": "Only English"}}]})");
    REQUIRE(load.ok());
    std::map<std::string, std::string> seen;
    for (const auto& t : language_texts(dir.path.string(), &*load.survey, "xx")) seen[t.where] = t.text;
    CHECK(seen["i18n/xx.json: a"] == "Äpfel");
    CHECK(seen["i18n/xx.json: b"] == "Bread");
    CHECK(seen["survey: title"] == "Títel");
    CHECK(seen["survey: questions[0] (q).prompt"] == "Only English");
    CHECK(seen["i18n/en.json: language.name"] == "English");
    CHECK(seen["i18n/xx.json: language.name"] == "Xish");
}

TEST_CASE("scripts Dear ImGui 1.86 cannot draw are named, with the reason", "[glyphs]") {
    for (const char* ok : {"en", "gd", "pl", "uk", "zh-Hans", "ja", "ko", "ru", "el", "vi", "hy", "ka", "am", "sr-Cyrl",
                           "hi-Latn", "pa-Latn", "ku", "mn", "ur", "ar", "pa", "bn", "AR-eg", "ur-Arab", "pa-Guru"})
        CHECK(unsupported_language(ok) == "");
    for (const char* bad : {"fa", "ps", "ckb", "he", "yi", "hi", "ta", "te", "gu", "ml", "si", "th", "lo", "km", "my",
                            "bo", "ne", "mr", "pa-Arab", "ku-Arab", "uz-Arab", "sd", "dv", "mn-Mong", "bn-Arab"}) {
        INFO(bad);
        CHECK(unsupported_language(bad) != "");
    }
    CHECK(unsupported_language("fa") == "Arabic script needs right-to-left text and joined letter forms");
    CHECK(unsupported_language("pa-Arab").find("right-to-left") != std::string::npos);  // Shahmukhi: not yet
    CHECK(unsupported_language("he") == "Hebrew script needs right-to-left text");
    CHECK(unsupported_language("th").find("word breaking") != std::string::npos);
    CHECK(unsupported_text("Hello, Привіт, 你好") == "");
    CHECK(unsupported_text("Say مرحبا") == "Arabic (U+0645)");
    // Shaped by the kiosk itself, in their own language only.
    CHECK(unsupported_text("آج کا دن کیسا رہا؟", "ur") == "");
    CHECK(unsupported_text("Say مرحبا", "ar") == "");
    CHECK(unsupported_text("ਪੰਜਾਬੀ", "pa") == "");
    CHECK(unsupported_text("আজকের দিন", "bn") == "");
    CHECK(unsupported_text("আজকের দিন। ভালো॥", "bn") == "");  // the danda ends sentences in Bengali and Gurmukhi
    CHECK(unsupported_text("ਅੱਜ ਦਾ ਦਿਨ।", "pa") == "");
    CHECK(unsupported_text("دن।", "ur") == "Devanagari (U+0964)");  // not in Urdu
    CHECK(unsupported_text("नमस्ते।", "bn") == "Devanagari (U+0928)");  // nor Hindi letters in Bengali
    CHECK(unsupported_text("Say مرحبا", "en") == "Arabic (U+0645)");
    CHECK(unsupported_text("ਪੰਜਾਬੀ", "bn") == "Gurmukhi (U+0A2A)");
    CHECK(unsupported_text("مرحبا", "pa-Arab") == "Arabic (U+0645)");
    CHECK(unsupported_text("ਪੰਜਾਬੀ") == "Gurmukhi (U+0A2A)");
    CHECK(unsupported_text("नमस्ते") == "Devanagari (U+0928)");
    CHECK(unsupported_text("ไทย") == "Thai (U+0E44)");
}

namespace {

// The narrowest key of a row when every row is scaled to the width of an 800 px portrait screen (as
// app/ui/screen_keyboard.cpp does: 760 px inside the margins, 10 px between keys).
float narrowest_px(const std::vector<Key>& row) {
    const float inner = 760.f, gap = 10.f;
    float units = 0, narrowest = 1e9f;
    for (const auto& k : row) units += k.width;
    for (const auto& k : row)
        narrowest = std::min(narrowest, (inner - gap * static_cast<float>(row.size() - 1)) / units * k.width);
    return narrowest;
}

std::string row_text(const std::vector<Key>& row) {
    std::string s;
    for (const auto& key : row) s += key.text;
    return s;
}

}  // namespace

TEST_CASE("keyboard: Polish and Gaelic letters are on the first page, capitals under Shift", "[keyboard]") {
    Keyboard k;
    k.set_language("pl");
    k.set_page(kLetters, false);
    auto rows = k.rows();
    REQUIRE(rows.size() == 5);  // as tall as before: digits, three letter rows, the bottom row
    CHECK(row_text(rows[0]) == "1234567890");
    CHECK(row_text(rows[1]) == "qwertyuiopąę");
    CHECK(row_text(rows[2]) == "asdfghjklłóś");
    CHECK(row_text(rows[3]) == "zxcvbnmćńźż.");
    CHECK(has_all(keyboard_all_characters("pl"), ",?'"));  // moved to the symbols page
    k.set_page(kSymbols, false);
    for (const char* l : {",", "?", "'"}) CHECK(labels_on_page(k).count(l));
    k.set_page(kLetters, true);
    std::string all;
    for (const auto& row : k.rows()) all += row_text(row);
    CHECK(has_all(all, "ĄĆĘŁŃÓŚŹŻ"));

    k.set_language("gd");
    k.set_page(kLetters, false);
    rows = k.rows();
    REQUIRE(rows.size() == 5);
    all.clear();
    for (const auto& row : rows) all += row_text(row);
    CHECK(has_all(all, "àèìòù',.?"));
    k.set_page(kLetters, true);
    all.clear();
    for (const auto& row : k.rows()) all += row_text(row);
    CHECK(has_all(all, "ÀÈÌÒÙ"));

    // Typed without leaving the first page.
    std::string text;
    k.set_language("pl");
    k.reset();
    for (const char* l : {"Ż", "ó", "ł", "w"}) press_label(k, text, l);
    CHECK(text == "Żółw");
    CHECK(k.page() == kLetters);
    text.clear();
    k.set_language("gd");
    k.reset();
    for (const char* l : {"Ò", "r", "a", "n"}) press_label(k, text, l);
    CHECK(text == "Òran");
    CHECK(k.page() == kLetters);

    // English and Chinese keep the plain QWERTY page.
    for (const char* lang : {"en", "zh-Hans"}) {
        k.set_language(lang);
        k.set_page(kLetters, false);
        CHECK(k.rows().size() == 5);
        CHECK(row_text(k.rows()[1]) == "qwertyuiop");
    }
}

TEST_CASE("keyboard: no key is narrower than before on an 800 px portrait screen", "[keyboard]") {
    // Before this change the narrowest key was on Ukrainian's rows of 12 letters.
    const float before = narrowest_px(std::vector<Key>(12, Key{"x", "x", KeyAction::Insert, 1.0f, 0}));
    for (const char* lang : {"en", "gd", "pl", "uk", "zh-Hans", "ur", "ar", "pa", "bn"})
        for (KeyboardKind kind : {KeyboardKind::Text, KeyboardKind::Address}) {
            Keyboard k;
            k.set_kind(kind);
            k.set_language(lang);
            for (int page : k.pages())
                for (bool shifted : {false, true}) {
                    k.set_page(page, shifted);
                    for (const auto& row : k.rows()) {
                        INFO(lang << " kind " << static_cast<int>(kind) << " page " << page << " row " << row_text(row));
                        CHECK(row.size() <= 12);
                        CHECK(narrowest_px(row) >= before - 0.01f);
                    }
                }
        }
}

TEST_CASE("keyboard: the address layout types a hub URL on one page", "[keyboard]") {
    for (const char* lang : {"en", "uk", "pl"}) {
        INFO(lang);
        Keyboard k;
        k.set_language(lang);
        k.set_kind(KeyboardKind::Address);
        CHECK(k.kind() == KeyboardKind::Address);
        CHECK(k.page() == kLetters);
        CHECK_FALSE(k.shifted());  // addresses are lower case
        CHECK(k.pages() == std::vector<int>{kLetters, kSymbols});
        const auto labels = labels_on_page(k);
        for (const char* l : {".", ":", "/", "-", "_", "~", "0", "9", "a", "z", "?123", "Delete", "Done", "Shift"})
            CHECK(labels.count(l));
        CHECK_FALSE(labels.count("Space"));

        std::string text;
        const std::string url = "https://hub.example.org:8443/x";
        for (char32_t c : utf8_codepoints(url)) press_label(k, text, utf8_encode(c));
        CHECK(text == url);
        CHECK(k.page() == kLetters);
        CHECK_FALSE(k.shifted());
        // Delete back to empty stays lower case; Shift gives one capital, then lower case again.
        while (!text.empty()) press_label(k, text, "Delete");
        CHECK_FALSE(k.shifted());
        press_label(k, text, "Shift");
        press_label(k, text, "A");
        press_label(k, text, "b");
        CHECK(text == "Ab");
        // The symbols page and back.
        press_label(k, text, "?123");
        CHECK(k.page() == kSymbols);
        press_label(k, text, "@");
        press_label(k, text, "abc");
        CHECK(k.page() == kLetters);
        CHECK(text == "Ab@");
        // Back to text: the language's own layout and a capital first.
        k.set_kind(KeyboardKind::Text);
        CHECK(k.shifted());
        CHECK(k.pages().size() == 3);
    }
}

namespace {

std::string row_texts(const std::vector<Key>& row) {
    std::string out;
    for (const auto& k : row) out += k.text;
    return out;
}

}  // namespace

TEST_CASE("keyboard: Urdu, Arabic, Gurmukhi and Bengali letters from the X layouts, Shift the second level", "[keyboard]") {
    struct Case {
        const char* lang;
        const char* row1;          // the first letter row, as xkb has it
        const char* row1_shifted;  // its second level
        const char* page_label;    // the key back to these letters
        const char* alphabet;      // every letter a text needs, on some page
    };
    const Case cases[] = {
        {"ur", "قوعرتےءیہپ", "ْؤٰڑٹَئِۃُ", "ابپ", "ابپتٹثجچحخدڈذرڑزژسشصضطظعغفقکگلمنںوہھءیےۃآؤئ،۔؟"},
        {"ar", "ضصثقفغعهخحجد", "َ ًُ ٌلإإ`÷×؛<>", "أبت", "ابتثجحخدذرزسشصضطظعغفقكلمنهويىةءأإآؤئ،؟"},
        {"pa", "ੌੈਾੀੂਬਹਗਦਜਡ਼", "ਔਐਆਈਊਭਙਘਧਝਢਞ", "ਕਖਗ",
         "ਅਆਇਈਉਊਏਐਓਔਸਹਕਖਗਘਙਚਛਜਝਞਟਠਡਢਣਤਥਦਧਨਪਫਬਭਮਯਰਲਵੜਾਿੀੁੂੇੈੋੌੰਂੱ਼੍।੦੧੨੩੪੫੬੭੮੯"},
        {"bn", "ৌৈাীূবহগদজড়", "ঔঐআঈঊভঙঘধঝঢঞ", "কখগ",
         "অআইঈউঊঋএঐওঔকখগঘঙচছজঝঞটঠডঢণতথদধনপফবভমযরলশষসহৎংঃঁািীুূৃেৈোৌ়্।০১২৩৪৫৬৭৮৯"},
    };
    for (const auto& c : cases) {
        INFO(c.lang);
        Keyboard k;
        k.set_language(c.lang);
        CHECK(k.pages() == std::vector<int>{kLetters, kLatin, kSymbols});
        CHECK_FALSE(k.cased());
        k.reset();
        CHECK_FALSE(k.shifted());  // no capitals: a fresh text does not start on the second level
        auto rows = k.rows();
        REQUIRE(rows.size() == 5);
        CHECK(row_texts(rows[1]) == c.row1);
        auto labels = labels_on_page(k);
        CHECK(labels.count("abc"));
        CHECK(labels.count("?123"));
        k.set_page(kLetters, true);
        std::string shifted = row_texts(k.rows()[1]);
        std::string want = c.row1_shifted;
        want.erase(std::remove(want.begin(), want.end(), ' '), want.end());
        CHECK(shifted == want);
        k.set_page(kLatin, false);
        labels = labels_on_page(k);
        CHECK(labels.count(c.page_label));
        CHECK(labels.count("q"));
        CHECK(has_all(keyboard_all_characters(c.lang), c.alphabet));
        CHECK(has_all(keyboard_all_characters(c.lang), "qwertyuiopQWERTYUIOP0123456789?!@"));
        // Every key's text is in Unicode NFC, as the strings and surveys are.
        for (int page : k.pages())
            for (bool sh : {false, true}) {
                k.set_page(page, sh);
                for (const auto& row : k.rows())
                    for (const auto& key : row) {
                        INFO("key " << key.label);
                        for (char32_t cp : utf8_codepoints(key.text)) {
                            // The composition exclusions these scripts have (written as letter + nukta in NFC).
                            for (char32_t x : {0x0A33, 0x0A36, 0x0A59, 0x0A5A, 0x0A5B, 0x0A5E, 0x09DC, 0x09DD, 0x09DF})
                                CHECK(cp != x);
                            CHECK_FALSE((cp >= 0xFB50 && cp <= 0xFEFF));  // no presentation forms
                        }
                    }
            }
    }
}

namespace {

// A fresh keyboard in `lang` and the text it types; type() presses keys by label, in order.
struct Typist {
    Keyboard k;
    std::string text;
    explicit Typist(const char* lang) {
        k.set_language(lang);
        k.reset();
    }
    Typist& type(std::initializer_list<const char*> labels, std::size_t max = 100) {
        for (const char* l : labels) press_label(k, text, l, max);
        return *this;
    }
};

}  // namespace

TEST_CASE("keyboard: typing Urdu, Arabic, Gurmukhi and Bengali, and Delete takes one code point in logical order", "[keyboard]") {
    SECTION("Urdu: a word, the second level for one key, Delete from the logical end") {
        Typist t("ur");
        t.type({"س", "ل", "ا", "م", "Space"});
        CHECK_FALSE(t.k.shifted());  // no capital after a space either
        t.type({"Shift"});
        CHECK(t.k.shifted());
        t.type({"ٹ"});                 // on the second level of ت
        CHECK_FALSE(t.k.shifted());   // one key, then back
        t.type({"Shift", "ھ"});
        CHECK(t.text == "سلام ٹھ");
        t.type({"Delete"});
        CHECK(t.text == "سلام ٹ");
        t.type({"Delete", "Delete"});
        CHECK(t.text == "سلام");  // the space went as one character, then the last letter typed (م)...
        t.type({"Delete"});
        CHECK(t.text == "سلا");   // ...is the logical last, whatever side it is drawn on
    }
    SECTION("Urdu with a Latin word inside: the Latin page and back") {
        Typist t("ur");
        t.type({"ا", "Space", "abc"});
        CHECK(t.k.page() == kLatin);
        t.type({"b", "ابپ"});
        CHECK(t.k.page() == kLetters);
        t.type({"پ"});
        CHECK(t.text == "ا bپ");
        t.type({"Delete"});
        CHECK(t.text == "ا b");
    }
    SECTION("Arabic: lam-alef types lam and alef, Delete takes the alef") {
        Typist t("ar");
        CHECK(t.type({"س", "لا", "م"}).text == "سلام");
        CHECK(t.type({"Delete", "Delete"}).text == "سل");
    }
    SECTION("Bengali: a vowel sign goes on its own, the consonant stays") {
        Typist t("bn");
        CHECK(t.type({"ক", "ি", "ন", "্", "ত", "ু"}).text == "কিন্তু");
        CHECK(t.type({"Delete"}).text == "কিন্ত");  // the vowel sign only
        // The conjunct comes apart one code point at a time: ত, then the virama.
        CHECK(t.type({"Delete", "Delete"}).text == "কিন");
        CHECK(t.type({"য়"}).text == "কিনয়");
        CHECK(utf8_codepoints(t.text).back() == 0x09BC);  // য় is য + nukta (NFC)
        CHECK(t.type({"Delete"}).text == "কিনয");
    }
    SECTION("Gurmukhi: addak and the second level") {
        Typist t("pa");
        CHECK(t.type({"Shift", "ਅ", "ੱ", "ਜ"}).text == "ਅੱਜ");
        CHECK(t.type({"Delete"}).text == "ਅੱ");
    }
    SECTION("Delete on an empty text does nothing, and max_chars counts code points") {
        Typist t("bn");
        CHECK(t.type({"Delete"}).text.empty());
        CHECK(t.type({"ক", "ি", "ন"}, 2).text == "কি");
    }
}
