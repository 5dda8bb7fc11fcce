// engage/json_fast.h: its canonical text is nlohmann's parse().dump(), or it gives up; never a third answer.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "engage/json_fast.h"

namespace {

// canonical(text) either gives up or writes exactly what nlohmann writes; `must` says which is expected.
enum class Expect { Same, GiveUp, Either };
void check(const std::string& text, Expect must = Expect::Same) {
    INFO("text: " << text);
    std::string out;
    const bool ok = engage::json_fast::canonical(text, out);
    if (must == Expect::Same) REQUIRE(ok);
    if (must == Expect::GiveUp) REQUIRE_FALSE(ok);
    if (ok) {
        const auto j = nlohmann::json::parse(text);  // canonical() accepted it: nlohmann must too
        REQUIRE(out == j.dump());
    }
}

// A random value with strings full of what needs care: quotes, backslashes, control characters, non-ASCII,
// characters outside the BMP; objects with keys in insertion order (ordered_json), so the text is unsorted.
nlohmann::ordered_json random_value(std::mt19937& rng, int depth) {
    std::uniform_int_distribution<int> kind(0, depth > 4 ? 4 : 7);
    auto str = [&] {
        static const char* const pieces[] = {"a", "Z", " ", "\"", "\\", "/", "\n", "\t", "\x01", "\x1f", "\x7f",
                                             "é", "ł", "ب", "ਸ", "中", "😀", "\xF0\x9F\x8F\xB3", "0", "-", "{", "]"};
        std::string s;
        const int n = std::uniform_int_distribution<int>(0, 8)(rng);
        for (int i = 0; i < n; ++i) s += pieces[std::uniform_int_distribution<std::size_t>(0, std::size(pieces) - 1)(rng)];
        return s;
    };
    switch (kind(rng)) {
        case 0: return nullptr;
        case 1: return std::uniform_int_distribution<int>(0, 1)(rng) == 1;
        case 2: return std::uniform_int_distribution<std::int64_t>(INT64_MIN, INT64_MAX)(rng);
        case 3: return std::uniform_int_distribution<std::uint64_t>(0, UINT64_MAX)(rng);
        case 4: return str();
        case 5: {
            auto a = nlohmann::ordered_json::array();
            const int n = std::uniform_int_distribution<int>(0, 4)(rng);
            for (int i = 0; i < n; ++i) a.push_back(random_value(rng, depth + 1));
            return a;
        }
        default: {
            auto o = nlohmann::ordered_json::object();
            const int n = std::uniform_int_distribution<int>(0, 5)(rng);
            for (int i = 0; i < n; ++i) o[str()] = random_value(rng, depth + 1);  // ordered_json: one of each key
            return o;
        }
    }
}

}  // namespace

TEST_CASE("json_fast: the canonical text is nlohmann's dump of the parsed text", "[json_fast]") {
    check(R"({"b":1,"a":{"selected":["x","y"]},"c":null})");
    check(R"( { "mood" : { "number" : 3 } , "ideas" : { "text" : "a \"quoted\" word\\n" } } )");
    check(R"({"text":"\u00e9\u0142\ud83d\ude00 \/ \b\f\n\r\t \u0001 \u007f é"})");
    check(R"([1,-2,0,-0,18446744073709551615,-9223372036854775808,true,false,null,"",[],{}])");
    check(R"({"":1,"A":2,"a":3,"é":4,"\u0000":5})");
    check("\"\x7f\"");
}

TEST_CASE("json_fast: gives up where nlohmann reads otherwise or the text is not JSON", "[json_fast]") {
    for (const char* t : {"1.0", "1e2", "-1E-2", "18446744073709551616", "-9223372036854775809",
                          R"({"a":1,"a":2})", R"({"b":1,"a":2,"b":3})"})
        check(t, Expect::GiveUp);
    std::string out;
    for (const char* t : {"", "{", "{\"a\"}", "{\"a\":}", "[1,]", "[1 2]", "01", "-", "tru", "nul", "\"abc",
                          "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"a\nb\"",
                          "\"\xC0\xAF\"", "\"\xED\xA0\x80\"", "\"\xF4\x90\x80\x80\"", "\"\xE2\x82\"", "\"\x80\"",
                          "{} {}", "[]]", "{\"a\":1,}"}) {
        INFO("text: " << t);
        REQUIRE_FALSE(engage::json_fast::canonical(t, out));
        REQUIRE(nlohmann::json::parse(t, nullptr, false).is_discarded());  // and nlohmann refuses it too
    }
    // Nesting past the limit.
    REQUIRE_FALSE(engage::json_fast::canonical(std::string(65, '[') + std::string(65, ']'), out, 64));
    REQUIRE(engage::json_fast::canonical(std::string(64, '[') + std::string(64, ']'), out, 64));
}

TEST_CASE("json_fast: random values, unsorted and escaped every way, read as nlohmann reads them", "[json_fast]") {
    std::mt19937 rng(20261206);
    int same = 0;
    for (int i = 0; i < 3000; ++i) {
        const auto v = random_value(rng, 0);
        const int indent = std::uniform_int_distribution<int>(-1, 2)(rng);
        const bool ascii = std::uniform_int_distribution<int>(0, 1)(rng) == 1;
        check(v.dump(indent, ' ', ascii));
        ++same;
    }
    REQUIRE(same == 3000);
}

TEST_CASE("json_fast: append_escaped writes dump()'s escapes", "[json_fast]") {
    std::string s;
    for (int c = 1; c < 256; ++c) s += static_cast<char>(c);
    s = "\xC3\xA9" + s.substr(0, 127) + "\xE2\x82\xAC";  // ASCII 1..127 between two non-ASCII characters
    std::string out;
    engage::json_fast::append_escaped(out, s);
    REQUIRE("\"" + out + "\"" == nlohmann::json(s).dump());
}
