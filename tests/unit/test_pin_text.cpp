// PIN hashing and lockout; personal-details detection; the keyboard's text editing; UI strings.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "engage/keyboard.h"
#include "engage/pin.h"
#include "engage/strings.h"
#include "engage/textcheck.h"

using namespace engage;
using namespace std::chrono_literals;

TEST_CASE("pin: stored as a salted slow hash, verified, never plain") {
    const std::string h1 = hash_pin("2468");
    const std::string h2 = hash_pin("2468");
    CHECK(h1.rfind("$argon2id$", 0) == 0);
    CHECK(h1 != h2);  // salted
    CHECK(h1.find("2468") == std::string::npos);
    CHECK(verify_pin(h1, "2468"));
    CHECK_FALSE(verify_pin(h1, "2469"));
    CHECK_FALSE(verify_pin("", "2468"));
    CHECK_FALSE(verify_pin("garbage", "2468"));
    CHECK(pin_is_well_formed("1234"));
    CHECK(pin_is_well_formed("12345678"));
    CHECK_FALSE(pin_is_well_formed("123"));
    CHECK_FALSE(pin_is_well_formed("123456789"));
    CHECK_FALSE(pin_is_well_formed("12a4"));
}

TEST_CASE("pin: five wrong tries lock it for 60 seconds") {
    ManualTime t;
    PinGuard g(t);
    const std::string h = hash_pin("1357");
    for (int i = 0; i < 4; ++i) CHECK_FALSE(g.attempt(h, "0000"));
    CHECK(g.tries_left() == 1);
    CHECK_FALSE(g.locked());
    CHECK_FALSE(g.attempt(h, "0000"));
    CHECK(g.locked());
    CHECK_FALSE(g.attempt(h, "1357"));  // even the right PIN is refused while locked
    t.advance(59s);
    CHECK(g.locked());
    CHECK(g.lock_left() == 1s);
    t.advance(1s);
    CHECK_FALSE(g.locked());
    CHECK(g.attempt(h, "1357"));
    CHECK(g.tries_left() == PinGuard::kMaxTries);
}

TEST_CASE("pin: the count and the lock survive a restart") {
    ManualTime t;
    PinGuard g(t);
    g.restore(3, Millis(0));
    CHECK(g.tries_left() == 2);
    CHECK_FALSE(g.locked());
    g.restore(5, 40s);
    CHECK(g.locked());
    CHECK(g.lock_left() == 40s);
    g.restore(5, std::chrono::hours(5));  // a clock set wrong never locks for longer than the lockout
    CHECK(g.lock_left() == PinGuard::kLockout);
}

TEST_CASE("textcheck: emails and phone numbers are noticed, ordinary text is not") {
    CHECK(looks_like_email("mail me at jo.bloggs+x@example.org please"));
    CHECK(looks_like_email("a@b.co"));
    CHECK_FALSE(looks_like_email("meet @ the hall"));
    CHECK_FALSE(looks_like_email("user@localhost"));
    CHECK(looks_like_phone("call 07700 900123"));
    CHECK(looks_like_phone("+44 (0)131 496 0000"));
    CHECK(looks_like_phone("0131-496-0000"));
    CHECK_FALSE(looks_like_phone("we were 25 people in 2024"));
    CHECK_FALSE(looks_like_phone("bus 22 at 10:30"));
    CHECK_FALSE(looks_personal("More benches in the park, and longer opening hours."));
}

TEST_CASE("keyboard: typing, capitals, accents, delete, the length limit") {
    Keyboard k;
    std::string text;
    auto press_label = [&](const std::string& label) {
        for (const auto& row : k.rows())
            for (const auto& key : row)
                if (key.label == label) return k.press(key, text, 12);
        FAIL("no key " << label << " on page " << k.page());
        return false;
    };
    press_label("H");  // starts shifted
    press_label("i");
    CHECK(text == "Hi");
    press_label("Space");
    press_label("àé");
    press_label("ł");
    press_label("ó");
    CHECK(text == "Hi łó");
    press_label("Delete");
    CHECK(text == "Hi ł");
    CHECK(utf8_length(text) == 4);
    press_label("abc");
    for (int i = 0; i < 20; ++i) press_label("z");
    CHECK(utf8_length(text) == 12);  // never past the limit
    CHECK(press_label("Done"));
    CHECK(keyboard_upper("ż") == "Ż");
}

TEST_CASE("keyboard: no page repeats a key (labels are unique for taps and ids)") {
    Keyboard k;
    for (int page : {kLetters, kSymbols, kAccents})
        for (bool shifted : {false, true}) {
            k.set_page(page, shifted);
            std::set<std::string> seen;
            for (const auto& row : k.rows())
                for (const auto& key : row) {
                    INFO("page " << page << " shift " << shifted << " key " << key.label);
                    CHECK(seen.insert(key.label).second);
                }
        }
    CHECK(keyboard_all_characters().find("Ź") != std::string::npos);
}

TEST_CASE("strings: every key the app uses exists in en.json") {
    std::map<std::string, std::string> en;
    std::string err;
    REQUIRE(read_strings_file(std::string(ENGAGE_ASSETS) + "/i18n/en.json", en, err));
    const std::filesystem::path app = std::filesystem::path(ENGAGE_ASSETS).parent_path() / "app";
    const std::regex use(R"re((?:\bt|\bfmt)\("([a-z_]+\.[a-z_.]+)")re");
    std::set<std::string> missing;
    int uses = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(app)) {
        if (e.path().extension() != ".cpp") continue;
        std::ifstream in(e.path());
        std::stringstream ss;
        ss << in.rdbuf();
        const std::string src = ss.str();
        for (std::sregex_iterator it(src.begin(), src.end(), use), end; it != end; ++it) {
            ++uses;
            if (!en.count((*it)[1])) missing.insert((*it)[1]);
        }
    }
    CHECK(uses > 50);
    INFO("missing keys: " << [&] { std::string m; for (const auto& k : missing) m += k + " "; return m; }());
    CHECK(missing.empty());
    Strings s;
    REQUIRE(s.load(std::string(ENGAGE_ASSETS) + "/i18n", "en"));
    CHECK(s.fmt("question.progress", {{"n", "2"}, {"total", "7"}}) == "Question 2 of 7");
    CHECK(s.get("no.such.key") == "no.such.key");
}
